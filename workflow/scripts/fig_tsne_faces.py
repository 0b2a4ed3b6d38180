"""Rule fig1_tsne_faces: t-SNE of the original data (the t-SNE baseline) and of the metric-learning embedding."""

from norank.baselines import fit_tsne
from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.figures.embeddings import EmbeddingGroup, EmbeddingPanel, plot_embedding_groups
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake) as log:
    p, inp = snakemake.params, snakemake.input
    groups = []
    heldout = p.heldout or [None] * len(p.datasets)
    for name, data, tsne_path, ml_path, ml_heldout in zip(p.datasets, inp.data, p.tsne_files, inp.ml, heldout):
        ds = load_dataset(data)
        index, Z, _ = load_embedding(tsne_path)
        ml_index, ml_Z, _ = load_embedding(ml_path)
        log.info("%s: t-SNE of the %d x %d metric-learning embedding", name, *ml_Z.shape)
        ml_2d = fit_tsne(ml_Z, seed=p.tsne_seed, **p.tsne).Z_train
        panels = [EmbeddingPanel(Z, ds.y[index], f"{name}: original data", "t-SNE 1", "t-SNE 2"),
                  EmbeddingPanel(ml_2d, ds.y[ml_index], f"{name}: metric learning,\nin-sample", "t-SNE 1", "t-SNE 2")]
        if ml_heldout:  # the held-out samples of fold 0, embedded by the fold-0 model, then t-SNE
            h_index, h_Z, role = load_embedding(ml_heldout)
            out = role == "heldout"
            panels.append(EmbeddingPanel(fit_tsne(h_Z[out], seed=p.tsne_seed, **p.tsne).Z_train, ds.y[h_index][out],
                                         f"{name}: metric learning,\nheld-out fold 0", "t-SNE 1", "t-SNE 2"))
        groups.append(EmbeddingGroup(name, ds.class_names, panels))
    fig = plot_embedding_groups(groups, panel_size=p.style["panel_size"] + 0.6,
                                suptitle=f"t-SNE of the face data and of the metric-learning embedding, seed {p.seed}")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
