"""Rule table_bridge: the bridge from eq. 13 to the official recipe, from the study's metric rows."""

from pathlib import Path

import pandas as pd

from norank.bridge import bridge_table, conclusion, display
from norank.logs import job
from norank.table_registry import TABLES
from norank.tables import write_table

NOTE = ("Each choice is made alone on top of eq. 13; its cells are the change against eq. 13 on the same seed "
        "(mean ± sd over seeds). The start row gives eq. 13's values, the end row the official recipe's and "
        "(gap) its change; 'sum' adds the single changes up, which need not give the gap when choices interact.")

with job(snakemake) as log:
    table = bridge_table(pd.read_csv(snakemake.input[0]), snakemake.params.layout)
    spec = TABLES["table_bridge"]
    write_table(table, Path(snakemake.output[0]).with_suffix(""), caption=spec.caption, display=display(table),
                notes=NOTE + " " + conclusion(table))
    log.info("%s", conclusion(table))
