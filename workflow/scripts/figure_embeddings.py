"""Rules fig5/fig7/fig8: 2-D views of every method's embedding (own axes when 2-D, else PC1-2)."""

from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.figures import EmbeddingGroup, embedding_panel, plot_embedding_groups, save_figure
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    p = snakemake.params
    names = list(dict.fromkeys(name for name, _ in p.panels))  # input.data is in this order
    datasets = {name: load_dataset(f) for name, f in zip(names, snakemake.input.data)}
    groups = {}
    for (name, method), path in zip(p.panels, p.embeddings):
        ds = datasets[name]
        index, Z, _ = load_embedding(path)
        log.info("%s / %s: %d x %d", name, method, *Z.shape)
        group = groups.setdefault(name, EmbeddingGroup(name, ds.class_names, []))
        group.panels.append(embedding_panel(Z, ds.y[index], method))
    fig = plot_embedding_groups(list(groups.values()), arrange="rows", max_cols=p.max_cols,
                                panel_size=p.style["panel_size"],
                                suptitle=f"2-D views of the embeddings (split all, seed {p.seed})")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
