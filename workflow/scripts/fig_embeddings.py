"""Rules fig_embeddings_<dataset>: one dataset's 2-D views of every method, in-sample beside held-out fold 0
(Figures 5, 7 and 8 of the paper are its synthetic, LFW and ABIDE instances)."""

from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.figures.embeddings import embedding_panel, heldout_panel, plot_embedding_pairs
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake) as log:
    p = snakemake.params
    ds = load_dataset(snakemake.input.data)
    rows = []
    for method, inside, outside, absent in zip(p.methods, p.in_sample, p.heldout, p.heldout_absent):
        index, Z, _ = load_embedding(inside)
        panel = embedding_panel(Z, ds.y[index], method)
        if outside is None:  # why this method has no held-out panel (None: the run has no held-out column)
            rows.append((panel, absent))
            continue
        index, Z, role = load_embedding(outside)
        held = heldout_panel(Z, role, ds.y[index], method)
        log.info("%s: %d in sample, %d held out", method, len(panel.y), len(held.y))
        rows.append((panel, held))
    fig = plot_embedding_pairs(rows, ds.class_names, title=p.title, panel_size=p.style["panel_size"])
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
