"""Rule summarize_metrics: mean ± sd over seeds and folds of every metric."""

import pandas as pd

from norank.evaluate import summarize_metrics
from norank.io import write_csv
from norank.logs import job

with job(snakemake) as log:
    summary = summarize_metrics(pd.read_csv(snakemake.input[0]))
    log.info("%d summary rows", len(summary))
    write_csv(summary, snakemake.output[0])
