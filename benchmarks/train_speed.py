"""Training speed per dataset: samples/s and the overhead of the full objective over a bare step.

For each dataset artifact, trains a few epochs with the configured options and records every
batch's encoder input. Then replays exactly those inputs through a fresh copy of the same
encoder with a bare step (forward, a trivial linear loss, backward, AdamW step) and compares:

    overhead = (median(full batches time per epoch) + mean(evaluation time) / eval_every)
               / median(bare epoch time) - 1

The full epoch includes batch assembly and augmentation, mining, every loss term, gradient
clipping, diagnostics and logging; the evaluation (eval-mode pass for the training separation
ratio, validation P@1 and early stopping) runs every `eval_every` epochs, so its cost is
amortised: mean time of an evaluation / eval_every. Medians over every epoch but the first (warm-up) of every
repeat; each bare epoch is replayed right after its run. Timings on a shared 2-core VM scatter
by ±20 % per epoch, hence the medians.

    python benchmarks/train_speed.py --data results/data --epochs 6 --repeats 3

``--loss`` times another objective of the loss comparison (or ``plm`` is refused: it has no
batch log); ``--diagnostics`` adds the VARIANCE / GREEDINESS diagnostics, so running with and
without it gives their cost (the per-epoch VARIANCE pass counts as evaluation time).
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


def options(config: dict, name: str) -> dict:
    return {**config.get("train", {}), **config["datasets"].get(name, {}).get("train", {})}


def bare_epoch_seconds(cfg: TrainConfig, sample_shape, inputs: list[torch.Tensor], seed: int) -> float:
    torch.manual_seed(seed)
    model = build_encoder(cfg.encoder, sample_shape, dim=cfg.embedding_dim, mlp_hidden=cfg.mlp_hidden,
                          cnn_channels=cfg.cnn_channels, dropout=cfg.dropout)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    w = torch.randn(cfg.embedding_dim)
    t = time.perf_counter()
    for x in inputs:
        loss = (model(x) @ w).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="results/data", help="folder of dataset artifacts (snakemake builds them)")
    ap.add_argument("--config", default="config/config.yaml")
    ap.add_argument("--datasets", nargs="*", help="default: every artifact in --data")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--loss", default="paper", help="paper or a loss of norank.ml.loss_zoo.LOSSES")
    ap.add_argument("--diagnostics", action="store_true", help="log VARIANCE / GREEDINESS every epoch")
    args = ap.parse_args()
    if args.loss == "plm":
        ap.error("--loss plm: the unsupervised trainer keeps no batch log; time it through the workflow's benchmark files.")
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(Path(args.config).read_text())
    names = args.datasets or sorted(p.stem for p in Path(args.data).glob("*.npz"))
    print(f"torch {torch.__version__}, {args.threads} threads, {args.epochs} epochs x {args.repeats} repeats, CPU; "
          f"loss {args.loss}, diagnostics {'on' if args.diagnostics else 'off'}")
    print(f"{'dataset':<18} {'encoder':<7} {'samples/s':>10} {'full s/epoch':>13} {'bare s/epoch':>13} "
          f"{'overhead':>9} {'of which eval':>14}")
    for name in names:
        ds = load_dataset(Path(args.data) / f"{name}.npz")
        cfg = TrainConfig.from_dict({**options(config, name), "epochs": args.epochs, "patience": 10**6, "device": "cpu",
                                   "loss": args.loss, "diagnostics": args.diagnostics})
        full, bare, rates, evals = [], [], [], []
        for r in range(args.repeats):
            log: list = []
            res = train_embedding(ds.X, ds.y, np.arange(len(ds.y)), cfg, seed=r, X_aug=ds.X_aug,
                                  aug_source=ds.aug_source, progress=False, batch_log=log)
            for epoch in range(2, args.epochs + 1):  # epoch 1 warms up allocators and caches
                rows = [e for e in log if e[0] == epoch]
                inputs = [x for _, x, _ in rows if x is not None]
                f = sum(s for _, x, s in rows if x is not None)
                b = bare_epoch_seconds(cfg, ds.X.shape[1:], inputs, seed=r)
                full.append(f)
                bare.append(b)
                evals.append(sum(s for _, x, s in rows if x is None))
                rates.append(sum(len(x) for x in inputs) / f)
        kind = cfg.encoder if cfg.encoder != "auto" else ("cnn" if ds.X.ndim == 3 else "mlp")
        f, b = statistics.median(full), statistics.median(bare)
        # steady state: one evaluation every eval_every epochs (the first and last epoch of a
        # short benchmark run also evaluate, which would overstate it)
        e = statistics.mean([v for v in evals if v > 0]) / (1 if cfg.diagnostics else cfg.eval_every)
        f = f + e
        print(f"{name:<18} {kind:<7} {statistics.median(rates):>10.0f} {f:>13.3f} {b:>13.3f} {f / b - 1:>8.1%} "
              f"{e / b:>13.1%}", flush=True)


if __name__ == "__main__":
    main()
