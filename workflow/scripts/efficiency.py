"""Rule efficiency: one Table 6 run (dataset, training size, method, seed)."""

import pandas as pd
import torch

from norank.data import load_dataset
from norank.efficiency import run_efficiency
from norank.io import atomic_path
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    torch.set_num_threads(snakemake.threads)
    w = snakemake.wildcards
    row = run_efficiency(load_dataset(snakemake.input[0]), w.method, int(w.size), int(w.seed), log=log,
                         **snakemake.params.options)
    log.info("%s", row)
    with atomic_path(snakemake.output[0]) as tmp:
        pd.DataFrame([row]).to_csv(tmp, index=False)
