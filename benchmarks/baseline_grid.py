"""Wall time of the baseline grid per dataset and method family, from a finished run's own records.

Each baseline job (norank.plan.BaselineJob) fits several runs and writes, per run,
results/baselines/{dataset}/{protocol}/seed{seed}/{kind}/{split}/{method}/summary.json with the
fit's wall time (``fit_seconds``: fit, reconstruction scores and writing); Snakemake's benchmark
file of the job, results/benchmarks/baselines/{dataset}/{protocol}/seed{seed}/{kind}.tsv, holds the
job's wall time and peak memory. This sums the fits per dataset and family and compares them with
the jobs' wall time (the difference is start-up: interpreter, imports, loading the data), so the
figures come from the real run, not a re-run.

    python benchmarks/baseline_grid.py [--results results] [--protocol paper]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd


def fits(results: Path, protocol: str) -> pd.DataFrame:
    rows = []
    for f in sorted(results.glob(f"baselines/*/{protocol}/seed*/*/*/*/summary.json")):
        s = json.loads(f.read_text())
        if "fit_seconds" not in s:
            raise SystemExit(f"{f} has no fit_seconds: it was written before baseline jobs timed their fits; "
                             "rerun its job (snakemake --forcerun baseline).")
        rows.append(dict(dataset=s["dataset"], family=s["method"].split("-")[0], seconds=s["fit_seconds"]))
    return pd.DataFrame(rows)


def jobs(results: Path, protocol: str) -> pd.DataFrame:
    rows = []
    for f in sorted(results.glob(f"benchmarks/baselines/*/{protocol}/seed*/*.tsv")):
        b = pd.read_csv(f, sep="\t")
        rows.append(dict(dataset=f.parts[-4], kind=f.stem, seconds=float(b["s"].iloc[0]),
                         max_rss_mb=float(b["max_rss"].iloc[0])))
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default="results")
    ap.add_argument("--protocol", default="paper", choices=["paper", "heldout"])
    args = ap.parse_args()
    df, job = fits(Path(args.results), args.protocol), jobs(Path(args.results), args.protocol)
    if df.empty or job.empty:
        raise SystemExit(f"no baseline summaries or benchmark files of protocol {args.protocol} under "
                         f"{args.results}/: run the baseline jobs first (snakemake).")
    per = df.pivot_table(index="dataset", columns="family", values="seconds", aggfunc="sum")
    per["fits (s)"] = per.sum(axis=1)
    per["jobs (s)"] = job.groupby("dataset").seconds.sum()
    per["start-up share"] = 1 - per["fits (s)"] / per["jobs (s)"]
    print(f"Baseline grid per dataset (protocol {args.protocol}; summed over methods, ranks, folds and seeds)")
    print(per.round(2).to_string())
    print(f"\n{len(job)} jobs, {len(df)} fits; median job {job.seconds.median():.1f} s, median fit "
          f"{df.seconds.median():.2f} s; peak memory of one job {job.max_rss_mb.max():.0f} MB; "
          f"total {job.seconds.sum() / 60:.1f} job-minutes")


if __name__ == "__main__":
    main()
