"""Rule fig_distance_histograms: eq. 33, intra- vs inter-class distances, input vs metric-learning embedding."""

from norank.data import load_dataset
from norank.evaluate import load_embedding
from norank.figures.distances import plot_distance_histograms
from norank.figures.style import save_figure
from norank.logs import job
from norank.metrics import class_pair_distances

with job(snakemake) as log:
    p = snakemake.params
    rows = []
    heldout = p.heldout or [None] * len(p.datasets)
    for data, ml, ml_heldout in zip(snakemake.input.data, snakemake.input.ml, heldout):
        ds = load_dataset(data)
        index, Z, _ = load_embedding(ml)
        kw = dict(max_pairs=p.max_pairs, seed=p.seed)
        spaces = [("original input (flattened)", class_pair_distances(ds.X.reshape(len(ds.X), -1), ds.y, **kw)),
                  ("metric learning, in-sample", class_pair_distances(Z, ds.y[index], **kw))]
        if ml_heldout:  # the held-out samples of fold 0, embedded by the fold-0 model
            index, Z, role = load_embedding(ml_heldout)
            out = role == "heldout"
            spaces.append(("metric learning, held-out fold 0", class_pair_distances(Z[out], ds.y[index][out], **kw)))
        log.info("%s: %s", ds.name, [(s, len(d.intra), len(d.inter), d.subsampled) for s, d in spaces])
        rows.append((ds.name, spaces))
    fig = plot_distance_histograms(rows, bins=p.bins,
                                   title=f"Intra- vs inter-class Euclidean distances (eq. 33), seed {p.seed}")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
