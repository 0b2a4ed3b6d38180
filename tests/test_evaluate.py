"""Evaluation rows: protocols are labelled and held-out metrics use held-out samples only."""

import numpy as np
import pandas as pd
import pytest

from norank.data.artifact import Dataset
from norank.errors import DataError, NorankError
from norank.evaluate import evaluate_run, load_embedding, metric_learning_reconstruction, rank_sensitivity_table


def toy_dataset(n_per=12, C=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(C), n_per)
    X = (np.eye(C)[y][:, :, None] * 3 + rng.normal(size=(len(y), C, 4))).astype(np.float32)
    return Dataset("toy", X, y, tuple("abc"[:C]), np.arange(len(y)).astype(str), {})


def write_train_embedding(path, Z, role):
    np.savez(path, Z=Z, role=np.asarray(role), y=np.zeros(len(Z)))


def test_paper_protocol_rows_cover_all_samples(tmp_path):
    ds = toy_dataset()
    Z = ds.X.reshape(len(ds.y), -1)[:, :3]
    write_train_embedding(tmp_path / "e.npz", Z, ["fit"] * 30 + ["val"] * 6)
    rows = evaluate_run(ds, tmp_path / "e.npz", method="metric_learning", split="all", seed=0)
    assert {r["protocol"] for r in rows} == {"paper"} and {r["split"] for r in rows} == {"all"}
    assert {r["subset"] for r in rows} == {"all", "reconstruction_in_sample"}
    metrics = {r["metric"] for r in rows}
    assert {"silhouette_true_labels", "silhouette_kmeans", "separation_ratio", "continuity", "map_at_r",
            "ari_kmeans", "relative_error"} <= metrics


def test_heldout_metrics_see_only_heldout_samples(tmp_path):
    ds = toy_dataset()
    Z = ds.X.reshape(len(ds.y), -1)[:, :3].copy()
    role = np.array(["fit"] * len(Z), dtype=object)
    held = np.arange(len(Z)) % 4 == 0
    role[held] = "heldout"
    write_train_embedding(tmp_path / "e.npz", Z, role.astype(str))
    rows = evaluate_run(ds, tmp_path / "e.npz", method="metric_learning", split="fold0", seed=0)
    # scrambling the training samples' embeddings must not change any held-out-only metric
    Z2 = Z.copy()
    Z2[~held] = np.random.default_rng(1).normal(size=((~held).sum(), 3))
    write_train_embedding(tmp_path / "e2.npz", Z2, role.astype(str))
    rows2 = evaluate_run(ds, tmp_path / "e2.npz", method="metric_learning", split="fold0", seed=0)
    only_heldout = lambda rs: {(r["subset"], r["metric"]): r["value"] for r in rs if r["subset"] in ("heldout", "heldout->heldout")}
    assert only_heldout(rows) == only_heldout(rows2)
    assert {r["protocol"] for r in rows} == {"heldout"}
    assert {"heldout", "heldout->train", "heldout->heldout", "reconstruction_heldout"} <= {r["subset"] for r in rows}


def test_load_embedding_reads_baseline_layout(tmp_path):
    np.savez(tmp_path / "b.npz", Z=np.zeros((3, 2)), index=np.array([4, 0, 2]), role=np.array(["train", "train", "heldout"]))
    idx, Z, role = load_embedding(tmp_path / "b.npz")
    assert idx.tolist() == [4, 0, 2] and role.tolist() == ["train", "train", "heldout"]


def test_summary_pools_seeds_and_folds_with_sample_sd():
    import pandas as pd

    from norank.evaluate import summarize_metrics

    rows = []
    for split, seed, v in [("fold0", 0, 1.0), ("fold1", 0, 2.0), ("fold0", 1, 3.0), ("fold1", 1, 6.0)]:
        rows.append(dict(dataset="d", method="cp-R5", rank=5, protocol="heldout", split=split, seed=seed,
                         subset="heldout", metric="nmi_kmeans", value=v, subsampled=split == "fold1" and seed == 1))
    rows.append(dict(dataset="d", method="pca", rank=None, protocol="paper", split="all", seed=0,
                     subset="all", metric="nmi_kmeans", value=0.5, subsampled=False))
    s = summarize_metrics(pd.DataFrame(rows)).set_index("method")
    cp = s.loc["cp-R5"]
    assert cp["mean"] == 3.0 and cp["sd"] == np.std([1, 2, 3, 6], ddof=1)
    assert (cp["n_runs"], cp["n_seeds"], cp["n_folds"], cp["subsampled"]) == (4, 2, 2, True)
    assert cp["rank"] == 5 and pd.isna(s.loc["pca", "rank"])
    assert s.loc["pca", "mean"] == 0.5 and np.isnan(s.loc["pca", "sd"]) and not s.loc["pca", "subsampled"]


def test_metric_learning_reconstruction_in_sample_on_training_samples():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(12, 3))
    W = rng.normal(size=(3, 4))
    X = (Z @ W + 1.0).reshape(12, 2, 2)  # exactly linear in Z
    role = np.array(["train"] * 10 + ["heldout"] * 2)
    hat, err = metric_learning_reconstruction(X, np.arange(12), Z, role, np.array([3, 1]))
    np.testing.assert_allclose(hat, X[[3, 1]], atol=1e-8)
    assert err < 1e-8
    with pytest.raises(NorankError, match="11"):
        metric_learning_reconstruction(X, np.arange(12), Z, role, np.array([11]))


def rank_summary():
    rows = []
    for d in ("a", "b"):
        for m in ("silhouette_true_labels", "nmi_kmeans", "ari_kmeans"):
            rows.append(dict(dataset=d, method="metric_learning", rank=pd.NA, protocol="paper", subset="all", metric=m,
                             mean=0.9, sd=0.05, n_seeds=3))
            for fam in ("cp", "tucker"):
                for r in (2, 5, 10):
                    rows.append(dict(dataset=d, method=f"{fam}-R{r}", rank=r, protocol="paper", subset="all", metric=m,
                                     mean=r / 20, sd=0.01, n_seeds=3))
            rows.append(dict(dataset=d, method="cp-R5", rank=5, protocol="heldout", subset="heldout", metric=m,
                             mean=-1.0, sd=0.0, n_seeds=3))
    return pd.DataFrame(rows)


def test_rank_sensitivity_table_keeps_the_paper_protocol_rows_of_the_datasets_and_metrics():
    table = rank_sensitivity_table(rank_summary(), ["a"], ["nmi_kmeans"])
    assert set(table.protocol) == {"paper"} and set(table.dataset) == {"a"} and set(table.metric) == {"nmi_kmeans"}
    assert sorted(table.family.unique()) == ["cp", "metric_learning", "tucker"] and len(table) == 7


def test_rank_sensitivity_names_the_file_when_rows_are_missing():
    s = rank_summary()
    s = s[~((s.dataset == "b") & (s.method == "metric_learning") & (s.metric == "nmi_kmeans"))]
    with pytest.raises(DataError, match="summary.csv.*metric_learning / b / nmi_kmeans"):
        rank_sensitivity_table(s, ["a", "b"], source="results/metrics/summary.csv")
