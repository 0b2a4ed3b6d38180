"""Seeded picks of the samples a figure shows as example images (Figure 4)."""

from __future__ import annotations

import numpy as np


def class_examples(y: np.ndarray, per_class: int, *, seed: int, n_classes: int | None = None) -> list[np.ndarray]:
    """Indices of up to ``per_class`` random samples of each class ``0..C-1`` (seeded), a list per class."""
    rng = np.random.default_rng(seed)
    C = n_classes if n_classes is not None else int(np.max(y)) + 1
    return [np.sort(rng.permutation(np.flatnonzero(y == c))[:per_class]) for c in range(C)]

