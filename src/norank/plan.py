"""The run plan: which runs a validated configuration asks for, what they are called, where their files are.

Pure functions of the config dict (no Snakemake), so the plan is unit-tested
(``tests/test_plan.py``); the rule files read it, and so do the tables and figures.

A :class:`Run` is one embedding of one dataset under one split and seed, by one
:class:`~norank.methods.Method`; its files follow from it (:func:`embeddings`,
:func:`metrics_file`). The output patterns of the rules that make them are :data:`PATTERNS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from norank.errors import NorankError
from norank.methods import (BRIDGE, DECOMPOSITIONS, EMBEDDINGS, LOSS, METRIC_LEARNING, OFFICIAL_CODE, Method,
                             baseline_methods)
from norank.recipes import EQ13, OFFICIAL, OFFICIAL_CODE_SOURCES, TUNED
from norank.splits import HELDOUT, PAPER, Split
from norank.table_registry import run_tables

# the rules' outputs, with Snakemake wildcards; {file} is one of the run's files
PATTERNS = {
    "train": "results/train/{dataset}/{split}/{recipe}/seed{seed}/{file}",
    "loss": "results/losses/{dataset}/{split}/{loss}/seed{seed}/{file}",
    # eq. 13 with one choice of the official recipe (norank.bridge)
    "bridge": "results/bridge/{dataset}/{split}/{choice}/seed{seed}/{file}",
    # the official code, run unmodified (norank.official_code): in sample, as its examples train
    "official_code": "results/official_code/{dataset}/{split}/seed{seed}/{file}",
    # one baseline job per (dataset, protocol, seed, kind): a folder of every run it fits, each in
    # {split}/{method}/ (BaselineJob)
    "baselines": "results/baselines/{dataset}/{protocol}/seed{seed}/{kind}",
    # one evaluation job per (dataset, split, seed): the metric rows of every run of the group
    "metrics": "results/metrics/{dataset}/{split}/seed{seed}.csv",
    # the hyper-parameter search of one split's training part (norank.tune): best.json, trials.csv
    "tune": "results/tune/{dataset}/{split}/{file}",
}
STUDIES = ("losses", "unsupervised", "bridge")
# a study's config key
STUDY_KEYS = {"losses": "loss_comparison", "unsupervised": "unsupervised", "bridge": "bridge"}
REAL_SOURCES = ("olivetti", "lfw", "abide")  # the public datasets (the rest are synthetic or the user's)
SYNTHETIC_SOURCES = ("galaxy", "crystal")
BUILTIN_SOURCES = REAL_SOURCES + SYNTHETIC_SOURCES  # the paper's datasets; `tensor` is the user's
# the baseline families each baseline job fits: the rank-free projections, and the CP / Tucker
# rank grid (so a new rank refits the decompositions only)
BASELINE_KINDS = {"projections": EMBEDDINGS, "decompositions": DECOMPOSITIONS}


@dataclass(frozen=True)
class Run:
    dataset: str
    split: str
    method: Method
    seed: int


@dataclass(frozen=True)
class BaselineJob:
    """One baseline job: every baseline run of one kind (:data:`BASELINE_KINDS`) on one dataset and
    seed under one protocol (``paper``: split ``all``; ``heldout``: every fold)."""

    dataset: str
    protocol: str
    seed: int
    kind: str

    @classmethod
    def of(cls, run: Run) -> "BaselineJob":
        kind = next(k for k, families in BASELINE_KINDS.items() if run.method.family in families)
        return cls(run.dataset, protocol(run.split), run.seed, kind)

    @property
    def folder(self) -> str:
        return PATTERNS["baselines"].format(dataset=self.dataset, protocol=self.protocol, seed=self.seed,
                                            kind=self.kind)


def protocol(split: str) -> str:
    """The protocol a split belongs to: ``paper`` (in-sample, split ``all``) or ``heldout`` (a fold)."""
    return Split.parse(split).protocol


# the paper protocol trains as published: on every sample for the configured epochs, keeping the
# last epoch (no validation split, so no early stopping); the held-out protocol keeps both
PAPER_PROTOCOL_TRAINING = {"val_fraction": 0.0}


def training_options(options: dict, split: str) -> dict:
    """A run's training options under the protocol of its split (:data:`PAPER_PROTOCOL_TRAINING`
    under ``all``; ``options`` as configured on a fold)."""
    return {**options, **PAPER_PROTOCOL_TRAINING} if protocol(split) == PAPER else dict(options)


def splits(config: dict) -> list[str]:
    """Split names of the configured protocols: ``all`` (paper), then ``fold0``.. (held-out)."""
    ev = config["evaluation"]
    chosen = ([Split.all()] if PAPER in ev["protocols"] else []) + (
        [Split.fold(i) for i in range(ev["folds"])] if HELDOUT in ev["protocols"] else [])
    return [str(s) for s in chosen]


def split_seeds(config: dict, split: str) -> list[int]:
    """The model seeds of a split: ``evaluation.seeds`` under the paper protocol (split ``all``),
    ``evaluation.heldout_seeds`` on a fold (null: the same seeds)."""
    ev = config["evaluation"]
    if protocol(split) == HELDOUT and ev.get("heldout_seeds") is not None:
        return list(ev["heldout_seeds"])
    return list(ev["seeds"])


@dataclass(frozen=True)
class RankGrid:
    """The CP / Tucker ranks of a configuration, read from it once (:meth:`of`): ``in_sample``
    are fitted under split ``all`` (``baselines.ranks``), ``heldout`` on the folds
    (``baselines.heldout_ranks``, the paper's 5, 10, 20 by default; null: the same grid)."""

    in_sample: tuple[int, ...]
    heldout: tuple[int, ...]

    @classmethod
    def of(cls, config: dict) -> "RankGrid":
        b = config["baselines"]
        return cls(tuple(b["ranks"]), tuple(b.get("heldout_ranks") or b["ranks"]))

    def of_split(self, split: str) -> tuple[int, ...]:
        return self.in_sample if protocol(split) == PAPER else self.heldout

    @property
    def tables(self) -> tuple[int, ...]:
        """The ranks of Tables 2-4: the held-out grid (both protocols' rows exist for it)."""
        return self.heldout

    @property
    def figures(self) -> tuple[int, ...]:
        """The ranks of the embedding figures: the tables' ranks fitted under split ``all``, else
        the whole in-sample grid."""
        return tuple(r for r in self.tables if r in self.in_sample) or self.in_sample

    @property
    def highest(self) -> int:
        """The highest in-sample rank (Figure 6's reconstructions)."""
        return max(self.in_sample)


def baselines(config: dict, split: str) -> list[Method]:
    """The baselines of a split: CP / Tucker at the split's ranks (:class:`RankGrid`), t-SNE only under ``all``."""
    return baseline_methods(config["baselines"]["methods"], RankGrid.of(config).of_split(split), split)


def recipes(config: dict) -> list[Method]:
    """The metric-learning methods of the main grid, one per configured recipe (``recipes``), and
    eq. 13 tuned on inner splits when ``tune.enabled`` (norank.tune)."""
    tuned = [TUNED] if config.get("tune", {}).get("enabled") else []
    return [Method.metric_learning(r) for r in [*config["recipes"], *tuned]]


def tune_splits(config: dict) -> list[str]:
    """The splits a tune job runs on (one per dataset and split; the tuned recipe's runs of every
    seed of the split read its choice): every split of the main grid when ``tune.enabled``."""
    return splits(config) if config.get("tune", {}).get("enabled") else []


def official_code_datasets(config: dict) -> list[str]:
    """The datasets the official code runs on: those of a source it has an example for
    (norank.official_code.EXAMPLES: LFW, Olivetti), when ``official_code.run`` is on and the paper
    protocol runs (its examples train and embed every sample)."""
    oc = config.get("official_code", {})
    if not oc.get("run", False) or "paper" not in config["evaluation"]["protocols"]:
        return []
    return [d for d in sorted(config["datasets"]) if config["datasets"][d]["source"] in OFFICIAL_CODE_SOURCES]


def main_runs(config: dict) -> list[Run]:
    """Every run of the main grid: metric learning by each recipe and each baseline, per dataset,
    split and seed; and the official code's, in sample, on the datasets it has examples for."""
    grid = [Run(d, split, m, s)
            for d in sorted(config["datasets"])
            for split in splits(config)
            for m in [*recipes(config), *baselines(config, split)]
            for s in split_seeds(config, split)]
    all_ = str(Split.all())
    return grid + [Run(d, all_, Method(OFFICIAL_CODE), s)
                   for d in official_code_datasets(config) for s in split_seeds(config, all_)]


def metric_learning_run(dataset: str, split: str, seed: int, recipe: str = EQ13) -> Run:
    return Run(dataset, split, Method.metric_learning(recipe), seed)


def figure_methods(config: dict) -> list[Method]:
    """Rows of an embedding figure: the baselines with CP / Tucker at the middle of the figure ranks
    (:attr:`RankGrid.figures`: 10 of 5, 10, 20; the rank sensitivity figure covers the others),
    then metric learning by each recipe."""
    ranks = RankGrid.of(config).figures
    return [*baseline_methods(config["baselines"]["methods"], [ranks[len(ranks) // 2]], str(Split.all())),
            *recipes(config)]


def run_file(run: Run, file: str) -> str:
    """A file of a run's output folder (``embeddings.npz``, ``history.tsv``, ``summary.json``, ...)."""
    values = dict(dataset=run.dataset, split=run.split, seed=run.seed, file=file)
    if run.method.family == METRIC_LEARNING:
        return PATTERNS["train"].format(**values, recipe=run.method.recipe)
    if run.method.family == LOSS:
        return PATTERNS["loss"].format(**values, loss=run.method.loss)
    if run.method.family == BRIDGE:
        return PATTERNS["bridge"].format(**values, choice=run.method.choice)
    if run.method.family == OFFICIAL_CODE:
        return PATTERNS["official_code"].format(**values)
    return f"{BaselineJob.of(run).folder}/{run.split}/{run.method}/{file}"


def producer(run: Run) -> str:
    """What a rule that reads ``run`` names as its input: the run's embeddings for a trained
    encoder, the folder of its baseline job for a baseline (Snakemake tracks a folder output
    as a whole, not the files inside it)."""
    return BaselineJob.of(run).folder if run.method.is_baseline else embeddings(run)


def embeddings(run: Run) -> str:
    return run_file(run, "embeddings.npz")


def evaluation_files(run: Run) -> dict[str, str | None]:
    """What the evaluation reads of a run: its embeddings and, for a baseline, the summary with its
    reconstruction numbers (None for a trained encoder)."""
    return {"embeddings": embeddings(run), "summary": run_file(run, "summary.json") if run.method.is_baseline else None}


def metrics_file(run: Run) -> str:
    """The metric table of the evaluation group that holds ``run`` (:func:`evaluation_groups`)."""
    return PATTERNS["metrics"].format(dataset=run.dataset, split=run.split, seed=run.seed)


def evaluation_groups(config: dict) -> dict[tuple[str, str, int], list[Run]]:
    """Every run to evaluate (the main grid's and the studies', each once), grouped by
    (dataset, split, seed): one evaluation job per group, so interpreter start-up and imports
    are paid once for all of a group's embeddings (a new rank re-evaluates its group)."""
    groups: dict[tuple[str, str, int], list[Run]] = {}
    for run in main_runs(config) + [r for study in STUDIES for r in study_runs(config, study)]:
        members = groups.setdefault((run.dataset, run.split, run.seed), [])
        if run not in members:
            members.append(run)
    return groups


def baseline_jobs(config: dict) -> dict[BaselineJob, list[Run]]:
    """Every baseline run (the main grid's and the studies', each once), grouped into baseline jobs."""
    jobs: dict[BaselineJob, list[Run]] = {}
    for run in main_runs(config) + [r for study in STUDIES for r in study_runs(config, study)]:
        if run.method.is_baseline:
            members = jobs.setdefault(BaselineJob.of(run), [])
            if run not in members:
                members.append(run)
    return jobs


def select_datasets(config: dict) -> dict:
    """``config`` with only the datasets that ``builtin_datasets`` keeps (a new dict).

    ``builtin_datasets``: true keeps every configured dataset; false drops the built-in ones
    (sources :data:`BUILTIN_SOURCES`), leaving the user's own (``tensor``); a list keeps those
    built-in datasets by name. A dropped dataset leaves the studies' dataset lists too.
    """
    keep = config.get("builtin_datasets", True)
    datasets = config["datasets"]
    builtin = [d for d in datasets if datasets[d].get("source") in BUILTIN_SOURCES]
    if keep is True:
        return config
    if keep is False:
        keep = []
    unknown = [d for d in keep if d not in builtin]
    if unknown:
        raise NorankError(f"config key builtin_datasets: {unknown} are not configured built-in datasets "
                          f"({', '.join(sorted(builtin))}); list some of those, or true / false.")
    dropped = set(builtin) - set(keep)
    out = dict(config, datasets={d: v for d, v in datasets.items() if d not in dropped})
    if not out["datasets"]:
        raise NorankError("config key builtin_datasets: no dataset is left to run; add your own with "
                          "`dataset_sheet` (see README, 'Your own tensors') or keep built-in ones.")
    for key in STUDY_KEYS.values():
        names = config.get(key, {}).get("datasets")
        if names is not None:
            out[key] = dict(config[key], datasets=[d for d in names if d not in dropped])
    return out


def paper_tables(config: dict) -> dict[str, str]:
    """The tables of the run, stem -> caption: Tables 2-4 when a dataset of theirs runs, Table 5
    and 6 whenever any dataset does (the user's too), and ``table_user_datasets`` for the user's
    (:func:`norank.table_registry.run_tables`)."""
    return {spec.stem: spec.caption for spec in run_tables(spec["source"] for spec in config["datasets"].values())}


def compares_with_paper(config: dict) -> bool:
    """Whether the run has a paper dataset, so a comparison with the published cells."""
    return any(spec["source"] in BUILTIN_SOURCES for spec in config["datasets"].values())


def study_datasets(config: dict, study: str) -> list[str]:
    """A study's datasets: as listed, or by default the real ones (losses) / all (unsupervised)."""
    key = STUDY_KEYS[study]
    names = config[key]["datasets"]
    if names is None:
        real = [d for d in sorted(config["datasets"]) if config["datasets"][d]["source"] in REAL_SOURCES]
        return real if study == "losses" else sorted(config["datasets"])
    unknown = [d for d in names if d not in config["datasets"]]
    if unknown:
        raise NorankError(f"config key {key}.datasets: {unknown} are not configured datasets "
                          f"({', '.join(sorted(config['datasets']))}); remove them or add them under `datasets`.")
    return list(names)


def study_splits(config: dict, study: str) -> list[str]:
    """A study's held-out folds. Folds null: 0-2 when the held-out protocol runs, none when it
    is off; folds listed: those, whatever the protocols."""
    key = STUDY_KEYS[study]
    folds, ev = config[key]["folds"], config["evaluation"]
    if folds is None:
        folds = range(min(3, ev["folds"])) if HELDOUT in ev["protocols"] else []
    bad = [f for f in folds if f >= ev["folds"]]
    if bad:
        raise NorankError(f"config key {key}.folds: folds {bad} do not exist with evaluation.folds = {ev['folds']}; "
                          f"use indices 0..{ev['folds'] - 1}.")
    return [str(Split.fold(f)) for f in folds]


def study_methods(config: dict, study: str) -> list[Method]:
    """The loss comparison's ``loss-<loss>`` runs; PLM and the held-out baselines but t-SNE for the unsupervised mode."""
    if study == "losses":
        return [Method.trained_with(loss) for loss in config["loss_comparison"]["losses"]]
    return [Method.trained_with("plm"), *(m for m in baselines(config, str(Split.fold(0))) if not m.transductive)]


def study_runs(config: dict, study: str) -> list[Run]:
    """Every run a study's table reads (the bridge's: :func:`norank.bridge.runs`)."""
    if study == "bridge":
        from norank import bridge  # it reads this module (and the training options of norank.job_params)

        return bridge.runs(config)
    key = STUDY_KEYS[study]
    seeds = config[key]["seeds"]
    return [Run(d, split, m, s)
            for d in study_datasets(config, study)
            for m in study_methods(config, study)
            for split in study_splits(config, study)
            for s in seeds]


def canonical(obj):
    """``obj`` with every dict's keys sorted: params compare by value, so reordering keys in the
    config file must not look like a change (Snakemake compares params as written)."""
    if isinstance(obj, dict):
        return {k: canonical(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [canonical(v) for v in obj]
    return obj


# the per-dataset, per-curve and per-study outputs (the runs' are PATTERNS above)
DATA_PATTERNS = {"raw": "results/raw/{dataset}.npz", "data": "results/data/{dataset}.npz"}
EFFICIENCY_PATTERN = "results/efficiency/{dataset}/{method}/seed{seed}.csv"
STUDY_PATTERN = "results/studies/{study}/{file}"


def efficiency_files(config: dict) -> list[str]:
    """The learning curves of Table 6: one per dataset, method and seed."""
    return [EFFICIENCY_PATTERN.format(dataset=d, method=m, seed=s) for d in sorted(config["datasets"])
            for m in config["efficiency"]["methods"] for s in config["evaluation"]["seeds"]]


def job_outputs(config: dict) -> list[str]:
    """An output of every job with wildcards that the config asks for (each dataset's raw and
    prepared artifact, every run's embeddings or baseline folder, every evaluation group's metric
    table, every learning curve, each study's metric tables, each tune job's choice). The workflow finds the benchmark
    file of each job from its rule's own output pattern."""
    runs = main_runs(config) + [r for study in STUDIES for r in study_runs(config, study)]
    studies = [s for s in STUDIES if study_runs(config, s)]
    return list(dict.fromkeys([
        *(p.format(dataset=d) for d in sorted(config["datasets"]) for p in DATA_PATTERNS.values()),
        *(producer(r) for r in runs),
        *(metrics_file(r) for r in runs),
        *efficiency_files(config),
        *(STUDY_PATTERN.format(study=s, file=f) for s in studies for f in ("metrics.csv", "summary.csv")),
        *(PATTERNS["tune"].format(dataset=d, split=s, file="best.json")
          for d in sorted(config["datasets"]) for s in tune_splits(config)),
    ]))


def official_fidelity_files(config: dict) -> dict[str, dict[str, list[str]]]:
    """Per dataset the official code runs on, the files of the fidelity check
    (norank.fidelity): its runs' ``summary.json`` (``official``) and the histories of our official
    recipe on the same split and seeds (``ours``); empty unless both run."""
    if OFFICIAL[0] not in config["recipes"]:
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for r in main_runs(config):
        if r.method.family == OFFICIAL_CODE:
            ours = metric_learning_run(r.dataset, r.split, r.seed, OFFICIAL[0])
            files = out.setdefault(r.dataset, {"official": [], "ours": []})
            files["official"].append(run_file(r, "summary.json"))
            files["ours"].append(run_file(ours, "history.tsv"))
    return out


# --------------------------------------------------------------------------- evidence (norank.evidence)

EVIDENCE_PATTERN = "results/evidence/{dataset}/{check}.csv"
ARITHMETIC_FILE = "results/evidence/paper_arithmetic.csv"
PER_DATASET_CHECKS = ("baseline_inputs", "sample_counts")  # config evidence.<check>.<dataset>


def evidence_checks(config: dict) -> dict[str, dict]:
    """Every evidence file of the run -> what its job needs (``check``, ``dataset``, ``options``):
    the configured per-dataset checks of the datasets that run; the reconstruction bound and the
    embeddings' reconstruction of every paper dataset (a built-in source) under the paper protocol; the printed values' arithmetic where the run compares with
    the paper."""
    ev = config.get("evidence", {})
    out: dict[str, dict] = {}
    for check in PER_DATASET_CHECKS:
        for d, options in (ev.get(check) or {}).items():
            if d in config["datasets"]:
                out[EVIDENCE_PATTERN.format(dataset=d, check=check)] = dict(check=check, dataset=d, options=options)
    if PAPER in config["evaluation"]["protocols"]:
        for d in sorted(d for d, spec in config["datasets"].items() if spec["source"] in BUILTIN_SOURCES):
            for check in ("reconstruction_bound", "reconstruction"):
                out[EVIDENCE_PATTERN.format(dataset=d, check=check)] = dict(
                    check=check, dataset=d, options=ev.get("reconstruction", {}))
    if compares_with_paper(config):
        out[ARITHMETIC_FILE] = dict(check="paper_arithmetic", dataset=None, options={})
    return out


def reconstruction_runs(config: dict, dataset: str) -> list[Run]:
    """The in-sample runs of ``dataset`` whose embeddings the reconstruction check reconstructs
    from: every recipe's and the official code's, with the first seed."""
    seed = split_seeds(config, "all")[0]
    return [r for r in main_runs(config)
            if r.dataset == dataset and r.split == "all" and r.seed == seed and r.method.is_encoder]
