"""Rules fig_loss_diagnostics_<dataset>: VARIANCE / GREEDINESS diagnostics vs epoch, one line per loss."""

from norank.data import load_dataset
from norank.figures.curves import plot_loss_diagnostics
from norank.figures.style import save_figure
from norank.labels import method_label
from norank.logs import job
from norank.methods import Method
from norank.metrics import chance_precision_at_1
from norank.ml.history import read_history

with job(snakemake):
    dataset = snakemake.params.dataset
    runs = [(method_label(Method.trained_with(loss)), [read_history(f, terms=()) for f in snakemake.input[loss]])
            for loss in snakemake.params.losses]
    fig = plot_loss_diagnostics(runs, title=f"{dataset}: loss diagnostics (held-out folds, training samples)",
                                chance_precision=chance_precision_at_1(load_dataset(snakemake.input.data).y))
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=snakemake.params.style["dpi"])
