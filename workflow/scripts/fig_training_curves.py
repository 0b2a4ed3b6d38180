"""Rule fig_training_curves: loss terms, separation ratio and validation precision@1 per epoch."""

from norank.figures.curves import plot_training_curves
from norank.figures.style import save_figure
from norank.logs import job
from norank.ml.history import read_best_epoch, read_history

with job(snakemake):
    p, inp = snakemake.params, snakemake.input
    histories = [(name, read_history(f)) for name, f in zip(p.datasets, inp.history)]
    best = [read_best_epoch(f) for f in inp.embeddings]
    share = "a share" if p.val_fraction is None else f"{p.val_fraction:.0%}"
    where = (f"held-out fold 0: validation on {share} of its training samples" if p.split != "all"
             else "paper protocol: every sample trains, no validation")
    fig = plot_training_curves(histories, best_epochs=best,
                               title=f"Metric-learning (eq. 13) training, {where}, seed {p.seed}")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
