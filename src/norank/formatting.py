"""How the tables print numbers: every table writer formats its cells here.

- :func:`fmt_mean_sd`: a cell of our results, ``mean ± sd`` over runs, both to the metric's
  decimals (:func:`decimals`: fixed for a bounded metric, 3 significant digits for a scale one);
- :func:`fmt_number`: a bare number as the paper prints it (4 decimals, 2 above 10, scientific
  notation from 10 000);
- :func:`significant`: a number to ``digits`` significant digits (ratios, bands, value ranges).

A missing value (None or NaN) prints as ``–`` (:data:`MISSING`).
"""

from __future__ import annotations

import math

MISSING = "–"

# decimals per bounded metric (by name prefix, so ours with a label variant too: ari_kmeans);
# the scale metrics (DB, CH, SR) get 3 significant digits
DECIMALS = {"silhouette": 3, "ari": 3, "nmi": 3, "accuracy": 3, "relative_error": 3, "explained_variance": 3,
            "precision_at_1": 3, "map_at_r": 3, "continuity": 4, "trustworthiness": 4}


def is_missing(x) -> bool:
    """Whether ``x`` is no number: None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def fmt_number(x: float) -> str:
    """A number as the tables print it: 4 decimals, 2 above 10, 3 significant digits in
    scientific notation from 10 000."""
    if is_missing(x):
        return MISSING
    a = abs(x)
    if a >= 1e4:
        return f"{x:.2e}"
    return f"{x:.2f}" if a >= 10 else f"{x:.4f}"


def significant(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits (Python's ``g`` format: 1.23, 0.0123, 1.23e+05)."""
    return f"{x:.{digits}g}"


def decimals(metric: str, mean: float) -> int:
    """Decimals of ``metric``'s cells: fixed per bounded metric, 3 significant digits of the mean
    otherwise (negative: rounded to tens, hundreds...)."""
    fixed = next((d for key, d in DECIMALS.items() if metric.startswith(key)), None)
    if fixed is not None:
        return fixed
    return 2 - math.floor(math.log10(abs(mean))) if mean else 2


def fmt_mean_sd(mean: float, sd: float, metric: str | None = None) -> str:
    """``mean ± sd`` as the tables print it. With ``metric``, both to the metric's decimals
    (:func:`decimals`), so the sd never shows more digits than the mean; without, :func:`fmt_number`.
    A missing sd (a single run) prints the mean alone."""
    if is_missing(mean):
        return MISSING
    if metric is None:
        return fmt_number(mean) if is_missing(sd) else f"{fmt_number(mean)} ± {fmt_number(sd)}"
    d = decimals(metric, mean)

    def show(x):
        return f"{round(x, d):.{max(d, 0)}f}"

    return show(mean) if is_missing(sd) else f"{show(mean)} ± {show(sd)}"
