"""Distance to the hardware: each recipe's training step against the machine's measured GEMM peak.

For each dataset artifact and recipe (the encoder and options the workflow's `train` rule would
build, norank.recipes), one training step of the encoder: forward, a scalar loss, backward and
the trainer's AdamW (``norank.ml.loop.make_optimizer``), on the encoder input of the real loop's
first batch (column rows: eq. 13's batch carries each sample's k-NN neighbours for its locality
term, so its encoder sees several times the batch size; with ``--loop-epochs 0``, the batch size).

* FLOP per step: counted by ``torch.utils.flop_counter.FlopCounterMode`` (matmuls and
  convolutions, forward and backward; the objective's pairwise distances and the optimiser's
  element-wise update are a small rest it does not count).
* ms per step, eager and ``torch.compile``'d (inductor; its warm-up is timed apart), timed
  interleaved: eager and compiled steps alternate, so both see the same machine state.
* GFLOP/s and the share of the peak: the median of a 1024³ fp32 matmul on ``--threads`` threads.
* In the loop: the median batch time and epochs per second of a real ``train_embedding`` run
  (``--loop-epochs``; batch assembly, mining, every loss term, clipping included).

    python benchmarks/step_peak.py --data results/data --threads 1 --steps 30

The figures are this machine's at the time of the run: quote them with ``--threads`` and the
load beside (run on an otherwise idle machine).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from norank import job_params
from norank.data import load_dataset
from norank.ml.loop import make_optimizer
from norank.ml.train import TrainConfig, build_model, train_embedding

REPO = Path(__file__).resolve().parents[1]


def gemm_peak(threads: int, n: int = 1024, repeats: int = 10) -> float:
    """GFLOP/s of an n³ fp32 matmul on ``threads`` threads (median of ``repeats``)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times) / 1e9


class Step:
    """fwd + scalar loss + bwd + AdamW on one batch, for a model (eager or compiled)."""

    def __init__(self, model: torch.nn.Module, cfg: TrainConfig):
        self.model = model
        self.opt = make_optimizer([{"params": list(model.parameters())}], cfg.lr, cfg.weight_decay,
                                  torch.device("cpu"))

    def __call__(self, x: torch.Tensor) -> None:
        z = self.model(x)
        loss = (z * z).sum()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()


def flop_per_step(model: torch.nn.Module, x: torch.Tensor) -> float:
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        (model(x) ** 2).sum().backward()
    model.zero_grad(set_to_none=True)
    return float(counter.get_total_flops())


def timed_steps(steps: dict[str, Step], x: torch.Tensor, n: int) -> dict[str, float]:
    """Median seconds per step of each, the steps interleaved."""
    times = {k: [] for k in steps}
    for _ in range(n):
        for k, step in steps.items():
            t = time.perf_counter()
            step(x)
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def loop_speed(ds, cfg: TrainConfig, epochs: int) -> tuple[float, float, torch.Tensor]:
    """Median ms per batch and epochs per second of a real training run (epochs 2..), and the
    encoder input of its first batch (eq. 13's carries each sample's k-NN neighbours too, for
    its locality term: the encoder sees more rows than the batch size)."""
    log: list = []
    res = train_embedding(ds.X, ds.y, np.arange(len(ds.y)), TrainConfig.from_dict({**cfg.to_dict(), "epochs": epochs}),
                          seed=0, X_aug=ds.X_aug, aug_source=ds.aug_source, progress=False, batch_log=log)
    batches = [s for e, x, s in log if x is not None and e > 1]
    epoch_s = statistics.median(r["seconds"] for r in res.history if r["epoch"] > 1)
    first = next(x for _, x, _ in log if x is not None)
    return 1000 * statistics.median(batches), 1 / epoch_s, first


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="results/data")
    ap.add_argument("--datasets", nargs="+", default=["lfw", "olivetti"])
    ap.add_argument("--recipes", nargs="+", default=["eq13", "official"])
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--loop-epochs", type=int, default=3, help="0: skip the in-loop measurement")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    config = yaml.safe_load(Path(args.config).read_text())
    peaks = {t: gemm_peak(t) for t in sorted({1, 2, args.threads})}
    torch.set_num_threads(args.threads)
    print("GEMM peak (1024³ fp32 matmul): " + ", ".join(f"{t} thread(s) {p:.0f} GFLOP/s" for t, p in peaks.items()))
    peak = peaks[args.threads]
    print(f"{args.threads} thread(s); median of {args.steps} interleaved steps; share = GFLOP/s / {peak:.0f}")
    head = (f"{'dataset':<9} {'recipe':<9} {'encoder':<15} {'rows':>5} {'GFLOP':>7} {'eager ms':>8} {'share':>6} "
            f"{'compiled ms':>11} {'share':>6} {'warm-up s':>9} {'loop ms/batch':>13} {'epochs/s':>8}")
    print(head)
    for name in args.datasets:
        ds = load_dataset(Path(args.data) / f"{name}.npz")  # a missing artifact says how to build it
        for recipe in args.recipes:
            # the options the workflow's `train` rule gives this dataset and recipe, in sample
            cfg = TrainConfig.from_dict({**job_params.train(config, name, "all", recipe), "device": "cpu"})
            torch.manual_seed(0)
            loop_ms, eps, x = (loop_speed(ds, cfg, args.loop_epochs) if args.loop_epochs else
                               (float("nan"), float("nan"), torch.as_tensor(ds.X[: cfg.batch_size], dtype=torch.float32)))
            eager = build_model(cfg, ds.X.shape[1:])
            flop = flop_per_step(eager, x)
            steps = {"eager": Step(eager, cfg)}
            warm = float("nan")
            if not args.no_compile:
                torch._dynamo.reset()  # each model compiled afresh, static shapes (as norank.ml.device does)
                compiled = build_model(cfg, ds.X.shape[1:])
                compiled.compile(dynamic=False)
                steps["compiled"] = Step(compiled, cfg)
                t = time.perf_counter()
                steps["compiled"](x)
                warm = time.perf_counter() - t
            for step in steps.values():  # warm-up
                step(x)
            ms = timed_steps(steps, x, args.steps)
            share = {k: flop / s / 1e9 / peak for k, s in ms.items()}
            encoder = type(eager).__name__
            c_ms = 1000 * ms.get("compiled", float("nan"))
            print(f"{name:<9} {recipe:<9} {encoder:<15} {len(x):>5} {flop / 1e9:>7.2f} {1000 * ms['eager']:>8.1f} "
                  f"{share['eager']:>6.0%} {c_ms:>11.1f} {share.get('compiled', float('nan')):>6.0%} {warm:>9.1f} "
                  f"{loop_ms:>13.1f} {eps:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
