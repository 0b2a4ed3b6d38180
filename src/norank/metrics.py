"""The paper's metric suite (§4.1, eqs. 23-30) plus retrieval metrics, on embeddings ``Z`` ``(n, d)``;
the distances of same- and different-class pairs (eq. 33) and the chance level of precision@1.

Where scikit-learn or pytorch-metric-learning implement a metric, we call them
(silhouette, Davies-Bouldin, Calinski-Harabasz, trustworthiness, ARI, NMI, k-means,
precision@1, MAP@R). Metrics that need an n × n distance matrix are computed on a
seeded random subset when n exceeds ``max_n`` and say so (``subsampled``), so a
100 000-sample dataset is evaluated within memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from norank.errors import NorankError


def _pairwise(Z: np.ndarray, W: np.ndarray | None = None) -> np.ndarray:
    W = Z if W is None else W
    d2 = (Z * Z).sum(1)[:, None] + (W * W).sum(1)[None, :] - 2 * Z @ W.T
    return np.sqrt(np.clip(d2, 0, None))


def separation_ratio(Z: np.ndarray, y: np.ndarray, max_samples: int = 4000, seed: int = 0) -> float:
    """Eq. 28: E[||z_i - z_j|| | y_i ≠ y_j] / E[||z_i - z_j|| | y_i = y_j], over pairs i ≠ j.

    Above ``max_samples`` samples, computed on a uniform random subset of that size (seeded).
    """
    Z = np.asarray(Z, dtype=np.float64)
    if len(Z) > max_samples:
        keep = np.random.default_rng(seed).choice(len(Z), max_samples, replace=False)
        Z, y = Z[keep], y[keep]
    D = _pairwise(Z)
    same = y[:, None] == y[None, :]
    off = ~np.eye(len(y), dtype=bool)
    if not (same & off).any() or not (~same).any():
        raise NorankError("separation ratio needs at least one same-class pair and one different-class pair.")
    return float(D[~same].mean() / D[same & off].mean())


def precision_at_1(Z_query: np.ndarray, y_query: np.ndarray, Z_gallery: np.ndarray, y_gallery: np.ndarray) -> float:
    """Fraction of queries whose nearest gallery embedding has the query's label (query ∉ gallery)."""
    if len(Z_query) == 0:
        return float("nan")
    nearest = _pairwise(np.asarray(Z_query, float), np.asarray(Z_gallery, float)).argmin(1)
    return float((y_gallery[nearest] == y_query).mean())


def chance_precision_at_1(y: np.ndarray) -> float:
    """Precision@1 of a random neighbour: the sum of the squared class shares of ``y`` ``(n,)``."""
    shares = np.bincount(np.asarray(y, dtype=int)) / len(y)
    return float((shares ** 2).sum())


# --------------------------------------------------------------------------- distances (eq. 33)


@dataclass
class PairDistances:
    """Eq. 33: Euclidean distances of same-class (``intra``) and different-class (``inter``) pairs,
    possibly a random subset of each; ``n_intra`` / ``n_inter`` count all such pairs."""

    intra: np.ndarray
    inter: np.ndarray
    n_intra: int
    n_inter: int

    @property
    def subsampled(self) -> bool:
        return len(self.intra) < self.n_intra or len(self.inter) < self.n_inter


def _pair_distances(F: np.ndarray, i: np.ndarray, j: np.ndarray, chunk_elems: int = 20_000_000) -> np.ndarray:
    out = np.empty(len(i))
    step = max(1, chunk_elems // max(F.shape[1], 1))
    for s in range(0, len(i), step):
        out[s:s + step] = np.linalg.norm(F[i[s:s + step]] - F[j[s:s + step]], axis=1)
    return out


def class_pair_distances(F: np.ndarray, y: np.ndarray, *, max_pairs: int = 100_000, seed: int = 0,
                         max_enumerate: int = 2000) -> PairDistances:
    """Eq. 33 on features ``F`` ``(n, D)`` (flattened inputs or embeddings) with labels ``y`` ``(n,)``.

    Up to ``max_enumerate`` samples, every pair i < j is enumerated and each kind (intra, inter) is
    subsampled without replacement to ``max_pairs``; above, ``max_pairs`` pairs of each kind are
    drawn uniformly at random (with replacement). Seeded.
    """
    F = np.asarray(F, dtype=np.float64).reshape(len(F), -1)
    y = np.asarray(y)
    n = len(y)
    rng = np.random.default_rng(seed)
    counts = np.bincount(y)
    n_intra = int((counts * (counts - 1) // 2).sum())
    n_inter = n * (n - 1) // 2 - n_intra
    if n_intra == 0 or n_inter == 0:
        raise NorankError("eq. 33 needs at least one same-class pair and one different-class pair.")
    if n <= max_enumerate:
        i, j = np.triu_indices(n, 1)
        same = y[i] == y[j]
        picked = []
        for mask in (same, ~same):
            ii, jj = i[mask], j[mask]
            if len(ii) > max_pairs:
                keep = np.sort(rng.choice(len(ii), max_pairs, replace=False))
                ii, jj = ii[keep], jj[keep]
            picked.append(_pair_distances(F, ii, jj))
        return PairDistances(picked[0], picked[1], n_intra, n_inter)
    # large n: draw pairs, uniform over the pairs of each kind
    order = np.argsort(y, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    w = (counts * (counts - 1)).astype(float)
    c = rng.choice(len(counts), size=max_pairs, p=w / w.sum())
    a = rng.integers(0, counts[c])
    b = rng.integers(0, counts[c] - 1)
    b = b + (b >= a)
    intra = _pair_distances(F, order[starts[c] + a], order[starts[c] + b])
    ii, jj = np.empty(0, np.int64), np.empty(0, np.int64)
    while len(ii) < max_pairs:
        p, q = rng.integers(0, n, size=2 * max_pairs), rng.integers(0, n, size=2 * max_pairs)
        ok = y[p] != y[q]
        ii, jj = np.concatenate([ii, p[ok]]), np.concatenate([jj, q[ok]])
    inter = _pair_distances(F, ii[:max_pairs], jj[:max_pairs])
    return PairDistances(intra, inter, n_intra, n_inter)


# --------------------------------------------------------------------------- the suite

CLUSTER_METRICS = ("silhouette", "davies_bouldin", "calinski_harabasz")


def _subset(n: int, max_n: int, seed: int) -> np.ndarray | None:
    return None if n <= max_n else np.sort(np.random.default_rng(seed).choice(n, max_n, replace=False))


def continuity(X: np.ndarray, Z: np.ndarray, k: int = 5) -> float:
    """Eq. 30: trustworthiness with the two spaces swapped (sklearn), i.e. penalising original-space
    neighbours missing from the embedding's neighbourhood."""
    from sklearn.manifold import trustworthiness

    return float(trustworthiness(Z, X.reshape(len(X), -1), n_neighbors=k))


def structure_metrics(X: np.ndarray, Z: np.ndarray, k: int = 5, max_n: int = 5000, seed: int = 0) -> dict:
    """Trustworthiness (eq. 29, sklearn) and continuity (eq. 30) of ``Z`` w.r.t. the flattened input ``X``."""
    from sklearn.manifold import trustworthiness

    idx = _subset(len(Z), max_n, seed)
    Xs, Zs = (X, Z) if idx is None else (X[idx], Z[idx])
    flat = Xs.reshape(len(Xs), -1)
    k = min(k, (len(Zs) - 1) // 2)  # sklearn needs k < n / 2 (small held-out folds); the row records k
    if k < 1:
        return dict(trustworthiness=float("nan"), continuity=float("nan"), structure_k=k,
                    structure_subsampled=idx is not None)
    return dict(trustworthiness=float(trustworthiness(flat, Zs, n_neighbors=k)),
                continuity=continuity(Xs, Zs, k), structure_k=k, structure_subsampled=idx is not None)


def cluster_metrics(Z: np.ndarray, labels: np.ndarray, max_n: int = 5000, seed: int = 0) -> dict:
    """Silhouette (eq. 23), Davies-Bouldin (eq. 24), Calinski-Harabasz (eq. 25) of ``Z`` for a labelling."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    if len(np.unique(labels)) < 2:
        return dict.fromkeys(CLUSTER_METRICS, float("nan"))
    n = len(Z)
    sil = silhouette_score(Z, labels, sample_size=max_n if n > max_n else None, random_state=seed)
    return dict(silhouette=float(sil), davies_bouldin=float(davies_bouldin_score(Z, labels)),
                calinski_harabasz=float(calinski_harabasz_score(Z, labels)))


def kmeans_labels(Z: np.ndarray, n_clusters: int, seed: int = 0, n_init: int = 10) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=n_clusters, n_init=n_init, random_state=seed).fit_predict(Z)


def knn_vote_accuracy(Z_query: np.ndarray, y_query: np.ndarray, Z_ref: np.ndarray, y_ref: np.ndarray, *,
                      k: int = 5, leave_one_out: bool = False) -> tuple[float, int]:
    """Accuracy of a majority vote of the ``k`` nearest references (Euclidean), and the k used.

    ``k`` is capped at the smallest reference class (one less when ``leave_one_out``: the queries
    are the first ``len(Z_query)`` references and each skips itself), so every class can win its vote. Without the cap
    a class with 2 samples in a held-out fold gets at most 1 of 5 votes, every vote is a tie, and
    the tie goes to the smallest label: the accuracy drops to chance while P@1 stays high.
    Remaining ties go to the smallest label (as scikit-learn's ``KNeighborsClassifier``)."""
    from sklearn.neighbors import NearestNeighbors

    labels, sizes = np.unique(y_ref, return_counts=True)
    k = int(max(1, min(k, sizes.min() - int(leave_one_out))))
    nb = NearestNeighbors(n_neighbors=k + int(leave_one_out)).fit(Z_ref).kneighbors(Z_query, return_distance=False)
    if leave_one_out:  # drop the query itself (the queries are the first references), even behind duplicates
        own = nb == np.arange(len(nb))[:, None]
        own[~own.any(axis=1), -1] = True
        nb = nb[~own].reshape(len(nb), k)
    codes = np.searchsorted(labels, y_ref)[nb]  # (n, k) class indices of the neighbours
    votes = np.zeros((len(nb), len(labels)), dtype=np.int64)
    np.add.at(votes, (np.arange(len(nb))[:, None], codes), 1)
    return float((labels[votes.argmax(axis=1)] == y_query).mean()), k


def retrieval_metrics(Z_query, y_query, Z_ref=None, y_ref=None, knn_k: int = 5, chunk: int = 4096,
                      max_queries: int = 5000, seed: int = 0) -> dict:
    """Precision@1 and MAP@R (pytorch-metric-learning ``AccuracyCalculator``) and k-NN accuracy
    (:func:`knn_vote_accuracy`, with the k it used as ``knn_k``). Without a reference set the
    queries retrieve among themselves (leave-one-out).

    MAP@R retrieves R = (class size) neighbours per query, so n queries cost O(n · max class size)
    memory (100 000 queries of 10 classes: > 20 GB). Above ``max_queries`` a seeded random subset
    of the queries is used against the FULL reference set (flagged ``retrieval_subsampled``)."""
    import torch
    from pytorch_metric_learning.distances import LpDistance
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
    from pytorch_metric_learning.utils.inference import CustomKNN

    same = Z_ref is None
    ref, y_r = (Z_query, y_query) if same else (Z_ref, y_ref)
    sub = _subset(len(Z_query), max_queries, seed)
    if sub is not None:
        if same:  # leave-one-out: PML drops each query's own entry and wants the queries first in the reference
            order = np.concatenate([sub, np.setdiff1d(np.arange(len(ref)), sub)])
            ref, y_r = ref[order], y_r[order]
        Z_query, y_query = Z_query[sub], y_query[sub]
    # exact Euclidean k-NN in torch (PML's default k-NN needs faiss), ``chunk`` queries at a time so
    # memory stays O(chunk x n) instead of n x n
    calc = AccuracyCalculator(include=("precision_at_1", "mean_average_precision_at_r"), k="max_bin_count",
                              device=torch.device("cpu"),
                              knn_func=CustomKNN(LpDistance(normalize_embeddings=False), batch_size=chunk))
    acc = calc.get_accuracy(torch.as_tensor(Z_query, dtype=torch.float32), torch.as_tensor(y_query),
                            torch.as_tensor(ref, dtype=torch.float32), torch.as_tensor(y_r),
                            ref_includes_query=same)
    knn_acc, k = knn_vote_accuracy(Z_query, y_query, ref, y_r, k=knn_k, leave_one_out=same)
    return dict(precision_at_1=float(acc["precision_at_1"]), map_at_r=float(acc["mean_average_precision_at_r"]),
                knn_accuracy=knn_acc, knn_k=k, retrieval_subsampled=sub is not None)


def evaluate_embedding(X: np.ndarray, Z: np.ndarray, y: np.ndarray, *, k: int = 5, seed: int = 0,
                       kmeans_n_init: int = 10, max_n: int = 5000) -> dict:
    """The paper's suite on one embedding: cluster metrics on the TRUE labels (as the official code)
    and on k-means labels (as the tables' "+ K-Means" headers), separation ratio, trustworthiness,
    continuity, ARI and NMI of k-means with k = number of classes."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    C = len(np.unique(y))
    km = kmeans_labels(Z, C, seed, kmeans_n_init)
    out = {f"{m}_true_labels": v for m, v in cluster_metrics(Z, y, max_n, seed).items()}
    out.update({f"{m}_kmeans": v for m, v in cluster_metrics(Z, km, max_n, seed).items()})
    out["separation_ratio"] = separation_ratio(Z, y, max_n, seed)
    out.update(structure_metrics(X, Z, k, max_n, seed))
    out["ari_kmeans"] = float(adjusted_rand_score(y, km))
    out["nmi_kmeans"] = float(normalized_mutual_info_score(y, km))
    out["subsampled"] = len(Z) > max_n
    return out
