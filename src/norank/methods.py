"""Method names, with one owner: formatting and parsing ``metric_learning``, ``metric_learning-official``,
``pca``, ``cp-R5``, ``loss-arcface``.

Every file name, metric row, table and figure names a method by the string :class:`Method`
formats; every reader turns it back into a :class:`Method` with :meth:`Method.parse`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from norank.errors import NorankError
from norank.recipes import EQ13, OFFICIAL

METRIC_LEARNING = "metric_learning"
EMBEDDINGS = ("pca", "tsne", "umap")  # baselines without a rank
# baselines with a rank: CP; Tucker with ranks (R, R, R) as the paper's Table 5, and with the
# official code's (R, H, W) (spatial modes at full rank)
DECOMPOSITIONS = ("cp", "tucker", "tucker_rhw")
LOSS_PREFIX = "loss-"  # a run of the loss comparison or the unsupervised mode: loss-<loss>
TRANSDUCTIVE = ("tsne",)  # cannot embed samples it was not fitted on: split `all` only
# every method name, as a regular expression (metric learning by a recipe other than eq13:
# metric_learning-<recipe>)
WILDCARD = (rf"({METRIC_LEARNING}|{'|'.join(EMBEDDINGS)})|{METRIC_LEARNING}-({'|'.join(OFFICIAL)})"
            rf"|({'|'.join(DECOMPOSITIONS)})-R(\d+)|{LOSS_PREFIX}([a-z][a-z0-9_]*)")
_PATTERN = re.compile(rf"^(?:{WILDCARD})$")


@dataclass(frozen=True)
class Method:
    """One method: ``family`` is ``metric_learning``, a baseline (``pca``, ``tsne``, ``umap``,
    ``cp``, ``tucker``) or ``loss``; ``rank`` is set for CP / Tucker, ``loss`` for ``loss-<name>``,
    ``recipe`` for metric learning (:mod:`norank.recipes`; eq13 is the plain ``metric_learning``)."""

    family: str
    rank: int | None = None
    loss: str | None = None
    recipe: str | None = None

    def __post_init__(self):
        if self.family == METRIC_LEARNING and self.recipe is None:
            object.__setattr__(self, "recipe", EQ13)

    @classmethod
    def parse(cls, name: str) -> "Method":
        m = _PATTERN.match(str(name))
        if not m:
            raise NorankError(f"method {name!r} is unknown; use {METRIC_LEARNING}, {METRIC_LEARNING}-<recipe>, pca, "
                              f"tsne, umap, cp-R<rank>, tucker-R<rank>, tucker_rhw-R<rank> or {LOSS_PREFIX}<loss>.")
        plain, recipe, decomposition, rank, loss = m.groups()
        if plain:
            return cls(plain)
        if recipe:
            return cls(METRIC_LEARNING, recipe=recipe)
        if decomposition:
            return cls(decomposition, rank=int(rank))
        return cls("loss", loss=loss)

    @classmethod
    def decomposition(cls, family: str, rank: int) -> "Method":
        if family not in DECOMPOSITIONS or int(rank) < 1:
            raise NorankError(f"{family}-R{rank} is not a decomposition; use cp, tucker or tucker_rhw with a rank >= 1.")
        return cls(family, rank=int(rank))

    @classmethod
    def metric_learning(cls, recipe: str = EQ13) -> "Method":
        return cls(METRIC_LEARNING, recipe=recipe)

    @classmethod
    def trained_with(cls, loss: str) -> "Method":
        return cls.parse(f"{LOSS_PREFIX}{loss}")

    def __str__(self) -> str:
        if self.family in DECOMPOSITIONS:
            return f"{self.family}-R{self.rank}"
        if self.family == "loss":
            return f"{LOSS_PREFIX}{self.loss}"
        if self.family == METRIC_LEARNING and self.recipe != EQ13:
            return f"{METRIC_LEARNING}-{self.recipe}"
        return self.family

    @property
    def is_trained(self) -> bool:
        """An encoder this package trains (no rank, no reconstruction of its own)."""
        return self.family in (METRIC_LEARNING, "loss")

    @property
    def is_baseline(self) -> bool:
        return not self.is_trained

    @property
    def transductive(self) -> bool:
        return self.family in TRANSDUCTIVE


def baseline_methods(families: list[str], ranks: list[int], split: str,
                     heldout_ranks: list[int] | None = None) -> list[Method]:
    """The baselines of a split, in the tables' order of ``families``: CP / Tucker once per rank
    (``heldout_ranks`` on held-out folds when given), t-SNE only under split ``all``."""
    if split != "all" and heldout_ranks:
        ranks = heldout_ranks
    out = []
    for family in families:
        if family in DECOMPOSITIONS:
            out += [Method.decomposition(family, r) for r in ranks]
        elif family not in TRANSDUCTIVE or split == "all":
            out.append(Method.parse(family))
    return out
