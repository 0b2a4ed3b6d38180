"""Loss terms of the paper's objective (eqs. 4, 6, 7, 11, 12, 13), one function each.

All distances are SQUARED Euclidean distances between embeddings, as in eq. 4,
computed without a square root (so duplicated points give finite gradients); the triplet term
may use the unsquared distance instead (option ``distance``, as the official code's loss).
Sums in the paper are averaged here (over mined triplets, over pairs), which only
rescales the learning rate and makes the λ weights independent of the batch size.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from pytorch_metric_learning import distances, losses, reducers

from norank.errors import NorankError


def squared_distances(Z: torch.Tensor, W: torch.Tensor | None = None) -> torch.Tensor:
    """``(B, B')`` matrix of ||z_i - w_j||², clamped at 0 (no sqrt, so no NaN gradient at 0)."""
    W = Z if W is None else W
    d = (Z * Z).sum(1, keepdim=True) + (W * W).sum(1)[None, :] - 2 * Z @ W.T
    return d.clamp_min(0.0)


# the squared Euclidean distance of eq. 4 as a pytorch-metric-learning distance (the triplet loss and
# the batch-hard miner share it)
SQUARED_L2 = distances.LpDistance(p=2, power=2, normalize_embeddings=False)
# the triplet term's distance (eq. 13 option ``distance``): eq. 4's squared Euclidean, or the
# plain Euclidean distance the official code's loss uses (F.pairwise_distance, losses.py)
TRIPLET_DISTANCES = {"squared": SQUARED_L2, "euclidean": distances.LpDistance(p=2, power=1, normalize_embeddings=False)}


def triplet_distances(Z: torch.Tensor, distance: str = "squared") -> torch.Tensor:
    """``(B, B)`` matrix of the triplet term's ``distance`` (:data:`TRIPLET_DISTANCES`) between the rows of ``Z``."""
    if distance not in TRIPLET_DISTANCES:
        raise NorankError(f"triplet distance {distance!r} is unknown; use one of {', '.join(TRIPLET_DISTANCES)}.")
    d = squared_distances(Z)
    return d if distance == "squared" else d.sqrt()


@functools.lru_cache(maxsize=8)
def _pml_triplet(margin: float, distance: str) -> losses.TripletMarginLoss:
    return losses.TripletMarginLoss(margin=margin, distance=TRIPLET_DISTANCES[distance], reducer=reducers.MeanReducer())


def triplet_loss(
    Z: torch.Tensor, y: torch.Tensor, triplets: tuple[torch.Tensor, torch.Tensor, torch.Tensor], margin: float,
    distance: str = "squared",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Eq. 4: mean over the given triplets of [||z_a - z_p||² - ||z_a - z_n||² + α]_+ (with
    ``distance="euclidean"``: the distances unsquared, as the official code's loss).

    Computed by pytorch-metric-learning's ``TripletMarginLoss``. Returns ``(loss,
    active_fraction)``, both 0-d tensors on ``Z``'s device: the fraction of the triplets whose
    loss is non-zero. No triplets → loss 0 (a graph-connected zero) and fraction 0.
    """
    a = triplets[0]
    if len(a) == 0:
        return Z.sum() * 0.0, Z.new_zeros(())
    with torch.no_grad():
        d = triplet_distances(Z, distance)
        active = (d[triplets[0], triplets[1]] - d[triplets[0], triplets[2]] + margin > 0).float().mean()
    return _pml_triplet(float(margin), distance)(Z, y, triplets), active


def diversity_loss(Z: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Eq. 6: (1 / d(d-1)) Σ_{i≠j} |C_ij|, C the correlation matrix of the embedding dimensions.

    C is normalised as a Pearson correlation over the batch: each of the d columns of
    Z ``(B, d)`` is centred and scaled to unit variance, then C = Z̃ᵀZ̃ / B (unit diagonal).
    The paper writes C = ZᵀZ for unit-norm rows; without centring and scaling that is
    not a correlation matrix, so we use the correlation its text names.
    """
    B, d = Z.shape
    if d < 2 or B < 2:
        raise NorankError(f"diversity loss needs at least 2 samples and 2 dimensions, got Z of shape {tuple(Z.shape)}.")
    Zc = Z - Z.mean(0, keepdim=True)
    Zs = Zc / (Zc.pow(2).mean(0, keepdim=True) + eps).sqrt()
    C = Zs.T @ Zs / B
    off = ~torch.eye(d, dtype=torch.bool, device=Z.device)
    return C[off].abs().mean()


def uniformity_loss(Z: torch.Tensor, t: float = 2.0) -> torch.Tensor:
    """Eq. 7 (Wang & Isola 2020): log E_{i<j} exp(-t ||z_i - z_j||²), t = 2."""
    B = Z.shape[0]
    if B < 2:
        raise NorankError("uniformity loss needs at least 2 samples.")
    iu = torch.triu_indices(B, B, offset=1, device=Z.device)
    d = squared_distances(Z)[iu[0], iu[1]]
    return torch.logsumexp(-t * d, dim=0) - torch.log(torch.tensor(float(d.numel()), device=Z.device))


def local_consistency_loss(Z: torch.Tensor, Z_nbr: torch.Tensor, delta_local: float) -> torch.Tensor:
    """Eq. 11, averaged: mean_i [||z_i - z_{j(i)}||² - δ_local]_+ over pairs (i, j(i)), j(i) ∈ N_k(x_i).

    ``Z_nbr[i]`` is the embedding of a k-nearest neighbour (in the original input space)
    of sample i.
    """
    d = (Z - Z_nbr).pow(2).sum(1)
    return torch.relu(d - delta_local).mean()


def global_separation_loss(Z: torch.Tensor, non_neighbour: torch.Tensor, delta_global: float) -> torch.Tensor:
    """Eq. 12, averaged: mean over pairs (i, j), j ∉ N_k(x_i), of [δ_global - ||z_i - z_j||²]_+.

    ``non_neighbour`` is a ``(B, B)`` boolean mask of the batch pairs that are not
    k-nearest neighbours in the original space (diagonal excluded). No such pair → 0.
    """
    d = squared_distances(Z)
    # no branch on the host: with no such pair the mean is over nothing and where() picks the 0
    return torch.where(non_neighbour.any(), torch.relu(delta_global - d[non_neighbour]).mean(), Z.sum() * 0.0)


def active_triplet_fraction(Z: torch.Tensor, y: torch.Tensor, margin: float, distance: str = "squared") -> torch.Tensor:
    """Fraction of ALL valid triplets (a, p, n) of the batch whose eq. 4 loss is non-zero
    (a float64 0-d tensor on ``Z``'s device; 0 when the batch has no valid triplet).

    (Mined semi-hard triplets are active by construction; this says how much of the
    batch still violates the margin.) Counted without the ``(B, B, B)`` cube: per anchor, the
    sorted negative distances and, per positive, how many of them lie below d(a,p) + α.
    """
    with torch.no_grad():
        d = triplet_distances(Z, distance)
        same = y[:, None] == y[None, :]
        pos = same & ~torch.eye(len(y), dtype=torch.bool, device=Z.device)
        neg_sorted = torch.where(same, torch.inf, d).sort(dim=1).values  # negatives first, in order
        below = torch.searchsorted(neg_sorted, d + margin, side="left")  # #negatives with d(a,n) < d(a,p) + α
        n_valid = (pos.sum(1) * (~same).sum(1)).sum()
        return (below * pos).sum().double() / n_valid.clamp_min(1).double()


@dataclass(frozen=True)
class Weights:
    """λ1..λ4 of eq. 13 and the margins of the terms."""

    margin: float = 0.5
    lambda_div: float = 0.1
    lambda_uniform: float = 0.1
    lambda_local: float = 0.1
    lambda_global: float = 0.1
    delta_local: float = 0.5
    delta_global: float = 1.0


def total_loss(terms: dict[str, torch.Tensor], w: Weights) -> torch.Tensor:
    """Eq. 13: L = L_triplet + λ1 L_div + λ2 L_uniform + λ3 L_local + λ4 L_global (absent terms count 0)."""
    weights = {"triplet": 1.0, "diversity": w.lambda_div, "uniformity": w.lambda_uniform,
               "local": w.lambda_local, "global": w.lambda_global}
    return sum(weights[k] * v for k, v in terms.items())
