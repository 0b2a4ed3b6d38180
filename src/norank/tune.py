"""Hyper-parameter selection on an inner split of one training part (nested; config key ``tune``).

The paper gives no values for the λ weights, the margin, the learning rate or the epochs, and
ours were set for the paper's datasets. :func:`tune_options` searches a declared space with
Optuna's TPE sampler (a well-kept library with a seeded, budgeted sampler and per-trial records;
scikit-learn's searches have no Bayesian sampler and no time budget) on the training samples of
one split only: they are cut once into an inner fitting part and an inner validation part
(stratified, ``inner_fraction`` of each class), each trial trains eq. 13 with its options on the
inner fitting part (as the split's protocol trains: early stopping on a share of it on a fold)
and scores the inner validation samples as queries against it (precision at 1, or another
retrieval score). The outer fold's test samples are never read. The first trial is the
configured options themselves, so "tuned" is never chosen over them on less evidence than theirs.

The workflow runs one tune job per (dataset, split) (rule ``tune``); recipe ``tuned`` (the
``metric_learning-tuned`` rows) is eq. 13 trained on the whole training part with the chosen
options (:func:`apply`), beside the untuned ``eq13`` run of the same split and seed.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from pathlib import Path

import numpy as np

from norank.errors import NorankError
from norank.io import atomic_path

# the retrieval scores an inner trial can be scored by (norank.metrics.retrieval_metrics)
OBJECTIVES = ("precision_at_1", "knn_accuracy", "map_at_r")
KNN_K = 5


@dataclasses.dataclass(frozen=True)
class Dimension:
    """One option of the search space: a range (``low``..``high``, on a log scale when ``log``;
    integers when both ends are integers) or a list of ``choices``."""

    name: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple | None = None

    @property
    def integer(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int)

    def suggest(self, trial):
        if self.choices is not None:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.integer:
            return trial.suggest_int(self.name, self.low, self.high, log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)

    def contains(self, value) -> bool:
        if self.choices is not None:
            return value in self.choices
        return isinstance(value, (int, float)) and self.low <= value <= self.high and (
            not self.integer or float(value).is_integer())


def parse_space(space: dict | None, train_schema: dict) -> list[Dimension]:
    """The search space of config key ``tune.space``: ``{option: [choice, ...]}`` or
    ``{option: {low, high, log}}``, each a key of the `train` block whose values (the choices, or
    both ends of a range) ``train_schema`` (the config schema's ``$defs/train``) accepts; a null
    entry is not searched (an overlay drops an option of the default space so). Checked when the
    workflow is parsed; errors name the key and the fix."""
    import jsonschema

    space = {k: v for k, v in (space or {}).items() if v is not None}
    if not space:
        raise NorankError("config key tune.space is empty: declare at least one training option to search, e.g. "
                          "`tune: {space: {lr: {low: 1.0e-4, high: 1.0e-2, log: true}, epochs: [25, 50, 100]}}` "
                          "(config/config.yaml lists the default space; null drops one), or set tune.enabled: false.")
    known = train_schema["properties"]
    dims = []
    for name, spec in space.items():
        key = f"tune.space.{name}"
        if name not in known:
            raise NorankError(f"config key {key}: {name!r} is not a training option; search keys of the `train` "
                              f"block: {', '.join(sorted(known))}.")
        if isinstance(spec, list):
            dim, values = Dimension(name, choices=tuple(spec)), spec
        else:
            low, high, log = spec["low"], spec["high"], bool(spec.get("log", False))
            if not low < high:
                raise NorankError(f"config key {key}: low ({low}) must be below high ({high}).")
            if log and low <= 0:
                raise NorankError(f"config key {key}: a log scale needs low > 0 (it is {low}).")
            dim, values = Dimension(name, low=low, high=high, log=log), [low, high]
        for value in values:
            try:
                jsonschema.validate(value, known[name])
            except jsonschema.ValidationError as e:
                meaning = known[name].get("description")
                raise NorankError(f"config key {key}: {value!r} is not a valid value of training option {name}: "
                                  f"{e.message}." + (f" Meaning of this option: {meaning}" if meaning else "")) from None
        dims.append(dim)
    return dims


def inner_split(y: np.ndarray, train_idx: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The inner (fit, validation) cut of ``train_idx``: ``fraction`` of each class validates, at
    least 2 of each class fit (norank.splits.stratified_holdout); only ``train_idx`` is read."""
    from norank.splits import stratified_holdout

    fit, val = stratified_holdout(np.asarray(train_idx), y, fraction, np.random.default_rng(seed))
    if len(val) == 0:
        raise NorankError(f"tune.inner_fraction={fraction} leaves no inner validation sample (classes of "
                          f"{np.bincount(y[train_idx]).min()} training samples keep at least 2 each to fit); "
                          "raise it, or do not tune this dataset.")
    return fit, val


def score(objective: str, Z_query, y_query, Z_ref, y_ref) -> float:
    """An inner trial's score: ``objective`` (one of :data:`OBJECTIVES`, the schema's enum) of the
    queries against the references (higher is better)."""
    from norank.metrics import precision_at_1, retrieval_metrics

    if objective == "precision_at_1":  # the cheap one alone
        return precision_at_1(Z_query, y_query, Z_ref, y_ref)
    return float(retrieval_metrics(Z_query, y_query, Z_ref, y_ref, knn_k=KNN_K)[objective])


def best_trial(records: list[dict]) -> dict | None:
    """The completed trial with the highest score (the earliest of ties), or None."""
    done = [r for r in records if r["state"] == "complete"]
    return max(done, key=lambda r: r["value"]) if done else None


def tune_options(X, y, train_idx, options: dict, space: list[Dimension], *, trials: int, minutes: float | None,
                 inner_fraction: float, objective: str, seed: int, X_aug=None, aug_source=None,
                 log: logging.Logger | None = None) -> tuple[dict, list[dict], tuple[int, int]]:
    """Search ``space`` on an inner split of ``train_idx``; return the chosen options (those of
    the best trial, which may be trial 0, the given ``options``), one record per trial and the
    sizes of the inner fitting and validation parts.

    ``trials`` caps the number of trials, ``minutes`` (if set) the wall time: no trial starts
    after it. A trial whose training diverges is recorded (state ``diverged``) and scores nothing.
    """
    import optuna

    from norank.ml.train import TrainConfig, TrainingDiverged, embed, train_embedding

    log = log or logging.getLogger("norank")
    fit, val = inner_split(y, train_idx, inner_fraction, seed)
    log.info("tuning %s on an inner split of the %d training samples: %d fit, %d validate (%s); %d trials%s",
             ", ".join(d.name for d in space), len(train_idx), len(fit), len(val), objective, trials,
             f" or {minutes} min" if minutes else "")
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # each trial is logged below, once
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    configured = TrainConfig.from_dict(options)  # the values trial 0 takes, defaults resolved
    start = {d.name: getattr(configured, d.name, getattr(configured.weights, d.name, None)) for d in space}
    if all(d.contains(start[d.name]) for d in space):
        study.enqueue_trial(start)
    else:
        log.info("the configured options %s lie outside the space: no trial of them", start)
    records: list[dict] = []
    t_start = time.monotonic()

    seen: dict[tuple, dict] = {}

    def run(trial) -> float:
        chosen = {d.name: d.suggest(trial) for d in space}
        t0 = time.monotonic()
        record = {"trial": trial.number, **{f"option.{k}": v for k, v in chosen.items()}}
        key = tuple(sorted(chosen.items()))
        if key in seen:  # a small categorical space repeats itself: the same training, not run again
            first = seen[key]
            record.update(state="repeat", value=first["value"], seconds=0.0)
            records.append(record)
            log.info("trial %d/%d repeats trial %d (%s): not trained again", trial.number + 1, trials, first["trial"],
                     ", ".join(f"{k}={_fmt(v)}" for k, v in chosen.items()))
            if first["state"] != "complete":
                raise optuna.TrialPruned()
            return first["value"]
        try:
            cfg = TrainConfig.from_dict({**options, **chosen})
            result = train_embedding(X, y, fit, cfg, seed, X_aug=X_aug, aug_source=aug_source, log=log,
                                     progress=False)
            device = result.device
            value = score(objective, embed(result.model, X[val], device), y[val],
                          embed(result.model, X[fit], device), y[fit])
            state = "complete" if math.isfinite(value) else "diverged"
        except TrainingDiverged as e:
            value, state = float("nan"), "diverged"
            log.warning("trial %d diverged: %s", trial.number, e)
        record.update(state=state, value=value, seconds=round(time.monotonic() - t0, 2))
        records.append(record)
        seen[key] = record
        best = best_trial(records)
        log.info("trial %d/%d: %s %.4f in %.0f s (%s); best so far %s", trial.number + 1, trials, objective, value,
                 record["seconds"], ", ".join(f"{k}={_fmt(v)}" for k, v in chosen.items()),
                 f"{best['value']:.4f} (trial {best['trial']})" if best else "none")
        if state != "complete":
            raise optuna.TrialPruned()  # recorded above; Optuna samples around it no more
        return value

    study.optimize(run, n_trials=trials, timeout=None if minutes is None else 60 * minutes)
    best = best_trial(records)
    if best is None:
        raise NorankError(f"every one of the {len(records)} tuning trials diverged: narrow tune.space (lower "
                          "learning rates first) or check the input.")
    chosen = {k.removeprefix("option."): v for k, v in best.items() if k.startswith("option.")}
    log.info("chose trial %d: %s %.4f (%s) after %d trials in %.0f s", best["trial"], objective, best["value"],
             ", ".join(f"{k}={_fmt(v)}" for k, v in chosen.items()), len(records), time.monotonic() - t_start)
    return chosen, records, (len(fit), len(val))


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def write_choice(path, chosen: dict, records: list[dict], *, objective: str, inner: tuple[int, int],
                 budget: dict) -> None:
    """``best.json`` of a tune job: the chosen options, the best and the configured options'
    inner scores, the trial count and the seconds per trial."""
    best = best_trial(records)
    first = records[0] if records and records[0]["trial"] == 0 else None
    seconds = [r["seconds"] for r in records if r["state"] != "repeat"]
    out = dict(options=chosen, objective=objective, best_trial=best["trial"], best_value=best["value"],
               configured_value=first["value"] if first and first["state"] == "complete" else None,
               trials=len(records), trained=sum(r["state"] != "repeat" for r in records),
               diverged=sum(r["state"] == "diverged" for r in records), inner_fit=inner[0], inner_validation=inner[1],
               median_seconds_per_trial=float(np.median(seconds)), total_seconds=float(np.sum(seconds)),
               budget=budget)
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


def write_trials(path, records: list[dict]) -> None:
    """``trials.csv`` of a tune job: one row per trial (number, options, state, score, seconds)."""
    import pandas as pd

    from norank.io import write_csv

    write_csv(pd.DataFrame(records), path)


def read_choice(path) -> dict:
    """The chosen options of a tune job's ``best.json``; a damaged file is named with the fix."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise NorankError(f"{path} cannot be read as a tuning result ({e}); delete it and rerun the same "
                          "snakemake command (rule tune makes it again).") from None


def apply(options: dict, path) -> dict:
    """The training options of recipe ``tuned``: the split's eq. 13 options with the chosen ones on top."""
    return {**options, **read_choice(path)["options"]}


def tuning_table(choices: dict[tuple[str, str], str]) -> "pd.DataFrame":
    """One row per tune job (``choices``: (dataset, split) -> its ``best.json``): the budget used,
    the inner scores of the configured options (trial 0) and of the choice, the chosen options
    (one column each, ``option.<name>``) and the cost per trial."""
    import pandas as pd

    rows = []
    for (dataset, split), path in sorted(choices.items()):
        c = read_choice(path)
        rows.append({"dataset": dataset, "split": split, "objective": c["objective"], "trials": c["trials"],
                     "trained": c["trained"], "diverged": c["diverged"], "inner_fit": c["inner_fit"],
                     "inner_validation": c["inner_validation"], "configured_value": c["configured_value"],
                     "chosen_value": c["best_value"], "chosen_trial": c["best_trial"],
                     **{f"option.{k}": v for k, v in sorted(c["options"].items())},
                     "median_seconds_per_trial": c["median_seconds_per_trial"],
                     "total_minutes": c["total_seconds"] / 60})
    return pd.DataFrame(rows)


def display(table: "pd.DataFrame") -> "pd.DataFrame":
    """The tuning table as the report shows it, numbers by the one rule (norank.formatting): the
    inner scores as the objective's metric, options and costs at 3 significant digits."""
    from norank.formatting import fmt_number

    shown = table.copy()
    for col in ("configured_value", "chosen_value"):
        shown[col] = [fmt_number(v, k) for v, k in zip(shown[col], shown.objective)]
    for col in [c for c in shown if c.startswith("option.")] + ["median_seconds_per_trial", "total_minutes"]:
        shown[col] = shown[col].map(lambda v: fmt_number(v) if isinstance(v, float) else str(v))
    return shown.rename(columns={"dataset": "Dataset", "split": "Split", "objective": "Inner objective",
                                 "trials": "Trials", "trained": "Trained", "diverged": "Diverged", "inner_fit": "Inner fit",
                                 "inner_validation": "Inner val.", "configured_value": "Configured (trial 0)",
                                 "chosen_value": "Chosen", "chosen_trial": "Chosen trial",
                                 "median_seconds_per_trial": "s / trial (median)", "total_minutes": "Minutes",
                                 **{c: c.removeprefix("option.") for c in shown if c.startswith("option.")}})
