"""Rule table_tuning: the options each tune job chose, with its budget and inner scores (norank.tune)."""

from pathlib import Path

from norank.logs import job
from norank.table_registry import TABLES
from norank.tables import write_table
from norank.tune import display, tuning_table

NOTE = ("Each row is one search on an inner split of one split's training samples (the held-out fold is never "
        "read). 'Configured' is trial 0, the `train` options; 'Chosen' the best trial's inner score, whose options "
        "recipe tuned (metric_learning-tuned) trains on the whole training part. Inner scores rank trials; they "
        "are not results: the held-out numbers are in the other tables.")

with job(snakemake) as log:
    keys = [tuple(k.split("/")) for k in snakemake.params.searches]
    table = tuning_table(dict(zip(keys, snakemake.input)))
    write_table(table, Path(snakemake.output[0]).with_suffix(""), caption=TABLES["table_tuning"].caption,
                display=display(table), notes=NOTE)
    log.info("%d searches, %d trials", len(table), table["trials"].sum())
