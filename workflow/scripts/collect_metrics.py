"""Rules collect_metrics, collect_study_metrics: the rows of the configured runs from the group metric tables."""

import pandas as pd

from norank.evaluate import select_runs
from norank.io import write_csv
from norank.logs import job

with job(snakemake) as log:
    rows = select_runs([pd.read_csv(f) for f in snakemake.input], snakemake.params.runs)
    log.info("%d metric rows of %d runs", len(rows), len(snakemake.params.runs))
    write_csv(rows, snakemake.output[0])
