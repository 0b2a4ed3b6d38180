"""Training speed per dataset: samples/s and the overhead of the full objective over a bare step.

For each dataset artifact, trains a few epochs with the configured options. Right after every
training batch, a shadow copy of the same encoder takes a bare step on exactly that batch's
encoder input (forward, a trivial linear loss, backward, and the trainer's own optimiser:
``norank.ml.loop.make_optimizer``, torch's default AdamW for a trainer without it). Full and
bare steps are timed interleaved, so both see the same machine state; timed minutes apart, the
two scattered by ±20 % on a shared 2-core VM. Then

    overhead = (median(full batch time per epoch) + mean(evaluation time) / eval_every)
               / median(bare batch time per epoch) - 1

The full step includes batch assembly and augmentation, mining, every loss term, gradient
clipping, diagnostics and logging; the evaluation (eval-mode pass for the training separation
ratio, validation P@1 and early stopping) runs every `eval_every` epochs, so its cost is
amortised: mean time of an evaluation / eval_every. Medians over every epoch but the first
(warm-up) of every repeat. ``ms/batch`` columns: medians over those batches.

    python benchmarks/train_speed.py --data results/data --epochs 6 --repeats 3

``--loss`` times another objective (``plm`` too); ``--diagnostics`` adds the VARIANCE /
GREEDINESS diagnostics, so running with and without it gives their cost (the per-epoch
VARIANCE pass counts as evaluation time). The script reads the trainer through
``train_embedding(..., batch_log=...)`` only, so it also times an older checkout:
``PYTHONPATH=<old>/src python benchmarks/train_speed.py``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from norank.data import load_dataset
from norank.ml.encoders import build_encoder
from norank.ml.train import TrainConfig, train_embedding

try:
    from norank.ml.loop import make_optimizer
except ImportError:  # a checkout from before the shared loop: its trainer used torch's default AdamW
    make_optimizer = None


def options(config: dict, name: str) -> dict:
    return {**config.get("train", {}), **config["datasets"].get(name, {}).get("train", {})}


class ShadowStep:
    """Takes the trainer's batch log entries; after each batch, times a bare step on the same input."""

    def __init__(self, cfg: TrainConfig, sample_shape, seed: int):
        torch.manual_seed(seed)
        self.model = build_encoder(cfg.encoder, sample_shape, dim=cfg.embedding_dim, mlp_hidden=cfg.mlp_hidden,
                                   cnn_channels=cfg.cnn_channels, dropout=cfg.dropout)
        params = list(self.model.parameters())
        self.opt = (make_optimizer([{"params": params}], cfg.lr, cfg.weight_decay, torch.device("cpu"))
                    if make_optimizer else torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay))
        self.w = torch.randn(cfg.embedding_dim)
        self.batches: list[tuple[int, int, float, float]] = []  # (epoch, rows, full s, bare s)
        self.evals: list[tuple[int, float]] = []

    def append(self, entry) -> None:
        epoch, x, seconds = entry
        if x is None:
            self.evals.append((epoch, seconds))
            return
        t = time.perf_counter()
        loss = (self.model(x) @ self.w).sum()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.batches.append((epoch, len(x), seconds, time.perf_counter() - t))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="results/data", help="folder of dataset artifacts (snakemake builds them)")
    ap.add_argument("--config", default="config/config.yaml")
    ap.add_argument("--datasets", nargs="*", help="default: every artifact in --data")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--loss", default="eq13", help="a name of norank.ml.objectives.OBJECTIVES: eq13, plm, a loss of "
                    "norank.ml.loss_zoo.LOSSES, official or official_fixed")
    ap.add_argument("--diagnostics", action="store_true", help="log VARIANCE / GREEDINESS every epoch")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(Path(args.config).read_text())
    names = args.datasets or sorted(p.stem for p in Path(args.data).glob("*.npz"))
    print(f"torch {torch.__version__}, {args.threads} threads, {args.epochs} epochs x {args.repeats} repeats, CPU; "
          f"loss {args.loss}, diagnostics {'on' if args.diagnostics else 'off'}; "
          f"bare optimiser {'make_optimizer' if make_optimizer else 'torch default AdamW'}")
    print(f"{'dataset':<18} {'encoder':<7} {'samples/s':>10} {'full s/epoch':>13} {'bare s/epoch':>13} "
          f"{'overhead':>9} {'of which eval':>14} {'full ms/batch':>14} {'bare ms/batch':>14}")
    for name in names:
        ds = load_dataset(Path(args.data) / f"{name}.npz")
        cfg = TrainConfig.from_dict({**options(config, name), "epochs": args.epochs, "patience": 10**6, "device": "cpu",
                                   "loss": args.loss, "diagnostics": args.diagnostics})
        full, bare, rates, evals, full_b, bare_b = [], [], [], [], [], []
        for r in range(args.repeats):
            shadow = ShadowStep(cfg, ds.X.shape[1:], seed=r)
            train_embedding(ds.X, ds.y, np.arange(len(ds.y)), cfg, seed=r, X_aug=ds.X_aug, aug_source=ds.aug_source,
                            progress=False, batch_log=shadow)
            for epoch in range(2, args.epochs + 1):  # epoch 1 warms up allocators and caches
                rows = [b for b in shadow.batches if b[0] == epoch]
                full.append(sum(b[2] for b in rows))
                bare.append(sum(b[3] for b in rows))
                rates.append(sum(b[1] for b in rows) / full[-1])
                full_b += [b[2] for b in rows]
                bare_b += [b[3] for b in rows]
                evals.append(sum(s for e, s in shadow.evals if e == epoch))
        kind = cfg.encoder if cfg.encoder != "auto" else ("cnn" if ds.X.ndim == 3 else "mlp")
        f, b = statistics.median(full), statistics.median(bare)
        # steady state: one evaluation every eval_every epochs (the first and last epoch of a
        # short benchmark run also evaluate, which would overstate it)
        e = statistics.mean([v for v in evals if v > 0]) / (1 if cfg.diagnostics else cfg.eval_every)
        f = f + e
        print(f"{name:<18} {kind:<7} {statistics.median(rates):>10.0f} {f:>13.3f} {b:>13.3f} {f / b - 1:>8.1%} "
              f"{e / b:>13.1%} {statistics.median(full_b) * 1e3:>14.1f} {statistics.median(bare_b) * 1e3:>14.1f}",
              flush=True)


if __name__ == "__main__":
    main()
