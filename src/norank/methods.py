"""Method identity, with one owner: every method of the pipeline is a :class:`Method`, formatted and
parsed here only (``metric_learning``, ``metric_learning-official``, ``pca``, ``cp-R5``,
``loss-arcface``, ``bridge-encoder``, ``pca_svm``).

Every file name, metric row, table and figure names a method by the string ``str(method)``
gives; every reader turns it back into a :class:`Method` with :meth:`Method.parse`.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from norank.errors import NorankError
from norank.splits import PAPER, Split
from norank.recipes import EQ13, OFFICIAL, RECIPES, TUNED

# the families, one constant each
METRIC_LEARNING = "metric_learning"  # the paper's encoder, by a recipe (norank.recipes)
PCA, TSNE, UMAP = "pca", "tsne", "umap"
CP, TUCKER, TUCKER_RHW = "cp", "tucker", "tucker_rhw"
LOSS = "loss"  # a run of the loss comparison or the unsupervised mode (loss-plm), by its loss
PCA_SVM, TRANSFORMER = "pca_svm", "transformer"  # Table 6's classifiers (norank.efficiency)
OFFICIAL_CODE = "official_code"  # the paper author's code, run unmodified (norank.official_code)
BRIDGE = "bridge"  # eq. 13 with one choice of the official recipe (norank.bridge), bridge-<choice>

EMBEDDINGS = (PCA, TSNE, UMAP)  # baselines without a rank
# baselines with a rank: CP; Tucker with ranks (R, R, R) as the paper's Table 5, and with the
# official code's (R, H, W) (spatial modes at full rank)
DECOMPOSITIONS = (CP, TUCKER, TUCKER_RHW)
BASELINES = EMBEDDINGS + DECOMPOSITIONS  # norank.baselines.fit_baseline
CLASSIFIERS = (PCA_SVM, TRANSFORMER)  # trained on n samples for Table 6 only; they embed nothing
FAMILIES = (METRIC_LEARNING, *BASELINES, LOSS, *CLASSIFIERS, OFFICIAL_CODE, BRIDGE)
TRANSDUCTIVE = (TSNE,)  # cannot embed samples it was not fitted on: split `all` only
LOSS_PREFIX = f"{LOSS}-"  # loss-<loss>
BRIDGE_PREFIX = f"{BRIDGE}-"  # bridge-<choice>

# every method name, as a regular expression: a family without parameters; metric learning by a
# recipe other than eq13 (metric_learning-<recipe>); a decomposition and its rank; a loss run; a
# bridge run
_PLAIN = "|".join(sorted((METRIC_LEARNING, *EMBEDDINGS, *CLASSIFIERS, OFFICIAL_CODE), key=len, reverse=True))
WILDCARD = (rf"({_PLAIN})|{METRIC_LEARNING}-({'|'.join((*OFFICIAL, TUNED))})"
            rf"|({'|'.join(DECOMPOSITIONS)})-R(\d+)|{LOSS_PREFIX}([a-z][a-z0-9_]*)|{BRIDGE_PREFIX}([a-z][a-z0-9_]*)")
_PATTERN = re.compile(rf"^(?:{WILDCARD})$")


@dataclass(frozen=True)
class Method:
    """One method: ``family`` is one of :data:`FAMILIES`; ``rank`` (an integer >= 1) is set for
    CP / Tucker only, ``loss`` for ``loss-<name>`` only, ``recipe`` for metric learning only
    (:mod:`norank.recipes`; eq13, the default, is the plain ``metric_learning``), ``choice`` for
    a bridge run only (``bridge-<choice>``, :mod:`norank.bridge`).

    The fields are checked once, here: a ``Method`` that exists is one the pipeline knows.
    """

    family: str
    rank: int | None = None
    loss: str | None = None
    recipe: str | None = None
    choice: str | None = None

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise NorankError(f"method family {self.family!r} is unknown; use one of {', '.join(FAMILIES)}.")
        if self.family == METRIC_LEARNING and self.recipe is None:
            object.__setattr__(self, "recipe", EQ13)
        if self.rank is not None:
            object.__setattr__(self, "rank", operator.index(self.rank))  # an integer, not 5.0 or "5"
        if (self.family in DECOMPOSITIONS) != (self.rank is not None and self.rank >= 1):
            raise NorankError(f"{self.family}-R{self.rank} is not a decomposition; use cp, tucker or tucker_rhw "
                              "with a rank >= 1.")
        if (self.family == LOSS) != bool(self.loss):
            raise NorankError(f"{self!r}: a loss run needs a loss, and only a loss run has one.")
        if (self.family == BRIDGE) != bool(self.choice):
            raise NorankError(f"{self!r}: a bridge run needs a choice, and only a bridge run has one.")
        if (self.family == METRIC_LEARNING) != (self.recipe is not None) or self.recipe not in (None, *RECIPES):
            raise NorankError(f"{self!r}: metric learning needs a recipe of {', '.join(RECIPES)}, and only "
                              "metric learning has one.")

    @classmethod
    def parse(cls, name: str) -> "Method":
        """The method ``str(method)`` named: the inverse of :meth:`__str__`."""
        m = _PATTERN.match(str(name))
        if not m:
            raise NorankError(f"method {name!r} is unknown; use {METRIC_LEARNING}, {METRIC_LEARNING}-<recipe>, pca, "
                              f"tsne, umap, cp-R<rank>, tucker-R<rank>, tucker_rhw-R<rank>, {LOSS_PREFIX}<loss>, "
                              f"{BRIDGE_PREFIX}<choice>, {PCA_SVM}, {TRANSFORMER} or {OFFICIAL_CODE}.")
        plain, recipe, decomposition, rank, loss, choice = m.groups()
        if plain:
            return cls(plain)
        if recipe:
            return cls.metric_learning(recipe)
        if decomposition:
            return cls.decomposition(decomposition, int(rank))
        if choice:
            return cls.bridged(choice)
        return cls.trained_with(loss)

    @classmethod
    def decomposition(cls, family: str, rank: int) -> "Method":
        """CP / Tucker at ``rank`` (any integer type, as config files and CSV columns hold it)."""
        return cls(family, rank=int(rank))

    @classmethod
    def metric_learning(cls, recipe: str = EQ13) -> "Method":
        return cls(METRIC_LEARNING, recipe=recipe)

    @classmethod
    def trained_with(cls, loss: str) -> "Method":
        """A run of the loss comparison (or the unsupervised mode's ``plm``) trained with ``loss``."""
        return cls(LOSS, loss=loss)

    @classmethod
    def bridged(cls, choice: str) -> "Method":
        """Eq. 13 with one ``choice`` of the official recipe (norank.bridge.CHOICES)."""
        return cls(BRIDGE, choice=choice)

    def __str__(self) -> str:
        if self.family in DECOMPOSITIONS:
            return f"{self.family}-R{self.rank}"
        if self.family == LOSS:
            return f"{LOSS_PREFIX}{self.loss}"
        if self.family == BRIDGE:
            return f"{BRIDGE_PREFIX}{self.choice}"
        if self.family == METRIC_LEARNING and self.recipe != EQ13:
            return f"{METRIC_LEARNING}-{self.recipe}"
        return self.family

    @property
    def is_trained(self) -> bool:
        """An encoder this package trains, whose embeddings the training rules write (no rank, no
        reconstruction of its own)."""
        return self.family in (METRIC_LEARNING, LOSS, BRIDGE)

    @property
    def is_encoder(self) -> bool:
        """A metric-learning encoder (ours, a study's, or the official code's): no reconstruction of its
        own, so the evaluation fits a linear map from its embedding back to the input (paper §5.4)."""
        return self.family in (METRIC_LEARNING, LOSS, OFFICIAL_CODE, BRIDGE)

    @property
    def is_baseline(self) -> bool:
        """A comparison method of Tables 2-5 that :func:`norank.baselines.fit_baseline` fits."""
        return self.family in BASELINES

    @property
    def transductive(self) -> bool:
        return self.family in TRANSDUCTIVE


def baseline_methods(families: list[str], ranks, split: str) -> list[Method]:
    """The baselines of a split, in the tables' order of ``families``: CP / Tucker once per rank
    of ``ranks``, t-SNE only under split ``all`` (it has no out-of-sample transform)."""
    in_sample = Split.parse(split).protocol == PAPER
    out = []
    for family in families:
        if family in DECOMPOSITIONS:
            out += [Method.decomposition(family, r) for r in ranks]
        elif family not in BASELINES:
            raise NorankError(f"baseline {family!r} is unknown; use one of {', '.join(BASELINES)}.")
        elif family not in TRANSDUCTIVE or in_sample:
            out.append(Method(family))
    return out
