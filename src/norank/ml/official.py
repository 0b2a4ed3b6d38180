"""The official implementation's training recipe, re-implemented as an encoder and an objective
of the one training loop (read from the paper's code, ``../shared/reference/official-code/``,
``metric learning/{models,losses,utils}.py`` and ``examples/run_{lfw,olivetti}.py``; every
choice is cited in ``workflow/report/official_implementation.md``).

- :class:`OfficialEncoder`: ``FaceMetricLearningModel`` (models.py): three conv blocks
  32-64-128 with batch norm (the last one adaptively average-pooled to 4 × 4), a head
  2048-512 (BN, ReLU, dropout 0.3)-128 (BN, ReLU)-128, l2-normalised. The head's input is
  128 · 4 · 4 whatever the image size, so the parameter count is 1 225 664 for 50 × 37 (LFW)
  and 64 × 64 (Olivetti) alike.
- :class:`OfficialObjective`: ``ImprovedFaceMetricLoss`` (losses.py) on the triplets of
  ``improved_smart_triplet_mining`` (utils.py): an unsquared triplet hinge (margin 1.0) plus
  0.3 × a local-preservation hinge in the batch's embedding space.

Its training options (batch, epochs, optimiser) are :data:`norank.recipes.OFFICIAL_OPTIONS`.

The mining reads "original data" for its positives. As written (utils.py, training loop) that
is ``original_data[[i % len(dataset) for i in range(len(batch))]]``: the first B samples of the
dataset, whatever the shuffled batch holds, so the input-space neighbours it ranks are not the
batch's. ``variant="official"`` reproduces that; ``variant="official_fixed"`` uses the batch's
own inputs.
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from norank.errors import NorankError
from norank.ml.loop import Batch, Objective, Step
from norank.recipes import OFFICIAL, OFFICIAL_CNN_MIN_SIDE, official_cnn_fits

VARIANTS = OFFICIAL  # the objective's two readings of the mining inputs (module docstring)


class OfficialEncoder(nn.Module):
    """``FaceMetricLearningModel``: ``conv_encoder`` and ``projection_head`` keep the official
    names; its optimiser gives the convolutions a rate of their own (training option
    ``lr_encoder``, :meth:`convolutions`)."""

    def __init__(self, in_shape: Sequence[int], dim: int = 128, dropout: float = 0.3):
        super().__init__()
        if not official_cnn_fits(in_shape):
            raise NorankError(f"the official recipe's CNN needs (H, W) samples with both sides at least "
                              f"{OFFICIAL_CNN_MIN_SIDE} (it max-pools twice by 2), got sample shape {tuple(in_shape)}; "
                              "set the dataset's official_recipe: {encoder: mlp}.")
        blocks: list[nn.Module] = []
        for c_in, c_out in ((1, 32), (32, 64), (64, 128)):
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]
        blocks[-1] = nn.AdaptiveAvgPool2d((4, 4))  # the third block pools adaptively, not by 2
        self.conv_encoder = nn.Sequential(*blocks)
        self.projection_head = nn.Sequential(
            nn.Linear(128 * 4 * 4, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(512, dim), nn.BatchNorm1d(dim), nn.ReLU(), nn.Linear(dim, dim),
        )
        # channels-last convolutions, as ConvEncoder: the eager training step 1.26-1.47x faster on one CPU
        # thread (50x37 batch 16, 64x64 batch 8, 111x111 batch 16; benchmarks/step_peak.py); the
        # weights and the arithmetic are the official model's, only their memory layout differs
        self.to(memory_format=torch.channels_last)

    def convolutions(self) -> list[nn.Parameter]:
        """``conv_encoder``'s parameters, which the official optimiser trains at ``lr_encoder`` (utils.py)."""
        return list(self.conv_encoder.parameters())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, H, W)`` → ``z`` ``(B, dim)`` with ``||z|| = 1``."""
        return F.normalize(self.projection_head(self.conv_encoder(x.unsqueeze(1)).flatten(1)), dim=1)


def _first(mask: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per row: whether ``mask`` has a True, and ``values`` at the first True (any value if none)."""
    return mask.any(1), values.gather(1, mask.to(torch.uint8).argmax(1, keepdim=True)).squeeze(1)


def _random_member(mask: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Per row, a uniformly random column where ``mask`` is True (any column if none)."""
    u = torch.rand(mask.shape, generator=generator).to(mask.device)
    return torch.where(mask, u, -1.0).argmax(1)


def official_triplets(E: torch.Tensor, y: torch.Tensor, X0: torch.Tensor, k: int,
                      generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, bool]:
    """``improved_smart_triplet_mining`` (utils.py:12-76) as index tensors ``(a, p, n)``, and
    whether the random fallback (``get_simple_triplets``, utils.py:78-113) was used.

    For each batch sample i: the positive is the first of i's k nearest neighbours in ``X0``
    (the "original data", ``(B, D)``; self excluded) with i's label, and i is skipped when there
    is none; the negative is the first of i's k nearest neighbours in the embedding ``E`` with
    another label, else a random sample of another label. Without any anchor, every sample
    with a positive and a negative gets random ones; without those, one random triple.
    """
    B = len(E)
    rows = torch.arange(B, device=E.device)
    other = y[None, :] != y[:, None]
    # the k + 1 nearest, self first (sklearn's NearestNeighbors on the data itself), then drop it
    near_in = torch.cdist(X0, X0).argsort(dim=1, stable=True)[:, 1 : k + 1]
    has_pos, pos = _first((y[near_in] == y[:, None]) & (near_in != rows[:, None]), near_in)
    near_emb = torch.cdist(E, E).argsort(dim=1, stable=True)[:, 1 : k + 1]
    has_near_neg, near_neg = _first(y[near_emb] != y[:, None], near_emb)
    neg = torch.where(has_near_neg, near_neg, _random_member(other, generator))
    keep = has_pos & other.any(1)
    if keep.any():
        return rows[keep], pos[keep], neg[keep], False
    same = ~other & (rows[None, :] != rows[:, None])
    keep = same.any(1) & other.any(1)
    if keep.any():
        return rows[keep], _random_member(same, generator)[keep], _random_member(other, generator)[keep], True
    a, p, n = torch.randint(B, (3, 1), generator=generator).to(E.device)
    return a, p, n, True


def local_preservation_loss(E: torch.Tensor, k: int = 5, margin: float = 0.1) -> torch.Tensor:
    """``ImprovedFaceMetricLoss.local_preservation_loss`` (losses.py:18-39): for each sample, the
    hinge of (mean distance to its k nearest embeddings − mean distance to the first k others in
    batch order + 0.1), summed over the samples that have others and divided by the batch size."""
    B = len(E)
    D = torch.cdist(E, E)
    near = D.topk(min(k + 1, B), largest=False, dim=1).indices[:, 1:]
    is_near = torch.zeros(B, B, dtype=torch.bool, device=E.device).scatter_(1, near, True)
    others = ~(is_near | torch.eye(B, dtype=torch.bool, device=E.device))
    first_k = others & (others.cumsum(1) <= k)
    near_mean = D.gather(1, near).mean(1)
    others_mean = (D * first_k).sum(1) / first_k.sum(1).clamp(min=1)
    return (F.relu(near_mean - others_mean + margin) * others.any(1)).sum() / B


class OfficialObjective(Objective):
    """The official loss on the official mining, on shuffled batches (``sampler = shuffled``).

    ``inputs`` ``(n, D)`` are the flattened fitting samples in the training set's order (the
    official "original data"). Statistics per batch: mined triplets, and whether the random
    fallback ran.
    """

    sampler = "shuffled"
    term_names = ("triplet", "local")
    stat_names = ("mined", "fallback")

    def __init__(self, inputs: torch.Tensor, variant: str = "official", *, margin: float = 1.0, alpha: float = 0.3,
                 k: int = 5):
        super().__init__()
        if variant not in VARIANTS:
            raise NorankError(f"official recipe variant {variant!r} is unknown; use one of {VARIANTS}.")
        self.inputs, self.variant, self.margin, self.alpha, self.k = inputs, variant, margin, alpha, k

    def forward(self, Z: torch.Tensor, batch: Batch) -> Step:
        B = len(Z)
        X0 = self.inputs[:B] if self.variant == "official" else self.inputs.index_select(0, batch.src)
        a, p, n, fallback = official_triplets(Z.detach(), batch.y, X0, self.k, batch.generator)
        triplet = F.relu(F.pairwise_distance(Z[a], Z[p]) - F.pairwise_distance(Z[a], Z[n]) + self.margin).mean()
        local = local_preservation_loss(Z, self.k)
        stats = torch.tensor([len(a), float(fallback)], dtype=torch.float64, device=Z.device)
        return Step(triplet + self.alpha * local, {"triplet": triplet, "local": local}, Z, stats)

    def epoch_row(self, m: dict[str, float]) -> dict[str, float]:
        return {"triplets_per_batch": m["mined"], "fallback_batches": m["fallback"]}
