"""Rule fig6_reconstructions_olivetti: original faces and their reconstructions by each method."""

import numpy as np

from norank.baselines import load_shared_examples
from norank.data import load_dataset
from norank.evaluate import load_embedding, metric_learning_reconstruction
from norank.figures.reconstructions import plot_reconstructions, reconstruction_rows
from norank.figures.style import save_figure
from norank.logs import job

with job(snakemake):
    p, inp = snakemake.params, snakemake.input
    ds = load_dataset(inp.data)
    baselines, example_index = load_shared_examples(p.baselines, p.summaries)
    rows = reconstruction_rows(p.methods, baselines)
    if example_index is None:  # no baseline configured: show the first samples
        example_index = np.arange(min(8, len(ds.y)))
    hat, err = metric_learning_reconstruction(ds.X, *load_embedding(inp.ml), example_index)
    rows.append((f"Metric learning\n(linear Z\u2192X)\nrel. err. {err:.3f}", hat))
    rows.insert(0, ("original", ds.X[example_index]))
    fig = plot_reconstructions(rows, [f"sample {i}\n{ds.class_names[ds.y[i]]}" for i in example_index],
                               cmap=p.style["cmap"],
                               title=f"{ds.name}: reconstructions, in-sample (split all, seed {p.seed}); "
                                     "relative error over all samples")
    save_figure(fig, snakemake.output.png, snakemake.output.pdf, dpi=p.style["dpi"])
