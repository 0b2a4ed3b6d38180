"""Epoch time of each metric-learning recipe (eq13, official, official_fixed) in the shared loop.

For each dataset artifact (default: LFW and Olivetti) and recipe, trains ``--epochs`` epochs
under the paper protocol with the configured options (norank.recipes, as the workflow's `train`
rule builds them) on ``--threads`` CPU threads, and prints the median epoch time over every
epoch but the first (warm-up): the batches' time (from the trainer's batch log) and the whole
epoch (with the evaluation pass), the batches per epoch and the median batch.

    python benchmarks/recipe_epochs.py --data results/data --epochs 5 --threads 1

``--jobs N`` runs N copies at once (each on ``--threads``), as N training jobs share a machine:
compare ``--threads 2`` with ``--threads 1 --jobs 2`` on 2 cores for the throughput of
``compute.train_threads``. The last column is epochs per second of all copies together.

``--official-code DIR`` (the unmodified official code, e.g. ../shared/reference/official-code;
``--data-dir`` the staged data) also trains the official example of LFW and Olivetti for the same
epochs, interleaved with ours (``--repeats`` rounds of: the official code, then each recipe), and
prints its seconds per epoch (its training function's wall time over the epochs, as the workflow's
``official_code`` stage records it) beside the same measure of our official recipe, and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import yaml

from norank.data import load_dataset
from norank.ml.train import TrainConfig, train_embedding
from norank.plan import training_options
from norank.recipes import RECIPES, recipe_options

REPO = Path(__file__).resolve().parents[1]


def options(config: dict, name: str, recipe: str, epochs: int) -> dict:
    ds = config["datasets"].get(name, {})
    train = {**config.get("train", {}), **ds.get("train", {})}
    official = {**config.get("official_recipe", {}), **ds.get("official_recipe", {})}
    opts = training_options(recipe_options(recipe, train, official), "all")
    return {**opts, "epochs": epochs, "device": "cpu"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="results/data")
    ap.add_argument("--datasets", nargs="+", default=["lfw", "olivetti"])
    ap.add_argument("--recipes", nargs="+", default=list(RECIPES))
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="copies run at once")
    ap.add_argument("--official-code", type=Path, help="the official code's folder: time its examples too")
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"), help="staged data for the official code")
    ap.add_argument("--repeats", type=int, default=1, help="rounds of the official code and our recipes")
    ap.add_argument("--of", type=int, default=1, help=argparse.SUPPRESS)  # set in each copy: how many run
    args = ap.parse_args()
    if args.official_code is not None and "official" not in args.recipes:
        raise SystemExit("--official-code compares the official code with our official recipe: add official to "
                         "--recipes (e.g. --recipes official).")
    if args.jobs > 1:  # the copies run this script with --jobs 1; each prints its own table
        argv = [a for a in sys.argv[1:]]
        i = argv.index("--jobs")
        del argv[i : i + 2]
        copies = [subprocess.Popen([sys.executable, __file__, *argv, "--of", str(args.jobs)], stdout=subprocess.PIPE,
                                   text=True) for _ in range(args.jobs)]
        for n, proc in enumerate(copies, 1):
            out, _ = proc.communicate()
            if proc.returncode:
                raise SystemExit(f"copy {n} failed ({proc.returncode})")
            print(f"copy {n} of {args.jobs}:\n{out}", end="")
        return
    run(args)


def official_code_epoch(code_dir: Path, data_dir: str, source: str, epochs: int, home: Path) -> float:
    """Seconds per epoch of the unmodified official example of ``source`` trained for ``epochs``."""
    from norank.official_code import data_home, train_example

    return train_example(code_dir, source, seed=0, home=data_home(data_dir, home), epochs=epochs).seconds / epochs


def run(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    config = yaml.safe_load(Path(args.config).read_text())
    print(f"median over epochs 2-{args.epochs}, {args.threads} thread(s), {args.of} job(s) at once, paper protocol "
          "(every sample); mean s/epoch: the training's wall time over all its epochs")
    print(f"{'dataset':<10} {'recipe':<15} {'batch':>5} {'batches':>7} {'batches s':>9} {'epoch s':>8} {'ms/batch':>8} "
          f"{'epochs/s all':>12} {'mean s/epoch':>12}")
    official_code: dict[str, list[float]] = {}
    ours: dict[str, list[float]] = {}
    rounds = []
    for name in args.datasets:
        path = Path(args.data) / f"{name}.npz"
        if not path.exists():
            raise SystemExit(f"{path} is missing: run the workflow up to the dataset (snakemake {path}).")
        rounds += [(name, load_dataset(path))] * args.repeats
    for name, ds in rounds:
        if args.official_code is not None:
            with tempfile.TemporaryDirectory() as home:
                seconds = official_code_epoch(args.official_code, args.data_dir,
                                              config["datasets"][name]["source"], args.epochs, Path(home))
            official_code.setdefault(name, []).append(seconds)
            print(f"{name:<10} {'official code':<15} {'':>5} {'':>7} {'':>9} {'':>8} {'':>8} {'':>12} {seconds:>12.2f}",
                  flush=True)
        for recipe in args.recipes:
            cfg = TrainConfig.from_dict(options(config, name, recipe, args.epochs))
            log: list = []
            res = train_embedding(ds.X, ds.y, np.arange(len(ds.y)), cfg, seed=0, X_aug=ds.X_aug,
                                  aug_source=ds.aug_source, progress=False, batch_log=log)
            per_epoch = {}
            for epoch, x, seconds in log:
                if x is not None:
                    per_epoch.setdefault(epoch, []).append(seconds)
            later = [e for e in per_epoch if e > 1]
            batches = statistics.median(sum(per_epoch[e]) for e in later)
            whole = statistics.median(r["seconds"] for r in res.history if r["epoch"] > 1)
            ms = 1000 * statistics.median(s for e in later for s in per_epoch[e])
            mean = sum(r["seconds"] for r in res.history) / len(res.history)
            if recipe == "official":
                ours.setdefault(name, []).append(mean)
            print(f"{name:<10} {recipe:<15} {cfg.batch_size:>5} {len(per_epoch[2]):>7} {batches:>9.2f} {whole:>8.2f} "
                  f"{ms:>8.1f} {args.of / whole:>12.3f} {mean:>12.2f}", flush=True)
    for name in official_code:
        if name in ours:
            theirs, mine = statistics.median(official_code[name]), statistics.median(ours[name])
            print(f"{name}: the official code {theirs:.2f} s/epoch, our official recipe {mine:.2f} s/epoch (medians of "
                  f"{len(official_code[name])}): {theirs / mine:.2f}x")


if __name__ == "__main__":
    main()
