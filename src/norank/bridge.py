"""The bridge from eq. 13 to the official recipe: which of the choices that tell the two recipes
apart explains the gap between their embeddings (LFW in sample: silhouette 0.70 by eq. 13, 0.91
by the official recipe in the v2 run).

Each run of the study trains eq. 13 (the ``train`` options, as recipe ``eq13``) with ONE choice
taken from the official recipe (:data:`CHOICES`, method ``bridge-<choice>``), on the same
datasets, splits and seeds as the main grid's two recipes, which are the bridge's endpoints.
A choice that the two recipes share on a dataset and split (LFW trains 100 epochs in both; the
paper protocol has no early stopping in either) is not trained: its row says so.

The table gives, per dataset, protocol and choice, the change of each metric against eq. 13 on
the same seed (mean ± sd of the paired differences) and the whole gap (official − eq. 13).
Choices are changed one at a time, so their effects need not add up to the gap; the table's
last row says how far they do.

Pure functions of the config and the metric rows (no torch): the plan, the rules and the table
read it (pandas is imported by the table functions only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from norank import job_params, plan
from norank.errors import NorankError
from norank.formatting import fmt_mean_sd
from norank.methods import Method
from norank.recipes import EQ13, OFFICIAL_CODE_SOURCES
from norank.splits import Split
from norank.table_registry import Column, columns

if TYPE_CHECKING:  # the rule files read this module: pandas only where a table is made
    import pandas as pd

OFFICIAL = "official"  # the recipe at the bridge's far end (as written, norank.recipes)
LAMBDAS = ("lambda_div", "lambda_uniform", "lambda_local", "lambda_global")


def take(*keys: str) -> Callable[[dict, dict], dict]:
    """A choice that takes ``keys`` from the official recipe's options."""
    return lambda eq13, official: {k: official.get(k) for k in keys}


@dataclass(frozen=True)
class Choice:
    """One difference between the recipes: what it is, and the options it sets on eq. 13's,
    ``change(eq13 options, official options)``."""

    what: str
    change: Callable[[dict, dict], dict]


CHOICES = {
    "encoder": Choice("the official CNN (conv blocks 32-64-128 with batch norm, a two-layer head) and its dropout",
                      take("encoder", "dropout")),
    "embedding_dim": Choice("the official embedding size", take("embedding_dim")),
    "distance": Choice("the triplet term's distance unsquared, as the official loss (the miner's window alike)",
                       lambda e, o: {"loss_options": {**e.get("loss_options", {}), "distance": "euclidean"}}),
    "margin": Choice("the official triplet margin", lambda e, o: {"margin": o["loss_options"]["margin"]}),
    "regularisers": Choice("eq. 13's four regularisers off (the official loss has none of them)",
                           lambda e, o: {k: 0.0 for k in LAMBDAS}),
    "objective": Choice("the official objective (its mining, as written; unsquared triplet hinge and local-"
                        "preservation term) on eq. 13's class-balanced batches",
                        lambda e, o: {"loss": o["loss"], "loss_options": o["loss_options"], "sampler": "pk"}),
    "batch": Choice("the official batches: that many shuffled samples instead of P classes x K",
                    lambda e, o: {"batch_size": o["batch_size"], "sampler": "shuffled"}),
    "epochs": Choice("the official number of epochs", take("epochs")),
    "learning_rates": Choice("the official learning rates (the convolutions their own)", take("lr", "lr_encoder")),
    "grad_clip": Choice("the official gradient clipping", take("grad_clip")),
    "early_stopping": Choice("no early-stopping share (held out; the official code has none)", take("val_fraction")),
}
# the table's metric columns per protocol; the first is the figure's and the conclusion's
METRICS = {
    "paper": columns("silhouette_true_labels", "separation_ratio", subset="all"),
    "heldout": (*columns("silhouette_true_labels", "separation_ratio", subset="heldout"),
                Column("precision_at_1", "heldout->train")),
}
START, END = Method.metric_learning(EQ13), Method.metric_learning(OFFICIAL)


def datasets(config: dict) -> list[str]:
    """The bridge's datasets: as listed (``bridge.datasets``); by default (null) those of a source
    the official code has an example for (LFW, Olivetti) when both endpoint recipes run, else none."""
    names = config["bridge"]["datasets"]
    if names is None:
        if not {EQ13, OFFICIAL} <= set(config["recipes"]):
            return []
        return [d for d in sorted(config["datasets"]) if config["datasets"][d]["source"] in OFFICIAL_CODE_SOURCES]
    unknown = [d for d in names if d not in config["datasets"]]
    if unknown:
        raise NorankError(f"config key bridge.datasets: {unknown} are not configured datasets "
                          f"({', '.join(sorted(config['datasets']))}); remove them or add them under `datasets`.")
    return list(names)


def splits(config: dict) -> list[str]:
    """Split ``all`` when the paper protocol runs, and the held-out folds ``bridge.folds`` when that
    protocol runs."""
    ev = config["evaluation"]
    out = [str(Split.all())] if "paper" in ev["protocols"] else []
    if "heldout" in ev["protocols"]:
        bad = [f for f in config["bridge"]["folds"] if f >= ev["folds"]]
        if bad:
            raise NorankError(f"config key bridge.folds: folds {bad} do not exist with evaluation.folds = "
                              f"{ev['folds']}; use indices 0..{ev['folds'] - 1}.")
        out += [str(Split.fold(f)) for f in config["bridge"]["folds"]]
    return out


def endpoint_options(config: dict, dataset: str, split: str) -> tuple[dict, dict]:
    """The training options of eq. 13 and of the official recipe on ``dataset`` and ``split``."""
    return (job_params.train(config, dataset, split, EQ13), job_params.train(config, dataset, split, OFFICIAL))


def choice_options(config: dict, dataset: str, split: str, choice: str) -> dict:
    """Eq. 13's training options with ``choice`` taken from the official recipe's."""
    if choice not in CHOICES:
        raise NorankError(f"bridge choice {choice!r} is unknown; use one of {', '.join(CHOICES)}.")
    eq13, official = endpoint_options(config, dataset, split)
    return plan.canonical({**eq13, **CHOICES[choice].change(eq13, official)})


def changed(config: dict, dataset: str, split: str, choice: str) -> dict[str, tuple]:
    """The options ``choice`` changes on ``dataset`` and ``split``: key -> (eq. 13's, the bridge's);
    empty when the two recipes share it there."""
    eq13 = endpoint_options(config, dataset, split)[0]
    bridged = choice_options(config, dataset, split, choice)
    return {k: (eq13.get(k), v) for k, v in bridged.items() if eq13.get(k) != v}


def runs(config: dict) -> list[plan.Run]:
    """Every run of the bridge: per dataset, split and seed of the main grid, the two endpoints
    (the main grid's runs of both recipes) and each configured choice that changes an option
    (the trained rows of :func:`layout`)."""
    if datasets(config):
        missing = [r for r in (EQ13, OFFICIAL) if r not in config["recipes"]]
        if missing:
            raise NorankError(f"the bridge (config key bridge) runs between recipes eq13 and official, but `recipes` "
                              f"lacks {missing}; add them, or set bridge.datasets: [] to leave the bridge out.")
    return [plan.Run(row["dataset"], row["split"], method_of(row["choice"]), seed)
            for row in layout(config) if row["trained"] for seed in plan.split_seeds(config, row["split"])]


def layout(config: dict) -> list[dict]:
    """The table's rows before any number: per dataset and split, the start (eq. 13), each
    configured choice with what it changes (``trained`` false when the recipes share it), the end
    (the official recipe). What the table rule is told, so it reads nothing else of the config."""
    rows = []
    for d in datasets(config):
        for split in splits(config):
            base = dict(dataset=d, protocol=Split.parse(split).protocol, split=split)
            rows.append({**base, "choice": EQ13, "change": "start: eq. 13 as configured", "trained": True})
            for c in config["bridge"]["choices"]:
                diff = changed(config, d, split, c)
                text = "; ".join(f"{k}: {_show(a)} -> {_show(b)}" for k, (a, b) in diff.items())
                rows.append({**base, "choice": c, "change": text or "the same in both recipes", "trained": bool(diff)})
            rows.append({**base, "choice": OFFICIAL, "change": "end: the official recipe", "trained": True})
    return rows


def method_of(choice: str) -> Method:
    """The method a row of :func:`layout` reads: an endpoint recipe, or ``bridge-<choice>``."""
    return {EQ13: START, OFFICIAL: END}.get(choice) or Method.bridged(choice)


def _by_seed(here: pd.DataFrame, method: Method, col: Column) -> pd.Series:
    """One column's values of ``method`` on one dataset and split, by seed."""
    sel = (here.method == str(method)) & (here.subset == col.subset) & (here.metric == col.metric)
    return here[sel].set_index("seed").value


def bridge_table(metrics: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """The rows of :func:`layout` with, per metric of :data:`METRICS`, the mean and sd over seeds
    of the value and of the paired change against eq. 13 on the same seed, and per dataset and
    split a last row ``sum``: the single changes' mean changes added up. ``metrics`` are the
    study's metric rows (norank.evaluate); an endpoint without any is an error."""
    import pandas as pd

    out = []
    for (d, split), group in pd.DataFrame(rows).groupby(["dataset", "split"], sort=False):
        here = metrics[(metrics.dataset == d) & (metrics.split == split)]
        cols = METRICS[group.protocol.iloc[0]]
        for row in group.to_dict("records"):
            if row["trained"]:
                for col in cols:
                    v = _by_seed(here, method_of(row["choice"]), col)
                    start = _by_seed(here, START, col)
                    row[f"{col.key}_mean"], row[f"{col.key}_sd"] = _mean_sd(v)
                    row[f"{col.key}_delta_mean"], row[f"{col.key}_delta_sd"] = _mean_sd(v - start.reindex(v.index))
                    row["n_runs"] = len(v)
                if row["n_runs"] == 0 and row["choice"] in (EQ13, OFFICIAL):
                    raise NorankError(f"the bridge's metric rows hold no {method_of(row['choice'])} run on {d} / "
                                      f"{split} (results/studies/bridge/metrics.csv); rerun collect_study_metrics.")
            out.append(row)
        single = [r for r in out[-len(group):] if r["choice"] not in (EQ13, OFFICIAL) and r["trained"]]
        total = {**{k: group.iloc[0][k] for k in ("dataset", "protocol", "split")}, "choice": "sum",
                 "change": "the single changes' mean changes added up (each made alone)", "trained": False}
        for col in cols:
            key = f"{col.key}_delta_mean"
            total[key] = float(np.nansum([r[key] for r in single])) if single else np.nan
        out.append(total)
    return pd.DataFrame(out)


def _mean_sd(values) -> tuple[float, float]:
    v = np.asarray(values, dtype=float)
    if len(v) == 0:
        return np.nan, np.nan
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else np.nan


def _show(value) -> str:
    return "default" if value is None else str(value)


def display(table: pd.DataFrame) -> pd.DataFrame:
    """The table as printed: one column per metric (its in-sample subset on paper-protocol rows,
    the held-out one on held-out rows): the start's value, each choice's paired change, the end's
    value with the whole gap, and the sum of the single changes."""
    import pandas as pd

    out = table[["dataset", "protocol", "choice", "change"]].copy()
    out.columns = ["Dataset", "Protocol", "Choice", "What changes (eq. 13 -> bridge)"]
    by_metric: dict[str, list[Column]] = {}
    for cols in METRICS.values():
        for col in cols:
            by_metric.setdefault(col.metric, []).append(col)
    for metric, cols in by_metric.items():
        shown = []
        for r in table.to_dict("records"):
            col = next((c for c in cols if f"{c.key}_delta_mean" in r and pd.notna(r[f"{c.key}_delta_mean"])
                        or f"{c.key}_mean" in r and pd.notna(r[f"{c.key}_mean"])), None)
            shown.append("" if col is None else _cell(r, col.key))
        header = " ".join([cols[0].header, "(held-out queries)" if cols[0].subset == "heldout->train" else ""]).strip()
        out[header] = shown
    return out


def _cell(r: dict, key: str) -> str:

    import pandas as pd
    delta = f"{r[key + '_delta_mean']:+.3f}" if pd.notna(r.get(key + "_delta_mean", np.nan)) else ""
    if pd.notna(r.get(key + "_delta_sd", np.nan)):
        delta += f" ± {r[key + '_delta_sd']:.3f}"
    if r["choice"] == EQ13:
        return fmt_mean_sd(r[key + "_mean"], r[key + "_sd"])
    if r["choice"] == OFFICIAL:
        return f"{fmt_mean_sd(r[key + '_mean'], r[key + '_sd'])} (gap {delta})"
    return delta


def conclusion(table: pd.DataFrame, top: int = 2) -> str:
    """One clause per dataset and protocol: the whole gap on the protocol's first metric, the
    (at most ``top``) choices that move it most in the gap's direction, and their sum."""
    import pandas as pd

    parts = []
    for (d, protocol), g in table.groupby(["dataset", "protocol"], sort=False):
        col = METRICS[protocol][0]
        key = f"{col.key}_delta_mean"
        gap = g[g.choice == OFFICIAL][key].iloc[0]
        single = g[~g.choice.isin([EQ13, OFFICIAL, "sum"])].dropna(subset=[key])
        if pd.isna(gap) or single.empty:
            continue
        toward = single[np.sign(single[key]) == np.sign(gap)].sort_values(key, key=abs, ascending=False).head(top)
        named = " and ".join(f"{c} ({v:+.2f})" for c, v in zip(toward.choice, toward[key])) or "no single choice"
        total = g[g.choice == "sum"][key].iloc[0]
        parts.append(f"{d} {'in sample' if protocol == 'paper' else 'held out'}: {col.header} {gap:+.2f} from "
                     f"eq. 13 to the official recipe, most with {named} (single changes sum to {total:+.2f})")
    return "; ".join(parts) + "." if parts else ""
