"""Figure 4: example images of every class, one row per dataset (:mod:`norank.examples` picks them)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from norank.errors import NorankError
from norank.figures.style import image_axes, new_figure


def plot_class_samples(rows: Sequence[tuple[str, Sequence[str], Sequence[np.ndarray]]], *, title: str,
                       cmap: str = "gray", panel_size: float = 1.0) -> Figure:
    """Example images per class, one row per dataset.

    ``rows``: ``(dataset name, class names, images per class)`` with ``images[c]`` ``(k_c, H, W)``.
    """
    if not rows:
        raise NorankError("no datasets to show samples of.")
    widths = [sum(len(ims) for ims in per_class) for _, _, per_class in rows]
    if min(widths) == 0:
        raise NorankError("a dataset has no example images to show.")
    fig = new_figure(max(widths) * panel_size + 0.3, len(rows) * (panel_size + 0.55) + 0.5)
    subfigs = fig.subfigures(len(rows), 1, squeeze=False).ravel()
    for sf, (name, class_names, per_class) in zip(subfigs, rows):
        sf.suptitle(name, fontweight="bold", fontsize="medium")
        counts = [len(ims) for ims in per_class]
        groups = sf.subfigures(1, len(per_class), width_ratios=[max(n, 1) for n in counts], squeeze=False).ravel()
        for g, cname, ims in zip(groups, class_names, per_class):
            g.suptitle(cname, fontsize="small")
            if len(ims) == 0:
                raise NorankError(f"dataset {name!r}: class {cname!r} has no example images.")
            axes = g.subplots(1, len(ims), squeeze=False).ravel()
            for ax, im in zip(axes, ims):
                ax.imshow(im, cmap=cmap)
                image_axes(ax)
    fig.suptitle(title, fontsize="large")
    return fig
