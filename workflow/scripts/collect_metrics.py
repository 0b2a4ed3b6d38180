"""Rules collect_metrics, collect_study_metrics: the rows of the configured runs from the group metric tables."""

import pandas as pd

from norank.evaluate import select_runs
from norank.io import atomic_path
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    rows = select_runs([pd.read_csv(f) for f in snakemake.input], snakemake.params.runs)
    log.info("%d metric rows of %d runs", len(rows), len(snakemake.params.runs))
    with atomic_path(snakemake.output[0]) as tmp:
        rows.to_csv(tmp, index=False)
