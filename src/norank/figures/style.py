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


def save_figure(fig: Figure, png_path, pdf_path, *, dpi: int = 150) -> None:
    """Write ``fig`` to ``png_path`` (``dpi``) and ``pdf_path``, both atomically.

    Both files are rendered to temporary names first; if either rendering fails, neither
    target is created or changed. The PDF carries no creation date, so the same figure gives
    the same bytes on every rerun.
    """
    with atomic_path(png_path) as tmp_png, atomic_path(pdf_path) as tmp_pdf:
        fig.savefig(tmp_png, format="png", dpi=dpi)
        fig.savefig(tmp_pdf, format="pdf", metadata={"CreationDate": None})


def image_axes(ax) -> None:
    """An image panel: no ticks."""
    ax.set_xticks([])
    ax.set_yticks([])
