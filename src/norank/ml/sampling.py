"""Batches (class-balanced P×K, or shuffled) and the k-NN graph of the original input space."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from norank.errors import NorankError

SAMPLERS = ("pk", "shuffled")  # pk_batches, shuffled_batches (training option sampler)


def pk_batches(y: np.ndarray, P: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch of class-balanced batches: each holds K samples of each of P random classes.

    ``P`` is capped at the number of classes and ``K = batch_size // P``, so a batch has about
    ``batch_size`` samples whatever the number of classes (ABIDE's 2 classes: 2 × 32; Olivetti's
    40: 8 × 8). Every anchor then has K - 1 positives in its batch (LFW has 530 vs 71 images
    per class; uniform batches would starve the small classes). A class with fewer than K
    samples is drawn with replacement. The epoch has ``ceil(len(y) / (P K))`` batches.
    (pytorch-metric-learning's ``MPerClassSampler`` does the same with a module-global random
    state; this takes an explicit generator.)
    """
    classes = np.unique(y)
    if len(classes) < 2:
        raise NorankError("class-balanced batches need at least 2 classes in the training set.")
    P = min(P, len(classes))
    K = batch_size // P
    if K < 2:
        raise NorankError(
            f"batch_size={batch_size} with {P} classes per batch gives K={K} samples per class; each anchor "
            "needs a positive, so raise batch_size to at least 2 x classes_per_batch."
        )
    members = {c: np.flatnonzero(y == c) for c in classes}
    n_batches = int(np.ceil(len(y) / (P * K)))
    batches = []
    for _ in range(n_batches):
        chosen = rng.choice(classes, size=P, replace=False)
        idx = [rng.choice(members[c], size=K, replace=len(members[c]) < K) for c in chosen]
        batches.append(np.concatenate(idx))
    return batches


def shuffled_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch of a random permutation of ``range(n)`` cut into batches of ``batch_size``; a last
    batch of a single sample is dropped (pairwise losses need two)."""
    perm = rng.permutation(n)
    return [perm[s : s + batch_size] for s in range(0, n, batch_size) if len(perm[s : s + batch_size]) >= 2]


def knn_graph(X: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` indices of each sample's k nearest neighbours (Euclidean, self excluded) in the
    ORIGINAL input space, ``X`` ``(n, *shape)`` flattened. Compute once per training set."""
    flat = X.reshape(len(X), -1)
    if k >= len(flat):
        raise NorankError(f"knn_k={k} but the training set has only {len(flat)} samples; lower knn_k.")
    nn = NearestNeighbors(n_neighbors=k + 1).fit(flat)
    idx = nn.kneighbors(flat, return_distance=False)
    # drop self; with duplicated samples self may not come first, so remove it explicitly
    out = np.empty((len(flat), k), dtype=np.int64)
    for i, row in enumerate(idx):
        row = row[row != i]
        out[i] = row[:k]
    return out
