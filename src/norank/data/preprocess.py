"""Normalisation and offline augmentation (paper §5.2)."""

from __future__ import annotations

import numpy as np

from norank.data.artifact import Dataset
from norank.errors import DataError


def zscore_per_sample(X: np.ndarray) -> np.ndarray:
    """Standardise each sample on its own: ``(x - mean(x)) / std(x)`` over all its entries.

    The paper's patient-wise normalisation of connectivity matrices (§5.2) and
    per-image standardisation of images. ``X`` is ``(n, *shape)``; a constant sample
    (std 0) cannot be standardised and raises :class:`DataError` naming it.
    """
    flat = X.reshape(len(X), -1).astype(np.float64)
    mu = flat.mean(axis=1, keepdims=True)
    sd = flat.std(axis=1, keepdims=True)
    const = np.flatnonzero(sd[:, 0] == 0)
    if len(const):
        raise DataError(
            f"{len(const)} sample(s) are constant (first indices {const[:5].tolist()}), so they cannot be "
            "z-scored. Remove them, or set `normalize: none` for this dataset."
        )
    return ((flat - mu) / sd).reshape(X.shape).astype(np.float32)


def augment_connectivity(
    C: np.ndarray, *, copies: int, sigma: float = 0.02, clip: float = 3.0, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of (normalised) connectivity matrices, as in the paper's §5.2.

    For each ``(R, R)`` matrix and each copy: add Gaussian noise N(0, σ²), symmetrise
    ``(A + Aᵀ) / 2``, set the diagonal to 1, clip to ``[-clip, clip]``.

    Returns ``(X_aug, source)``: ``(copies * n, R, R)`` and, per copy, the index of its source matrix.
    """
    if C.ndim != 3 or C.shape[1] != C.shape[2]:
        raise DataError(f"augment_connectivity expects (n, R, R) square matrices, got shape {C.shape}.")
    n, R, _ = C.shape
    A = np.repeat(C[None].astype(np.float64), copies, axis=0) + rng.normal(0, sigma, size=(copies, n, R, R))
    A = 0.5 * (A + np.swapaxes(A, -1, -2))
    A[..., np.arange(R), np.arange(R)] = 1.0
    A = np.clip(A, -clip, clip)
    return A.reshape(copies * n, R, R).astype(np.float32), np.tile(np.arange(n), copies)


def stratified_subsample(y: np.ndarray, max_per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices keeping at most ``max_per_class`` samples of each class (for tiny test runs)."""
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        keep.append(idx if len(idx) <= max_per_class else rng.choice(idx, max_per_class, replace=False))
    return np.sort(np.concatenate(keep))


def prepare_dataset(
    ds: Dataset,
    *,
    normalize: str = "zscore",
    augment_copies: int = 0,
    augment_sigma: float = 0.02,
    augment_clip: float = 3.0,
    max_per_class: int | None = None,
    seed: int = 0,
) -> Dataset:
    """The normalisation / augmentation stage: raw dataset in, model-ready dataset out.

    Order: optional stratified subsample (tiny runs), per-sample z-score
    (``normalize="zscore"``) or none, then ``augment_copies`` offline-augmented
    connectivity copies per sample, kept apart in ``X_aug`` with their source index.
    """
    rng = np.random.default_rng(seed)
    X, y, sid = ds.X, ds.y, ds.sample_id
    steps = []
    if max_per_class is not None:
        keep = stratified_subsample(y, max_per_class, rng)
        X, y, sid = X[keep], y[keep], sid[keep]
        steps.append(f"stratified subsample to at most {max_per_class} per class (seed {seed})")
    if normalize == "zscore":
        X = zscore_per_sample(X)
        steps.append("per-sample z-score")
    elif normalize != "none":
        raise DataError(f"normalize={normalize!r} is unknown; use 'zscore' or 'none'.")
    X_aug = aug_source = None
    if augment_copies:
        X_aug, aug_source = augment_connectivity(X, copies=augment_copies, sigma=augment_sigma, clip=augment_clip, rng=rng)
        steps.append(
            f"{augment_copies} augmented copies per sample: noise sigma={augment_sigma}, symmetrised, "
            f"unit diagonal, clipped to [-{augment_clip}, {augment_clip}]"
        )
    prov = dict(ds.provenance, preprocessing=steps, normalize=normalize, raw_X_sha256=ds.provenance.get("X_sha256"))
    return Dataset(ds.name, X, y, ds.class_names, sid, prov, X_aug, aug_source)
