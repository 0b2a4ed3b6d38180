"""Tables built from pipeline artifacts, written as CSV, Markdown and LaTeX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from norank.data.artifact import Dataset
from norank.io import atomic_path


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
        "raw value range": f"[{raw.X.min():.3g}, {raw.X.max():.3g}]",
        "samples used": len(prepared.X),
        "augmented copies": n_aug,
        "preprocessing": "; ".join(prepared.provenance.get("preprocessing", [])),
    }


def write_table(df: pd.DataFrame, stem: str | Path, formats=("csv", "md", "tex"), caption: str = "",
                display: pd.DataFrame | None = None, notes: str = "", preamble: str = "") -> None:
    """Write ``df`` atomically as ``<stem>.csv``, ``.md`` and/or ``.tex``.

    ``display`` (default ``df``) is what Markdown and LaTeX show, e.g. ``mean ± sd`` strings
    while the CSV keeps the numbers; ``preamble`` goes between the caption and the Markdown
    table, ``notes`` under it.
    """
    shown = df if display is None else display
    render = {
        "csv": lambda: df.to_csv(index=False),
        "md": lambda: (f"**{caption}**\n\n" if caption else "") + (f"{preamble}\n" if preamble else "")
        + shown.to_markdown(index=False) + "\n" + (f"\n{notes}\n" if notes else ""),
        "tex": lambda: shown.to_latex(index=False, caption=caption or None, escape=True),
    }
    for fmt in formats:
        with atomic_path(f"{stem}.{fmt}") as tmp:
            Path(tmp).write_text(render[fmt]())
