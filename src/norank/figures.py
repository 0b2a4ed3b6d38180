"""The paper's figures (Figures 1-8) and the diagnostic figures: arrays / tables in, a Figure out.

Every ``plot_*`` function builds a :class:`matplotlib.figure.Figure` on an Agg canvas without
pyplot, so no global state is touched (safe in parallel jobs and notebooks); :func:`save_figure`
writes it to PNG and PDF atomically. The small ``load_*`` / ``read_*`` helpers turn the
pipeline's files into those arrays and name the file when something is missing.

Colours: Okabe-Ito (colour-blind safe) for up to 8 classes or series, each class also with its
own marker so the classes stay apart in greyscale, ordered so that few classes get clearly
different hues (no two blues among four). Above 8 classes (Olivetti's 40 people) the first 8
keep their colour and marker and the others are drawn small and grey, said in the legend: 40
hues cannot be told apart. Larger classes are drawn first and every point is half transparent,
so a dominant class (LFW's 530 photos of one person) lies under the small ones.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from norank.errors import DataError, NorankError
from norank.io import atomic_path
from norank.labels import DECOMPOSITION_LABELS, method_label
from norank.methods import DECOMPOSITIONS, Method

# Okabe & Ito (2008), ordered so that the first four differ in hue (orange, blue, bluish green,
# vermillion) and yellow, the hardest to see on white, comes 7th.
OKABE_ITO = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OTHER_CLASSES = "#BBBBBB"  # the classes beyond the first 8
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
MAX_KEYED_CLASSES = len(OKABE_ITO)
CORRECT_COLOR, WRONG_COLOR = "#009E73", "#D55E00"  # Okabe-Ito bluish green / vermillion
CORRECT_MARK, WRONG_MARK = "\u2713", "\u2717"  # ✓ / ✗
LOSS_TERMS = ("triplet", "diversity", "uniformity", "local", "global", "total")
RANK_METRICS = ("silhouette_true_labels", "nmi_kmeans", "ari_kmeans")
METRIC_LABELS = {
    "silhouette_true_labels": "silhouette (true labels)",
    "nmi_kmeans": "NMI (k-means)",
    "ari_kmeans": "ARI (k-means)",
}


# --------------------------------------------------------------------------- colours, names, saving


def class_colors(n_classes: int) -> np.ndarray:
    """RGBA colours ``(C, 4)`` of classes ``0..C-1``: Okabe-Ito for the first 8, grey for the rest."""
    if n_classes < 1:
        raise NorankError(f"need at least one class to colour, got {n_classes}.")
    keyed = min(n_classes, MAX_KEYED_CLASSES)
    return np.array([to_rgba(c) for c in OKABE_ITO[:keyed]] + [to_rgba(OTHER_CLASSES)] * (n_classes - keyed))


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, png_path, pdf_path, *, dpi: int = 150) -> None:
    """Write ``fig`` to ``png_path`` (``dpi``) and ``pdf_path``, both atomically.

    Both files are rendered to temporary names first; if either rendering fails, neither
    target is created or changed. The PDF carries no creation date, so the same figure gives
    the same bytes on every rerun.
    """
    with atomic_path(png_path) as tmp_png, atomic_path(pdf_path) as tmp_pdf:
        fig.savefig(tmp_png, format="png", dpi=dpi)
        fig.savefig(tmp_pdf, format="pdf", metadata={"CreationDate": None})


# --------------------------------------------------------------------------- 2-D views of embeddings


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


def tsne_2d(Z: np.ndarray, *, seed: int = 0, perplexity: float = 30.0, n_components: int = 2) -> np.ndarray:
    """t-SNE ``(n, 2)`` of an embedding ``Z`` ``(n, d)``, with the t-SNE baseline's settings
    (:func:`norank.baselines.fit_tsne`: perplexity capped at (n - 1) / 3, ``random_state=seed``)."""
    from norank.baselines import fit_tsne

    return fit_tsne(np.asarray(Z, dtype=np.float32), seed=seed, perplexity=perplexity,
                    n_components=n_components).Z_train


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


def _add_class_key(parent, axes, class_names: Sequence[str]) -> None:
    """Legend of the keyed classes (and of the grey rest beyond 8) to the right of ``parent``."""
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
    parent.legend(handles, names, loc="outside right center", title=title, fontsize="small",
                  title_fontsize="small", frameon=False)


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
    fig = _new_figure(width, sum(heights) + title_h)
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
    fig = _new_figure(ncols * panel_size + _key_width(class_names), len(rows) * panel_size * 0.92 + 0.7)
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    C = len(class_names)
    for r, (inside, outside) in enumerate(rows):
        for c, panel in enumerate([inside, outside][:ncols]):
            ax = axes[r, c]
            if isinstance(panel, EmbeddingPanel):
                _draw_panel(ax, panel, C, fontsize="x-small")
                ax.text(0.02, 0.98, f"n = {len(panel.y)}", transform=ax.transAxes, ha="left", va="top",
                        fontsize="x-small", color="0.3")
            else:
                text = (panel or "no held-out run").replace(": ", ":\n").replace(" no out-of", "\nno out-of")
                ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize="x-small")
                ax.set_xticks([])
                ax.set_yticks([])
            ax.set_title(method_title(inside.title), fontsize="small")
    axes[0, 0].annotate(IN_SAMPLE_TITLE, (0.5, 1.22), xycoords="axes fraction", ha="center", va="bottom",
                        fontweight="bold", fontsize="small")
    if two:
        axes[0, 1].annotate(HELDOUT_TITLE, (0.5, 1.22), xycoords="axes fraction", ha="center", va="bottom",
                            fontweight="bold", fontsize="small")
    _add_class_key(fig, axes.ravel(), class_names)
    fig.suptitle(title, fontsize="medium")
    return fig


# --------------------------------------------------------------------------- retrieval (Figures 2, 3)


def choose_queries(y: np.ndarray, candidates: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """``n`` query indices drawn from ``candidates`` (seeded), of distinct classes while there are any."""
    candidates = np.asarray(candidates)
    if len(candidates) < n:
        raise NorankError(f"need {n} query candidates, only {len(candidates)} available.")
    order = np.random.default_rng(seed).permutation(candidates)
    first, seen = [], set()
    for i in order:
        if y[i] not in seen:
            first.append(i)
            seen.add(y[i])
    taken = set(first)
    rest = [i for i in order if i not in taken]
    return np.array((first + rest)[:n], dtype=np.int64)


def retrieval_plan(y: np.ndarray, role: np.ndarray, split: str, n_queries: int, *,
                   seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, str]:
    """Queries and gallery of a retrieval figure: ``(queries, gallery, exclude, description)``.

    Split ``all``: every sample is a query candidate and the gallery is every sample, each query
    excluded from its own neighbours (``exclude`` = the queries' gallery rows). A held-out fold:
    queries from the ``heldout`` samples, gallery = the fold's ``train`` samples (``exclude`` None).
    """
    if split == "all":
        q = choose_queries(y, np.arange(len(y)), n_queries, seed=seed)
        return q, np.arange(len(y)), q, "split all: each query excluded from its own gallery"
    q = choose_queries(y, np.flatnonzero(role == "heldout"), n_queries, seed=seed)
    return q, np.flatnonzero(role == "train"), None, f"held-out queries of {split} vs its training samples"


def nearest_neighbours(Z_query: np.ndarray, Z_gallery: np.ndarray, k: int, *,
                       exclude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest gallery rows of each query by Euclidean distance: ``(idx (m, k), dist (m, k))``.

    ``exclude`` ``(m,)`` gives, per query, a gallery row to skip (the query itself when it is
    in the gallery); -1 skips nothing.
    """
    from scipy.spatial.distance import cdist

    D = cdist(np.asarray(Z_query, np.float64), np.asarray(Z_gallery, np.float64))
    if exclude is not None:
        rows = np.flatnonzero(np.asarray(exclude) >= 0)
        D[rows, np.asarray(exclude)[rows]] = np.inf
    if k > np.isfinite(D).sum(axis=1).min():
        raise NorankError(f"{k} neighbours requested but the gallery has fewer eligible samples.")
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(D, idx, axis=1)


def _image_axes(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


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
    fig = _new_figure((k + 1) * panel_size, m * (panel_size + 0.35) + 0.9)
    axes = fig.subplots(m, k + 1, squeeze=False)
    for r in range(m):
        ax = axes[r, 0]
        ax.imshow(query_images[r], cmap=cmap)
        _image_axes(ax)
        _frame(ax, "0.2", 1.0)
        ax.set_title(f"query\n{query_labels[r]}", fontsize="small", fontweight="bold")
        ax.set_ylabel(f"query {r + 1}", fontsize="small")
        for c in range(k):
            ok = neighbour_labels[r][c] == query_labels[r]
            ax = axes[r, c + 1]
            ax.imshow(neighbour_images[r][c], cmap=cmap)
            _image_axes(ax)
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


# --------------------------------------------------------------------------- image grids (Figures 4, 6)


def class_examples(y: np.ndarray, per_class: int, *, seed: int, n_classes: int | None = None) -> list[np.ndarray]:
    """Indices of up to ``per_class`` random samples of each class ``0..C-1`` (seeded), a list per class."""
    rng = np.random.default_rng(seed)
    C = n_classes if n_classes is not None else int(np.max(y)) + 1
    return [np.sort(rng.permutation(np.flatnonzero(y == c))[:per_class]) for c in range(C)]


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
    fig = _new_figure(max(widths) * panel_size + 0.3, len(rows) * (panel_size + 0.55) + 0.5)
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
                _image_axes(ax)
    fig.suptitle(title, fontsize="large")
    return fig


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
    fig = _new_figure(m * panel_size + 1.6, len(rows) * panel_size + 0.8)
    axes = fig.subplots(len(rows), m, squeeze=False)
    originals = rows[0][1]
    for r, (label, ims) in enumerate(rows):
        for c in range(m):
            ax = axes[r, c]
            ax.imshow(ims[c], cmap=cmap, vmin=float(originals[c].min()), vmax=float(originals[c].max()))
            _image_axes(ax)
            if r == 0:
                ax.set_title(column_titles[c], fontsize="small")
        axes[r, 0].set_ylabel(label, fontsize="small", rotation=0, ha="right", va="center")
    fig.suptitle(title, fontsize="medium")
    return fig


def load_baseline_examples(embeddings_path, summary_path) -> tuple[np.ndarray, np.ndarray, float, dict]:
    """``(example_index (m,), X_hat_examples (m, H, W), in-sample relative error, summary)`` of a baseline run."""
    with np.load(embeddings_path) as z:
        missing = {"X_hat_examples", "example_index"} - set(z.files)
        if missing:
            raise DataError(f"{embeddings_path} has no {sorted(missing)}: the method stored no reconstruction.")
        idx, hat = z["example_index"], z["X_hat_examples"]
    summary = json.loads(Path(summary_path).read_text())
    try:
        err = float(summary["reconstruction"]["in_sample"]["relative_error"])
    except KeyError as e:
        raise DataError(f"{summary_path} has no reconstruction.in_sample.relative_error.") from e
    return idx, hat, err, summary


def load_reconstruction_rows(methods: Sequence[str], embeddings: Sequence, summaries: Sequence
                             ) -> tuple[list[tuple[str, np.ndarray]], np.ndarray | None]:
    """Figure 6 rows of the baselines, ``([(label, X_hat_examples)], example_index)``; every method
    must have reconstructed the same example samples (else DataError naming the file)."""
    rows, example_index = [], None
    for method, emb, summary in zip(methods, embeddings, summaries, strict=True):
        idx, hat, err, info = load_baseline_examples(emb, summary)
        if example_index is None:
            example_index = idx
        elif not np.array_equal(idx, example_index):
            raise DataError(f"{emb} stores reconstructions of samples {idx.tolist()}, the other methods of "
                            f"{example_index.tolist()}; rebuild the baselines.")
        rows.append((reconstruction_label(method, info, err), hat))
    return rows, example_index


def reconstruction_label(method: str, summary: dict, relative_error: float) -> str:
    """Row label of a reconstruction: method, its size (PCA components, Tucker ranks) and the error."""
    name = method_label(method)
    if method == "pca" and "n_components" in summary:
        name += f" ({summary['n_components']} comp.)"
    elif method.startswith("tucker") and len(summary.get("rank", [])) > 1:
        name += f"\n(R = ({', '.join(map(str, summary['rank']))}))"
    return f"{name}\nrel. err. {relative_error:.3f}"


def metric_learning_reconstruction(X: np.ndarray, index: np.ndarray, Z: np.ndarray, role: np.ndarray,
                                   example_index: np.ndarray) -> tuple[np.ndarray, float]:
    """Paper §5.4 reconstruction of the metric-learning embedding: X̂ = W Z + b fitted in-sample on
    the training samples (:func:`norank.baselines.linear_reconstruction`).

    ``X`` is the dataset ``(N, H, W)``; ``index``, ``Z`` ``(n, d)`` and ``role`` come from
    :func:`norank.evaluate.load_embedding`. Returns the reconstructions of ``example_index``
    ``(m, H, W)`` and the in-sample relative error over all training samples (as in the metrics).
    """
    from norank.baselines import linear_reconstruction, relative_error

    tr = np.asarray(role) == "train"
    train_index = np.asarray(index)[tr]
    X_train = X[train_index]
    hat, _ = linear_reconstruction(Z[tr], X_train)
    pos = {int(i): p for p, i in enumerate(train_index)}
    absent = [int(i) for i in example_index if int(i) not in pos]
    if absent:
        raise NorankError(f"example samples {absent} are not training samples of the metric-learning run.")
    return hat[[pos[int(i)] for i in example_index]], relative_error(X_train, hat)


# --------------------------------------------------------------------------- distances (eq. 33)


@dataclass
class PairDistances:
    """Eq. 33: Euclidean distances of same-class (``intra``) and different-class (``inter``) pairs,
    possibly a random subset of each; ``n_intra`` / ``n_inter`` count all such pairs."""

    intra: np.ndarray
    inter: np.ndarray
    n_intra: int
    n_inter: int

    @property
    def subsampled(self) -> bool:
        return len(self.intra) < self.n_intra or len(self.inter) < self.n_inter


def _pair_distances(F: np.ndarray, i: np.ndarray, j: np.ndarray, chunk_elems: int = 20_000_000) -> np.ndarray:
    out = np.empty(len(i))
    step = max(1, chunk_elems // max(F.shape[1], 1))
    for s in range(0, len(i), step):
        out[s:s + step] = np.linalg.norm(F[i[s:s + step]] - F[j[s:s + step]], axis=1)
    return out


def class_pair_distances(F: np.ndarray, y: np.ndarray, *, max_pairs: int = 100_000, seed: int = 0,
                         max_enumerate: int = 2000) -> PairDistances:
    """Eq. 33 on features ``F`` ``(n, D)`` (flattened inputs or embeddings) with labels ``y`` ``(n,)``.

    Up to ``max_enumerate`` samples, every pair i < j is enumerated and each kind (intra, inter) is
    subsampled without replacement to ``max_pairs``; above, ``max_pairs`` pairs of each kind are
    drawn uniformly at random (with replacement). Seeded.
    """
    F = np.asarray(F, dtype=np.float64).reshape(len(F), -1)
    y = np.asarray(y)
    n = len(y)
    rng = np.random.default_rng(seed)
    counts = np.bincount(y)
    n_intra = int((counts * (counts - 1) // 2).sum())
    n_inter = n * (n - 1) // 2 - n_intra
    if n_intra == 0 or n_inter == 0:
        raise NorankError("eq. 33 needs at least one same-class pair and one different-class pair.")
    if n <= max_enumerate:
        i, j = np.triu_indices(n, 1)
        same = y[i] == y[j]
        picked = []
        for mask in (same, ~same):
            ii, jj = i[mask], j[mask]
            if len(ii) > max_pairs:
                keep = np.sort(rng.choice(len(ii), max_pairs, replace=False))
                ii, jj = ii[keep], jj[keep]
            picked.append(_pair_distances(F, ii, jj))
        return PairDistances(picked[0], picked[1], n_intra, n_inter)
    # large n: draw pairs, uniform over the pairs of each kind
    order = np.argsort(y, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    w = (counts * (counts - 1)).astype(float)
    c = rng.choice(len(counts), size=max_pairs, p=w / w.sum())
    a = rng.integers(0, counts[c])
    b = rng.integers(0, counts[c] - 1)
    b = b + (b >= a)
    intra = _pair_distances(F, order[starts[c] + a], order[starts[c] + b])
    ii, jj = np.empty(0, np.int64), np.empty(0, np.int64)
    while len(ii) < max_pairs:
        p, q = rng.integers(0, n, size=2 * max_pairs), rng.integers(0, n, size=2 * max_pairs)
        ok = y[p] != y[q]
        ii, jj = np.concatenate([ii, p[ok]]), np.concatenate([jj, q[ok]])
    inter = _pair_distances(F, ii[:max_pairs], jj[:max_pairs])
    return PairDistances(intra, inter, n_intra, n_inter)


def plot_distance_histograms(rows: Sequence[tuple[str, Sequence[tuple[str, PairDistances]]]], *, title: str,
                             bins: int = 50, panel_size: float = 2.6) -> Figure:
    """Histograms (density) of intra- vs inter-class distances (eq. 33): one row per dataset, one
    panel per space (e.g. original input, metric-learning embedding). Each panel notes the ratio of
    the mean inter- to the mean intra-class distance (eq. 28) of the pairs shown."""
    if not rows:
        raise NorankError("no datasets for the distance histograms.")
    ncols = max(len(spaces) for _, spaces in rows)
    fig = _new_figure(ncols * panel_size * 1.35 + 0.3, len(rows) * panel_size * 0.85 + 0.6)
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


# --------------------------------------------------------------------------- training curves


def read_history(path, terms: Sequence[str] = LOSS_TERMS) -> "pd.DataFrame":
    """A training ``history.tsv``; a missing file or missing ``terms`` columns raise, naming the file."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DataError(f"training history {path} does not exist. Run snakemake to build it.")
    df = pd.read_csv(path, sep="\t")
    missing = [c for c in ("epoch", *terms) if c not in df.columns]
    if missing or df.empty:
        raise DataError(f"training history {path} lacks columns {missing} or has no epochs.")
    return df


def read_best_epoch(embeddings_path) -> int:
    """The epoch whose weights a training run kept (early stopping), from its ``embeddings.npz`` meta."""
    with np.load(embeddings_path) as z:
        if "meta" not in z.files:
            raise DataError(f"{embeddings_path} has no training meta (best_epoch); rebuild the training run.")
        meta = json.loads(str(z["meta"]))
    if "best_epoch" not in meta:
        raise DataError(f"{embeddings_path}: training meta has no best_epoch.")
    return int(meta["best_epoch"])


def _present(df, col) -> bool:
    return col in df.columns and df[col].notna().any()


def _plot_series(ax, df, col, **kw) -> None:
    """``col`` vs epoch over its recorded epochs only (evaluated every few epochs: NaN between)."""
    ok = df[col].notna().to_numpy()
    kw = {"marker": "o" if ok.sum() <= 30 else None, "markersize": 3, **kw}
    ax.plot(df["epoch"].to_numpy()[ok], df[col].to_numpy()[ok], **kw)


def plot_training_curves(histories: Sequence[tuple[str, "pd.DataFrame"]], *, title: str,
                         best_epochs: Sequence[int] | None = None, panel_size: float = 2.6) -> Figure:
    """Per run (row): each loss term the run recorded in its own panel with its own y-axis (the
    uniformity term near -2 would flatten the triplet term on a shared one), then the training /
    validation separation ratio (eq. 28) and the validation precision@1. A run without
    validation samples says so in its panel. ``best_epochs`` (one per run) marks the epoch whose
    weights the run kept."""
    if not histories:
        raise NorankError("no training histories to plot.")
    if best_epochs is not None and len(best_epochs) != len(histories):
        raise NorankError(f"{len(best_epochs)} best epochs for {len(histories)} training histories.")
    terms = [[t for t in LOSS_TERMS if _present(df, t)] for _, df in histories]
    ncols = max(len(t) for t in terms) + 2
    w = panel_size * 0.8
    fig = _new_figure(ncols * w + 0.6, len(histories) * w * 0.85 + 0.8)
    axes = fig.subplots(len(histories), ncols, squeeze=False)
    for r, (dataset, df) in enumerate(histories):
        for c, term in enumerate(terms[r]):
            ax = axes[r, c]
            _plot_series(ax, df, term, color="black" if term == "total" else OKABE_ITO[LOSS_TERMS.index(term)],
                         linewidth=1.6 if term == "total" else 1.2)
            ax.set_title(f"{dataset}: {term}", fontsize="small")
        for ax in axes[r, len(terms[r]):ncols - 2]:
            ax.remove()
        axes[r, 0].set_ylabel("loss term (eq. 13)", fontsize="small")
        ax = axes[r, ncols - 2]
        for col, label, color, ls in (("train_separation_ratio", "train", OKABE_ITO[1], "-"),
                                      ("val_separation_ratio", "validation", OKABE_ITO[3], "--")):
            if _present(df, col):
                _plot_series(ax, df, col, color=color, linestyle=ls, label=label)
        if ax.lines:
            ax.legend(fontsize="x-small", frameon=False)
        else:
            ax.text(0.5, 0.5, "not recorded in this run", transform=ax.transAxes, ha="center", fontsize="small")
        ax.set_title(f"{dataset}: separation ratio", fontsize="small")
        ax = axes[r, ncols - 1]
        if _present(df, "val_precision_at_1"):
            _plot_series(ax, df, "val_precision_at_1", color=OKABE_ITO[2])
            ax.set_ylim(-0.05, 1.05)
        else:
            ax.text(0.5, 0.5, "no validation samples\nin this run", transform=ax.transAxes, ha="center",
                    va="center", fontsize="small")
        ax.set_title(f"{dataset}: validation P@1", fontsize="small")
        for ax in [a for a in axes[r] if a.figure is not None]:
            ax.set_xlabel("epoch", fontsize="x-small")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
            ax.tick_params(labelsize="x-small")
            if not ax.lines:  # a panel with nothing recorded: its text, no scale
                ax.set_xticks([])
                ax.set_yticks([])
            elif best_epochs is not None:
                ax.axvline(best_epochs[r], color="0.4", linestyle=(0, (1, 2)), linewidth=1.2)
    if best_epochs is not None:
        fig.legend([Line2D([], [], color="0.4", linestyle=(0, (1, 2)), linewidth=1.2)], ["epoch kept"],
                   loc="outside lower center", fontsize="small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig


# --------------------------------------------------------------------------- loss diagnostics

DIAGNOSTICS = (  # history column, panel title, log scale
    ("intra_class_variance", "intra-class variance", False),
    ("inter_class_variance", "inter-class variance", False),
    ("variance_ratio", "variance ratio (inter / intra)", True),
    ("active_ratio", "active ratio (non-zero gradient)", False),
    ("grad_norm_mean", "mean ||dL/dz|| per sample", True),
    ("val_precision_at_1", "validation precision@1", False),
)


def mean_history(histories: Sequence["pd.DataFrame"], columns: Sequence[str]) -> "pd.DataFrame":
    """Per epoch, the mean of ``columns`` over the runs that reached that epoch (runs stop early at
    different epochs), with ``n_runs``; a column no run recorded is left out."""
    import pandas as pd

    if not histories:
        raise NorankError("no training histories to average.")
    df = pd.concat(histories, ignore_index=True)
    cols = [c for c in columns if c in df.columns]
    out = df.groupby("epoch")[cols].mean()
    out["n_runs"] = df.groupby("epoch").size()
    return out.reset_index()


def chance_precision_at_1(y: np.ndarray) -> float:
    """Precision@1 of a random neighbour: the sum of the squared class shares of ``y``."""
    shares = np.bincount(np.asarray(y, dtype=int)) / len(y)
    return float((shares ** 2).sum())


def plot_loss_diagnostics(runs: Sequence[tuple[str, Sequence["pd.DataFrame"]]], *, title: str,
                          panel_size: float = 2.4, chance_precision: float | None = None) -> Figure:
    """VARIANCE and GREEDINESS diagnostics vs epoch, one line per loss (mean over its runs, the
    count in the legend), each loss its own colour, line style and marker.

    ``runs``: ``(loss label, [history of each fold × seed])``. ``chance_precision``: the
    precision@1 of a random neighbour (sum of squared class shares), drawn on that panel. A
    history without the diagnostic columns (trained with ``diagnostics: false``) raises, naming
    the loss.
    """
    if not runs:
        raise NorankError("no loss runs to plot.")
    for label, hs in runs:
        missing = [c for c, _, _ in DIAGNOSTICS[:5] if not all(c in h.columns for h in hs)]
        if not hs or missing:
            raise DataError(f"loss {label!r}: histories lack diagnostics {missing}; train with diagnostics: true.")
    fig = _new_figure(3 * panel_size * 1.25 + 0.4, 2 * panel_size * 0.9 + 1.0)
    axes = fig.subplots(2, 3).ravel()
    styles = ["-", "--", "-.", ":"]
    for i, (label, hs) in enumerate(runs):
        mean = mean_history(hs, [c for c, _, _ in DIAGNOSTICS])
        for ax, (col, _, _) in zip(axes, DIAGNOSTICS):
            if col in mean.columns and mean[col].notna().any():
                _plot_series(ax, mean, col, color=OKABE_ITO[i % len(OKABE_ITO)], linestyle=styles[i % len(styles)],
                             marker=MARKERS[i % len(MARKERS)], markersize=3.5,
                             markevery=max(1, len(mean) // 6),
                             label=f"{label} ({len(hs)} run{'s' if len(hs) != 1 else ''})")
    if chance_precision is not None:
        ax = axes[[c for c, _, _ in DIAGNOSTICS].index("val_precision_at_1")]
        if ax.lines:
            ax.axhline(chance_precision, color="0.45", linestyle=(0, (2, 2)), linewidth=1.0)
            ax.text(0.98, chance_precision, f"chance {chance_precision:.2f}", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize="x-small", color="0.35")
    for ax, (col, name, log) in zip(axes, DIAGNOSTICS):
        ax.set_title(name, fontsize="small")
        ax.set_xlabel("epoch", fontsize="small")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if log and ax.lines:
            ax.set_yscale("log")
        ax.tick_params(which="both", labelsize="x-small")
        if not ax.lines:
            ax.text(0.5, 0.5, "not recorded in these runs", transform=ax.transAxes, ha="center", fontsize="small")
            ax.set_xticks([])
            ax.set_yticks([])
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=min(len(runs), 5),
               fontsize="small", frameon=False, title="loss (mean over folds × seeds)", title_fontsize="small")
    fig.suptitle(title, fontsize="medium")
    return fig


# --------------------------------------------------------------------------- rank sensitivity


def rank_sensitivity_table(summary: "pd.DataFrame", datasets: Sequence[str], metrics: Sequence[str] = RANK_METRICS,
                           *, source: str = "summary.csv") -> "pd.DataFrame":
    """Rows of the metric summary for the rank-sensitivity figure: paper protocol (subset ``all``),
    the metric-learning runs and every CP / Tucker rank, for ``datasets`` and ``metrics``.

    Raises, naming ``source``, when a dataset lacks the metric-learning row or every CP / Tucker
    row of a metric.
    """
    need = {"dataset", "method", "rank", "protocol", "subset", "metric", "mean", "sd", "n_seeds"}
    if not need <= set(summary.columns):
        raise DataError(f"{source} lacks columns {sorted(need - set(summary.columns))}.")
    s = summary[(summary.protocol == "paper") & (summary.subset == "all") & summary.dataset.isin(datasets)
                & summary.metric.isin(metrics)].copy()
    s["family"] = s.method.map(lambda m: Method.parse(m).family)
    s = s[s.family.isin([*DECOMPOSITIONS, "metric_learning"])]
    for d in datasets:
        for m in metrics:
            rows = s[(s.dataset == d) & (s.metric == m)]
            if not (rows.family == "metric_learning").any():
                raise DataError(f"{source} has no paper-protocol row for metric_learning / {d} / {m}.")
            if not rows.family.isin(DECOMPOSITIONS).any():
                raise DataError(f"{source} has no paper-protocol CP or Tucker rows for {d} / {m}.")
    return s


def plot_rank_sensitivity(table: "pd.DataFrame", datasets: Sequence[str], metrics: Sequence[str] = RANK_METRICS,
                          *, title: str, panel_size: float = 2.6) -> Figure:
    """Metric vs CP / Tucker rank (mean ± sd over the runs) per dataset (row) and metric (column);
    metric learning, which has no rank, as a horizontal line with its ± sd band.

    ``table`` is :func:`rank_sensitivity_table`'s output. A single run has no sd: no bar, and the
    legend says how many seeds each mean pools.
    """
    fig = _new_figure(len(metrics) * panel_size * 1.25 + 0.3, len(datasets) * panel_size * 0.8 + 1.0)
    axes = fig.subplots(len(datasets), len(metrics), squeeze=False)
    series = {"cp": ("CP", OKABE_ITO[0], "o", "-"), "tucker": ("Tucker", OKABE_ITO[3], "s", "--"),
              "tucker_rhw": ("Tucker (R,H,W)", OKABE_ITO[4], "^", ":")}
    handles = {}
    for r, d in enumerate(datasets):
        for c, m in enumerate(metrics):
            ax = axes[r, c]
            rows = table[(table.dataset == d) & (table.metric == m)]
            # metric learning by each recipe: a line each (eq13 first)
            for i, (_, ml) in enumerate(rows[rows.family == "metric_learning"].sort_values("method").iterrows()):
                color, style = (OKABE_ITO[2], ":") if i == 0 else (OKABE_ITO[5], "-.")
                ml_sd = 0.0 if np.isnan(ml["sd"]) else float(ml["sd"])
                line = ax.axhline(ml["mean"], color=color, linewidth=1.8, linestyle=style)
                ax.axhspan(ml["mean"] - ml_sd, ml["mean"] + ml_sd, color=color, alpha=0.2, linewidth=0)
                handles.setdefault(f"{method_label(ml['method'])} (no rank; {int(ml['n_seeds'])} seed(s))", line)
            ranks = set()
            for fam, (label, color, marker, ls) in series.items():
                f = rows[rows.family == fam].assign(rank=lambda t: t["rank"].astype(int)).sort_values("rank")
                if f.empty:
                    continue
                sd = f["sd"].fillna(0.0).to_numpy()
                h = ax.errorbar(f["rank"], f["mean"], yerr=sd, color=color, marker=marker, linestyle=ls,
                                markersize=4, capsize=3, linewidth=1.3)
                handles.setdefault(f"{label} (mean ± sd, {int(f['n_seeds'].max())} seed(s))", h)
                ranks |= set(f["rank"].tolist())
            ax.set_xticks(sorted(ranks))
            ax.set_title(f"{d}: {METRIC_LABELS.get(m, m)}", fontsize="small")
            ax.set_xlabel("rank R", fontsize="small")
            ax.set_ylabel(METRIC_LABELS.get(m, m), fontsize="small")
            ax.tick_params(labelsize="x-small")
    fig.legend(list(handles.values()), list(handles.keys()), loc="outside lower center", ncols=3,
               fontsize="small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig


# --------------------------------------------------------------------------- paper vs ours

def _method_group(method: str) -> str:
    m = Method.parse(method)
    return method if m.family == "metric_learning" else m.family


def plot_paper_vs_ours(cmp: "pd.DataFrame", *, ratio: float, abs_band: float, title: str,
                       panel_size: float = 3.6) -> Figure:
    """Every compared cell of the comparison (``norank.comparison``): the paper's value against
    ours (paper protocol, mean over seeds), bounded metrics on linear axes with the ±``abs_band``
    band around y = x, scale metrics on log axes with the ×/÷``ratio`` band; colour by method,
    marker by table. Cells whose band the sd widened are drawn against the base band."""
    from norank.comparison import SCALE

    done = cmp[cmp.status == "compared"]
    fig = _new_figure(2 * panel_size + 1.8, panel_size + 0.9)
    axes = fig.subplots(1, 2, squeeze=False)[0]
    groups = sorted({_method_group(m) for m in done.method}, key=lambda g: (g.startswith("metric_learning"), g))
    colors = {g: OKABE_ITO[i % len(OKABE_ITO)] for i, g in enumerate(groups)}
    markers = {t: MARKERS[i % len(MARKERS)] for i, t in enumerate(sorted(done.table.unique()))}
    for ax, scale in zip(axes, (False, True)):
        part = done[done.metric.isin(SCALE) == scale]
        if scale:
            part = part[(part.paper > 0) & (part.ours_mean > 0)]
        if part.empty:
            ax.set_axis_off()
            continue
        lo = min(part.paper.min(), part.ours_mean.min())
        hi = max(part.paper.max(), part.ours_mean.max())
        if scale:
            lo, hi = lo / 1.5, hi * 1.5
            x = np.geomspace(lo, hi, 50)
            ax.fill_between(x, x / ratio, x * ratio, color="0.85", linewidth=0)
            ax.set_xscale("log")
            ax.set_yscale("log")
        else:
            lo, hi = lo - 0.05, hi + 0.05
            x = np.linspace(lo, hi, 50)
            ax.fill_between(x, x - abs_band, x + abs_band, color="0.85", linewidth=0)
        ax.plot(x, x, color="0.4", linewidth=0.8)
        for (g, t), sub in part.groupby([part.method.map(_method_group), part.table]):
            ax.scatter(sub.paper, sub.ours_mean, s=16, color=colors[g], marker=markers[t], alpha=0.85,
                       edgecolors="none")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        n_in = int((part.within_tolerance == True).sum())  # noqa: E712 (object column)
        what = "scale metrics (DB, CH, SR, rel. error), log axes" if scale else "bounded metrics (Sil., ARI, NMI, ...)"
        ax.set_title(f"{what}\n{n_in} of {len(part)} cells within the grey band", fontsize="small")
        ax.set_xlabel("paper", fontsize="small")
        ax.set_ylabel("ours (paper protocol, mean over seeds)", fontsize="small")
        ax.tick_params(labelsize="x-small")
    handles = [Line2D([], [], color=colors[g], marker="o", linestyle="",
                      label=DECOMPOSITION_LABELS.get(g) or method_label(g)) for g in groups]
    handles += [Line2D([], [], color="0.3", marker=markers[t], linestyle="", label=f"Table {t}") for t in markers]
    fig.legend(handles=handles, loc="outside right center", fontsize="x-small", frameon=False)
    fig.suptitle(title, fontsize="medium")
    return fig
