"""Rule fig1_tsne_faces: t-SNE of the original data (the t-SNE baseline) and of the metric-learning embedding."""

from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.figures import EmbeddingGroup, EmbeddingPanel, plot_embedding_groups, save_figure, tsne_2d
from norank.logs import log_to

with log_to(snakemake.log[0]) as log:
    p, inp = snakemake.params, snakemake.input
    groups = []
    for name, data, tsne_path, ml_path in zip(p.datasets, inp.data, p.tsne_files, inp.ml):
        ds = load_dataset(data)
        index, Z, _ = load_embedding(tsne_path)
        ml_index, ml_Z, _ = load_embedding(ml_path)
        log.info("%s: t-SNE of the %d x %d metric-learning embedding", name, *ml_Z.shape)
        ml_2d = tsne_2d(ml_Z, seed=p.tsne_seed, **p.tsne)
        groups.append(EmbeddingGroup(name, ds.class_names, [
            EmbeddingPanel(Z, ds.y[index], f"{name}: original data", "t-SNE 1", "t-SNE 2"),
            EmbeddingPanel(ml_2d, ds.y[ml_index], f"{name}: metric learning", "t-SNE 1", "t-SNE 2"),
        ]))
    fig = plot_embedding_groups(groups, arrange="columns", panel_size=p.style["panel_size"] + 0.6,
                                suptitle=f"t-SNE of face embeddings (split all, seed {p.seed})")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
