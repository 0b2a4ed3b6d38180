"""The paper's published numbers (config/paper_values.csv) are complete and self-consistent."""

from pathlib import Path

import numpy as np
import pandas as pd

PAPER = Path(__file__).resolve().parents[1] / "config" / "paper_values.csv"
KEYS = ["table", "dataset", "method", "rank", "n_train", "metric"]


def load():
    return pd.read_csv(PAPER, dtype={"printed": str}, keep_default_na=False,
                       converters={"value": lambda v: float(v) if v else np.nan})


def test_every_cell_of_tables_2_to_6_is_there_once():
    df = load()
    # Table 2: 2 datasets x 10 methods x 7 metrics; 3: 10 x 8; 4: 2 x 10 x 8; 5: 5 x 3 x 2; 6: 14 sizes x 3
    assert df.groupby("table").size().to_dict() == {2: 140, 3: 80, 4: 160, 5: 30, 6: 42}
    assert not df.duplicated(KEYS).any()
    methods = {"pca", "tsne", "umap", "cp", "tucker", "metric_learning"}
    assert set(df[df.table < 6].method) == methods and set(df[df.table == 6].method) == {"metric_learning", "pca_svm", "transformer"}
    for t, metrics in {2: 7, 3: 8, 4: 8}.items():
        assert (df[df.table == t].groupby(["dataset", "method", "rank"]).metric.nunique() == metrics).all()


def test_only_the_transformer_column_is_na():
    df = load()
    na = df[df.value.isna()]
    assert (na.printed == "NA").all() and set(na.method) == {"transformer"} and len(na) == 14


def test_table5_explained_variance_is_one_minus_squared_error():
    # a transcription check: the paper's EV = 1 - err^2 (relative Frobenius error), to rounding
    t5 = load().query("table == 5").pivot_table(index=["dataset", "method"], columns="metric", values="value")
    np.testing.assert_allclose(t5.explained_variance, 1 - t5.relative_error**2, atol=2e-3)
