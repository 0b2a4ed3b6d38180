"""Rule fig_loss_diagnostics: VARIANCE / GREEDINESS diagnostics vs epoch, one line per loss."""

from norank.data import load_dataset
from norank.figures import chance_precision_at_1, plot_loss_diagnostics, read_history, save_figure
from norank.logs import log_to
from norank.labels import method_label
from norank.methods import Method

with log_to(snakemake.log[0]):
    dataset = snakemake.wildcards.dataset
    runs = [(method_label(Method.trained_with(loss)), [read_history(f, terms=()) for f in files])
            for loss, files in snakemake.input.items() if loss != "data"]
    fig = plot_loss_diagnostics(runs, title=f"{dataset}: loss diagnostics (held-out folds, training samples)",
                                chance_precision=chance_precision_at_1(load_dataset(snakemake.input.data).y))
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=snakemake.params.style["dpi"])
