"""Rule efficiency: one method's Table 6 runs on one dataset and seed, at every training size."""

import pandas as pd
import torch

from norank.data import load_dataset
from norank.efficiency import run_learning_curve
from norank.io import atomic_path
from norank.logs import job
from norank.methods import Method

with job(snakemake) as log:
    torch.set_num_threads(snakemake.threads)
    w, p = snakemake.wildcards, snakemake.params
    rows = run_learning_curve(load_dataset(snakemake.input[0]), Method.parse(w.method), p.sizes, int(w.seed),
                              log=log, **p.options)
    with atomic_path(snakemake.output[0]) as tmp:
        pd.DataFrame(rows).to_csv(tmp, index=False)
