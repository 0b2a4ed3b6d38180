"""Figures 2 and 3: a query and its nearest neighbours per row (:mod:`norank.retrieval` picks them)."""

from __future__ import annotations

from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from norank.errors import NorankError
from norank.figures.style import image_axes, new_figure

CORRECT_COLOR, WRONG_COLOR = "#009E73", "#D55E00"  # Okabe-Ito bluish green / vermillion
CORRECT_MARK, WRONG_MARK = "\u2713", "\u2717"  # ✓ / ✗


def _frame(ax, color, width: float) -> None:
    for s in ax.spines.values():
        s.set_visible(True)
        s.set_edgecolor(color)
        s.set_linewidth(width)


def plot_retrieval(query_images: np.ndarray, query_labels: Sequence[str], neighbour_images: np.ndarray,
                   neighbour_labels: Sequence[Sequence[str]], distances: np.ndarray, *, title: str,
                   cmap: str = "gray", panel_size: float = 1.5) -> Figure:
    """Nearest-neighbour retrieval grid: per row the query ``(H, W)`` and its k neighbours.

    ``query_images`` ``(m, H, W)``, ``neighbour_images`` ``(m, k, H, W)``, ``distances`` ``(m, k)``.
    A neighbour of the query's class gets a ✓ and a green frame, any other a ✗ and a vermillion
    frame, so the grid reads without colour too.
    """
    distances = np.asarray(distances)
    m, k = distances.shape
    if len(query_images) != m or np.shape(neighbour_images)[:2] != (m, k):
        raise NorankError(f"retrieval grid: {len(query_images)} queries and neighbours of shape "
                          f"{np.shape(neighbour_images)[:2]} do not match distances {distances.shape}.")
    fig = new_figure((k + 1) * panel_size, m * (panel_size + 0.35) + 0.9)
    axes = fig.subplots(m, k + 1, squeeze=False)
    for r in range(m):
        ax = axes[r, 0]
        ax.imshow(query_images[r], cmap=cmap)
        image_axes(ax)
        _frame(ax, "0.2", 1.0)
        ax.set_title(f"query\n{query_labels[r]}", fontsize="small", fontweight="bold")
        ax.set_ylabel(f"query {r + 1}", fontsize="small")
        for c in range(k):
            ok = neighbour_labels[r][c] == query_labels[r]
            ax = axes[r, c + 1]
            ax.imshow(neighbour_images[r][c], cmap=cmap)
            image_axes(ax)
            _frame(ax, CORRECT_COLOR if ok else WRONG_COLOR, 3.0)
            ax.set_title(f"#{c + 1} {CORRECT_MARK if ok else WRONG_MARK} d = {distances[r, c]:.3f}\n"
                         f"{neighbour_labels[r][c]}", fontsize="small")
    fig.legend(handles=[Patch(facecolor="none", edgecolor=CORRECT_COLOR, linewidth=3,
                              label=f"{CORRECT_MARK} same class as the query"),
                        Patch(facecolor="none", edgecolor=WRONG_COLOR, linewidth=3,
                              label=f"{WRONG_MARK} different class")],
               loc="outside lower center", ncols=2, fontsize="small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig
