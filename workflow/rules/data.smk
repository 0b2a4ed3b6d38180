# Data stage: real datasets through their fetchers, synthetic generation, normalisation/augmentation.


# Downloads need the login node's network on a cluster: keep them local.
localrules:
    download,


rule download:
    """Fetch a real dataset (Olivetti, LFW, ABIDE) through its scikit-learn / nilearn fetcher."""
    output:
        "results/raw/{dataset}.npz",
    log:
        "logs/download/{dataset}.log",
    benchmark:
        "results/benchmarks/download/{dataset}.tsv"
    wildcard_constraints:
        dataset=_names_regex(REAL_DATASETS),
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        code=library_code("download.py"),
        source=lambda wc: dataset_cfg(wc.dataset)["source"],
        fetch=fetch_params,
    script:
        "../scripts/download.py"


rule synthesize:
    """Generate a synthetic galaxy or crystal dataset (seeded, deterministic)."""
    output:
        "results/raw/{dataset}.npz",
    log:
        "logs/synthesize/{dataset}.log",
    benchmark:
        "results/benchmarks/synthesize/{dataset}.tsv"
    wildcard_constraints:
        dataset=_names_regex(SYNTHETIC_DATASETS),
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=library_code("synthesize.py"),
        source=lambda wc: dataset_cfg(wc.dataset)["source"],
        generator=synthetic_params,
    script:
        "../scripts/synthesize.py"


rule import_tensor:
    """Read and check one of your own datasets (a row of the dataset sheet)."""
    input:
        tensor_inputs,
    output:
        "results/raw/{dataset}.npz",
    log:
        "logs/import_tensor/{dataset}.log",
    benchmark:
        "results/benchmarks/import_tensor/{dataset}.tsv"
    wildcard_constraints:
        dataset=_names_regex(TENSOR_DATASETS),
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        code=library_code("import_tensor.py"),
        tensor=tensor_params,
    script:
        "../scripts/import_tensor.py"


rule prepare:
    """Normalise (per-sample z-score) and augment a dataset into the artifact every later stage reads."""
    input:
        "results/raw/{dataset}.npz",
    output:
        "results/data/{dataset}.npz",
    log:
        "logs/prepare/{dataset}.log",
    benchmark:
        "results/benchmarks/prepare/{dataset}.tsv"
    conda:
        "../../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        code=library_code("prepare.py"),
        prepare=prepare_params,
    script:
        "../scripts/prepare.py"
