# Helpers that turn the (validated) config into names, file lists and parameters.
import sys

from snakemake.exceptions import WorkflowError

from norank.baselines import method_options

REAL_SOURCES = ("olivetti", "lfw", "abide")
SYNTHETIC_SOURCES = ("galaxy", "crystal")
SYNTHETIC_DEFAULT_N = {"galaxy": 500, "crystal": 400}
TABLE_FORMATS = ("csv", "md", "tex")

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
    """Split names of the configured protocols: 'all' (paper) and fold0..fold{k-1} (heldout)."""
    splits = []
    if "paper" in EVAL["protocols"]:
        splits.append("all")
    if "heldout" in EVAL["protocols"]:
        splits += [f"fold{i}" for i in range(EVAL["folds"])]
    return splits


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
    """Training options of a dataset: the top-level `train` block, then the dataset's own overrides."""
    return canonical(
        {
            **config.get("train", {}),
            **dataset_cfg(wildcards.dataset).get("train", {}),
        }
    )


def split_params(wildcards):
    return dict(
        split=wildcards.split, n_folds=EVAL["folds"], split_seed=EVAL["split_seed"]
    )


def train_targets(kind="embeddings.npz"):
    return expand(
        "results/train/{dataset}/{split}/seed{seed}/{kind}",
        dataset=DATASETS,
        split=protocol_splits(),
        seed=EVAL["seeds"],
        kind=kind,
    )


BASELINES = config["baselines"]


def baseline_methods(split):
    """Method names of the baselines for a split; t-SNE (transductive) only under split 'all'.

    Held-out folds run the `heldout_ranks` subset of the rank grid when it is set."""
    ranks = BASELINES["ranks"]
    if split != "all" and BASELINES.get("heldout_ranks"):
        ranks = BASELINES["heldout_ranks"]
    names = []
    for m in BASELINES["methods"]:
        if m in ("cp", "tucker"):
            names += [f"{m}-R{r}" for r in ranks]
        elif m != "tsne" or split == "all":
            names.append(m)
    return names


def baseline_targets(kind="summary.json"):
    return [
        f"results/baselines/{d}/{split}/{m}/seed{seed}/{kind}"
        for d in DATASETS
        for split in protocol_splits()
        for m in baseline_methods(split)
        for seed in EVAL["seeds"]
    ]


METRICS = config["metrics"]


def metric_targets():
    """Metric files of every embedding run: metric learning and each baseline, per split and seed."""
    return [
        f"results/metrics/{d}/{split}/{m}/seed{seed}.csv"
        for d in DATASETS
        for split in protocol_splits()
        for m in ["metric_learning"] + baseline_methods(split)
        for seed in EVAL["seeds"]
    ]


def embedding_inputs(wildcards):
    """Embeddings (and, for baselines, the summary with reconstruction numbers) of one run."""
    if wildcards.method == "metric_learning":
        return {
            "embeddings": f"results/train/{wildcards.dataset}/{wildcards.split}/seed{wildcards.seed}/embeddings.npz"
        }
    run = f"results/baselines/{wildcards.dataset}/{wildcards.split}/{wildcards.method}/seed{wildcards.seed}"
    return {"embeddings": f"{run}/embeddings.npz", "summary": f"{run}/summary.json"}


EFFICIENCY = config["efficiency"]


def efficiency_targets():
    return expand(
        "results/efficiency/{dataset}/n{size}/{method}/seed{seed}.csv",
        dataset=DATASETS,
        size=EFFICIENCY["sizes"],
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


def table_outputs(stem, formats=TABLE_FORMATS):
    """A table's files; the CSV goes into the HTML report with its caption."""
    in_report = report  # a line may not start with `report` outside a rule (the parser reads a directive)
    return [
        (
            in_report(
                f"results/tables/{stem}.{fmt}",
                caption=f"../report/tables/{stem}.rst",
                category="Tables",
            )
            if fmt == "csv"
            else f"results/tables/{stem}.{fmt}"
        )
        for fmt in formats
    ]


PAPER_TABLES = {
    "table2_faces": "Table 2. Clustering on LFW and Olivetti",
    "table3_abide": "Table 3. Clustering on ABIDE",
    "table4_synthetic": "Table 4. Clustering on the synthetic galaxy and crystal datasets",
    "table5_reconstruction": "Table 5. Reconstruction error and explained variance",
    "table6_efficiency": "Table 6. Data efficiency: test accuracy after training on n samples",
}
if TENSOR_DATASETS:
    PAPER_TABLES["table_user_datasets"] = (
        "Your datasets (dataset sheet): clustering as in Tables 3-4"
    )


def benchmark_files():
    """Benchmark files of the configured jobs, per rule (for the provenance record)."""
    bench = "results/benchmarks"
    return {
        "download": [f"{bench}/download/{d}.tsv" for d in REAL_DATASETS],
        "synthesize": [f"{bench}/synthesize/{d}.tsv" for d in SYNTHETIC_DATASETS],
        "prepare": [f"{bench}/prepare/{d}.tsv" for d in DATASETS],
        "train": [
            f"{bench}/train/{d}/{split}/seed{s}.tsv"
            for d in DATASETS
            for split in protocol_splits()
            for s in EVAL["seeds"]
        ],
        "baseline": [
            f"{bench}/baselines/{d}/{split}/{m}/seed{s}.tsv"
            for d in DATASETS
            for split in protocol_splits()
            for m in baseline_methods(split)
            for s in EVAL["seeds"]
        ],
        "efficiency": [
            f"{bench}/efficiency/{d}/n{n}/{m}/seed{s}.tsv"
            for d in DATASETS
            for n in EFFICIENCY["sizes"]
            for m in EFFICIENCY["methods"]
            for s in EVAL["seeds"]
        ],
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
