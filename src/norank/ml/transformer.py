"""A small supervised transformer classifier, the third column of Table 6.

The paper reports "NA" for transformers at n ≤ 256; this one trains, so the table gets
real numbers. Two tokenisations of a sample ``(H, W)``:

- ``patch`` (images): non-overlapping ``patch × patch`` tiles (the image zero-padded to a
  multiple of the patch size), each flattened and linearly embedded — a minimal ViT.
- ``rows`` (connectivity matrices): each of the H rows (one ROI's connectivity profile) is a
  token; the learned position embedding tells the ROIs apart.

A learned [CLS] token, pre-norm ``nn.TransformerEncoder`` layers, and a linear head on the
[CLS] output. Trained from scratch with AdamW + cosine schedule on cross-entropy; no early
stopping (the training sets are tiny), a fixed number of epochs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from norank.errors import NorankError
from norank.ml.device import pick_device


@dataclass(frozen=True)
class TransformerConfig:
    tokens: str = "patch"  # patch | rows
    patch: int = 8
    dim: int = 64
    depth: int = 2
    heads: int = 4
    dropout: float = 0.1
    epochs: int = 100
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 0.05
    device: str = "auto"

    @classmethod
    def from_dict(cls, d: dict) -> "TransformerConfig":
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise NorankError(f"unknown transformer option(s) {sorted(unknown)}; known: {sorted(known)}.")
        cfg = cls(**d)
        if cfg.tokens not in ("patch", "rows"):
            raise NorankError(f"transformer tokens must be 'patch' or 'rows', not {cfg.tokens!r}.")
        if cfg.dim % cfg.heads:
            raise NorankError(f"transformer dim={cfg.dim} must be a multiple of heads={cfg.heads}.")
        return cfg

    def to_dict(self) -> dict:
        return asdict(self)


class TokenTransformer(nn.Module):
    """Classifier of ``(B, H, W)`` samples through patch or row tokens (see module doc)."""

    def __init__(self, sample_shape: tuple[int, int], n_classes: int, cfg: TransformerConfig):
        super().__init__()
        if len(sample_shape) != 2:
            raise NorankError(f"the transformer takes samples of shape (H, W), got {tuple(sample_shape)}.")
        H, W = sample_shape
        self.tokens, self.patch = cfg.tokens, cfg.patch
        if cfg.tokens == "patch":
            self.pad = (0, -W % cfg.patch, 0, -H % cfg.patch)  # F.pad order: W left/right, H top/bottom
            n_tokens = math.ceil(H / cfg.patch) * math.ceil(W / cfg.patch)
            token_dim = cfg.patch * cfg.patch
        else:
            n_tokens, token_dim = H, W
        self.embed = nn.Linear(token_dim, cfg.dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        # unit-scale position embeddings (ViT uses 0.02): with a few dozen samples the tokens'
        # positions must be distinguishable from the first step, or the model memorises noise
        # before it learns where a token sits (a 0.02 start left a where-is-the-bright-row toy at chance)
        self.pos = nn.Parameter(torch.randn(1, n_tokens + 1, cfg.dim))
        layer = nn.TransformerEncoderLayer(
            cfg.dim, cfg.heads, dim_feedforward=2 * cfg.dim, dropout=cfg.dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, cfg.depth, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.dim)
        self.head = nn.Linear(cfg.dim, n_classes)

    def tokenize(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, H, W)`` → ``(B, n_tokens, token_dim)``."""
        if self.tokens == "rows":
            return x
        x = F.pad(x, self.pad)
        p = self.patch
        B, H, W = x.shape
        return x.reshape(B, H // p, p, W // p, p).permute(0, 1, 3, 2, 4).reshape(B, (H // p) * (W // p), p * p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = self.embed(self.tokenize(x))
        t = torch.cat([self.cls.expand(len(t), -1, -1), t], dim=1) + self.pos
        return self.head(self.norm(self.encoder(t)[:, 0]))


def fit_transformer(X: np.ndarray, y: np.ndarray, cfg: TransformerConfig, seed: int) -> TokenTransformer:
    """Train on ``X`` ``(n, H, W)``, ``y`` ``(n,)`` integer labels 0..C-1; returns the model in eval mode."""
    if not np.isfinite(X).all():
        raise NorankError("the transformer's training samples contain NaN or inf; clean the input first.")
    device = pick_device(cfg.device)
    n_classes = int(y.max()) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = TokenTransformer(X.shape[1:], n_classes, cfg).to(device)
    gen = torch.Generator().manual_seed(seed)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, dtype=torch.long, device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * math.ceil(len(X) / cfg.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # dropout masks
        for epoch in range(cfg.epochs):
            for b in torch.randperm(len(X), generator=gen).split(cfg.batch_size):
                loss = F.cross_entropy(model(Xt[b.to(device)]), yt[b.to(device)])
                if not torch.isfinite(loss):
                    raise NorankError(
                        f"the transformer's loss became {loss.item()} at epoch {epoch + 1}; lower its lr (now {cfg.lr})."
                    )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
    return model.eval()


@torch.no_grad()
def predict(model: TokenTransformer, X: np.ndarray, batch_size: int = 256) -> np.ndarray:
    device = next(model.parameters()).device
    out = [model(torch.as_tensor(X[i : i + batch_size], dtype=torch.float32, device=device)).argmax(1).cpu()
           for i in range(0, len(X), batch_size)]
    return torch.cat(out).numpy() if out else np.array([], dtype=np.int64)
