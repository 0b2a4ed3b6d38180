"""Rule collect_efficiency: concatenate the learning curves' tidy CSVs into one."""

import pandas as pd

from norank.io import write_csv
from norank.logs import job

with job(snakemake):
    df = pd.concat([pd.read_csv(f) for f in snakemake.input], ignore_index=True)
    write_csv(df, snakemake.output[0])
