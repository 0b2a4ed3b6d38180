# Helpers that turn the (validated) config into names, file lists and parameters.
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

from norank import plan
from norank.baselines import method_options
from norank.methods import Method
from norank.errors import NorankError
from norank.recipes import RECIPES, recipe_options
from norank.sources import code_fingerprint

REAL_SOURCES = plan.REAL_SOURCES
SYNTHETIC_SOURCES = plan.SYNTHETIC_SOURCES
SYNTHETIC_DEFAULT_N = {"galaxy": 500, "crystal": 400}
TABLE_FORMATS = plan.TABLE_FORMATS

DATASETS = sorted(config["datasets"])
REAL_DATASETS = [d for d in DATASETS if config["datasets"][d]["source"] in REAL_SOURCES]
SYNTHETIC_DATASETS = [
    d for d in DATASETS if config["datasets"][d]["source"] in SYNTHETIC_SOURCES
]
TENSOR_DATASETS = [d for d in DATASETS if config["datasets"][d]["source"] == "tensor"]

LFW_KEYS = ("min_faces_per_person", "resize")
ABIDE_KEYS = (
    "pipeline",
    "band_pass_filtering",
    "global_signal_regression",
    "derivative",
    "quality_checked",
    "connectivity",
)
SYNTHETIC_KEYS = ("preset", "n_samples", "size", "noise", "seed")


def library_code(script):
    """Fingerprint of the norank library code a rule script runs (norank.sources). It is a
    parameter of every script rule. Snakemake tracks the script itself; this makes a library
    change rerun the jobs that run the changed code, and only those."""
    return code_fingerprint(Path(workflow.basedir) / "workflow" / "scripts" / script)


def _names_regex(names):
    # a regex matching exactly these dataset names (never-matching when empty)
    return "|".join(names) if names else "(?!x)x"


def dataset_cfg(name):
    return config["datasets"][name]


def fetch_params(wildcards):
    """Keyword arguments of the real dataset's fetcher (norank.data.fetch)."""
    cfg = dataset_cfg(wildcards.dataset)
    keys = {"lfw": LFW_KEYS, "abide": ABIDE_KEYS}.get(cfg["source"], ())
    return {k: cfg[k] for k in keys}


def synthetic_params(wildcards):
    """Keyword arguments of the synthetic generator (norank.data.synthetic)."""
    cfg = dataset_cfg(wildcards.dataset)
    kw = {k: cfg[k] for k in SYNTHETIC_KEYS if k in cfg}
    kw.setdefault("n_samples", SYNTHETIC_DEFAULT_N[cfg["source"]])
    return canonical(kw)


def prepare_params(wildcards):
    """Keyword arguments of norank.data.preprocess.prepare_dataset."""
    cfg = dataset_cfg(wildcards.dataset)
    aug = cfg["augment"]
    return dict(
        normalize=cfg["normalize"],
        max_per_class=cfg["max_per_class"],
        seed=cfg["subsample_seed"],
        augment_copies=aug["copies"],
        augment_sigma=aug["sigma"],
        augment_clip=aug["clip"],
    )


for _name in DATASETS:
    _cfg = dataset_cfg(_name)
    if _cfg["augment"]["copies"] and _cfg["source"] != "abide":
        raise WorkflowError(
            f"config key datasets.{_name}.augment.copies: offline augmentation makes noisy "
            "connectivity matrices (symmetric, unit diagonal) and applies only to source 'abide'; "
            f"set it to 0 for source {_cfg['source']!r}."
        )


EVAL = config["evaluation"]
COMPUTE = config["compute"]


def protocol_splits():
    """Split names of the configured protocols (norank.plan.splits)."""
    return plan.splits(config)


def canonical(obj):
    """``obj`` with every dict's keys sorted: params compare by value, so reordering keys in
    the config file must not look like a change (Snakemake compares params as written).
    """
    if isinstance(obj, dict):
        return {k: canonical(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [canonical(v) for v in obj]
    return obj


def train_options(wildcards):
    """Training options of a dataset: the top-level `train` block, then the dataset's own
    overrides (recipe eq13; a job with a `recipe` wildcard gets that recipe's, norank.recipes);
    for a run of a split, those of its protocol (norank.plan.training_options: under split
    `all` every sample trains, no early stopping)."""
    ds = dataset_cfg(wildcards.dataset)
    options = {**config.get("train", {}), **ds.get("train", {})}
    if "recipe" in wildcards.keys():
        official = {**config["official_recipe"], **ds.get("official_recipe", {})}
        options = recipe_options(wildcards.recipe, options, official)
    if "split" in wildcards.keys():
        options = plan.training_options(options, wildcards.split)
    return canonical(options)


def split_settings(split):
    """What a split depends on (keyword arguments of norank.splits.split_indices): nothing for
    `all` (so changing the folds reruns no split-`all` job), the fold count and the split seed
    for a fold."""
    if split == "all":
        return dict(split="all")
    return dict(split=split, n_folds=EVAL["folds"], split_seed=EVAL["split_seed"])


def split_params(wildcards):
    return split_settings(wildcards.split)


def train_targets(kind="embeddings.npz"):
    """A file of every metric-learning run of the main grid."""
    return [plan.run_file(r, kind) for r in TRAINED_RUNS]


BASELINES = config["baselines"]


MAIN_RUNS = plan.main_runs(config)
TRAINED_RUNS = [r for r in MAIN_RUNS if r.method.is_trained]  # the `train` jobs


def baseline_targets():
    """The output folders of the baseline jobs (norank.plan.baseline_jobs)."""
    return [job.folder for job in BASELINE_JOBS]


def baseline_runs(wildcards):
    """The runs of one baseline job, each with what it reads (norank.baselines.fit_baseline_job)."""
    job = plan.BaselineJob(
        wildcards.dataset, wildcards.protocol, int(wildcards.seed), wildcards.kind
    )
    if job not in BASELINE_JOBS:
        raise WorkflowError(
            f"no configured baseline run is in {job.folder}: ask for a dataset, protocol, seed and "
            f"kind ({', '.join(plan.BASELINE_KINDS)}) of the config, or add them to it."
        )
    return [
        dict(
            split=r.split,
            split_params=split_settings(r.split),
            method=str(r.method),
            options=canonical(method_options(str(r.method), BASELINES)),
            folder=str(Path(plan.embeddings(r)).parent),
        )
        for r in BASELINE_JOBS[job]
    ]


METRICS = config["metrics"]


def metric_targets():
    """The metric tables (one per evaluation group) that hold the main grid's runs."""
    return list(dict.fromkeys(plan.metrics_file(r) for r in MAIN_RUNS))


def run_keys(runs):
    """(dataset, split, method, seed) of runs, as params (a changed run list reruns the collection)."""
    return [[r.dataset, r.split, str(r.method), r.seed] for r in runs]


def _evaluation_group(wildcards):
    try:
        return EVALUATION_GROUPS[
            wildcards.dataset, wildcards.split, int(wildcards.seed)
        ]
    except KeyError:
        raise WorkflowError(
            f"no configured run evaluates {wildcards.dataset} / {wildcards.split} / seed {wildcards.seed}: "
            "ask for a dataset, split and seed of the config, or add them to it."
        )


def evaluation_runs(wildcards):
    """The runs of an evaluation job: the method and the files of each (norank.plan)."""
    return [
        dict(method=str(r.method), **plan.evaluation_files(r))
        for r in _evaluation_group(wildcards)
    ]


def evaluation_inputs(wildcards):
    """What the evaluation job reads of its runs: trained embeddings, baseline job folders."""
    return list(dict.fromkeys(plan.producer(r) for r in _evaluation_group(wildcards)))


EFFICIENCY = config["efficiency"]


def efficiency_targets():
    return expand(
        "results/efficiency/{dataset}/{method}/seed{seed}.csv",
        dataset=DATASETS,
        method=EFFICIENCY["methods"],
        seed=EVAL["seeds"],
    )


def efficiency_params(wildcards):
    """Keyword arguments of norank.efficiency.run_efficiency that this method reads."""
    kw = dict(test_fraction=EFFICIENCY["test_fraction"], split_seed=EVAL["split_seed"])
    if wildcards.method == "metric_learning":
        kw["knn_k"] = EFFICIENCY["knn_k"]
        kw["train_options"] = {**train_options(wildcards), **EFFICIENCY["train"]}
    elif wildcards.method == "pca_svm":
        kw["pca_components"] = EFFICIENCY["pca_components"]
    else:
        t = dict(EFFICIENCY["transformer"])
        if t.get("tokens", "auto") == "auto":
            t["tokens"] = (
                "rows"
                if dataset_cfg(wildcards.dataset)["source"] == "abide"
                else "patch"
            )
        kw["transformer"] = t
    return canonical(kw)


# the report's name of each table (its entry's label)
TABLE_NAMES = {
    "table1_datasets": "Table 1. Dataset properties",
    **{stem: caption for stem, (_, caption) in plan.TABLE_CAPTIONS.items()},
    "table_user_datasets": "Your datasets (dataset sheet)",
    "paper_comparison": "Paper vs ours: every published cell, verdict and largest deviations",
    "table_losses": "Loss comparison (held out)",
    "table_unsupervised": "Unsupervised mode (held out)",
}


HELDOUT_SEEDS = plan.split_seeds(config, "fold0")
RUN_DESCRIPTION = (
    f"{len(DATASETS)} dataset(s): {', '.join(DATASETS)}. Protocols: {', '.join(EVAL['protocols'])}"
    f" ({EVAL['folds']} folds held out); seeds: {', '.join(map(str, EVAL['seeds']))}"
    + (
        f" (held-out folds: {', '.join(map(str, HELDOUT_SEEDS))})"
        if HELDOUT_SEEDS != EVAL["seeds"]
        else ""
    )
    + "; metric-learning"
    f" recipes: {', '.join(config['recipes'])}."
)


def report_links():
    """Name -> file of every table (HTML) and figure (PNG) of the run, for results/summary.md.
    Call it once the DAG is built (the figure rules are defined then)."""
    tables = [
        *rules.table_datasets.output,
        *rules.paper_tables.output,
        *study_targets(),
    ]
    links = {
        TABLE_NAMES[Path(f).stem]: str(f) for f in tables if str(f).endswith(".html")
    }
    for f in figure_targets():
        if f.endswith(".png"):
            stem = Path(f).stem
            name = (
                FIGURE_NAMES.get(stem)
                or f"Embeddings of {stem.removeprefix('fig_embeddings_')}"
            )
            links[name] = f
    return links


def table_outputs(stem, formats=TABLE_FORMATS, category="Tables"):
    """A table's files; the HTML page is its one entry in the report (the others are files)."""
    in_report = report  # a line may not start with `report` outside a rule (the parser reads a directive)
    return [
        (
            in_report(
                f"results/tables/{stem}.{fmt}",
                caption=f"../report/tables/{stem}.rst",
                category=category,
                labels={"table": TABLE_NAMES[stem]},
            )
            if fmt == "html"
            else f"results/tables/{stem}.{fmt}"
        )
        for fmt in formats
    ]


# stem -> caption, the tables whose datasets run
PAPER_TABLES = plan.paper_tables(config)
PAPER_COMPARISON = plan.compares_with_paper(config)


def benchmark_files():
    """Benchmark files of the configured jobs, per rule (for the provenance record). Each path
    comes from the rule's own `benchmark:` directive; only the jobs' wildcard values are listed
    here. The figure rules are one group, `figures`, and the two study tables one,
    `study_tables`. Call it once the DAG is built (all rules are defined then)."""

    def jobs(rule, **values):
        # one file per combination of the wildcard values
        return expand(getattr(rules, rule).benchmark, **values)

    def each(rule, rows):
        # one file per row, a dict of one job's wildcard values
        return [f for row in rows for f in jobs(rule, **row)]

    def making(rule, targets):
        # the jobs making these output files, parsed with the rule's own output pattern
        values = glob_wildcards(getattr(rules, rule).output[0], files=targets)
        return expand(getattr(rules, rule).benchmark, zip, **values._asdict())

    seeds = EVAL["seeds"]  # Table 6 learning curves: one per seed
    studies = [s for s in STUDIES if study_runs(s)]
    metrics = metric_targets() + [f for s in STUDIES for f in study_metric_targets(s)]
    baseline_jobs = [
        dict(dataset=j.dataset, protocol=j.protocol, seed=j.seed, kind=j.kind)
        for j in BASELINE_JOBS
    ]
    train_jobs = [
        dict(dataset=r.dataset, split=r.split, recipe=r.method.recipe, seed=r.seed)
        for r in TRAINED_RUNS
    ]
    loss_jobs = [
        dict(dataset=r.dataset, split=r.split, loss=r.method.loss, seed=r.seed)
        for study in STUDIES
        for r in STUDY_RUNS[study]
        if r.method.is_trained
    ]
    return {
        "download": jobs("download", dataset=REAL_DATASETS),
        "synthesize": jobs("synthesize", dataset=SYNTHETIC_DATASETS),
        "import_tensor": jobs("import_tensor", dataset=TENSOR_DATASETS),
        "prepare": jobs("prepare", dataset=DATASETS),
        "train": each("train", train_jobs),
        "baseline": each("baseline", baseline_jobs),
        "train_loss": each("train_loss", loss_jobs),
        "efficiency": jobs(
            "efficiency",
            dataset=DATASETS,
            method=EFFICIENCY["methods"],
            seed=seeds,
        ),
        "evaluate": making("evaluate", list(dict.fromkeys(metrics))),  # one per group
        "collect_metrics": jobs("collect_metrics"),
        "summarize_metrics": jobs("summarize_metrics"),
        "collect_efficiency": jobs("collect_efficiency"),
        "collect_study_metrics": jobs("collect_study_metrics", study=studies),
        "summarize_study_metrics": jobs("summarize_study_metrics", study=studies),
        "table_datasets": jobs("table_datasets"),
        "paper_tables": jobs("paper_tables"),
        "report_summary": jobs("report_summary"),
        "study_tables": [f for s in studies for f in jobs(f"table_{s}")],
        "figures": [f for fig in FIGURES for f in jobs(fig)]
        + jobs("fig_embeddings", dataset=EMBEDDING_FIGURES)
        + (
            jobs("fig_loss_diagnostics", dataset=LOSS_DATASETS)
            if "losses" in studies
            else []
        ),
    }


def tensor_inputs(wildcards):
    """The user's files of a `tensor` dataset (inputs, so editing them reruns the dataset)."""
    cfg = dataset_cfg(wildcards.dataset)
    return [cfg["data"]] + ([cfg["labels"]] if cfg.get("labels") else [])


def tensor_params(wildcards):
    cfg = dataset_cfg(wildcards.dataset)
    return {
        k: cfg[k] for k in ("data", "labels", "shape", "x_key", "y_key") if k in cfg
    }


# ---- the two studies beyond the paper (workflow/rules/studies.smk), on held-out folds
LOSSES = config["loss_comparison"]
UNSUPERVISED = config["unsupervised"]
STUDIES = plan.STUDIES
try:
    STUDY_RUNS = {study: plan.study_runs(config, study) for study in STUDIES}
    EVALUATION_GROUPS = plan.evaluation_groups(config)
    BASELINE_JOBS = plan.baseline_jobs(config)
    LOSS_DATASETS = plan.study_datasets(config, "losses")
    UNSUPERVISED_DATASETS = plan.study_datasets(config, "unsupervised")
except NorankError as e:
    raise WorkflowError(str(e))
UNSUPERVISED_METHODS = [str(m) for m in plan.study_methods(config, "unsupervised")]


def study_train_options(wildcards):
    """A study run's training options: the dataset's, the study's overrides, then the loss."""
    plm = wildcards.loss == "plm"
    study = UNSUPERVISED if plm else LOSSES
    options = (
        UNSUPERVISED["plm"] if plm else LOSSES["loss_options"].get(wildcards.loss, {})
    )
    return canonical(
        {
            **train_options(wildcards),
            **study["train"],
            "loss": wildcards.loss,
            "loss_options": options,
            "diagnostics": not plm,  # VARIANCE needs labels: logged for the supervised losses only
        }
    )


def study_runs(study):
    """Every run a study's table reads (norank.plan.study_runs)."""
    return STUDY_RUNS[study]


def study_metric_targets(study):
    return list(dict.fromkeys(plan.metrics_file(r) for r in STUDY_RUNS[study]))


def study_metric_files(wildcards):
    return study_metric_targets(wildcards.study)


def loss_histories(dataset):
    """History files of one dataset's loss-comparison runs, per loss (for the diagnostics figure)."""
    return {
        loss: [
            plan.run_file(r, "history.tsv")
            for r in STUDY_RUNS["losses"]
            if r.dataset == dataset and r.method.loss == loss
        ]
        for loss in LOSSES["losses"]
    }


def study_targets():
    """Tables and figures of the studies that have runs (an emptied study is left out)."""
    out = [
        f"results/tables/table_{study}.{fmt}"
        for study in STUDIES
        if study_runs(study)
        for fmt in TABLE_FORMATS
    ]
    out += [
        f"results/figures/fig_loss_diagnostics_{d}.{ext}"
        for d in LOSS_DATASETS
        for ext in ("png", "pdf")
        if study_runs("losses")
    ]
    return out


STUDY_TABLES = {
    "table_losses": "Loss comparison (held-out folds): retrieval and clustering per loss",
    "table_unsupervised": "Unsupervised PLM metric learning vs PCA, UMAP, CP and Tucker (held-out folds)",
}


# ---- embedding figures (workflow/rules/figures.smk defines the figure runs these read)
def figure_seed(split):
    """The model seed of a figure's runs on ``split``: the split's first (folds may have their own)."""
    return plan.split_seeds(config, split)[0]


def embedding_heldout(d, m):
    """The fold-0 embeddings file of (dataset, method); None without one (see heldout_absence)."""
    if HELDOUT_FIGURES and (d, m) in HELDOUT_RUNS:
        return plan.embeddings(HELDOUT_RUNS[d, m])
    return None


def heldout_absence(d, m):
    """Why (dataset, method) has no held-out panel, written in the figure's empty slot; None if it
    has one, or if the run has no held-out protocol (the figure then has no held-out column).
    """
    if not HELDOUT_FIGURES or (d, m) in HELDOUT_RUNS:
        return None
    if Method.parse(m).transductive:
        return "no held-out run: t-SNE has no out-of-sample transform"
    return "no held-out run"


def embedding_figure_inputs(wildcards):
    d = wildcards.dataset
    runs = [FIGURE_RUNS[d, m] for m in FIGURE_METHODS]
    runs += [HELDOUT_RUNS[d, m] for m in FIGURE_METHODS if (d, m) in HELDOUT_RUNS]
    return list(dict.fromkeys(plan.producer(r) for r in runs))
