"""Evaluation protocols as index splits.

- ``all``: the paper's protocol, train (and evaluate) on every sample.
- ``fold<i>``: the held-out protocol, stratified k-fold; train on the other folds,
  evaluate on fold i only. Folds depend on ``split_seed`` only, so every method and
  every model seed sees the same folds.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.model_selection import StratifiedKFold

from norank.errors import NorankError


def split_names(n_folds: int) -> list[str]:
    return ["all"] + [f"fold{i}" for i in range(n_folds)]


def split_indices(y: np.ndarray, split: str, n_folds: int = 5, split_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, test_idx)`` for ``split`` (``all`` → test is empty)."""
    if split == "all":
        return np.arange(len(y)), np.array([], dtype=np.int64)
    m = re.fullmatch(r"fold(\d+)", split)
    if not m or int(m.group(1)) >= n_folds:
        raise NorankError(f"split {split!r} is unknown; use 'all' or fold0..fold{n_folds - 1}.")
    smallest = np.bincount(y).min()
    if smallest < n_folds:
        raise NorankError(
            f"stratified {n_folds}-fold split needs at least {n_folds} samples per class, but a class has "
            f"{smallest}. Lower evaluation.folds or raise max_per_class."
        )
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=split_seed).split(np.zeros(len(y)), y)
    train, test = list(folds)[int(m.group(1))]
    return train, test


def stratified_holdout(idx: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split ``idx`` into ``(fit, val)``: ``round(fraction · n_c)`` of each class to val, keeping ≥ 2 in fit.

    Used to carve the early-stopping validation set out of the training samples only.
    """
    fit, val = [], []
    for c in np.unique(y[idx]):
        members = rng.permutation(idx[y[idx] == c])
        n_val = min(int(round(fraction * len(members))), len(members) - 2)
        n_val = max(n_val, 0)
        val.append(members[:n_val])
        fit.append(members[n_val:])
    return np.sort(np.concatenate(fit)), np.sort(np.concatenate(val))
