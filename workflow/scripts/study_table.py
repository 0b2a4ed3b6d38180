"""Rules table_losses, table_unsupervised: one study's table from its summary."""

from pathlib import Path

import pandas as pd

from norank.logs import log_to
from norank.studies import STUDY_COLUMNS, best_per_dataset, study_table
from norank.tables import write_table

with log_to(snakemake.log[0]) as log:
    p = snakemake.params
    columns, key = STUDY_COLUMNS[p.study]
    numeric, shown = study_table(pd.read_csv(snakemake.input[0]), p.datasets, p.methods, columns)
    stem = Path(snakemake.output[0]).with_suffix("")
    write_table(numeric, stem, caption=p.caption, display=shown,
                notes="Held-out protocol: mean ± sd over folds × seeds; retrieval = held-out queries against "
                      "the training gallery; clustering / structure on the held-out samples.")
    if len(numeric):
        log.info("best per dataset by %s:\n%s", key, best_per_dataset(numeric, key).to_string(index=False))
