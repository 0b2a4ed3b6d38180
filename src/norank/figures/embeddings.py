"""Scatter plots of 2-D views of embeddings coloured by class: Figure 1 (t-SNE of the faces) and
the per-dataset embedding figures (the paper's Figures 5, 7 and 8), in-sample beside held-out.

Larger classes are drawn first and every point is half transparent, so a dominant class (LFW's
530 photos of one person) lies under the small ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from norank.errors import NorankError
from norank.figures.style import MARKERS, MAX_KEYED_CLASSES, OTHER_CLASSES, class_colors, new_figure
from norank.labels import method_label


def view_2d(Z: np.ndarray) -> tuple[np.ndarray, bool]:
    """A 2-D view ``(n, 2)`` of an embedding ``Z`` ``(n, d)``: ``Z`` itself when d = 2 (t-SNE, UMAP),
    else its first two principal components. Returns ``(view, is_own)``."""
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[1] < 2:
        raise NorankError(f"a 2-D view needs an (n, d ≥ 2) embedding, got shape {Z.shape}.")
    if Z.shape[1] == 2:
        return Z, True
    from sklearn.decomposition import PCA

    return PCA(n_components=2, svd_solver="full").fit_transform(Z), False


@dataclass
class EmbeddingPanel:
    """One scatter panel: a 2-D view ``Z2`` ``(n, 2)`` of samples with class indices ``y`` ``(n,)``."""

    Z2: np.ndarray
    y: np.ndarray
    title: str
    xlabel: str
    ylabel: str


@dataclass
class EmbeddingGroup:
    """Panels of one dataset (they share its classes, hence one legend)."""

    title: str
    class_names: Sequence[str]
    panels: list[EmbeddingPanel]


def embedding_panel(Z: np.ndarray, y: np.ndarray, method: str, *, dataset: str | None = None) -> EmbeddingPanel:
    """Panel of ``method``'s embedding ``Z`` ``(n, d)``: its own axes when 2-D, else PC1-2 (said in the title)."""
    Z2, own = view_2d(Z)
    name = method_label(method)
    title = name if own else f"{name} (PC1-2)"
    if dataset:
        title = f"{dataset}: {title}"
    xl, yl = (f"{name} 1", f"{name} 2") if own else ("PC1", "PC2")
    return EmbeddingPanel(Z2, np.asarray(y), title, xl, yl)


def heldout_panel(Z: np.ndarray, role: np.ndarray, y: np.ndarray, method: str) -> EmbeddingPanel:
    """Panel of the held-out samples of a fold run (``role == "heldout"``): the embedding's own
    axes when 2-D, else the first two principal components of the *training* samples' embedding,
    so the held-out points sit where the fitted model puts them."""
    Z, role, y = np.asarray(Z, dtype=np.float64), np.asarray(role), np.asarray(y)
    out = role == "heldout"
    if not out.any():
        raise NorankError(f"{method_label(method)}: the fold run has no held-out samples to show.")
    name = method_label(method)
    if Z.shape[1] == 2:
        return EmbeddingPanel(Z[out], y[out], name, f"{name} 1", f"{name} 2")
    from sklearn.decomposition import PCA

    pca = PCA(n_components=2, svd_solver="full").fit(Z[~out])
    return EmbeddingPanel(pca.transform(Z[out]), y[out], f"{name} (PC1-2 of training)", "PC1", "PC2")


def class_draw_order(y: np.ndarray, n_classes: int) -> list[int]:
    """The keyed classes (the first 8) in drawing order: largest first, so it lies underneath."""
    counts = np.bincount(np.asarray(y, dtype=int), minlength=n_classes)
    return sorted(range(min(n_classes, MAX_KEYED_CLASSES)), key=lambda c: (-counts[c], c))


def _scatter_classes(ax, Z2, y, n_classes: int) -> None:
    colors = class_colors(n_classes)
    size = float(np.clip(1500.0 / max(len(y), 1), 4.0, 30.0))
    other = y >= MAX_KEYED_CLASSES
    if other.any():  # beyond 8 classes: grey, small, underneath
        ax.scatter(Z2[other, 0], Z2[other, 1], s=size * 0.6, color=OTHER_CLASSES, alpha=0.6, linewidths=0)
    for c in class_draw_order(y, n_classes):
        m = y == c
        if m.any():
            ax.scatter(Z2[m, 0], Z2[m, 1], s=size, color=colors[c], marker=MARKERS[c], alpha=0.6,
                       edgecolors="0.25", linewidths=0.3)


def _draw_panel(ax, panel: EmbeddingPanel, n_classes: int, *, fontsize: str) -> None:
    """Scatter ``panel`` coloured by class, with its axis labels; checks points and labels agree."""
    y, C = np.asarray(panel.y), n_classes
    if len(panel.Z2) != len(y):
        raise NorankError(f"panel {panel.title!r}: {len(panel.Z2)} points but {len(y)} labels.")
    if len(y) and (y.min() < 0 or y.max() >= C):
        raise NorankError(f"panel {panel.title!r}: labels outside 0..{C - 1} ({C} class names).")
    _scatter_classes(ax, np.asarray(panel.Z2), y, C)
    ax.set_xlabel(panel.xlabel, fontsize=fontsize)
    ax.set_ylabel(panel.ylabel, fontsize=fontsize)
    ax.tick_params(labelsize="x-small")


def _add_class_key(parent, axes, class_names: Sequence[str], beside=None) -> None:
    """Legend of the keyed classes (and of the grey rest beyond 8) to the right of ``parent``, or,
    with ``beside`` (an axes), to the right of that axes, its top level with the axes' top (the
    first row's, in a tall figure: a key half-way down is out of sight, and one in the figure's
    top corner runs into the title)."""
    C = len(class_names)
    keyed = min(C, MAX_KEYED_CLASSES)
    colors = class_colors(C)
    handles = [Line2D([], [], linestyle="", marker=MARKERS[c], markersize=6, markerfacecolor=colors[c],
                      markeredgecolor="0.25", markeredgewidth=0.3) for c in range(keyed)]
    names = [str(n) for n in class_names[:keyed]]
    if C > keyed:
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=4, markerfacecolor=OTHER_CLASSES,
                              markeredgewidth=0))
        names.append(f"the other {C - keyed} classes")
    title = "class" if C == keyed else f"class ({keyed} of {C} in colour)"
    where = (dict(loc="upper left", bbox_to_anchor=(1.04, 1.0)) if beside is not None
             else dict(loc="outside right center"))
    (beside if beside is not None else parent).legend(handles, names, title=title, fontsize="small",
                                                      title_fontsize="small", frameon=False, **where)


def _key_width(class_names: Sequence[str]) -> float:
    names = [str(n) for n in class_names[:MAX_KEYED_CLASSES]]
    if len(class_names) > MAX_KEYED_CLASSES:
        names.append("the other 00 classes")
    return 0.6 + 0.065 * max(len(n) for n in names)


def plot_embedding_groups(groups: Sequence[EmbeddingGroup], *, max_cols: int | None = None,
                          suptitle: str | None = None, panel_size: float = 2.4) -> Figure:
    """Scatter panels of 2-D views coloured by class, one block (sub-figure) per dataset, stacked
    (Figure 1: a row per dataset). Within a group panels wrap after ``max_cols``. Each group gets
    a legend (the first 8 classes in colour, the rest grey).
    """
    if not groups:
        raise NorankError("no embedding groups to plot.")
    shapes = []
    for g in groups:
        if not g.panels:
            raise NorankError(f"embedding group {g.title!r} has no panels.")
        ncols = min(len(g.panels), max_cols or len(g.panels))
        shapes.append((math.ceil(len(g.panels) / ncols), ncols))
    keys = [_key_width(g.class_names) for g in groups]
    title_h = 0.45 if suptitle else 0.0
    width = max(nc for _, nc in shapes) * panel_size + max(keys)
    heights = [nr * panel_size + 0.35 for nr, _ in shapes]
    fig = new_figure(width, sum(heights) + title_h)
    subfigs = fig.subfigures(len(groups), 1, height_ratios=heights, squeeze=False).ravel()
    for sf, g, (nrows, ncols) in zip(subfigs, groups, shapes):
        axes = sf.subplots(nrows, ncols, squeeze=False).ravel()
        C = len(g.class_names)
        for ax, p in zip(axes, g.panels):
            _draw_panel(ax, p, C, fontsize="small")
            ax.set_title(p.title, fontsize="medium")
        for ax in axes[len(g.panels):]:
            ax.remove()
        _add_class_key(sf, axes[: len(g.panels)], g.class_names)
        sf.suptitle(g.title, fontweight="bold")
    if suptitle:
        fig.suptitle(suptitle, fontsize="large")
    return fig


IN_SAMPLE_TITLE = "in-sample\n(paper protocol)"
HELDOUT_TITLE = "held-out fold 0\n(not fitted on)"


def method_title(title: str) -> str:
    """A panel title without its view note (the axis labels say PC1 / PC2), broken before a
    parenthesis so that "Metric learning (official recipe)" fits a panel."""
    title = title.replace(" (PC1-2 of training)", "").replace(" (PC1-2)", "")
    return title.replace(" (", "\n(") if len(title) > 22 else title


def plot_embedding_pairs(rows: Sequence[tuple[EmbeddingPanel, EmbeddingPanel | str | None]],
                         class_names: Sequence[str], *, title: str, panel_size: float = 2.4) -> Figure:
    """One row per method: its in-sample view beside the held-out one (Figures 5, 7, 8).

    Each row is ``(in_sample, heldout)``; ``heldout`` is a panel, a string saying why there is
    none (t-SNE has no out-of-sample transform), or None when the run has no held-out protocol
    (then the figure has one column). One legend for the dataset's classes.
    """
    if not rows:
        raise NorankError("no embedding rows to plot.")
    two = any(h is not None for _, h in rows)
    ncols = 2 if two else 1
    fig = new_figure(ncols * panel_size + _key_width(class_names), len(rows) * panel_size * 0.92 + 0.7)
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    C = len(class_names)
    for r, (inside, outside) in enumerate(rows):
        for c, panel in enumerate([inside, outside][:ncols]):
            ax = axes[r, c]
            if isinstance(panel, EmbeddingPanel):
                _draw_panel(ax, panel, C, fontsize="x-small")
            else:
                text = (panel or "no held-out run").replace(": ", ":\n").replace(" no out-of", "\nno out-of")
                ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize="x-small")
                ax.set_xticks([])
                ax.set_yticks([])
            ax.set_title(method_title(inside.title), fontsize="small")
    # the sample count in the column's header, not over the points
    counts = [next((len(p.y) for p in col if isinstance(p, EmbeddingPanel)), None)
              for col in ([i for i, _ in rows], [h for _, h in rows])[:ncols]]
    for c, header in enumerate((IN_SAMPLE_TITLE, HELDOUT_TITLE)[:ncols]):
        shown = header + (f", n = {counts[c]}" if counts[c] is not None else "")
        axes[0, c].annotate(shown, (0.5, 1.22), xycoords="axes fraction", ha="center", va="bottom",
                            fontweight="bold", fontsize="small")
    _add_class_key(fig, axes.ravel(), class_names, beside=axes[0, -1])
    fig.suptitle(title, fontsize="medium")
    return fig
