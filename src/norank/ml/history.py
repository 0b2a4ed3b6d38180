"""A training run's per-epoch record: ``history.tsv`` (one row per epoch, written by
:func:`norank.ml.train.save_training` through :func:`write_history`), the epoch whose weights the
run kept (``best_epoch`` in its ``embeddings.npz`` meta), and the mean over runs of a study.

No torch here: the figures read training runs without importing the trainer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from norank.errors import DataError, NorankError

# the loss-term columns a history may hold: eq. 13's terms (each only when its weight is > 0), then their sum
LOSS_TERMS = ("triplet", "diversity", "uniformity", "local", "global", "total")


def write_history(path, rows: Sequence[dict]) -> None:
    """Write the per-epoch ``rows`` (dicts of column -> value) to ``path`` as a TSV, one row per epoch."""
    import pandas as pd

    pd.DataFrame(rows).to_csv(path, sep="\t", index=False)


def read_history(path, terms: Sequence[str] = LOSS_TERMS) -> "pd.DataFrame":
    """A training ``history.tsv``; a missing file or missing ``terms`` columns raise, naming the file."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DataError(f"training history {path} does not exist. Run snakemake to build it.")
    df = pd.read_csv(path, sep="\t")
    missing = [c for c in ("epoch", *terms) if c not in df.columns]
    if missing or df.empty:
        raise DataError(f"training history {path} lacks columns {missing} or has no epochs.")
    return df


def read_best_epoch(embeddings_path) -> int:
    """The epoch whose weights a training run kept (early stopping), from its ``embeddings.npz`` meta."""
    with np.load(embeddings_path) as z:
        if "meta" not in z.files:
            raise DataError(f"{embeddings_path} has no training meta (best_epoch); rebuild the training run.")
        meta = json.loads(str(z["meta"]))
    if "best_epoch" not in meta:
        raise DataError(f"{embeddings_path}: training meta has no best_epoch.")
    return int(meta["best_epoch"])


def mean_history(histories: Sequence["pd.DataFrame"], columns: Sequence[str]) -> "pd.DataFrame":
    """Per epoch, the mean of ``columns`` over the runs that reached that epoch (runs stop early at
    different epochs), with ``n_runs``; a column no run recorded is left out."""
    import pandas as pd

    if not histories:
        raise NorankError("no training histories to average.")
    df = pd.concat(histories, ignore_index=True)
    cols = [c for c in columns if c in df.columns]
    out = df.groupby("epoch")[cols].mean()
    out["n_runs"] = df.groupby("epoch").size()
    return out.reset_index()
