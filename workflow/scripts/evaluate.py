"""Rule evaluate: the metric suite on every embedding run of one (dataset, split, seed)."""

import pandas as pd

from norank.data import load_dataset
from norank.evaluate import evaluate_group
from norank.io import atomic_path
from norank.logs import job

with job(snakemake) as log:
    rows = evaluate_group(load_dataset(snakemake.input.data), snakemake.params.runs, split=snakemake.wildcards.split,
                          seed=int(snakemake.wildcards.seed), log=log, **snakemake.params.metrics)
    with atomic_path(snakemake.output[0]) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
