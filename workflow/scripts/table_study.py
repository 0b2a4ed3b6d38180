"""Rules table_losses, table_unsupervised: one study's table from its summary."""

from pathlib import Path

import pandas as pd

from norank.logs import job
from norank.studies import NOTE, STUDY_COLUMNS, best_per_dataset, study_table
from norank.table_registry import STUDY_TABLE_STEMS, TABLES
from norank.tables import write_table

with job(snakemake) as log:
    p = snakemake.params
    spec = TABLES[STUDY_TABLE_STEMS[p.study]]
    columns, key = STUDY_COLUMNS[p.study]
    numeric, shown = study_table(pd.read_csv(snakemake.input[0]), p.datasets, p.methods, columns,
                                 number_format=spec.number_format)
    stem = Path(snakemake.output[0]).with_suffix("")
    write_table(numeric, stem, caption=spec.caption, display=shown, notes=NOTE)
    if len(numeric):
        log.info("best per dataset by %s:\n%s", key, best_per_dataset(numeric, key).to_string(index=False))
