"""The seven losses of the loss-comparison study, behind one interface: ``loss(Z, y) -> scalar``.

All but one come from pytorch-metric-learning (PML), with PML's defaults unless noted:

=====================  =============================================================  ==========
name                   what it is                                                     parameters
=====================  =============================================================  ==========
``contrastive``        pairs: same-class distance -> 0, different-class >= neg_margin  no
``triplet``            all batch triplets, d(a,p) + margin <= d(a,n)                  no
``npair``              N-pair: one positive per anchor against every other class       no
``infonce``            supervised InfoNCE / NT-Xent (temperature 0.07)                 no
``arcface``            additive angular margin softmax over class weights             yes
``supcon``             supervised contrastive (temperature 0.1)                        no
``center_contrastive`` contrast each embedding with a bank of learned class centres   yes
=====================  =============================================================  ==========

``center_contrastive``: the centre-bank term of Center Contrastive Loss — a softmax over the
cosine similarities between an embedding and every class centre (temperature 0.05). PML's
``NormalizedSoftmaxLoss`` computes exactly this, so it is used; the original paper's extra
centre-update schedule is not reproduced.

Embeddings are expected on the unit sphere (the encoders' output); PML's distances are
Euclidean (contrastive, triplet) or cosine (the rest) as PML defines each loss.
"""

from __future__ import annotations

from torch import nn

from norank.errors import NorankError

LOSSES = ("contrastive", "triplet", "npair", "infonce", "arcface", "supcon", "center_contrastive")
WITH_PARAMETERS = ("arcface", "center_contrastive")


class PMLLoss(nn.Module):
    """A PML loss as a module ``forward(Z, y)`` (its own parameters, if any, are registered)."""

    def __init__(self, name: str, loss: nn.Module):
        super().__init__()
        self.name = name
        self.loss = loss

    def forward(self, Z, y):
        return self.loss(Z, y)


def build_loss(name: str, *, n_classes: int, dim: int, **options) -> PMLLoss:
    """The loss ``name`` (see :data:`LOSSES`); ``options`` override its PML arguments."""
    from pytorch_metric_learning import losses

    makers = {
        "contrastive": lambda: losses.ContrastiveLoss(**{"pos_margin": 0.0, "neg_margin": 1.0, **options}),
        "triplet": lambda: losses.TripletMarginLoss(**{"margin": 0.2, **options}),
        "npair": lambda: losses.NPairsLoss(**options),
        "infonce": lambda: losses.NTXentLoss(**{"temperature": 0.07, **options}),
        "arcface": lambda: losses.ArcFaceLoss(n_classes, dim, **options),
        "supcon": lambda: losses.SupConLoss(**{"temperature": 0.1, **options}),
        "center_contrastive": lambda: losses.NormalizedSoftmaxLoss(n_classes, dim, **{"temperature": 0.05, **options}),
    }
    if name not in makers:
        raise NorankError(f"loss {name!r} is unknown; choose one of {', '.join(LOSSES)}.")
    try:
        return PMLLoss(name, makers[name]())
    except TypeError as e:
        raise NorankError(f"loss {name!r}: bad option in {sorted(options)} ({e}).") from None
