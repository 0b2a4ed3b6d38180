"""Rule evaluate: the metric suite on every embedding run of one (dataset, split, seed)."""

import pandas as pd

from norank.data import load_dataset
from norank.evaluate import evaluate_run
from norank.io import atomic_path
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    w = snakemake.wildcards
    ds = load_dataset(snakemake.input.data)
    rows = []
    for run in snakemake.params.runs:
        new = evaluate_run(ds, run["embeddings"], method=run["method"], split=w.split, seed=int(w.seed),
                           summary_path=run["summary"], **snakemake.params.metrics)
        log.info("%s: %d metric rows", run["method"], len(new))
        rows += new
    with atomic_path(snakemake.output[0]) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
