"""Tables built from pipeline artifacts, written as CSV, Markdown and LaTeX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from norank.data.artifact import Dataset
from norank.io import atomic_path
from norank.formatting import significant
from norank.table_registry import TABLE_FORMATS


def dataset_properties(raw: Dataset, prepared: Dataset) -> dict:
    """One row of Table 1 (dataset properties) from a dataset's raw and prepared artifacts."""
    counts = np.array(list(raw.counts().values()))
    lo, hi = int(counts.min()), int(counts.max())
    n_aug = 0 if prepared.X_aug is None else len(prepared.X_aug)
    return {
        "dataset": raw.name,
        "source": raw.provenance.get("source", ""),
        "samples": len(raw.X),
        "classes": raw.n_classes,
        "sample shape": "×".join(map(str, raw.sample_shape)),
        "samples per class": f"{lo}" if lo == hi else f"{lo}–{hi}",
        "class balance": "balanced" if lo == hi else f"imbalanced (max/min {hi / lo:.1f})",
        "raw value range": f"[{significant(raw.X.min())}, {significant(raw.X.max())}]",
        "samples used": len(prepared.X),
        "augmented copies": n_aug,
        "preprocessing": "; ".join(prepared.provenance.get("preprocessing", [])),
    }


def write_table(df: pd.DataFrame, stem: str | Path, formats=TABLE_FORMATS, caption: str = "",
                display: pd.DataFrame | None = None, notes: str = "", preamble=(), filters=()) -> None:
    """Write ``df`` atomically as ``<stem>.csv``, ``.md``, ``.tex`` and/or ``.html``.

    ``display`` (default ``df``) is what Markdown, LaTeX and HTML show, e.g. ``mean ± sd``
    strings while the CSV keeps the numbers; ``preamble`` (paragraphs, or ``(title, DataFrame)``
    pairs) goes between the caption and the table, ``notes`` under it. The HTML page is the
    report's view of the table (:func:`norank.report.html_table`; ``filters``: the columns its
    page can filter by).
    """
    from norank.report import glossary, html_table, markdown_blocks

    shown = df if display is None else display
    key = glossary(shown.columns)
    render = {
        "csv": lambda: df.to_csv(index=False),
        "md": lambda: (f"**{caption}**\n\n" if caption else "") + (f"{key}.\n\n" if key else "")
        + markdown_blocks(preamble) + shown.to_markdown(index=False) + "\n" + (f"\n{notes}\n" if notes else ""),
        "tex": lambda: shown.to_latex(index=False, caption=caption or None, escape=True),
        "html": lambda: html_table(shown, caption, preamble, notes, filters),
    }
    for fmt in formats:
        with atomic_path(f"{stem}.{fmt}") as tmp:
            Path(tmp).write_text(render[fmt]())
