"""Rule evaluate: the metric suite on one embedding run."""

import pandas as pd

from norank.data import load_dataset
from norank.evaluate import evaluate_run
from norank.io import atomic_path
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    w = snakemake.wildcards
    rows = evaluate_run(load_dataset(snakemake.input.data), snakemake.input.embeddings, method=w.method, split=w.split,
                        seed=int(w.seed), summary_path=snakemake.input.get("summary"), **snakemake.params.metrics)
    log.info("%d metric rows", len(rows))
    with atomic_path(snakemake.output[0]) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
