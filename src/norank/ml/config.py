"""Every hyper-parameter of a training run, as one frozen value (the checkpoint stores it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from norank.errors import NorankError
from norank.ml.losses import Weights
from norank.ml.sampling import SAMPLERS


@dataclass(frozen=True)
class TrainConfig:
    """Options of :func:`norank.ml.train.train_embedding`; config-file keys have the same names."""

    encoder: str = "auto"
    embedding_dim: int = 64
    mlp_hidden: tuple[int, ...] = (512, 256)
    cnn_channels: tuple[int, ...] = (16, 32, 64)
    dropout: float = 0.1
    projection_head: bool = False
    miner: str = "semihard"
    weights: Weights = field(default_factory=Weights)
    knn_k: int = 5
    classes_per_batch: int = 8
    batch_size: int = 64
    # batches: "pk" (classes_per_batch classes x K samples), "shuffled" (a permutation cut into
    # batches), or "auto": the objective's own (eq. 13 and the losses pk, the official recipe shuffled)
    sampler: str = "auto"
    epochs: int = 100
    lr: float = 1e-3
    lr_encoder: float | None = None  # the convolutions' own rate (official recipe), else lr for all
    weight_decay: float = 1e-4
    scheduler: str = "cosine"
    grad_clip: float = 5.0
    val_fraction: float = 0.1
    patience: int = 20
    eval_every: int = 5
    noise_p: float = 0.0
    noise_sigma: float = 0.02
    augmented_copies: bool = True  # train on the dataset's offline-augmented copies when it has them
    device: str = "auto"
    # the objective, by its name in norank.ml.objectives.OBJECTIVES: "eq13" (eq. 13: mined
    # triplets + the four regularisers), one of the loss-comparison losses
    # (norank.ml.loss_zoo.LOSSES), the official recipe's "official" / "official_fixed"
    # (norank.ml.official), all supervised, or "plm" (unsupervised, norank.ml.plm);
    # loss_options are that objective's own arguments
    loss: str = "eq13"
    loss_options: dict = field(default_factory=dict)
    # log VARIANCE (every epoch) and GREEDINESS (every batch, averaged) diagnostics in the history
    diagnostics: bool = False
    # torch.compile the encoder (inductor); where the compiler cannot run here, train eager and
    # say so in one log line (norank.ml.device.compile_encoder)
    compile: bool = False

    def __post_init__(self):
        if self.sampler not in ("auto", *SAMPLERS):
            raise NorankError(f"training option sampler={self.sampler!r} is unknown; use auto, {' or '.join(SAMPLERS)}.")

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a (config-file) dict; λ/δ/margin keys may sit at top level or under ``weights``."""
        d = dict(d)
        wkeys = {f.name for f in dataclasses.fields(Weights)}
        w = dict(d.pop("weights", {}) or {})
        w.update({k: d.pop(k) for k in list(d) if k in wkeys})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise NorankError(f"unknown training option(s) {sorted(unknown)}; known: {sorted(known | wkeys)}.")
        for k in ("mlp_hidden", "cnn_channels"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(weights=Weights(**w), **d)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
