"""Rule report_summary: the report's landing summary and results/summary.md, from the results."""

from pathlib import Path

import pandas as pd

from norank.tolerance import Tolerance
from norank.io import atomic_path
from norank.logs import job
from norank.summary import (findings, headline_sentence, headline_table, owner_links, summary_markdown, summary_rst,
                            verdict_grid)
from norank.table_registry import TABLES

with job(snakemake) as log:
    p = snakemake.params
    summary = pd.read_csv(snakemake.input.summary)
    cmp = pd.read_csv(snakemake.input.comparison) if "comparison" in snakemake.input.keys() else None
    bridge = pd.read_csv(snakemake.input.bridge) if "bridge" in snakemake.input.keys() else None
    tolerance = Tolerance.from_config(p.tolerance)
    found = findings(summary, cmp, tolerance, bridge)
    grid = verdict_grid(cmp) if cmp is not None else None
    headline = headline_sentence(cmp) if cmp is not None else None
    rows = headline_table(cmp) if cmp is not None else None
    page = p.links.get(TABLES["paper_comparison"].label)
    owners = owner_links(cmp, page) if cmp is not None and page else ""
    log.info("%d findings", len(found))
    # results/summary.md sits in results/: its links are relative to that folder
    links = {name: str(Path(path).relative_to("results")) for name, path in p.links.items()}
    for out, text in ((snakemake.output.rst, summary_rst(found, grid, p.run, headline, rows, tolerance, owners)),
                      (snakemake.output.md, summary_markdown(found, grid, p.run, links, headline, rows, tolerance))):
        with atomic_path(out) as tmp:
            Path(tmp).write_text(text)
