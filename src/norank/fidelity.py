"""Fidelity of our re-implementation of the official recipe: the official code run unmodified
(:mod:`norank.official_code`, method ``official_code``) against ours (``metric_learning-official``),
on the same datasets and seeds, in sample, with Table 2's metrics and the time per epoch.

A metric is "within the seed spread" when the two means differ by at most ``sd_multiple`` times
the larger of the two sds over seeds; with fewer than two runs on either side there is no spread
and no verdict.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from norank.formatting import fmt_mean_sd
from norank.methods import OFFICIAL_CODE, Method
from norank.paper_tables import summary_cell, summary_cells
from norank.recipes import OFFICIAL
from norank.table_registry import FACES_COLUMNS

OURS = str(Method.metric_learning(OFFICIAL[0]))  # our re-implementation of the official recipe
UNMODIFIED = str(Method(OFFICIAL_CODE))


def within_spread(diff: float, sd_a: float, sd_b: float, runs: int, sd_multiple: float) -> bool | None:
    """|diff| <= sd_multiple x the larger sd; None without a spread (fewer than 2 runs, or a NaN)."""
    if runs < 2 or not np.isfinite([diff, sd_a, sd_b]).all():
        return None
    return bool(abs(diff) <= sd_multiple * max(sd_a, sd_b))


def epoch_seconds(official: Sequence[dict], histories: Sequence[pd.DataFrame]) -> tuple[float, float]:
    """Median seconds per epoch of the official code (its training time over its epochs, per run) and
    of ours (every epoch of every run's history)."""
    theirs = statistics.median(s["seconds_per_epoch"] for s in official) if official else float("nan")
    ours = [float(v) for h in histories for v in h["seconds"]]
    return theirs, statistics.median(ours) if ours else float("nan")


def fidelity_table(summary: pd.DataFrame, datasets: Sequence[str], official: dict[str, list[dict]],
                   histories: dict[str, list[pd.DataFrame]], *, sd_multiple: float = 2.0
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per dataset and metric of Table 2 (paper protocol, in sample): the unmodified official code's
    mean ± sd over seeds, ours, the difference (ours − official) and whether it is within the seed
    spread; then a row of seconds per epoch (``official``: the runs' summaries, ``histories``: our
    runs' histories, per dataset). Returns ``(numeric, display)``."""
    lookup = summary_cells(summary)
    rows = []
    for d in datasets:
        for c in FACES_COLUMNS:
            (a, a_sd, a_n), (b, b_sd, b_n) = (summary_cell(lookup, d, m, "paper", "all", c.metric)
                                              for m in (UNMODIFIED, OURS))
            if a_n == 0 or b_n == 0:
                continue
            rows.append(dict(dataset=d, metric=c.metric, header=c.header, official_mean=a, official_sd=a_sd,
                             official_runs=a_n, ours_mean=b, ours_sd=b_sd, ours_runs=b_n, diff=b - a,
                             within_spread=within_spread(b - a, a_sd, b_sd, min(a_n, b_n), sd_multiple)))
        theirs, ours = epoch_seconds(official.get(d, []), histories.get(d, []))
        if official.get(d):
            rows.append(dict(dataset=d, metric="seconds_per_epoch", header="Seconds per epoch (median)",
                             official_mean=theirs, official_runs=len(official[d]),
                             official_samples=max(s["n_trained"] for s in official[d]), ours_mean=ours,
                             ours_runs=len(histories.get(d, [])), diff=ours - theirs, speedup=theirs / ours))
    num = pd.DataFrame(rows)
    shown = [{"Dataset": r["dataset"], "Metric": r["header"],
              "Official code, unmodified": _cell(r, "official"), "Ours, official recipe": _cell(r, "ours"),
              "Ours − official": f"{r['diff']:+.3g}", "Verdict": _verdict(r)}
             for _, r in num.iterrows()]
    return num, pd.DataFrame(shown)


def _verdict(r) -> str:
    if r["metric"] == "seconds_per_epoch":
        return f"ours {r['speedup']:.2f}× as fast"
    within = r["within_spread"]  # True / False, or None (NaN once in a column with the seconds row)
    if within is None or pd.isna(within):
        return "no spread (1 run)"
    return "within the seed spread" if within else "outside the seed spread"


def _cell(r, side: str) -> str:
    if r["metric"] == "seconds_per_epoch":
        runs = int(r[f"{side}_runs"])
        samples = f", {int(r['official_samples'])} samples" if side == "official" else ""
        return f"{r[f'{side}_mean']:.3g} s ({runs} run{'s' * (runs != 1)}{samples})"
    return f"{fmt_mean_sd(r[f'{side}_mean'], r[f'{side}_sd'], r['metric'])} ({int(r[f'{side}_runs'])})"


def read_official_summaries(paths: Sequence[str | Path]) -> list[dict]:
    return [json.loads(Path(p).read_text()) for p in paths]
