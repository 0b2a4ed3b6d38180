"""Rule table_datasets: Table 1 (dataset properties) from the dataset artifacts."""

from pathlib import Path

import pandas as pd

from norank.data import load_dataset
from norank.logs import job
from norank.table_registry import TABLES
from norank.tables import dataset_properties, write_table

with job(snakemake):
    rows = [
        dataset_properties(load_dataset(raw), load_dataset(prep))
        for raw, prep in zip(snakemake.input.raw, snakemake.input.prepared)
    ]
    stem = Path(snakemake.output[0]).with_suffix("")
    write_table(pd.DataFrame(rows), stem, caption=TABLES["table1_datasets"].caption)
