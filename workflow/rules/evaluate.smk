# Metrics of every embedding run, then one tidy table.


rule evaluate:
    """The metric suite on every embedding run of one (dataset, split, seed), as tidy rows
    (one per run and metric): one job for the group, so start-up is paid once."""
    input:
        runs=evaluation_inputs,
        data="results/data/{dataset}.npz",
    output:
        "results/metrics/{dataset}/{split}/seed{seed}.csv",
    log:
        "logs/evaluate/{dataset}/{split}/seed{seed}.log",
    benchmark:
        "results/benchmarks/evaluate/{dataset}/{split}/seed{seed}.tsv"
    wildcard_constraints:
        split=r"all|fold\d+",
        seed=r"\d+",
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=6000,
        runtime=30,
    params:
        code=library_code("evaluate.py"),
        metrics=METRICS,
        runs=evaluation_runs,
    script:
        "../scripts/evaluate.py"


rule collect_metrics:
    """All metric rows of the main grid's runs in one tidy CSV."""
    input:
        metric_targets(),
    output:
        "results/metrics/metrics.csv",
    log:
        "logs/evaluate/collect.log",
    benchmark:
        "results/benchmarks/collect_metrics.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=library_code("select_metrics.py"),
        runs=run_keys(MAIN_RUNS),
    script:
        "../scripts/select_metrics.py"


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
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=library_code("summarize_metrics.py"),
    script:
        "../scripts/summarize_metrics.py"
