"""Embedding quality metrics used during training (the full suite comes with the evaluation stage)."""

from __future__ import annotations

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
