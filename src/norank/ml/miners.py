"""Triplet mining on a batch (paper §4.3, Algorithms 1 and 2), vectorised on the distance matrix.

Each miner takes ``Z`` ``(B, d)`` and labels ``y`` ``(B,)`` and returns index tensors
``(a, p, n)`` of equal length, as pytorch-metric-learning's miners do. Distances
are the triplet loss's (squared Euclidean, eq. 4, unless its option ``distance`` says
otherwise), so "within the margin" means the same thing for the miner and the loss.
"""

from __future__ import annotations

import torch
from pytorch_metric_learning import miners
from pytorch_metric_learning.utils import loss_and_miner_utils as lmu

from norank.errors import NorankError
from norank.ml.losses import SQUARED_L2, triplet_distances

Triplets = tuple[torch.Tensor, torch.Tensor, torch.Tensor]


def _check(y: torch.Tensor) -> None:
    if torch.unique(y).numel() < 2:
        raise NorankError(
            "the batch holds a single class, so no triplet has a negative. Use the class-balanced "
            "P×K batch sampler with P ≥ 2 classes (the dataset needs at least 2 classes)."
        )


def _random_choice(mask: torch.Tensor, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
    """For each row of a boolean ``(B, B)`` mask, a uniformly random True column; and whether one exists."""
    scores = torch.rand(mask.shape, generator=generator, device="cpu").to(mask.device)
    scores = scores.masked_fill(~mask, -1.0)
    best, idx = scores.max(dim=1)
    return idx, best >= 0


def semi_hard_triplets(Z: torch.Tensor, y: torch.Tensor, margin: float, generator: torch.Generator | None = None,
                       distance: str = "squared") -> Triplets:
    """Algorithm 1: per anchor a random positive p, then a random negative n with
    d(a,p) < d(a,n) < d(a,p) + α; anchors with no such negative are skipped.

    (pytorch-metric-learning's ``TripletMarginMiner(type_of_triplets="semihard")`` returns
    *all* such triplets; Algorithm 1 draws one per anchor, which is what this does.)
    """
    _check(y)
    with torch.no_grad():
        d = triplet_distances(Z, distance)
        same = y[:, None] == y[None, :]
        eye = torch.eye(len(y), dtype=torch.bool, device=Z.device)
        p, has_p = _random_choice(same & ~eye, generator)
        dap = d.gather(1, p[:, None])
        semi = ~same & (d > dap) & (d < dap + margin)
        n, has_n = _random_choice(semi, generator)
        keep = has_p & has_n
        a = torch.arange(len(y), device=Z.device)[keep]
        return a, p[keep], n[keep]


def hard_triplets(Z: torch.Tensor, y: torch.Tensor, margin: float | None = None, generator=None,
                  distance: str = "squared") -> Triplets:
    """Algorithm 2 (batch-hard, Hermans et al. 2017): per anchor the farthest positive and the
    closest negative. pytorch-metric-learning's ``BatchHardMiner`` with squared L2 distance
    (the same order as the unsquared one, so ``distance`` changes nothing)."""
    _check(y)
    with torch.no_grad():
        return miners.BatchHardMiner(distance=SQUARED_L2)(Z, y)


def all_triplets(Z: torch.Tensor, y: torch.Tensor, margin: float | None = None, generator=None,
                 distance: str = "squared") -> Triplets:
    """Batch-all: every valid (a, p, n) of the batch (pytorch-metric-learning's ``get_all_triplets_indices``)."""
    _check(y)
    return lmu.get_all_triplets_indices(y)


MINERS = {"semihard": semi_hard_triplets, "hard": hard_triplets, "all": all_triplets}


def mine(kind: str, Z: torch.Tensor, y: torch.Tensor, margin: float, generator: torch.Generator | None = None,
         distance: str = "squared") -> Triplets:
    """Dispatch to the miner named ``kind`` (``semihard``, ``hard`` or ``all``); ``distance`` is the
    triplet term's (norank.ml.losses.TRIPLET_DISTANCES), which sets the semi-hard margin window."""
    if kind not in MINERS:
        raise NorankError(f"miner {kind!r} is unknown; use one of {sorted(MINERS)}.")
    return MINERS[kind](Z, y, margin, generator, distance)
