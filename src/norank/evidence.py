"""Evidence behind the owners of the paper-vs-ours deviations (config/deviation_notes.csv): each
function here is one check a rule runs (workflow/rules/evidence.smk) and writes under
``results/evidence/``; a note row cites the file and the number in it (norank.comparison).

- :func:`input_variants`: the baselines on other input normalisations than the pipeline's (the
  paper does not publish its ABIDE code, so which inputs its baselines saw is open).
- :func:`sample_count_check`: the k-means-label Calinski-Harabasz of PCA / t-SNE / UMAP on
  random subsets of n samples (CH grows with n at fixed geometry: which n fits the printed value).
- :func:`bound_check`, :func:`reconstruction_check`: Table 5's relative error on the artifact's
  standardised inputs and on the raw ones (pixels in [0, 1]), as the lower bound any
  d-dimensional linear map reaches (Eckart-Young) and as the metric-learning embeddings' linear
  reconstruction (paper 5.4).
- :func:`two_cluster_separation`: what a silhouette near 1 (two near-point k-means clusters) and
  an ARI imply for the separation ratio on the true labels (arithmetic, no data).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from norank.errors import NorankError

EVIDENCE_ROOT = "results/evidence"


# --------------------------------------------------------------------------- input normalisations

def input_variants(X: np.ndarray) -> dict[str, Callable[[], np.ndarray]]:
    """The input normalisations compared, by name (computed on demand): ``as_is`` (the artifact's
    matrices), ``zscore_per_sample`` (the pipeline's prepare step), ``fisher_z`` (arctanh of
    correlations), ``feature_standardised`` (each entry standardised over samples),
    ``l2_per_sample`` (unit Frobenius norm)."""
    from sklearn.preprocessing import StandardScaler

    from norank.data.preprocess import zscore_per_sample

    n = len(X)
    flat = X.reshape(n, -1)
    return {
        "as_is": lambda: X,
        "zscore_per_sample": lambda: zscore_per_sample(X),
        "fisher_z": lambda: np.arctanh(np.clip(X, -0.999999, 0.999999)),
        "feature_standardised": lambda: StandardScaler().fit_transform(flat).reshape(X.shape),
        "l2_per_sample": lambda: (flat / np.linalg.norm(flat, axis=1, keepdims=True)).reshape(X.shape),
    }


def baseline_variants(X: np.ndarray, y: np.ndarray, *, methods: Iterable[str], variants: Iterable[str],
                      seeds: Iterable[int], options: dict, metric_options: dict | None = None,
                      log=None) -> pd.DataFrame:
    """Every ``method`` (a baseline name, e.g. ``umap`` or ``cp-R5``) fitted with each seed on each
    input ``variant`` of ``X`` and scored by the paper's suite (on the variant's own inputs): long
    rows ``variant, method, seed, metric, value``."""
    from norank.baselines import fit_baseline
    from norank.methods import Method
    from norank.metrics import evaluate_embedding

    made = input_variants(np.asarray(X, dtype=np.float64))
    variants = list(variants)
    unknown = sorted(set(variants) - set(made))
    if unknown:
        raise NorankError(f"evidence.baseline_inputs: unknown input variant(s) {unknown}; choose from {sorted(made)}.")
    rows = []
    for name in variants:
        V = made[name]().astype(np.float32)
        for method, seed in itertools.product(methods, seeds):
            fit = fit_baseline(Method.parse(method), V, seed=seed, options=options)
            scores = evaluate_embedding(V.reshape(len(V), -1), fit.Z_train, y, seed=0, **(metric_options or {}))
            rows += [dict(variant=name, method=method, seed=seed, metric=k, value=float(v)) for k, v in scores.items()]
            if log is not None:
                log.info("%s %s seed %d: CH k-means %.1f, Sil. k-means %.3f", name, method, seed,
                         scores["calinski_harabasz_kmeans"], scores["silhouette_kmeans"])
    return pd.DataFrame(rows, columns=["variant", "method", "seed", "metric", "value"])


# --------------------------------------------------------------------------- sample count

def stratified_draw(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``n`` samples drawn without replacement, each class in its share (at
    least 2 per class)."""
    classes, counts = np.unique(y, return_counts=True)
    if n > len(y):
        raise NorankError(f"evidence.sample_counts: {n} samples asked, the dataset has {len(y)}.")
    take = np.maximum(2, np.round(counts * n / len(y)).astype(int))
    take[np.argmax(take)] += n - take.sum()
    return np.sort(np.concatenate([rng.choice(np.flatnonzero(y == c), k, replace=False)
                                   for c, k in zip(classes, take)]))


def sample_count_check(X: np.ndarray, y: np.ndarray, *, methods: Iterable[str], sizes: Iterable[int], draws: int,
                       options: dict, metric_options: dict | None = None, log=None) -> pd.DataFrame:
    """Each baseline ``method`` fitted on ``draws`` stratified random subsets of each size and
    scored there: long rows ``method, n, draw, metric, value`` (the full dataset once)."""
    from norank.baselines import fit_baseline
    from norank.methods import Method
    from norank.metrics import evaluate_embedding

    rows = []
    for n in sizes:
        for draw in range(1 if n == len(y) else draws):
            keep = np.arange(len(y)) if n == len(y) else stratified_draw(y, n, np.random.default_rng(draw))
            Xs, ys = X[keep], y[keep]
            for method in methods:
                fit = fit_baseline(Method.parse(method), Xs, seed=draw, options=options)
                scores = evaluate_embedding(Xs.reshape(len(Xs), -1), fit.Z_train, ys, seed=0, **(metric_options or {}))
                rows += [dict(method=method, n=n, draw=draw, metric=k, value=float(v)) for k, v in scores.items()]
                if log is not None:
                    log.info("%s n=%d draw %d: CH k-means %.1f", method, n, draw, scores["calinski_harabasz_kmeans"])
    return pd.DataFrame(rows, columns=["method", "n", "draw", "metric", "value"])


# --------------------------------------------------------------------------- reconstruction

def linear_bound(X: np.ndarray, dims: Iterable[int]) -> dict[int, float]:
    """Per ``d``, the smallest relative error ``||X - X̂||_F / ||X||_F`` that ANY affine map from a
    d-dimensional embedding reaches (paper 5.4 fits X̂ = W z + b): the mean plus the first d
    principal components (Eckart-Young)."""
    flat = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    centred = flat - flat.mean(0)
    s2 = np.linalg.svd(centred, compute_uv=False) ** 2
    total = float((flat ** 2).sum())
    return {int(d): float(np.sqrt(max(s2[d:].sum(), 0.0) / total)) for d in dims}


def bound_check(inputs: Mapping[str, np.ndarray], dims: Iterable[int]) -> pd.DataFrame:
    """Rows ``input, d, relative_error``: :func:`linear_bound` of each named input (e.g.
    ``standardised``, ``raw``) at each ``d``."""
    return pd.DataFrame([dict(input=name, d=d, relative_error=err) for name, X in inputs.items()
                         for d, err in linear_bound(X, dims).items()], columns=["input", "d", "relative_error"])


def reconstruction_check(inputs: Mapping[str, np.ndarray],
                         embeddings: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """Rows ``input, method, d, relative_error``: per named input (arrays in the artifact's sample
    order) the linear reconstruction (:func:`norank.baselines.linear_reconstruction`, paper 5.4)
    from each named embedding ``(index, Z)`` of its samples."""
    from norank.baselines import linear_reconstruction, relative_error

    rows = []
    for name, X in inputs.items():
        for method, (index, Z) in embeddings.items():
            Xs = np.asarray(X, dtype=np.float64)[index]
            hat, _ = linear_reconstruction(Z, Xs)
            rows.append(dict(input=name, method=method, d=Z.shape[1], relative_error=relative_error(Xs, hat)))
    return pd.DataFrame(rows, columns=["input", "method", "d", "relative_error"])


def align_raw(raw_ids: np.ndarray, data_ids: np.ndarray) -> np.ndarray:
    """Indices into the raw artifact of the data artifact's samples (by sample id)."""
    pos = {s: i for i, s in enumerate(raw_ids)}
    missing = [s for s in data_ids if s not in pos]
    if missing:
        raise NorankError(f"{len(missing)} sample(s) of the dataset artifact are not in its raw artifact "
                          f"(e.g. {str(missing[0])!r}); rebuild both (delete results/raw and results/data).")
    return np.array([pos[s] for s in data_ids])


# --------------------------------------------------------------------------- arithmetic

def _comb2(x):
    return x * (x - 1) / 2.0


def _ari_2x2(a, b, n1: int, n2: int):
    """ARI of the contingency tables ``[[a, n1 - a], [b, n2 - b]]`` (classes x clusters), elementwise."""
    n = n1 + n2
    index = _comb2(a) + _comb2(n1 - a) + _comb2(b) + _comb2(n2 - b)
    rows = _comb2(n1) + _comb2(n2)
    cols = _comb2(a + b) + _comb2(n - a - b)
    expected = rows * cols / _comb2(n)
    top = (rows + cols) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(top != expected, (index - expected) / (top - expected), 0.0)


def two_cluster_separation(counts: tuple[int, int], ari: float, silhouette: float, tol: float = 0.005) -> dict:
    """The separation ratio (eq. 28, true labels) of two k-means clusters as tight as ``silhouette``
    says (within-cluster distance ``1 - silhouette`` of the between-cluster distance 1), over every
    split of the two classes (``counts``) between them whose ARI lies within ``tol`` of ``ari``:
    its range (``sr_min``, ``sr_max``, over ``tables`` splits; NaN when none), and the ARI of the split with the separation
    ratio closest to 1 (how much ARI a separation ratio of 1 allows)."""
    n1, n2 = counts
    eps = 1.0 - silhouette
    a = np.arange(n1 + 1)[:, None]  # class-1 samples in cluster A
    b = np.arange(n2 + 1)[None, :]  # class-2 samples in cluster A
    A1, B1, A2, B2 = a, n1 - a, b, n2 - b
    same_cluster_within = A1 * (A1 - 1) + B1 * (B1 - 1) + A2 * (A2 - 1) + B2 * (B2 - 1)
    within_pairs = n1 * (n1 - 1) + n2 * (n2 - 1)
    within = (same_cluster_within * eps + (within_pairs - same_cluster_within)) / within_pairs
    cross_same = A1 * A2 + B1 * B2  # class-1 / class-2 pairs in one cluster
    between = (cross_same * eps + (n1 * n2 - cross_same)) / (n1 * n2)
    sr = between / within
    aris = _ari_2x2(a, b, n1, n2)
    ok = np.abs(aris - ari) <= tol
    ok &= (A1 + A2 > 1) & (B1 + B2 > 1)  # two clusters
    nan = float("nan")  # no split reaches that ARI (few samples): no range
    near_one = np.unravel_index(np.argmin(np.abs(sr - 1.0) + np.where((A1 + A2 > 1) & (B1 + B2 > 1), 0, np.inf)),
                                sr.shape)
    return dict(sr_min=float(sr[ok].min()) if ok.any() else nan, sr_max=float(sr[ok].max()) if ok.any() else nan,
                tables=int(ok.sum()),
                ari_at_sr_one=float(aris[near_one]), sr_nearest_one=float(sr[near_one]))


def lookup(table: pd.DataFrame, where: str, column: str, *, name: str, absent_ok: bool = False) -> float:
    """The one number of ``table`` at the row ``where`` (``key=value`` pairs joined by ``;``, values
    compared as text) and ``column``; an error naming ``name`` unless exactly one row matches (no
    row: NaN with ``absent_ok``, a run that did not make that row)."""
    mask = pd.Series(True, index=table.index)
    for pair in filter(None, (p.strip() for p in where.split(";"))):
        key, sep, value = pair.partition("=")
        if not sep or key.strip() not in table.columns:
            raise NorankError(f"{name}: {pair!r} is not column=value for a column of the file "
                              f"({', '.join(map(str, table.columns))}).")
        mask &= table[key.strip()].astype(str) == value.strip()
    if column not in table.columns:
        raise NorankError(f"{name}: the file has no column {column!r} ({', '.join(map(str, table.columns))}).")
    hits = table.loc[mask, column]
    if absent_ok and not len(hits):
        return float("nan")
    if len(hits) != 1:
        raise NorankError(f"{name}: {len(hits)} rows match {where!r} (one is needed); narrow or fix the selection.")
    return float(hits.iloc[0])


def paper_arithmetic(paper: pd.DataFrame, class_counts: Mapping[str, tuple[int, ...]],
                     min_silhouette: float = 0.9) -> pd.DataFrame:
    """:func:`two_cluster_separation` for every printed row (table, paper dataset, method, rank) of
    a two-class dataset with a k-means-label silhouette of at least ``min_silhouette`` (tight
    clusters, where the near-point model holds), an ARI and a separation ratio:
    ``class_counts`` maps the paper's dataset name to its class sizes (ours). Rows: the printed
    values, the separation-ratio range they imply, and ``consistent`` (printed SR in the range)."""
    rows = []
    cells = paper.assign(rank=["" if pd.isna(r) else str(int(r)) for r in paper["rank"]])
    for (table, dataset, method, rank), g in cells.groupby(["table", "dataset", "method", "rank"], sort=True):
        counts = class_counts.get(dataset)
        v = dict(zip(g.metric, g.value))
        sil = g[(g.metric == "silhouette") & (g.label_variant == "kmeans")]
        if (counts is None or len(counts) != 2 or sil.empty or float(sil.value.iloc[0]) < min_silhouette
                or not {"ari", "separation_ratio"} <= set(v)):
            continue
        implied = two_cluster_separation(tuple(counts), float(v["ari"]), float(sil.value.iloc[0]))
        rows.append(dict(table=table, dataset=dataset, method=method + (f"-R{rank}" if rank else ""),
                         silhouette=float(sil.value.iloc[0]), ari=float(v["ari"]),
                         separation_ratio=float(v["separation_ratio"]), **implied,
                         consistent=implied["sr_min"] <= float(v["separation_ratio"]) <= implied["sr_max"]))
    return pd.DataFrame(rows, columns=["table", "dataset", "method", "silhouette", "ari", "separation_ratio", "sr_min",
                                       "sr_max", "tables", "ari_at_sr_one", "sr_nearest_one", "consistent"])
