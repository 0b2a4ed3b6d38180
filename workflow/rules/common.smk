# Glue between the validated config and the rules: the library decides (norank.plan: the runs and
# their files; norank.job_params: what each job is told; norank.figure_plan: the figures), and the
# input functions here only ask it.
from pathlib import Path

from snakemake.exceptions import WorkflowError

from norank import bridge, figure_plan, job_params, plan
from norank.errors import NorankError
from norank.methods import CLASSIFIERS, METRIC_LEARNING
from norank.recipes import OFFICIAL_CODE_SOURCES, RECIPES, TUNED
from norank.sources import code_fingerprint
from norank.table_registry import STUDY_TABLE_STEMS, TABLES

DATASETS = sorted(config["datasets"])
SOURCES = {d: config["datasets"][d]["source"] for d in DATASETS}
EVAL = config["evaluation"]
COMPUTE = config["compute"]
try:
    job_params.check_datasets(config)
    job_params.check_tune(config)
    MAIN_RUNS = plan.main_runs(config)
    STUDY_RUNS = {study: plan.study_runs(config, study) for study in plan.STUDIES}
    EVALUATION_GROUPS = plan.evaluation_groups(config)
    BASELINE_JOBS = plan.baseline_jobs(config)
    FIGURES = figure_plan.figures(config)
    JOB_OUTPUTS = plan.job_outputs(config)
except NorankError as e:
    raise WorkflowError(str(e)) from None
TRAINED_RUNS = [r for r in MAIN_RUNS if r.method.is_trained]  # the `train` jobs
# (dataset, split) of every tune job (tune.enabled)
TUNE_SPLITS = [(d, s) for d in DATASETS for s in plan.tune_splits(config)]
STUDIES = [s for s in plan.STUDIES if STUDY_RUNS[s]]  # an emptied study has no table
FIGURE_RULES = [fig.name for fig in FIGURES]  # figures.smk: one rule per figure
STUDY_TABLE_RULES = [STUDY_TABLE_STEMS[s] for s in STUDIES]  # studies.smk
# stem -> caption of the tables whose datasets run
PAPER_TABLES = plan.paper_tables(config)
PAPER_COMPARISON = plan.compares_with_paper(config)
OFFICIAL_DATASETS = plan.official_code_datasets(config)  # where the official code runs
FIDELITY = plan.official_fidelity_files(
    config
)  # dataset -> the official code's and our recipe's files


wildcard_constraints:
    seed=r"\d+",
    split=r"all|fold\d+",
    protocol=r"paper|heldout",
    kind="|".join(plan.BASELINE_KINDS),
    recipe="|".join(RECIPES),
    loss=r"[a-z][a-z0-9_]*",
    study="|".join(plan.STUDIES),
    choice="|".join(bridge.CHOICES),
    method="|".join((METRIC_LEARNING, *CLASSIFIERS)),  # Table 6's learning curves


def datasets_of(*sources):
    """A regex matching exactly the datasets of these sources (never matching when there are none)."""
    return "|".join(d for d in DATASETS if SOURCES[d] in sources) or "(?!x)x"


def library_code(script):
    """Fingerprint of the norank library code a rule script runs (norank.sources). It is a
    parameter of every script rule. Snakemake tracks the script itself; this makes a library
    change rerun the jobs that run the changed code, and only those."""
    return code_fingerprint(Path(workflow.basedir) / "workflow" / "scripts" / script)


def ask(question, *keys):
    """An input function: ``question(config, *wildcard values)`` of the library, by wildcard name."""
    return lambda w: question(config, *(w[k] for k in keys))


def _baseline_job(w):
    job = plan.BaselineJob(w.dataset, w.protocol, int(w.seed), w.kind)
    if job not in BASELINE_JOBS:
        raise WorkflowError(
            f"no configured baseline run is in {job.folder}: ask for a dataset, protocol, seed and "
            f"kind ({', '.join(plan.BASELINE_KINDS)}) of the config, or add them to it."
        )
    return BASELINE_JOBS[job]


def _evaluation_group(w):
    try:
        return EVALUATION_GROUPS[w.dataset, w.split, int(w.seed)]
    except KeyError:
        raise WorkflowError(
            f"no configured run evaluates {w.dataset} / {w.split} / seed {w.seed}: "
            "ask for a dataset, split and seed of the config, or add them to it."
        )


def baseline_runs(w):
    """The runs of one baseline job, each with what it reads (norank.baselines.fit_baseline_job)."""
    return job_params.baseline_runs(config, _baseline_job(w))


def evaluation_runs(w):
    """The runs of an evaluation job: the method and the files of each (norank.plan)."""
    return job_params.evaluation_runs(_evaluation_group(w))


def evaluation_inputs(w):
    """What the evaluation job reads of its runs: trained embeddings, baseline job folders."""
    return list(dict.fromkeys(plan.producer(r) for r in _evaluation_group(w)))


def metric_files(runs):
    """The metric tables (one per evaluation group) that hold these runs."""
    return list(dict.fromkeys(plan.metrics_file(r) for r in runs))


def tables(fmt=None):
    """The files of every table the run writes (only its ``fmt`` pages if given), in the report's
    order: Table 1, the paper's tables, the comparison, the studies' (norank.table_registry).
    """
    stems = ["table1_datasets", *PAPER_TABLES]
    stems += ["paper_comparison"] * PAPER_COMPARISON + ["official_fidelity"] * bool(
        FIDELITY
    )
    stems += STUDY_TABLE_RULES + ["table_tuning"] * bool(TUNE_SPLITS)
    return [
        f"results/tables/{s}.{f}"
        for s in stems
        for f in TABLES[s].formats
        if fmt in (None, f)
    ]


def figure_files():
    return [f for fig in FIGURES for f in (fig.png, fig.pdf)]


def targets():
    """What a complete run makes (rule all)."""
    return [
        *expand(plan.DATA_PATTERNS["data"], dataset=DATASETS),
        *tables(),
        *(plan.embeddings(r) for r in TRAINED_RUNS),
        *(job.folder for job in BASELINE_JOBS),
        "results/metrics/summary.csv",
        *(plan.STUDY_PATTERN.format(study=s, file="summary.csv") for s in STUDIES),
        "results/efficiency/efficiency.csv",
        *figure_files(),
        *EVIDENCE,
        "results/provenance.md",
    ]


def report_links():
    """Name -> file of every table (HTML) and figure (PNG) of the run, for results/summary.md."""
    links = {TABLES[Path(f).stem].label: f for f in tables("html")}
    return links | {fig.link_name: fig.png for fig in FIGURES if fig.link_name}


def table_outputs(stem):
    """A table's files (norank.table_registry); the HTML page is its one entry in the report,
    under Tables and its spec's subcategory."""
    in_report = report  # a line may not start with `report` outside a rule (the parser reads a directive)
    page = lambda fmt: in_report(
        f"results/tables/{stem}.{fmt}",
        caption=f"../report/tables/{stem}.rst",
        category="Tables",
        subcategory=TABLES[stem].subcategory,
        labels={"table": TABLES[stem].label},
    )
    return [
        page(f) if f == "html" else f"results/tables/{stem}.{f}"
        for f in TABLES[stem].formats
    ]


def benchmark_files():
    """Benchmark files of the run's jobs, per rule (for the provenance record), from the rules'
    own `benchmark:` directives: a rule without wildcards has one job (such a rule is defined only
    when the config plans its output); a rule with wildcards one
    per file it makes of the plan's (norank.plan.job_outputs) and of the targets. Figure rules
    count as one, `figures`, and the study tables as one, `study_tables`. Call it once every rule
    is defined."""
    out = {}
    wanted = [*JOB_OUTPUTS, *targets()]
    for r in workflow.rules:
        if not r.benchmark:
            continue
        if r.wildcard_names:
            made = [f for f in wanted if r.is_producer(f)]
            files = [str(r.expand_benchmark(r.get_wildcards(f))) for f in made]
        else:  # defined only where planned (official.smk, evidence.smk, bridge.smk)
            files = [str(r.benchmark)]
        family = "figures" if r.name in FIGURE_RULES else r.name
        family = "study_tables" if r.name in STUDY_TABLE_RULES else family
        out.setdefault(family, []).extend(dict.fromkeys(files))
    return out


EVIDENCE = plan.evidence_checks(
    config
)  # file -> check, dataset, options (evidence.smk)


def baseline_options():
    """The baselines' fitting options an evidence check uses: not the rank grid or the method
    list (its methods name their ranks), so a new rank reruns no evidence job."""
    skip = ("ranks", "heldout_ranks", "methods")
    return plan.canonical(
        {k: v for k, v in config["baselines"].items() if k not in skip}
    )


def evidence_file(wildcards, check):
    return plan.EVIDENCE_PATTERN.format(dataset=wildcards.dataset, check=check)


def evidence_options(check):
    """An input function: the options of one dataset's evidence check (config key evidence.<check>)."""
    return lambda w: plan.canonical(EVIDENCE[evidence_file(w, check)]["options"])


def evidence_datasets(check):
    """A regex of the datasets a per-dataset evidence check runs on."""
    names = [e["dataset"] for e in EVIDENCE.values() if e["check"] == check]
    return "|".join(names) or "(?!x)x"


def cited_evidence():
    """The files of this run a deviation note may cite (config/deviation_notes.csv)."""
    if not PAPER_COMPARISON:
        return []
    fidelity = ["results/tables/official_fidelity.csv"] if FIDELITY else []
    bridged = ["results/tables/table_bridge.csv"] if "bridge" in STUDIES else []
    return ["results/metrics/summary.csv", *EVIDENCE, *fidelity, *bridged]


def tuned_choice(w):
    """The tune job's choice a training of recipe tuned reads (nothing for the other recipes)."""
    if w.get("recipe") != TUNED:
        return []
    return plan.PATTERNS["tune"].format(
        dataset=w.dataset, split=w.split, file="best.json"
    )
