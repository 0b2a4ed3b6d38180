"""What each job of the workflow is told: the keyword arguments its rule passes as ``params``.

Pure functions of the validated config dict and a job's wildcard values (no Snakemake), so they
are unit-tested; ``workflow/rules/common.smk`` wraps each in an input function. A job's params are
exactly what its library call reads, so changing another option reruns nothing, and every dict is
:func:`canonical` so reordering keys in a config file is not a change.
"""

from __future__ import annotations

import posixpath

from norank import plan
from norank.baselines import method_options
from norank.config import config_schema
from norank.errors import NorankError
from norank.methods import METRIC_LEARNING, PCA_SVM, Method
from norank.plan import canonical
from norank.data.user import parse_shape
from norank.recipes import EQ13, OFFICIAL, official_encoder, recipe_options
from norank.splits import PAPER, Split
from norank.tune import parse_space

# the fetcher's keyword arguments per real source (norank.data.fetch)
FETCH_KEYS = {
    "lfw": ("min_faces_per_person", "resize"),
    "abide": ("pipeline", "band_pass_filtering", "global_signal_regression", "derivative", "quality_checked",
              "connectivity"),
}
SYNTHETIC_KEYS = ("preset", "n_samples", "size", "noise", "seed")
SYNTHETIC_DEFAULT_N = {"galaxy": 500, "crystal": 400}
TENSOR_KEYS = ("data", "labels", "shape", "x_key", "y_key")


def check_datasets(config: dict) -> None:
    """What the schema cannot say about a dataset entry."""
    for name, cfg in config["datasets"].items():
        if cfg["augment"]["copies"] and cfg["source"] != "abide":
            raise NorankError(
                f"config key datasets.{name}.augment.copies: offline augmentation makes noisy connectivity "
                "matrices (symmetric, unit diagonal) and applies only to source 'abide'; "
                f"set it to 0 for source {cfg['source']!r}.")


def fetch(config: dict, dataset: str) -> dict:
    """Keyword arguments of the real dataset's fetcher (norank.data.fetch)."""
    cfg = config["datasets"][dataset]
    return {k: cfg[k] for k in FETCH_KEYS.get(cfg["source"], ())}


def synthesize(config: dict, dataset: str) -> dict:
    """Keyword arguments of the synthetic generator (norank.data.synthetic)."""
    cfg = config["datasets"][dataset]
    kw = {k: cfg[k] for k in SYNTHETIC_KEYS if k in cfg}
    kw.setdefault("n_samples", SYNTHETIC_DEFAULT_N[cfg["source"]])
    return canonical(kw)


def prepare(config: dict, dataset: str) -> dict:
    """Keyword arguments of norank.data.preprocess.prepare_dataset."""
    cfg = config["datasets"][dataset]
    aug = cfg["augment"]
    return dict(normalize=cfg["normalize"], max_per_class=cfg["max_per_class"], seed=cfg["subsample_seed"],
                augment_copies=aug["copies"], augment_sigma=aug["sigma"], augment_clip=aug["clip"])


def tensor(config: dict, dataset: str) -> dict:
    """Keyword arguments of norank.data.user.load_user_tensor (a row of the dataset sheet)."""
    cfg = config["datasets"][dataset]
    return {k: cfg[k] for k in TENSOR_KEYS if k in cfg}


def tensor_files(config: dict, dataset: str) -> list[str]:
    """The user's files of a `tensor` dataset (inputs, so editing them reruns the dataset)."""
    cfg = config["datasets"][dataset]
    return [cfg["data"]] + ([cfg["labels"]] if cfg.get("labels") else [])


def train(config: dict, dataset: str, split: str | None = None, recipe: str | None = None) -> dict:
    """Training options of a dataset: the top-level `train` block, then the dataset's own overrides
    (recipe eq13; with a ``recipe``, that recipe's, norank.recipes); for a run of a split, those of
    its protocol (norank.plan.training_options: under split `all` every sample trains, no early
    stopping)."""
    ds = config["datasets"][dataset]
    options = {**config.get("train", {}), **ds.get("train", {})}
    if recipe is not None:
        official = {**config["official_recipe"], **ds.get("official_recipe", {})}
        options = recipe_options(recipe, options, official)
        if recipe in OFFICIAL and ds.get("shape"):  # a user's dataset: its sample shape is declared
            options = official_encoder(options, parse_shape(ds["shape"]))
    if split is not None:
        options = plan.training_options(options, split)
    return canonical(options)


def split(config: dict, split: str) -> dict:
    """What a split depends on (keyword arguments of norank.splits.split_indices): nothing for `all`
    (so changing the folds reruns no split-`all` job), the fold count and the split seed for a fold."""
    if Split.parse(split).protocol == PAPER:
        return dict(split=split)
    ev = config["evaluation"]
    return dict(split=split, n_folds=ev["folds"], split_seed=ev["split_seed"])


def tune(config: dict, dataset: str, split: str) -> dict:
    """Keyword arguments of norank.tune.tune_options for one dataset and split (besides the data):
    the split's eq. 13 options the trials start from, and the search settings."""
    t = config["tune"]
    return canonical(dict(options=train(config, dataset, split, EQ13), space=t["space"], trials=t["trials"],
                          minutes=t["minutes"], inner_fraction=t["inner_fraction"], objective=t["objective"],
                          seed=t["seed"]))


def check_tune(config: dict) -> None:
    """The search space is checked when the workflow is parsed, against the schema's training
    options, when tuning is on."""
    if config["tune"]["enabled"]:
        parse_space(config["tune"]["space"], config_schema()["$defs"]["train"])


def study_train(config: dict, dataset: str, split: str, loss: str) -> dict:
    """A study run's training options: the dataset's, the study's overrides, then the loss."""
    plm = loss == "plm"
    study = config["unsupervised"] if plm else config["loss_comparison"]
    options = study["plm"] if plm else study["loss_options"].get(loss, {})
    return canonical({
        **train(config, dataset, split),
        **study["train"],
        "loss": loss,
        "loss_options": options,
        "diagnostics": not plm,  # VARIANCE needs labels: logged for the supervised losses only
    })


def efficiency(config: dict, dataset: str, method: str) -> dict:
    """Keyword arguments of norank.efficiency.run_efficiency that ``method`` reads."""
    eff = config["efficiency"]
    kw = dict(test_fraction=eff["test_fraction"], split_seed=config["evaluation"]["split_seed"])
    family = Method.parse(method).family
    if family == METRIC_LEARNING:
        kw["knn_k"] = eff["knn_k"]
        kw["train_options"] = {**train(config, dataset), **eff["train"]}
    elif family == PCA_SVM:
        kw["pca_components"] = eff["pca_components"]
    else:
        t = dict(eff["transformer"])
        if t.get("tokens", "auto") == "auto":
            t["tokens"] = "rows" if config["datasets"][dataset]["source"] == "abide" else "patch"
        kw["transformer"] = t
    return canonical(kw)


def baseline_runs(config: dict, runs: list[plan.Run]) -> list[dict]:
    """The runs of one baseline job, each with what it reads (norank.baselines.fit_baseline_job)."""
    return [dict(split=r.split, split_params=split(config, r.split), method=str(r.method),
                 options=canonical(method_options(r.method, config["baselines"])),
                 folder=posixpath.dirname(plan.embeddings(r)))
            for r in runs]


def evaluation_runs(runs: list[plan.Run]) -> list[dict]:
    """The runs of an evaluation job: the method and the files of each (norank.evaluate.evaluate_group)."""
    return [dict(method=str(r.method), **plan.evaluation_files(r)) for r in runs]


def run_keys(runs: list[plan.Run]) -> list[list]:
    """(dataset, split, method, seed) of runs (a changed run list reruns the collection)."""
    return [[r.dataset, r.split, str(r.method), r.seed] for r in runs]


def run_description(config: dict) -> str:
    """One sentence on what the run covers, for the report's summary: the fold count only where
    the held-out protocol runs, and the seeds of the held-out folds where they differ."""
    ev, datasets = config["evaluation"], sorted(config["datasets"])
    shown = {"paper": "paper (in sample)", "heldout": f"heldout ({ev['folds']} folds, each held out once)"}
    seeds = ", ".join(map(str, ev["seeds"]))
    if "heldout" in ev["protocols"]:
        heldout_seeds = plan.split_seeds(config, str(Split.fold(0)))
        if heldout_seeds != ev["seeds"]:
            seeds += f" (the held-out folds train with seed {', '.join(map(str, heldout_seeds))} only)"
    tune = config.get("tune", {})
    tuned = (f", tuned (eq. 13 with options chosen on an inner split of each training part, {tune['trials']} "
             "trials per split)") if tune.get("enabled") else ""
    return (f"{len(datasets)} dataset(s): {', '.join(datasets)}. Protocols: "
            f"{', '.join(shown[p] for p in ev['protocols'])}; seeds: {seeds}; metric-learning recipes: "
            f"{', '.join(config['recipes'])}{tuned}.")
