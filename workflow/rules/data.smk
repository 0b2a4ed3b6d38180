# Data stage: real datasets through their fetchers, synthetic generation, your own tensors, then
# normalisation/augmentation into the artifact every later stage reads.


# Downloads need the login node's network on a cluster: keep them local.
localrules:
    download,


rule download:
    """Fetch a real dataset (Olivetti, LFW, ABIDE) through its scikit-learn / nilearn fetcher."""
    output:
        plan.DATA_PATTERNS["raw"],
    log:
        "logs/download/{dataset}.log",
    benchmark:
        "results/benchmarks/download/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of(*plan.REAL_SOURCES),
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        code=library_code("download.py"),
        source=lambda w: SOURCES[w.dataset],
        fetch=ask(job_params.fetch, "dataset"),
    script:
        "../scripts/download.py"


rule synthesize:
    """Generate a synthetic galaxy or crystal dataset (seeded, deterministic)."""
    output:
        plan.DATA_PATTERNS["raw"],
    log:
        "logs/synthesize/{dataset}.log",
    benchmark:
        "results/benchmarks/synthesize/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of(*plan.SYNTHETIC_SOURCES),
    conda:
        "../../envs/data.yaml"
    params:
        code=library_code("synthesize.py"),
        source=lambda w: SOURCES[w.dataset],
        generator=ask(job_params.synthesize, "dataset"),
    script:
        "../scripts/synthesize.py"


rule import_tensor:
    """Read and check one of your own datasets (a row of the dataset sheet)."""
    input:
        ask(job_params.tensor_files, "dataset"),
    output:
        plan.DATA_PATTERNS["raw"],
    log:
        "logs/import_tensor/{dataset}.log",
    benchmark:
        "results/benchmarks/import_tensor/{dataset}.tsv"
    wildcard_constraints:
        dataset=datasets_of("tensor"),
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=4000,
    params:
        code=library_code("import_tensor.py"),
        tensor=ask(job_params.tensor, "dataset"),
    script:
        "../scripts/import_tensor.py"


rule prepare:
    """Normalise (per-sample z-score) and augment a dataset into the artifact every later stage reads."""
    input:
        plan.DATA_PATTERNS["raw"],
    output:
        plan.DATA_PATTERNS["data"],
    log:
        "logs/prepare/{dataset}.log",
    benchmark:
        "results/benchmarks/prepare/{dataset}.tsv"
    conda:
        "../../envs/data.yaml"
    resources:
        mem_mb=4000,
    params:
        code=library_code("prepare.py"),
        prepare=ask(job_params.prepare, "dataset"),
    script:
        "../scripts/prepare.py"
