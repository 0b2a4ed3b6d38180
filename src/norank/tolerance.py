"""When ours counts as reproducing a published cell (:class:`Tolerance`), and when that match
counts as evidence (:class:`Uninformative`): only when a failed method would not have matched
too.

A published value can sit where any failed method lands. ARI, NMI and silhouette of a
clustering that finds nothing are about 0, so a published ARI of 0.01 is matched by every
method that fails; a separation ratio (between- over within-class distance) of 1 is what an
embedding without class structure gives; a saturating score at its ceiling (an ARI of 0.998,
an accuracy of 1.0) is what every method that works at all reaches, and there the band covers
every near-perfect result. :class:`Uninformative` is that rule, read from
``report.uninformative`` of the config; :func:`informative` applies it to the comparison's
"within" cells (the published value decides, never ours).

The sd-widened tolerance band is capped (``Tolerance.cap_abs`` / ``cap_ratio``); the comparison
flags a cell that is within only under a band our sd widened up to the cap
(``Tolerance.needs_cap``): the cap, not the base band, made it "within".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

SCALE = ("davies_bouldin", "calinski_harabasz", "separation_ratio", "relative_error")  # compared as a ratio
# the metrics whose value for a failed method is 0: ARI and NMI of a k-means partition that finds
# no class (chance level; NMI sits a little above 0 with many small clusters), the silhouette of
# the true labels over an embedding without class structure (on k-means labels the same failure
# gives a small positive value, so there 0 is only roughly the failure value), and the explained
# variance (1 - error²) of a reconstruction no better than zeros
FAIL_AT_ZERO = ("ari", "nmi", "silhouette", "explained_variance")
# the metrics whose value for a failed method is 1: the separation ratio of an embedding without
# class structure (between- as large as within-class distances), the relative error ||X - X_hat|| / ||X||
# of a reconstruction no better than zeros
FAIL_AT_ONE = ("separation_ratio", "relative_error")
# the bounded metrics that saturate: they reach their best value 1 once the task is solved, however
# well (a perfect partition has ARI = NMI = accuracy = 1; preserved neighbour ranks give
# trustworthiness = continuity = 1), so at the ceiling every working method matches. Silhouette and
# explained variance reach 1 only with zero within-class spread or zero error: a value of 0.99
# there is an extreme that few methods reach, so the ceiling does not apply to them. Trustworthiness,
# continuity and accuracy have no fixed failure value (about 0.5 for a random embedding's
# trustworthiness, 1 / classes for accuracy), so only the ceiling applies to them.
SATURATING = ("ari", "nmi", "accuracy", "trustworthiness", "continuity")


@dataclass(frozen=True)
class Tolerance:
    """When ours counts as reproducing a published cell.

    Bounded metrics: |ours − paper| ≤ band, band = max(abs, sd_multiple · sd) capped at
    cap_abs. Scale metrics: max(ours / paper, paper / ours) ≤ band, band = max(ratio,
    1 + sd_multiple · sd / ours) capped at cap_ratio. sd counts only from ``min_runs`` runs up.
    """

    abs: float = 0.05
    ratio: float = 1.25
    sd_multiple: float = 2.0
    min_runs: int = 3
    cap_abs: float = 0.15
    cap_ratio: float = 2.0

    @classmethod
    def from_config(cls, d: dict) -> "Tolerance":
        return cls(**d)

    def limits(self, metric: str) -> tuple[float, float]:
        """The base band and the cap of ``metric``'s kind."""
        return (self.ratio, self.cap_ratio) if metric in SCALE else (self.abs, self.cap_abs)

    def widened(self, metric: str, ours: float, sd: float, runs: int) -> float:
        """The band our sd asks for, before the base and the cap: sd_multiple · sd, or 1 + sd_multiple · sd / ours."""
        spread = self.sd_multiple * sd if runs >= self.min_runs and not math.isnan(sd) else 0.0
        if metric in SCALE:
            return 1 + spread / abs(ours) if ours else math.inf
        return spread

    def band(self, metric: str, ours: float, sd: float, runs: int) -> float:
        base, cap = self.limits(metric)
        return min(max(base, self.widened(metric, ours, sd, runs)), cap)

    def needs_cap(self, metric: str, paper: float, ours: float, sd: float, runs: int) -> bool:
        """Whether ours is within only under a band our sd widened up to the cap: within, but not
        within the base band, and the cap (not the sd) set the band."""
        base, cap = self.limits(metric)
        return (cap > base and self.widened(metric, ours, sd, runs) >= cap
                and bool(self.within(metric, paper, ours, sd, runs)) and not self.within(metric, paper, ours, 0.0, 0))

    def within(self, metric: str, paper: float, ours: float, sd: float, runs: int) -> bool | None:
        """Whether ours reproduces paper; None when a ratio cannot be taken (a value ≤ 0)."""
        band = self.band(metric, ours, sd, runs)
        if metric in SCALE:
            if paper <= 0 or ours <= 0:
                return None
            return max(ours / paper, paper / ours) <= band
        return abs(ours - paper) <= band

    def rule(self) -> str:
        return (f"bounded metrics (Sil., ARI, NMI, Trust., Cont., accuracy, explained variance): |ours − paper| ≤ "
                f"max({self.abs}, {self.sd_multiple} × sd), at most {self.cap_abs}; scale metrics (DB, CH, SR, "
                f"relative error): max(ours/paper, paper/ours) ≤ max({self.ratio}, 1 + {self.sd_multiple} × sd/ours), "
                f"at most {self.cap_ratio} (the band cap; a cell within only under a band the sd widened up to "
                f"it is marked \"cap\"); sd counts from {self.min_runs} runs up")


@dataclass(frozen=True)
class Uninformative:
    """When a "within" cell says nothing: its published value ``paper`` is one a failed method
    also reaches, or one every working method reaches.

    - near zero: |paper| < ``near_zero`` for ARI, NMI, silhouette, explained variance
      (:data:`FAIL_AT_ZERO`);
    - near one: |paper − 1| < ``ratio_near_one`` for the separation ratio and the relative
      error (:data:`FAIL_AT_ONE`);
    - ceiling: paper ≥ ``ceiling`` for ARI, NMI, accuracy, trustworthiness, continuity, the
      metrics that saturate at 1 once a task is solved (:data:`SATURATING`).

    Davies-Bouldin and Calinski-Harabasz have no failure value of their own (both depend on the
    data's scale and size), so their matches always count.
    """

    near_zero: float = 0.05
    ratio_near_one: float = 0.05
    ceiling: float = 0.99

    @classmethod
    def from_config(cls, d: dict | None) -> "Uninformative":
        return cls(**(d or {}))

    def reason(self, metric: str, paper: float) -> str | None:
        """Why a match on the published value ``paper`` of ``metric`` says nothing, or None."""
        if pd.isna(paper):
            return None
        if metric in FAIL_AT_ZERO and abs(paper) < self.near_zero:
            return f"near zero: |{paper:g}| < {self.near_zero:g}, where a failed method lands"
        if metric in FAIL_AT_ONE and abs(paper - 1) < self.ratio_near_one:
            return f"near one: |{paper:g} − 1| < {self.ratio_near_one:g}, where a failed method lands"
        if metric in SATURATING and paper >= self.ceiling:
            return f"at the ceiling: {paper:g} ≥ {self.ceiling:g}, where every working method lands"
        return None

    def rule(self) -> str:
        return (f"a within cell is uninformative when the published value is one a failed method also reaches — "
                f"ARI, NMI, Sil. or explained variance with |paper| < {self.near_zero:g}, a separation ratio or "
                f"relative error with |paper − 1| < {self.ratio_near_one:g} — or one every working method reaches: "
                f"ARI, NMI, accuracy, Trust. or Cont. (which saturate at 1 once a task is solved) at "
                f"paper ≥ {self.ceiling:g}; DB and CH matches always count")


def informative(metrics: pd.Series, paper: pd.Series, within: pd.Series,
                rule: Uninformative = Uninformative()) -> tuple[pd.Series, pd.Series]:
    """Per comparison row: ``informative`` (True / False for a "within" cell, None for any
    other) and why not (the :meth:`Uninformative.reason`, "" for the others). The three
    Series are aligned, one entry per row."""
    hit = [is_within(w) for w in within]
    why = [rule.reason(m, p) if h else None for m, p, h in zip(metrics, paper, hit)]
    flag = pd.Series([r is None if h else None for r, h in zip(why, hit)], index=metrics.index, dtype=object)
    return flag, pd.Series([r or "" for r in why], index=metrics.index, dtype=object)


def is_within(value) -> bool:
    """A ``within_tolerance`` entry is True (it is True / False / None, or NaN once read from a CSV)."""
    return value is not None and not pd.isna(value) and bool(value)

