"""Nearest-neighbour retrieval on an embedding, as Figures 2 and 3 show it: which samples query,
which form the gallery, and the ``k`` nearest gallery samples of each query with their distances.

The retrieval *metrics* (precision@1, MAP@R, k-NN accuracy) are in :mod:`norank.metrics`; they
need only each query's nearest neighbour (or pytorch-metric-learning's k-NN), not the ranked
list with distances a figure prints, so they do not call :func:`nearest_neighbours`.
"""

from __future__ import annotations

import numpy as np

from norank.errors import NorankError


def choose_queries(y: np.ndarray, candidates: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """``n`` query indices drawn from ``candidates`` (seeded), of distinct classes while there are any."""
    candidates = np.asarray(candidates)
    if len(candidates) < n:
        raise NorankError(f"need {n} query candidates, only {len(candidates)} available.")
    order = np.random.default_rng(seed).permutation(candidates)
    first, seen = [], set()
    for i in order:
        if y[i] not in seen:
            first.append(i)
            seen.add(y[i])
    taken = set(first)
    rest = [i for i in order if i not in taken]
    return np.array((first + rest)[:n], dtype=np.int64)


def retrieval_plan(y: np.ndarray, role: np.ndarray, split: str, n_queries: int, *,
                   seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Queries and gallery of a retrieval figure: ``(queries, gallery, exclude, description)``.

    Split ``all``: every sample is a query candidate and the gallery is every sample, each query
    excluded from its own neighbours (``exclude`` = the queries' gallery rows). A held-out fold:
    queries from the ``heldout`` samples, gallery = the fold's ``train`` samples (``exclude`` None).
    """
    if split == "all":
        q = choose_queries(y, np.arange(len(y)), n_queries, seed=seed)
        return q, np.arange(len(y)), q, "split all: each query excluded from its own gallery"
    q = choose_queries(y, np.flatnonzero(role == "heldout"), n_queries, seed=seed)
    return q, np.flatnonzero(role == "train"), None, f"held-out queries of {split} vs its training samples"


def nearest_neighbours(Z_query: np.ndarray, Z_gallery: np.ndarray, k: int, *,
                       exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest gallery rows of each query by Euclidean distance: ``(idx (m, k), dist (m, k))``.

    ``exclude`` ``(m,)`` gives, per query, a gallery row to skip (the query itself when it is
    in the gallery); -1 skips nothing.
    """
    from scipy.spatial.distance import cdist

    D = cdist(np.asarray(Z_query, np.float64), np.asarray(Z_gallery, np.float64))
    if exclude is not None:
        rows = np.flatnonzero(np.asarray(exclude) >= 0)
        D[rows, np.asarray(exclude)[rows]] = np.inf
    if k > np.isfinite(D).sum(axis=1).min():
        raise NorankError(f"{k} neighbours requested but the gallery has fewer eligible samples.")
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(D, idx, axis=1)

