"""Rule fig_paper_vs_ours: every compared cell of the paper comparison, paper value against ours."""

import pandas as pd

from norank.figures.paper_vs_ours import plot_paper_vs_ours
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake):
    p = snakemake.params
    cmp = pd.read_csv(snakemake.input.comparison, keep_default_na=False, na_values=[""])
    fig = plot_paper_vs_ours(cmp, ratio=p.tolerance["ratio"], abs_band=p.tolerance["abs"],
                             title="Published values against ours, Tables 2-5 (paper protocol, mean over seeds)")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
