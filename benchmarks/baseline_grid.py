"""Wall time of the baseline grid per dataset, from the Snakemake benchmark files of a finished run.

Each `baseline` job writes results/benchmarks/baselines/{dataset}/{split}/{method}/seed{seed}.tsv
(Snakemake's `benchmark:`: wall seconds, max RSS, ...). This sums them per dataset and method
family and prints the medians per job, so the figures come from the real run, not a re-run.

    python benchmarks/baseline_grid.py [--root results/benchmarks/baselines] [--split all]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def collect(root: Path, split: str) -> pd.DataFrame:
    rows = []
    for f in sorted(root.glob(f"*/{split}/*/seed*.tsv")):
        dataset, _, method = f.parts[-4], f.parts[-3], f.parts[-2]
        b = pd.read_csv(f, sep="\t")
        rows.append(dict(dataset=dataset, method=method, family=method.split("-")[0], seed=f.stem,
                         seconds=float(b["s"].iloc[0]), max_rss_mb=float(b["max_rss"].iloc[0])))
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default="results/benchmarks/baselines")
    ap.add_argument("--split", default="all")
    args = ap.parse_args()
    df = collect(Path(args.root), args.split)
    if df.empty:
        raise SystemExit(f"no benchmark files under {args.root}/*/{args.split}/: run the baseline jobs first (snakemake).")
    per = df.pivot_table(index="dataset", columns="family", values="seconds", aggfunc="sum")
    per["whole grid (s)"] = per.sum(axis=1)
    per["jobs"] = df.groupby("dataset").size()
    print(f"Baseline grid wall time per dataset (split {args.split}; sum over methods, ranks and seeds; seconds)")
    print(per.round(1).to_string())
    med = df.pivot_table(index="dataset", columns="family", values="seconds", aggfunc="median")
    print("\nMedian seconds per job")
    print(med.round(2).to_string())
    print(f"\nPeak memory of one job: {df['max_rss_mb'].max():.0f} MB; total {df['seconds'].sum() / 60:.1f} job-minutes")


if __name__ == "__main__":
    main()
