"""Rule official_fidelity: the official code run unmodified against our re-implementation of its recipe."""

from pathlib import Path

import pandas as pd

from norank.fidelity import fidelity_table, read_official_summaries
from norank.logs import job
from norank.ml.history import read_history
from norank.table_registry import TABLES
from norank.tables import write_table

with job(snakemake) as log:
    p, inp = snakemake.params, snakemake.input
    official = {d: read_official_summaries(f["official"]) for d, f in p.files.items()}
    histories = {d: [read_history(h, terms=()) for h in f["ours"]] for d, f in p.files.items()}
    num, shown = fidelity_table(pd.read_csv(inp.summary), list(p.files), official, histories,
                                sd_multiple=p.sd_multiple)
    log.info("\n%s", shown.to_string(index=False))
    spec = TABLES["official_fidelity"]
    write_table(num, Path(snakemake.output[0]).with_suffix(""), caption=spec.caption, display=shown,
                notes=f"Mean ± sd over seeds (runs in brackets). Within the seed spread: |ours − official| ≤ "
                      f"{p.sd_multiple:g} × the larger sd. Seconds per epoch: the official code's training time "
                      "over its epochs (on every sample its loader fetches), ours the median epoch of our histories (on the "
                      "dataset artifact, smaller under max_per_class); same machine and thread count.")
