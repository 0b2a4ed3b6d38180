"""The sources a result claim can name, and the query language that reads a number from them.

A query (the text after ``claim:`` in a marker, see ``norank.claims``) is a source name followed
by ``key=value`` words::

    summary dataset=lfw method=metric_learning protocol=paper subset=all metric=ari_kmeans
    comparison status=compared within_tolerance=True agg=count
    rules rule=train col=total_s scale=1/3600
    drop dataset=galaxy_realistic method=metric_learning metric=ari_kmeans

Tabular sources (:data:`TABLES`, files under ``results/``) take filters ``column=pattern`` (an
``fnmatch`` pattern, ``|`` between alternatives; ``column!=pattern`` excludes), ``col=`` (the
column read; ``mean`` by default), ``agg=`` (``value``: exactly one row, the default; ``count``,
``min``, ``max``, ``sum``, ``median``, ``range``: min and max; ``values``: every row in file
order) and ``scale=`` (a factor such as ``100`` or ``1/3600``). Derived sources
(:data:`DERIVED`) compute what no single selection gives, from the same tables.

A query returns a tuple of floats, one per printed number of its group.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

TABLES: dict[str, str] = {
    "summary": "metrics/summary.csv",
    "metrics": "metrics/metrics.csv",
    "comparison": "tables/paper_comparison.csv",
    "efficiency": "tables/table6_efficiency.csv",
    "heldout_summary": "faces_heldout/metrics/summary.csv",
    "paper_protocol_summary": "paper_protocol/metrics/summary.csv",
    "fidelity": "tables/official_fidelity.csv",
    "bridge": "tables/table_bridge.csv",
}
"""Tabular sources: name -> CSV path under the results folder."""

AGGREGATES: dict[str, Callable[[np.ndarray], tuple[float, ...]]] = {
    "count": lambda v: (float(len(v)),),
    "min": lambda v: (float(np.min(v)),),
    "max": lambda v: (float(np.max(v)),),
    "sum": lambda v: (float(np.sum(v)),),
    "median": lambda v: (float(np.median(v)),),
    "range": lambda v: (float(np.min(v)), float(np.max(v))),
    "values": lambda v: tuple(float(x) for x in v),
}


@dataclass
class Results:
    """A results folder's tables, read once each on first use."""

    root: Path
    cache: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """The tabular source ``name``: one of :data:`TABLES`, ``rules`` (provenance's job time
        per rule) or ``machine`` (provenance's machine record, one row)."""
        if name not in self.cache:
            if name in TABLES:
                self.cache[name] = pd.read_csv(self.root / TABLES[name])
            elif name == "rules":
                self.cache[name] = pd.DataFrame(self.provenance()["rules"])
            elif name == "machine":
                self.cache[name] = pd.DataFrame([self.provenance()["machine"]])
            else:
                raise KeyError(f"unknown claim source {name!r}")
        return self.cache[name]

    def provenance(self) -> dict:
        """``provenance.json`` of the run (commit, resolved config, machine, time per rule)."""
        return json.loads((self.root / "provenance.json").read_text())


def parse(query: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """``"summary a=1 b!=2 col=sd"`` -> ``("summary", {"a": "1"}, {"b": "2", ...})``.

    Returns the source, the include filters (with the options ``col``, ``agg``, ``scale`` among
    them) and the exclude filters.
    """
    source, *words = query.split()
    include, exclude = {}, {}
    for word in words:
        key, sep, value = word.partition("!=") if "!=" in word else word.partition("=")
        if not sep:
            raise ValueError(f"claim query {query!r}: {word!r} is not key=value")
        (exclude if sep == "!=" else include)[key] = value
    return source, include, exclude


def matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Rows whose value (as text) matches an ``fnmatch`` pattern with ``|`` alternatives."""
    alternatives = pattern.split("|")
    return np.array([any(fnmatch.fnmatchcase(str(v), p) for p in alternatives) for v in values], bool)


def select(frame: pd.DataFrame, include: dict[str, str], exclude: dict[str, str]) -> pd.DataFrame:
    """Rows of ``frame`` matching every include filter and no exclude filter."""
    keep = np.ones(len(frame), bool)
    for key, pattern in include.items():
        keep &= matches(frame[key], pattern)
    for key, pattern in exclude.items():
        keep &= ~matches(frame[key], pattern)
    return frame[keep]


def scale_factor(text: str) -> float:
    """``"100"`` -> 100.0, ``"1/3600"`` -> 1/3600."""
    num, _, den = text.partition("/")
    return float(num) / float(den or 1)


def tabular(results: Results, source: str, include: dict, exclude: dict) -> tuple[float, ...]:
    """Evaluate a query on a tabular source (see the module docstring)."""
    options = {k: include.pop(k) for k in ("col", "agg", "scale") if k in include}
    rows = select(results.table(source), include, exclude)
    column, agg = options.get("col", "mean"), options.get("agg", "value")
    if agg == "value":
        if len(rows) != 1:
            raise ValueError(f"claim query on {source} selects {len(rows)} rows, not one: {include}")
        values: tuple[float, ...] = (float(rows[column].iloc[0]),)
    elif agg == "count":
        values = (float(len(rows)),)
    else:
        if rows.empty:
            raise ValueError(f"claim query on {source} selects no rows: {include}")
        values = AGGREGATES[agg](rows[column].to_numpy(float))
    factor = scale_factor(options.get("scale", "1"))
    return tuple(v * factor for v in values)


def drops(results: Results, include: dict, exclude: dict) -> pd.Series:
    """In-sample mean minus held-out mean of a metric, one value per (dataset, method).

    In sample: protocol ``paper``, subset ``all``; held out: protocol ``heldout``, subset
    ``heldout``. Filters select rows of ``summary`` before the difference is taken.
    """
    rows = select(results.table("summary"), include, exclude)
    paper = rows[(rows.protocol == "paper") & (rows.subset == "all")]
    held = rows[(rows.protocol == "heldout") & (rows.subset == "heldout")]
    keys = ["dataset", "method", "metric"]
    pair = paper.merge(held, on=keys, suffixes=("_paper", "_heldout"))
    return pair.mean_paper - pair.mean_heldout


def drop(results: Results, include: dict, exclude: dict) -> tuple[float, ...]:
    """The in-sample -> held-out drop (:func:`drops`), aggregated by ``agg`` (``value``: one)."""
    agg = include.pop("agg", "value")
    values = drops(results, include, exclude).to_numpy(float)
    if agg == "value":
        if len(values) != 1:
            raise ValueError(f"drop query selects {len(values)} (dataset, method) pairs: {include}")
        return (float(values[0]),)
    return AGGREGATES[agg](values)


def jobs(results: Results, include: dict, exclude: dict) -> tuple[float, ...]:
    """Jobs of the run: provenance's benchmarked jobs plus the two rules without a benchmark file
    (``provenance``, one job, and the target rule ``all``), as Snakemake counts them."""
    return (float(results.table("rules").jobs.sum()) + 2,)


def provenance(results: Results, include: dict, exclude: dict) -> tuple[float, ...]:
    """A value of ``provenance.json`` by its dotted path (``key=config.evaluation.seeds``, the
    run's resolved config; ``key=job_seconds_total``); ``agg=len`` its length, ``scale=`` a factor."""
    value = results.provenance()
    for part in include["key"].split("."):
        value = value[part]
    number = float(len(value)) if include.get("agg") == "len" else float(value)
    return (number * scale_factor(include.get("scale", "1")),)


DERIVED: dict[str, Callable[[Results, dict, dict], tuple[float, ...]]] = {
    "drop": drop,
    "jobs": jobs,
    "provenance": provenance,
}
"""Derived sources: name -> function of the results and the query's filters."""


def evaluate(query: str, results: Results) -> tuple[float, ...]:
    """The number(s) a claim query names, read from ``results``."""
    source, include, exclude = parse(query)
    if source in DERIVED:
        return DERIVED[source](results, include, exclude)
    return tabular(results, source, include, exclude)
