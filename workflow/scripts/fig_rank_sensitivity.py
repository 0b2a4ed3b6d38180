"""Rule fig_rank_sensitivity: clustering metrics vs CP / Tucker rank, metric learning as a reference line."""

import pandas as pd

from norank.evaluate import rank_sensitivity_table
from norank.figures.ranks import plot_rank_sensitivity
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake):
    p = snakemake.params
    table = rank_sensitivity_table(pd.read_csv(snakemake.input.summary), p.datasets, p.metrics,
                                   source=snakemake.input.summary)
    fig = plot_rank_sensitivity(table, p.datasets, p.metrics,
                                title="Rank sensitivity, paper protocol (in-sample); mean \u00b1 sd over seeds")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
