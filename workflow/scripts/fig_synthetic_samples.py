"""Rule fig4_synthetic_samples: example images of every class of each synthetic dataset."""

from norank.data import load_dataset
from norank.examples import class_examples
from norank.figures.samples import plot_class_samples
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake):
    p = snakemake.params
    rows = []
    for data in snakemake.input.data:
        ds = load_dataset(data)
        picks = class_examples(ds.y, p.per_class, seed=p.seed, n_classes=ds.n_classes)
        rows.append((ds.name, ds.class_names, [ds.X[i] for i in picks]))
    fig = plot_class_samples(rows, cmap=p.style["cmap"],
                             title=f"Example images of the synthetic datasets ({p.per_class} random per class)")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
