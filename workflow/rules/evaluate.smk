# Metrics of every embedding run, then one tidy table.


rule evaluate:
    """The metric suite on every embedding run of one (dataset, split, seed), as tidy rows
    (one per run and metric): one job for the group, so start-up is paid once."""
    input:
        runs=evaluation_inputs,
        data=plan.DATA_PATTERNS["data"],
    output:
        plan.PATTERNS["metrics"],
    log:
        "logs/evaluate/{dataset}/{split}/seed{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{split}/seed{seed}.tsv"
    conda:
        "../../envs/train.yaml"
    resources:
        mem_mb=6000,
        runtime=30,
    params:
        code=library_code("evaluate.py"),
        metrics=config["metrics"],
        runs=evaluation_runs,
    script:
        "../scripts/evaluate.py"


rule collect_metrics:
    """All metric rows of the main grid's runs in one tidy CSV."""
    input:
        metric_files(MAIN_RUNS),
    output:
        "results/metrics/metrics.csv",
    log:
        "logs/evaluate/collect.log",
    benchmark:
        "results/benchmarks/collect_metrics.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("collect_metrics.py"),
        runs=job_params.run_keys(MAIN_RUNS),
    script:
        "../scripts/collect_metrics.py"


rule summarize_metrics:
    """Mean ± sd of every metric over seeds (and folds, held-out protocol)."""
    input:
        "results/metrics/metrics.csv",
    output:
        "results/metrics/summary.csv",
    log:
        "logs/evaluate/summarize.log",
    benchmark:
        "results/benchmarks/summarize_metrics.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("summarize_metrics.py"),
    script:
        "../scripts/summarize_metrics.py"
