"""What every figure shares: the palette and markers, a pyplot-free Figure, and atomic saving.

Every ``plot_*`` function of this package builds a :class:`matplotlib.figure.Figure` on an Agg
canvas (:func:`new_figure`) without pyplot, so no global state is touched (safe in parallel jobs
and notebooks); :func:`save_figure` writes it to PNG and PDF atomically.

Colours: Okabe-Ito (colour-blind safe) for up to 8 classes or series, each class also with its
own marker so the classes stay apart in greyscale, ordered so that few classes get clearly
different hues (no two blues among four). Above 8 classes (Olivetti's 40 people) the first 8
keep their colour and marker and the others are drawn small and grey, said in the legend: 40
hues cannot be told apart.
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from norank.errors import NorankError
from norank.io import atomic_path

# Okabe & Ito (2008), ordered so that the first four differ in hue (orange, blue, bluish green,
# vermillion) and yellow, the hardest to see on white, comes 7th.
OKABE_ITO = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
OTHER_CLASSES = "#BBBBBB"  # the classes beyond the first 8
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
MAX_KEYED_CLASSES = len(OKABE_ITO)


def class_colors(n_classes: int) -> np.ndarray:
    """RGBA colours ``(C, 4)`` of classes ``0..C-1``: Okabe-Ito for the first 8, grey for the rest."""
    if n_classes < 1:
        raise NorankError(f"need at least one class to colour, got {n_classes}.")
    keyed = min(n_classes, MAX_KEYED_CLASSES)
    return np.array([to_rgba(c) for c in OKABE_ITO[:keyed]] + [to_rgba(OTHER_CLASSES)] * (n_classes - keyed))


def new_figure(width: float, height: float) -> Figure:
    """An empty constrained-layout Figure of ``width`` × ``height`` inches on its own Agg canvas."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


# The report shows a figure at most this wide (CSS px: the content pane beside the menu at a
# 1600 px window, 1376 px with the menu closed at 1400); its text must stay at least MIN_TEXT_PX
# there (issue 36: a 17-inch figure printed its ticks at ~6 px).
REPORT_WIDTH_PX = 1376
MIN_TEXT_PX = 9.0


def shown_px_per_point(fig: Figure, dpi: int, width_px: int = REPORT_WIDTH_PX) -> float:
    """CSS pixels per typographic point of ``fig``'s PNG (``dpi``) shown in a pane ``width_px``
    wide: images wider than the pane are scaled down to it, narrower ones shown as they are."""
    png_width = fig.get_figwidth() * dpi
    return dpi / 72 * min(1.0, width_px / png_width)


def text_artists(fig: Figure) -> list:
    """Every visible, non-empty text of ``fig`` (titles, labels, tick labels, legends, notes)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def legible(fig: Figure, dpi: int) -> None:
    """Raise every text of ``fig`` that the report would show under :data:`MIN_TEXT_PX` to that
    size (a wide figure keeps its layout; constrained layout makes room when it draws)."""
    floor = MIN_TEXT_PX / shown_px_per_point(fig, dpi)
    for ax in fig.axes:  # tick labels through the axis (a redraw makes new ones from its settings)
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [t for t in axis.get_ticklabels() if t.get_text().strip()]
            if labels and min(t.get_fontsize() for t in labels) < floor:
                ax.tick_params(axis=which, labelsize=floor)
    for text in text_artists(fig):
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)


def save_figure(fig: Figure, png_path, pdf_path, *, dpi: int = 150) -> None:
    """Write ``fig`` to ``png_path`` (``dpi``) and ``pdf_path``, both atomically, every text at
    least :data:`MIN_TEXT_PX` as the report shows it (:func:`legible`).

    Both files are rendered to temporary names first; if either rendering fails, neither
    target is created or changed. The PDF carries no creation date, so the same figure gives
    the same bytes on every rerun.
    """
    fig.canvas.draw()  # tick labels exist once drawn
    legible(fig, dpi)
    with atomic_path(png_path) as tmp_png, atomic_path(pdf_path) as tmp_pdf:
        fig.savefig(tmp_png, format="png", dpi=dpi)
        fig.savefig(tmp_pdf, format="pdf", metadata={"CreationDate": None})


def image_axes(ax) -> None:
    """An image panel: no ticks."""
    ax.set_xticks([])
    ax.set_yticks([])
