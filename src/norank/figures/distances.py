"""Histograms of intra- vs inter-class distances (eq. 33; :func:`norank.metrics.class_pair_distances`)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from norank.errors import NorankError
from norank.figures.style import OKABE_ITO, new_figure
from norank.metrics import PairDistances


def plot_distance_histograms(rows: Sequence[tuple[str, Sequence[tuple[str, PairDistances]]]], *, title: str,
                             bins: int = 50, panel_size: float = 2.6) -> Figure:
    """Histograms (density) of intra- vs inter-class distances (eq. 33): one row per dataset, one
    panel per space (e.g. original input, metric-learning embedding). Each panel notes the ratio of
    the mean inter- to the mean intra-class distance (eq. 28) of the pairs shown."""
    if not rows:
        raise NorankError("no datasets for the distance histograms.")
    ncols = max(len(spaces) for _, spaces in rows)
    fig = new_figure(ncols * panel_size * 1.35 + 0.3, len(rows) * panel_size * 0.85 + 0.6)
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    for r, (dataset, spaces) in enumerate(rows):
        for c in range(ncols):
            ax = axes[r, c]
            if c >= len(spaces):
                ax.remove()
                continue
            space, d = spaces[c]
            edges = np.histogram_bin_edges(np.concatenate([d.intra, d.inter]), bins=bins)
            sub = " (subsample)" if d.subsampled else ""
            ax.hist(d.intra, bins=edges, density=True, color=OKABE_ITO[3], alpha=0.55,
                    label=f"intra-class, {len(d.intra):,} pairs{sub}")
            ax.hist(d.inter, bins=edges, density=True, histtype="step", color=OKABE_ITO[4], linewidth=1.6,
                    label=f"inter-class, {len(d.inter):,} pairs{sub}")
            ratio = d.inter.mean() / d.intra.mean()
            # the ratio as a legend line without a handle, so that it cannot overlap the legend
            ax.plot([], [], " ", label=f"mean inter / intra = {ratio:.2f}")
            ax.set_title(f"{dataset}: {space}", fontsize="small")
            ax.set_xlabel("Euclidean distance", fontsize="small")
            ax.set_ylabel("density", fontsize="small")
            ax.tick_params(labelsize="x-small")
            ax.legend(fontsize="x-small", loc="upper left", frameon=False)
            ax.set_ylim(top=ax.get_ylim()[1] * 1.6)  # room for the legend
    fig.suptitle(title, fontsize="medium")
    return fig
