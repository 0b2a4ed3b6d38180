"""Rules fig2_retrieval_lfw, fig3_retrieval_olivetti: nearest neighbours in the metric-learning embedding."""

import numpy as np

from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.figures.retrieval import plot_retrieval
from norank.figures.style import save_figure
from norank.logs import job
from norank.retrieval import nearest_neighbours, retrieval_plan

with job(snakemake) as log:
    p, r = snakemake.params, snakemake.params.retrieval
    ds = load_dataset(snakemake.input.data)
    index, Z, role = load_embedding(snakemake.input.embeddings)
    y = ds.y[index]
    q, gallery, exclude, how = retrieval_plan(y, role, p.split, r["n_queries"], seed=r["seed"])
    nn, dist = nearest_neighbours(Z[q], Z[gallery], r["k"], exclude=exclude)
    nn = gallery[nn]
    names = np.asarray(ds.class_names)
    log.info("queries %s; correct neighbours %d / %d", index[q].tolist(), int((y[nn] == y[q, None]).sum()), nn.size)
    fig = plot_retrieval(ds.X[index[q]], names[y[q]], ds.X[index[nn]], names[y[nn]], dist, cmap=p.style["cmap"],
                         title=f"{ds.name}: nearest-neighbour retrieval, metric-learning embedding "
                               f"(Euclidean d, seed {p.seed})\n{how}")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
