"""Evaluation protocols as index splits.

- ``all``: the paper's protocol, train (and evaluate) on every sample.
- ``fold<i>``: the held-out protocol, stratified k-fold; train on the other folds,
  evaluate on fold i only. Folds depend on ``split_seed`` only, so every method and
  every model seed sees the same folds.

:class:`Split` owns these names and their protocol; the names are strings only at the
file-name boundary (run folders, metric rows, Snakemake wildcards).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from norank.errors import NorankError

PAPER, HELDOUT = "paper", "heldout"  # the two evaluation protocols
PROTOCOLS = (PAPER, HELDOUT)


@dataclass(frozen=True)
class Split:
    """One split: ``all`` (``fold_index`` None, protocol ``paper``) or ``fold<i>`` (protocol ``heldout``).

    ``Split.parse("fold3")`` and ``str(split)`` convert to and from the name.
    """

    fold_index: int | None = None

    def __post_init__(self):
        if self.fold_index is not None and (not isinstance(self.fold_index, int) or self.fold_index < 0):
            raise NorankError(f"fold index {self.fold_index!r} is not an integer >= 0.")

    @classmethod
    def all(cls) -> "Split":
        """The paper protocol's split: every sample trains and is evaluated."""
        return cls(None)

    @classmethod
    def fold(cls, i: int) -> "Split":
        """The held-out protocol's ``i``-th stratified fold."""
        return cls(int(i))

    @classmethod
    def parse(cls, name: str, n_folds: int | None = None) -> "Split":
        """The split named ``name``; with ``n_folds``, a fold index must be below it."""
        name = str(name)
        if name == "all":
            return cls.all()
        m = re.fullmatch(r"fold(\d+)", name)
        if not m or (n_folds is not None and int(m.group(1)) >= n_folds):
            folds = "fold<i>" if n_folds is None else f"fold0..fold{n_folds - 1}"
            raise NorankError(f"split {name!r} is unknown; use 'all' or {folds}.")
        return cls.fold(int(m.group(1)))

    def __str__(self) -> str:
        return "all" if self.fold_index is None else f"fold{self.fold_index}"

    @property
    def protocol(self) -> str:
        """``paper`` (in-sample, split ``all``) or ``heldout`` (a fold)."""
        return PAPER if self.fold_index is None else HELDOUT


def split_indices(y: np.ndarray, split: str | Split, n_folds: int = 5, split_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, test_idx)`` for ``split`` (``all`` → test is empty)."""
    from sklearn.model_selection import StratifiedKFold  # not at import: the rule files import this module

    split = Split.parse(split, n_folds)
    if split.fold_index is None:
        return np.arange(len(y)), np.array([], dtype=np.int64)
    smallest = np.bincount(y).min()
    if smallest < n_folds:
        raise NorankError(
            f"stratified {n_folds}-fold split needs at least {n_folds} samples per class, but a class has "
            f"{smallest}. Lower evaluation.folds or raise max_per_class."
        )
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=split_seed).split(np.zeros(len(y)), y)
    train, test = list(folds)[split.fold_index]
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
