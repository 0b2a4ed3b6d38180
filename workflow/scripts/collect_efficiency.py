"""Rule collect_efficiency: concatenate the learning curves' tidy CSVs into one."""

import pandas as pd

from norank.io import atomic_path
from norank.logs import log_to

with log_to(snakemake.log[0]):
    df = pd.concat([pd.read_csv(f) for f in snakemake.input], ignore_index=True)
    with atomic_path(snakemake.output[0]) as tmp:
        df.to_csv(tmp, index=False)
