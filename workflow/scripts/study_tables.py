"""Rule study_tables: the loss-comparison and unsupervised tables from the studies' summaries."""

from pathlib import Path

import pandas as pd

from norank.logs import log_to
from norank.studies import LOSS_COLUMNS, UNSUPERVISED_COLUMNS, best_per_dataset, study_table
from norank.tables import write_table

with log_to(snakemake.log[0]) as log:
    p = snakemake.params
    for stem, summary, datasets, methods, columns, key in (
        ("table_losses", snakemake.input.losses, p.loss_datasets, p.losses, LOSS_COLUMNS, "precision_at_1[heldout->train]"),
        ("table_unsupervised", snakemake.input.unsupervised, p.unsupervised_datasets, p.unsupervised,
         UNSUPERVISED_COLUMNS, "nmi_kmeans[heldout]"),
    ):
        numeric, shown = study_table(pd.read_csv(summary), datasets, methods, columns)
        out = Path(snakemake.output[0]).parent / stem
        write_table(numeric, out, caption=p.captions[stem], display=shown,
                    notes="Held-out protocol: mean ± sd over folds × seeds; retrieval = held-out queries against "
                          "the training gallery; clustering / structure on the held-out samples.")
        log.info("%s: best per dataset by %s:\n%s", stem, key, best_per_dataset(numeric, key).to_string(index=False))
