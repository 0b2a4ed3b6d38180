"""Rule summarize_metrics: mean ± sd over seeds and folds of every metric."""

import pandas as pd

from norank.evaluate import summarize_metrics
from norank.io import atomic_path
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    summary = summarize_metrics(pd.read_csv(snakemake.input[0]))
    log.info("%d summary rows", len(summary))
    with atomic_path(snakemake.output[0]) as tmp:
        summary.to_csv(tmp, index=False)
