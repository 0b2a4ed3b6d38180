"""Not a speed benchmark: the evidence behind the baseline rows of config/deviation_notes.csv.

Fits the paper's rank-free and decomposition baselines (norank.baselines, the configured
options) on a dataset artifact under several input normalisations, and prints the cells of
Tables 2-3 they give (k-means-label Sil. / DB / CH, SR, trustworthiness, continuity, ARI, NMI),
to set next to the printed cells (config/paper_values.csv):

    python benchmarks/baseline_inputs.py results/raw/abide.npz --methods pca tsne umap cp-R5 tucker-R5
    python benchmarks/baseline_inputs.py results/data/olivetti.npz --methods umap --variants as_is --seeds 42 0 1 2

Variants: ``as_is`` (the artifact's matrices), ``zscore_per_sample`` (the pipeline's prepare
step), ``fisher_z`` (arctanh of correlations), ``feature_standardised`` (each entry standardised
over samples), ``l2_per_sample``. Give the raw ABIDE artifact (results/raw/abide.npz) to compare
the pipeline's per-subject standardisation with un-standardised correlations. Seed 42 is the
official code's ``random_state`` for t-SNE and UMAP (metric learning/main.py:47-48).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import yaml
from sklearn.preprocessing import StandardScaler

from norank.baselines import fit_baseline
from norank.data import load_dataset
from norank.errors import NorankError
from norank.methods import Method
from norank.data.preprocess import zscore_per_sample
from norank.metrics import evaluate_embedding

REPO = Path(__file__).resolve().parents[1]
SHOWN = ("silhouette_kmeans", "davies_bouldin_kmeans", "calinski_harabasz_kmeans", "silhouette_true_labels",
         "davies_bouldin_true_labels", "calinski_harabasz_true_labels", "separation_ratio", "trustworthiness",
         "continuity", "ari_kmeans", "nmi_kmeans")


def variants(X: np.ndarray) -> dict:
    n = len(X)
    return {
        "as_is": lambda: X,
        "zscore_per_sample": lambda: zscore_per_sample(X),
        "fisher_z": lambda: np.arctanh(np.clip(X, -0.999999, 0.999999)),
        "feature_standardised": lambda: StandardScaler().fit_transform(X.reshape(n, -1)).reshape(X.shape),
        "l2_per_sample": lambda: X / np.linalg.norm(X.reshape(n, -1), axis=1)[:, None, None],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("artifact", help="a dataset artifact (results/raw/<name>.npz or results/data/<name>.npz)")
    ap.add_argument("--methods", nargs="+", default=["pca", "tsne", "umap"])
    ap.add_argument("--variants", nargs="+", default=["zscore_per_sample", "as_is", "fisher_z",
                                                       "feature_standardised", "l2_per_sample"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    args = ap.parse_args()

    try:
        ds = load_dataset(args.artifact)
    except NorankError as e:
        raise SystemExit(str(e)) from e
    X, y = ds.X.astype(np.float64), ds.y
    options = yaml.safe_load(Path(args.config).read_text())["baselines"]
    made = variants(X)
    unknown = sorted(set(args.variants) - set(made))
    if unknown:
        raise SystemExit(f"unknown variant(s) {unknown}; choose from {sorted(made)}")
    print(f"{args.artifact}: X {X.shape}, {ds.n_classes} classes")
    for name in args.variants:
        V = made[name]().astype(np.float32)
        flat = V.reshape(len(V), -1)
        for method in args.methods:
            for seed in args.seeds:
                fit = fit_baseline(Method.parse(method), V, seed=seed, options=options)
                m = evaluate_embedding(flat, fit.Z_train, y, seed=0)
                cells = "  ".join(f"{k} {m[k]:.4f}" for k in SHOWN)
                print(f"{name:22s} {method:14s} seed {seed:3d}  {cells}", flush=True)


if __name__ == "__main__":
    main()
