"""Rule fig_bridge: each choice of the official recipe's change against eq. 13, per dataset and protocol."""

import pandas as pd

from norank.figures.bridge import plot_bridge
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake):
    style = snakemake.params.style
    fig = plot_bridge(pd.read_csv(snakemake.input.table), panel_size=style["panel_size"])
    fig.suptitle("From eq. 13 to the official recipe, one choice at a time (change against eq. 13, "
                 "mean ± sd over seeds)", fontsize="small")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=style["dpi"])
