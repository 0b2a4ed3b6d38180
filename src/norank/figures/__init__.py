"""The paper's figures (Figures 1-8) and the diagnostic figures: arrays / tables in, a Figure out.

One module per family of figures, each plotting only (the numbers they show are computed by the
analysis modules: :mod:`norank.metrics`, :mod:`norank.retrieval`, :mod:`norank.examples`,
:mod:`norank.evaluate`, :mod:`norank.baselines`, :mod:`norank.ml.history`):

- :mod:`~norank.figures.style`: palette, markers, :func:`~norank.figures.style.new_figure`,
  :func:`~norank.figures.style.save_figure`;
- :mod:`~norank.figures.embeddings`: 2-D views coloured by class (Figures 1, 5, 7, 8);
- :mod:`~norank.figures.retrieval`: nearest-neighbour grids (Figures 2, 3);
- :mod:`~norank.figures.samples`: example images per class (Figure 4);
- :mod:`~norank.figures.reconstructions`: originals and reconstructions (Figure 6);
- :mod:`~norank.figures.distances`: intra- vs inter-class distances (eq. 33);
- :mod:`~norank.figures.curves`: training curves and the loss study's diagnostics;
- :mod:`~norank.figures.ranks`: metrics vs CP / Tucker rank;
- :mod:`~norank.figures.paper_vs_ours`: the paper's values against ours.

This face imports nothing, so a rule script that imports one family module depends (for its
code fingerprint, :mod:`norank.sources`) on that module only.
"""
