"""Training histories: written and read back, the kept epoch, and the mean over runs of a study."""

import json

import numpy as np
import pandas as pd
import pytest

from norank.errors import DataError
from norank.ml.history import LOSS_TERMS, mean_history, read_best_epoch, read_history, write_history


def test_a_history_reads_back_as_written_and_a_missing_term_names_the_file(tmp_path):
    rows = [{"epoch": e, **{t: 1.0 / e for t in LOSS_TERMS}, "val_precision_at_1": float("nan")} for e in (1, 2)]
    path = tmp_path / "history.tsv"
    write_history(path, rows)
    pd.testing.assert_frame_equal(read_history(path), pd.DataFrame(rows))
    write_history(path, [{k: v for k, v in row.items() if k != "uniformity"} for row in rows])
    with pytest.raises(DataError, match="history.tsv.*uniformity"):
        read_history(path)
    assert list(read_history(path, terms=()).columns) == [c for c in rows[0] if c != "uniformity"]
    with pytest.raises(DataError, match="does not exist"):
        read_history(tmp_path / "absent.tsv")


def test_the_kept_epoch_comes_from_the_embeddings_meta(tmp_path):
    emb = tmp_path / "embeddings.npz"
    np.savez(emb, Z=np.zeros((2, 2)), meta=np.asarray(json.dumps({"best_epoch": 7})))
    assert read_best_epoch(emb) == 7
    np.savez(emb, Z=np.zeros((2, 2)))
    with pytest.raises(DataError, match="embeddings.npz"):
        read_best_epoch(emb)


def test_mean_history_averages_runs_that_stopped_at_different_epochs():
    a = pd.DataFrame({"epoch": [1, 2, 3], "variance_ratio": [1.0, 2.0, 3.0]})
    b = pd.DataFrame({"epoch": [1, 2], "variance_ratio": [3.0, 4.0]})
    m = mean_history([a, b], ["variance_ratio", "active_ratio"])
    assert m.variance_ratio.tolist() == [2.0, 3.0, 3.0] and m.n_runs.tolist() == [2, 2, 1]
    assert "active_ratio" not in m.columns
