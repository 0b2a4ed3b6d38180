# The two studies beyond the paper, on the held-out folds: the loss comparison and unsupervised
# (PLM) metric learning. They reuse the train script, the evaluate rule (methods loss-<loss>) and
# the metric collection scripts; only the options differ. Their figures are in figures.smk.


use rule train as train_loss with:
    """Train the encoder with one loss of the comparison (or PLM, without labels) on one held-out fold."""
    output:
        model=plan.PATTERNS["loss"].replace("{file}", "model.pt"),
        embeddings=plan.PATTERNS["loss"].replace("{file}", "embeddings.npz"),
        history=plan.PATTERNS["loss"].replace("{file}", "history.tsv"),
    log:
        "logs/losses/{dataset}/{split}/{loss}/seed{seed}.log",
    benchmark:
        "results/benchmarks/losses/{dataset}/{split}/{loss}/seed{seed}.tsv"
    params:
        code=library_code("train.py"),
        train=ask(job_params.study_train, "dataset", "split", "loss"),
        split=ask(job_params.split, "split"),


use rule collect_metrics as collect_study_metrics with:
    """All metric rows of one study in one tidy CSV."""
    input:
        lambda w: metric_files(STUDY_RUNS[w.study]),
    output:
        plan.STUDY_PATTERN.replace("{file}", "metrics.csv"),
    log:
        "logs/studies/{study}/collect.log",
    benchmark:
        "results/benchmarks/studies/{study}/collect.tsv"
    params:
        code=library_code("collect_metrics.py"),
        runs=lambda w: job_params.run_keys(STUDY_RUNS[w.study]),


use rule summarize_metrics as summarize_study_metrics with:
    """Mean ± sd over folds and seeds of every metric of one study."""
    input:
        plan.STUDY_PATTERN.replace("{file}", "metrics.csv"),
    output:
        plan.STUDY_PATTERN.replace("{file}", "summary.csv"),
    log:
        "logs/studies/{study}/summarize.log",
    benchmark:
        "results/benchmarks/studies/{study}/summarize.tsv"


# one table per study that has runs: the loss comparison, the unsupervised mode (held out); the
# bridge's has rows of its own (bridge.smk)
for _study in (s for s in STUDIES if s != "bridge"):

    rule:
        """One study's table (held-out protocol, mean ± sd over folds × seeds)."""
        name:
            STUDY_TABLE_STEMS[_study]
        input:
            plan.STUDY_PATTERN.format(study=_study, file="summary.csv"),
        output:
            table_outputs(f"table_{_study}"),
        log:
            f"logs/tables/{STUDY_TABLE_STEMS[_study]}.log",
        benchmark:
            f"results/benchmarks/tables/{STUDY_TABLE_STEMS[_study]}.tsv"
        conda:
            "../../envs/report.yaml"
        params:
            code=library_code("table_study.py"),
            study=_study,
            datasets=plan.study_datasets(config, _study),
            methods=[str(m) for m in plan.study_methods(config, _study)],
        script:
            "../scripts/table_study.py"
