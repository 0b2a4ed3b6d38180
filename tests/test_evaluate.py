"""Evaluation rows: protocols are labelled and held-out metrics use held-out samples only."""

import numpy as np

from norank.data.artifact import Dataset
from norank.evaluate import evaluate_run, load_embedding


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
