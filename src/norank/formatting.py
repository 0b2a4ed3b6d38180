"""How every table, the summary and the figures print numbers: one rule, applied here.

The rule (README, "Tables, figures and the report"):

- a bounded metric (silhouette, ARI, NMI, accuracy, P@1, MAP@R, relative error, explained
  variance: :data:`DECIMALS`) prints with its fixed decimals (3; trustworthiness and continuity 4);
- any other number (DB, CH, separation ratio, ratios, bands, differences) with 3 significant digits;
- scientific notation, one form only, ``m×10ⁿ`` (``4.01×10⁹``), from 10⁴ up and below 10⁻³
  (a bounded metric never: its decimals say its precision);
- ``mean ± sd``: the sd to the mean's last place; a scientific mean gives ``(7.77 ± 0.37)×10⁴``;
- no negative zero: a number that rounds to zero prints unsigned;
- a published value prints by the same rule as ours in its row (the CSV keeps it as printed).

A missing value (None or NaN) prints as ``–`` (:data:`MISSING`).
"""

from __future__ import annotations

import math
import re

MISSING = "–"

# decimals per bounded metric (by name prefix, so ours with a label variant too: ari_kmeans)
DECIMALS = {"silhouette": 3, "ari": 3, "nmi": 3, "accuracy": 3, "relative_error": 3, "explained_variance": 3,
            "precision_at_1": 3, "map_at_r": 3, "knn_accuracy": 3, "continuity": 4, "trustworthiness": 4}
DIGITS = 3  # significant digits of every other number
SCIENTIFIC_FROM, SCIENTIFIC_BELOW = 1e4, 1e-3
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_NEGATIVE_ZERO = re.compile(r"^-(0(\.0*)?)$")


def is_missing(x) -> bool:
    """Whether ``x`` is no number: None or NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def _unsigned_zero(text: str) -> str:
    return _NEGATIVE_ZERO.sub(r"\1", text)


def _exponent(x: float) -> int:
    return math.floor(math.log10(abs(x))) if x else 0


def _scientific(x: float) -> bool:
    return x != 0 and (abs(x) >= SCIENTIFIC_FROM or abs(x) < SCIENTIFIC_BELOW)


def _rounded(x: float, digits: int = DIGITS) -> float:
    """``x`` at ``digits`` significant digits (9999.7 -> 1.00e4: notation and places follow it)."""
    return float(f"{x:.{digits - 1}e}")


def power(n: int) -> str:
    """``×10ⁿ`` with a superscript exponent."""
    return "×10" + str(n).translate(_SUPERSCRIPT)


def significant(x: float, digits: int = DIGITS) -> str:
    """``x`` to ``digits`` significant digits, by the rule: plain between 10⁻³ and 10⁴
    (``0.0123``, ``1.23``, ``1230``), else ``1.23×10⁵``."""
    if is_missing(x):
        return MISSING
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    rounded = _rounded(x, digits)
    if _scientific(rounded):
        n = _exponent(rounded)
        return f"{x / 10 ** n:.{digits - 1}f}{power(n)}"
    d = max(digits - 1 - _exponent(rounded), 0)  # 0.9997 -> 1.00, not 1.000
    return _unsigned_zero(f"{round(x, d):.{d}f}")


def fmt_number(x: float, metric: str | None = None) -> str:
    """One number by the rule: a bounded ``metric``'s fixed decimals, else 3 significant digits."""
    if is_missing(x):
        return MISSING
    fixed = bounded_decimals(metric)
    if fixed is not None:
        return _unsigned_zero(f"{x:.{fixed}f}")
    return significant(x)


def bounded_decimals(metric: str | None) -> int | None:
    """The fixed decimals of a bounded metric (None for any other number)."""
    if metric is None:
        return None
    return next((d for key, d in DECIMALS.items() if metric.startswith(key)), None)


def decimals(metric: str | None, mean: float) -> int:
    """Decimals of a cell: fixed per bounded metric, else those of 3 significant digits of the
    mean (negative: rounded to tens, hundreds...)."""
    fixed = bounded_decimals(metric)
    if fixed is not None:
        return fixed
    return DIGITS - 1 - _exponent(_rounded(mean))  # of the rounded mean: 0.9997 -> 1.00


def fmt_mean_sd(mean: float, sd: float, metric: str | None = None) -> str:
    """``mean ± sd`` by the rule: the mean as :func:`fmt_number`, the sd to the mean's last place;
    a scientific mean gives ``(m ± s)×10ⁿ``. A missing sd (a single run) prints the mean alone."""
    if is_missing(mean):
        return MISSING
    if is_missing(sd):
        return fmt_number(mean, metric)
    if bounded_decimals(metric) is None and _scientific(_rounded(mean)):
        n = _exponent(_rounded(mean))
        d = DIGITS - 1
        return f"({mean / 10 ** n:.{d}f} ± {sd / 10 ** n:.{d}f}){power(n)}"
    d = decimals(metric, mean)

    def show(x):
        return _unsigned_zero(f"{round(x, d):.{max(d, 0)}f}")

    return f"{show(mean)} ± {show(sd)}"
