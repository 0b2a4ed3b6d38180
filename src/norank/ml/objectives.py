"""The training objectives of :func:`norank.ml.loop.fit`, and the registry that names them.

- :class:`Eq13Objective`: eq. 13, mined triplets (Algorithms 1-2) plus the diversity,
  uniformity, local-consistency and global-separation terms, with the optional eq. 17 head.
- :class:`PMLObjective`: one loss of the loss-comparison study (:mod:`norank.ml.loss_zoo`),
  with its own parameters (ArcFace's class weights, the centre bank) trained alongside.
- the official recipe's objective (:mod:`norank.ml.official`) and the unsupervised PLM
  objective (:mod:`norank.ml.plm`) live in their own modules.

:data:`OBJECTIVES` maps the name the training option ``loss`` holds to how the objective is
made (:class:`Supervised` or :class:`Unsupervised`), as :data:`norank.ml.miners.MINERS` maps a
miner's name to the miner.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, ClassVar

import numpy as np
import torch
from torch import nn

from norank.errors import NorankError
from norank.ml.config import TrainConfig
from norank.ml.encoders import ProjectionHead
from norank.ml.loop import Batch, Objective, Pool, Step
from norank.ml.loss_zoo import LOSSES, PMLLoss, build_loss
from norank.ml.losses import (
    TRIPLET_DISTANCES,
    Weights,
    active_triplet_fraction,
    diversity_loss,
    global_separation_loss,
    local_consistency_loss,
    total_loss,
    triplet_loss,
    uniformity_loss,
)
from norank.ml.miners import mine
from norank.ml.official import VARIANTS, OfficialObjective
from norank.ml.plm import plm_setup
from norank.recipes import EQ13, RENAMED_OBJECTIVES


def non_neighbour_mask(src: torch.Tensor, knn: torch.Tensor) -> torch.Tensor:
    """``(B, B)`` mask of the batch pairs (i, j) with j not among i's input-space k nearest
    neighbours and not i itself (an augmented copy counts as its original); ``src`` ``(B,)`` are
    the samples' fitting-set rows and ``knn`` ``(B, k)`` their neighbours' rows."""
    is_nbr = (knn[:, :, None] == src[None, None, :]).any(1) | (src[:, None] == src[None, :])
    return ~is_nbr


def project(head: nn.Module | None, Z: torch.Tensor) -> torch.Tensor:
    """What the loss reads: ``Z``, or the l2-normalised output of the eq. 17 head."""
    return Z if head is None else nn.functional.normalize(head(Z), dim=1)


class Eq13Objective(Objective):
    """Eq. 13: L = L_triplet + λ1 L_div + λ2 L_uniform + λ3 L_local + λ4 L_global.

    Terms with λ = 0 are left out (and so are the neighbours when λ3 = λ4 = 0). With a
    projection head (eq. 17) the loss reads the l2-normalised head output.
    Statistics per batch: the active mined triplets, the mined triplets, and the active
    fraction of all the batch's valid triplets.
    """

    stat_names = ("active_mined", "mined", "active_batch")

    def __init__(self, weights: Weights, miner: str, head: nn.Module | None = None, distance: str = "squared"):
        super().__init__()
        if distance not in TRIPLET_DISTANCES:
            raise NorankError(f"eq13 loss option distance={distance!r} is unknown; use one of "
                              f"{', '.join(TRIPLET_DISTANCES)}.")
        self.w, self.miner, self.head, self.distance = weights, miner, head, distance
        self.needs_neighbours = weights.lambda_local > 0 or weights.lambda_global > 0
        optional = {"diversity": weights.lambda_div, "uniformity": weights.lambda_uniform,
                    "local": weights.lambda_local, "global": weights.lambda_global}
        self.term_names = ("triplet", *(k for k, lam in optional.items() if lam > 0))

    def forward(self, Z: torch.Tensor, batch: Batch) -> Step:
        w, out = self.w, project(self.head, Z)
        trip = mine(self.miner, out.detach(), batch.y, w.margin, batch.generator, self.distance)
        terms = {}
        terms["triplet"], frac = triplet_loss(out, batch.y, trip, w.margin, self.distance)
        if w.lambda_div > 0:
            terms["diversity"] = diversity_loss(out)
        if w.lambda_uniform > 0:
            terms["uniformity"] = uniformity_loss(out)
        if w.lambda_local > 0:
            terms["local"] = local_consistency_loss(out, project(self.head, batch.Z_nbr), w.delta_local)
        if w.lambda_global > 0:
            terms["global"] = global_separation_loss(out, non_neighbour_mask(batch.src, batch.knn), w.delta_global)
        n = torch.full((), len(trip[0]), dtype=torch.float64, device=Z.device)
        stats = torch.stack([frac.double() * n, n, active_triplet_fraction(out.detach(), batch.y, w.margin, self.distance)])
        return Step(total_loss(terms, w), terms, out, stats)

    def epoch_row(self, m: dict[str, float]) -> dict[str, float]:
        return {"active_mined_triplets": m["active_mined"] / m["mined"] if m["mined"] else 0.0,
                "active_batch_triplets": m["active_batch"], "triplets_per_batch": m["mined"]}


class PMLObjective(Objective):
    """A loss of the loss-comparison study, ``loss(Z, y)``; its parameters train with the encoder."""

    def __init__(self, loss: PMLLoss, head: nn.Module | None = None):
        super().__init__()
        self.head, self.loss = head, loss
        self.term_names = (loss.name,)

    def forward(self, Z: torch.Tensor, batch: Batch) -> Step:
        out = project(self.head, Z)
        value = self.loss(out, batch.y)
        return Step(value, {self.loss.name: value}, out)


def projection_head(cfg: TrainConfig) -> nn.Module | None:
    """The eq. 17 head when ``cfg.projection_head``, else None."""
    return ProjectionHead(cfg.embedding_dim) if cfg.projection_head else None


EQ13_OPTIONS = ("distance",)  # eq. 13's loss_options: the triplet term's distance (squared by default)


def eq13_objective(cfg: TrainConfig, n_classes: int, pool: Pool) -> Eq13Objective:
    """Eq. 13 with ``cfg``'s weights, miner and head, and its ``loss_options`` (:data:`EQ13_OPTIONS`)."""
    unknown = sorted(set(cfg.loss_options) - set(EQ13_OPTIONS))
    if unknown:
        raise NorankError(f"training option loss_options: {unknown} are not options of loss eq13; "
                          f"it has {', '.join(EQ13_OPTIONS)}.")
    return Eq13Objective(cfg.weights, cfg.miner, projection_head(cfg), **cfg.loss_options)


def comparison_objective(name: str, cfg: TrainConfig, n_classes: int, pool: Pool) -> PMLObjective:
    """The loss-comparison loss ``name`` with ``cfg.loss_options`` (the head is made first, then the loss)."""
    head = projection_head(cfg)
    return PMLObjective(build_loss(name, n_classes=n_classes, dim=cfg.embedding_dim, **cfg.loss_options), head)


def official_objective(variant: str, cfg: TrainConfig, n_classes: int, pool: Pool) -> OfficialObjective:
    """The official recipe's objective (``official`` / ``official_fixed``), reading the fitting samples of ``pool``."""
    inputs = pool.X[: pool.n_fit].flatten(1)
    return OfficialObjective(inputs, variant, **cfg.loss_options)


@dataclass(frozen=True)
class Supervised:
    """An objective that reads labels: the early-stopping samples are a stratified share of the
    training samples, scored with labels. ``build(cfg, n_classes, pool)`` makes it after the
    encoder, inside the run's seeded random state (its parameters' initial values come next in
    the stream)."""

    build: Callable[[TrainConfig, int, Pool], Objective]
    supervised: ClassVar[bool] = True


@dataclass(frozen=True)
class Unsupervised:
    """An objective that never reads a label. ``setup(X, train_idx, fraction, options, rng, device,
    log=...)`` makes it before training and returns ``(fit_idx, val_idx, objective, evaluation)``:
    it holds out its own early-stopping samples and scores them without labels."""

    setup: Callable[..., tuple[np.ndarray, np.ndarray, Objective, object]]
    supervised: ClassVar[bool] = False


OBJECTIVES: dict[str, Supervised | Unsupervised] = {
    EQ13: Supervised(eq13_objective),
    **{name: Supervised(partial(comparison_objective, name)) for name in LOSSES},
    **{variant: Supervised(partial(official_objective, variant)) for variant in VARIANTS},
    "plm": Unsupervised(plm_setup),
}


def objective_spec(name: str) -> Supervised | Unsupervised:
    """The registry entry of the objective ``name`` (the training option ``loss``)."""
    if name in RENAMED_OBJECTIVES:
        raise NorankError(f"loss {name!r} (training option loss) is now called {RENAMED_OBJECTIVES[name]!r}; "
                          f"write loss: {RENAMED_OBJECTIVES[name]}.")
    if name not in OBJECTIVES:
        raise NorankError(f"loss {name!r} (training option loss) is unknown; use one of {', '.join(OBJECTIVES)}.")
    return OBJECTIVES[name]
