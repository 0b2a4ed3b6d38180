"""Figure 6: original images and their reconstructions by each method, with the row labels that
name each method's size and error."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure

from norank.errors import NorankError
from norank.figures.style import image_axes, new_figure
from norank.labels import method_label
from norank.methods import PCA, TUCKER, TUCKER_RHW, Method


def plot_reconstructions(rows: Sequence[tuple[str, np.ndarray]], column_titles: Sequence[str], *, title: str,
                         cmap: str = "gray", panel_size: float = 1.2) -> Figure:
    """Original images (first row) and their reconstructions (one row per method).

    ``rows``: ``(row label, images (m, H, W))``, the first being the originals. Each column shares
    the grey scale of its original, so a reconstruction's contrast compares directly.
    """
    if len(rows) < 2:
        raise NorankError("a reconstruction figure needs the originals and at least one reconstruction.")
    m = len(rows[0][1])
    for label, ims in rows:
        if len(ims) != m:
            raise NorankError(f"row {label!r} has {len(ims)} images, the originals {m}.")
    if len(column_titles) != m:
        raise NorankError(f"{len(column_titles)} column titles for {m} columns.")
    fig = new_figure(m * panel_size + 1.6, len(rows) * panel_size + 0.8)
    axes = fig.subplots(len(rows), m, squeeze=False)
    originals = rows[0][1]
    for r, (label, ims) in enumerate(rows):
        for c in range(m):
            ax = axes[r, c]
            ax.imshow(ims[c], cmap=cmap, vmin=float(originals[c].min()), vmax=float(originals[c].max()))
            image_axes(ax)
            if r == 0:
                ax.set_title(column_titles[c], fontsize="small")
        axes[r, 0].set_ylabel(label, fontsize="small", rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize="medium")
    return fig


def reconstruction_label(method: str, summary: dict, relative_error: float) -> str:
    """Row label of a reconstruction: method, its size (PCA components, Tucker ranks) and the error."""
    name, family = method_label(method), Method.parse(method).family
    if family == PCA and "n_components" in summary:
        name += f" ({summary['n_components']} comp.)"
    elif family in (TUCKER, TUCKER_RHW) and len(summary.get("rank", [])) > 1:
        name += f"\n(R = ({', '.join(map(str, summary['rank']))}))"
    return f"{name}\nrel. err. {relative_error:.3f}"


def reconstruction_rows(methods: Sequence[str], runs: Sequence[tuple[np.ndarray, float, dict]]
                        ) -> list[tuple[str, np.ndarray]]:
    """Figure 6 rows of the baselines, ``[(label, X_hat_examples (m, H, W))]``, from ``runs``
    (:func:`norank.baselines.load_shared_examples`: reconstructions, relative error, summary) of ``methods``."""
    return [(reconstruction_label(method, info, err), hat) for method, (hat, err, info) in zip(methods, runs, strict=True)]
