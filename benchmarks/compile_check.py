"""Equal results under ``compile: true``: retrain a sample of the paper-protocol runs compiled and
set their metrics beside a finished run's spread over seeds.

For each dataset and recipe, trains on every sample (the paper protocol, as the workflow's `train`
rule: its options from ``norank.job_params.train``) for each seed with the encoder compiled, embeds
every sample, and prints silhouette (true labels) and separation ratio per seed, their mean, and
the reference run's mean ± sd over seeds from its metric summary (``--summary``, e.g. the committed
v2 run's ``results/metrics/summary.csv``), with the compiled mean's distance in reference sds.
With ``--eager-runs`` (a run's ``results/train`` folder), each seed is also set beside the eager
run of the same seed and options: ``<dir>/<dataset>/all/<recipe>/seed<s>/embeddings.npz``.
With ``--also-eager``, each seed also trains eager here, the two interleaved in the job queue
(so their seconds compare too). With ``--eager``, the checked runs train eager too: the check of a
change other than compile (e.g. a memory layout) against ``--eager-runs`` made before it and the
reference spread. ``--jobs N`` trains N runs at once, each on one thread.

    python benchmarks/compile_check.py --data results/data --datasets olivetti lfw --recipes official \\
        --seeds 0 1 2 --summary results/metrics/summary.csv --jobs 2
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
METRICS = ("silhouette_true_labels", "separation_ratio")


def run(data: str, config_path: str, dataset: str, recipe: str, seed: int, compiled: bool = True) -> dict:
    """One training on every sample, compiled or eager; its metrics and seconds."""
    import torch

    from norank import job_params
    from norank.data import load_dataset
    from norank.metrics import cluster_metrics, separation_ratio
    from norank.ml.train import TrainConfig, embed, train_embedding

    torch.set_num_threads(1)
    config = yaml.safe_load(Path(config_path).read_text())
    ds = load_dataset(Path(data) / f"{dataset}.npz")
    cfg = TrainConfig.from_dict({**job_params.train(config, dataset, "all", recipe), "compile": compiled})
    t = time.perf_counter()
    res = train_embedding(ds.X, ds.y, np.arange(len(ds.y)), cfg, seed, X_aug=ds.X_aug, aug_source=ds.aug_source,
                          progress=False)
    Z = embed(res.model, ds.X)
    return {"dataset": dataset, "recipe": recipe, "seed": seed, "compiled": compiled, "seconds": time.perf_counter() - t,
            "silhouette_true_labels": cluster_metrics(Z, ds.y)["silhouette"],
            "separation_ratio": separation_ratio(Z, ds.y)}


def eager_metrics(folder: Path, dataset: str, recipe: str, seed: int) -> dict:
    from norank.metrics import cluster_metrics, separation_ratio

    with np.load(folder / dataset / "all" / recipe / f"seed{seed}" / "embeddings.npz") as z:
        Z, y = z["Z"], z["y"]
    return {"silhouette_true_labels": cluster_metrics(Z, y)["silhouette"], "separation_ratio": separation_ratio(Z, y)}


def method_of(recipe: str) -> str:
    return "metric_learning" if recipe == "eq13" else f"metric_learning-{recipe}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="results/data")
    ap.add_argument("--datasets", nargs="+", default=["olivetti", "lfw"])
    ap.add_argument("--recipes", nargs="+", default=["official"])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--config", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--summary", default="results/metrics/summary.csv")
    ap.add_argument("--eager-runs", type=Path)
    ap.add_argument("--also-eager", action="store_true")
    ap.add_argument("--eager", action="store_true", help="the checked runs train eager (this code against --eager-runs)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    if args.eager and args.also_eager:
        raise SystemExit("--eager and --also-eager: the checked runs are eager already; give one of them")
    checked = "eager" if args.eager else "compiled"
    tasks = [(args.data, args.config, d, r, s, c) for d in args.datasets for r in args.recipes for s in args.seeds
             for c in ((True, False) if args.also_eager else (not args.eager,))]
    with futures.ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(run, *zip(*tasks)))
    got = pd.DataFrame(rows)
    eager_here = got[~got.compiled] if args.also_eager else got.iloc[:0]
    got = got[got.compiled != args.eager].drop(columns="compiled")
    if len(eager_here):
        for m in [*METRICS, "seconds"]:
            got[f"eager {m}"] = eager_here[m].values
    if args.eager_runs:
        for m in METRICS:
            got[f"before {m}"] = [eager_metrics(args.eager_runs, r.dataset, r.recipe, r.seed)[m] for r in got.itertuples()]
    print(got.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    ref = pd.read_csv(args.summary)
    ref = ref[(ref.protocol == "paper") & (ref.subset == "all")]
    print(f"\n{checked} mean vs the reference run ({args.summary}): mean ± sd over its seeds")
    for (d, r), g in got.groupby(["dataset", "recipe"]):
        for m in METRICS:
            sel = ref[(ref.dataset == d) & (ref.method == method_of(r)) & (ref.metric == m)]
            if sel.empty:
                print(f"{d} {r} {m}: {checked} {g[m].mean():.4f}; no reference row")
                continue
            mean, sd, n = sel["mean"].iloc[0], sel["sd"].iloc[0], sel["n_runs"].iloc[0]
            off = abs(g[m].mean() - mean) / sd if sd > 0 else float("inf")
            here = "".join(f"; {name} {g[f'{col} {m}'].mean():.4f} ± {g[f'{col} {m}'].std(ddof=1):.4f}"
                           for col, name in (("eager", "eager here"), ("before", "before")) if f"{col} {m}" in g)
            print(f"{d} {r} {m}: {checked} {g[m].mean():.4f} ± {g[m].std(ddof=1):.4f} ({len(g)} seeds) vs "
                  f"{mean:.4f} ± {sd:.4f} ({n:.0f} runs): {off:.1f} sd apart{here}")
        if "eager seconds" in g:
            print(f"{d} {r} median seconds per training: compiled {g.seconds.median():.0f}, eager "
                  f"{g['eager seconds'].median():.0f}")


if __name__ == "__main__":
    main()
