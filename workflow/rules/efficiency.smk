# Data efficiency (Table 6): accuracy after training on n samples. One job per (dataset, method,
# seed) runs every size (a learning curve): a new size reruns that curve.


rule efficiency:
    """Train one method on stratified subsets of each size n; accuracy on the fixed test set."""
    input:
        plan.DATA_PATTERNS["data"],
    output:
        plan.EFFICIENCY_PATTERN,
    log:
        "logs/efficiency/{dataset}/{method}/seed{seed}.log",
    benchmark:
        "results/benchmarks/efficiency/{dataset}/{method}/seed{seed}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: COMPUTE["train_threads"]
    resources:
        mem_mb=6000,
        runtime=120,
        gpu=lambda w: COMPUTE["train_gpus"] if w.method != "pca_svm" else 0,
    params:
        code=library_code("efficiency.py"),
        sizes=config["efficiency"]["sizes"],
        options=ask(job_params.efficiency, "dataset", "method"),
    script:
        "../scripts/efficiency.py"


rule collect_efficiency:
    """Every data-efficiency run in one tidy CSV (the data of Table 6)."""
    input:
        plan.efficiency_files(config),
    output:
        "results/efficiency/efficiency.csv",
    log:
        "logs/efficiency/collect.log",
    benchmark:
        "results/benchmarks/collect_efficiency.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("collect_efficiency.py"),
    script:
        "../scripts/collect_efficiency.py"
