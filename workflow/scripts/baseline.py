"""Rule baseline: every baseline run of one job (dataset, protocol, seed, kind; norank.plan.BaselineJob)."""

from norank.baselines import fit_baseline_job
from norank.data import load_dataset
from norank.logs import job
from norank.methods import Method

with job(snakemake) as log:
    runs = [{**run, "method": Method.parse(run["method"])} for run in snakemake.params.runs]  # names in params
    fit_baseline_job(load_dataset(snakemake.input[0]), runs, seed=int(snakemake.wildcards.seed), log=log)
