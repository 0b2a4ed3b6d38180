# The two studies beyond the paper, on the held-out folds: the loss comparison (seeds/002) and
# unsupervised PLM metric learning (seeds/003). They reuse the train script, the evaluate rule
# (methods loss-<loss>) and the metric collection scripts; only the options differ.


use rule train as train_loss with:
    """Train the encoder with one loss of the comparison (or PLM, without labels) on one held-out fold."""
    output:
        model="results/losses/{dataset}/{split}/{loss}/seed{seed}/model.pt",
        embeddings="results/losses/{dataset}/{split}/{loss}/seed{seed}/embeddings.npz",
        history="results/losses/{dataset}/{split}/{loss}/seed{seed}/history.tsv",
    log:
        "logs/losses/{dataset}/{split}/{loss}/seed{seed}.log",
    benchmark:
        "results/benchmarks/losses/{dataset}/{split}/{loss}/seed{seed}.tsv"
    wildcard_constraints:
        split=r"fold\d+",
        seed=r"\d+",
        loss=r"[a-z_]+",
    params:
        code=library_code("train.py"),
        train=study_train_options,
        split=split_params,


rule collect_study_metrics:
    """All metric rows of one study in one tidy CSV."""
    input:
        study_metric_files,
    output:
        "results/studies/{study}/metrics.csv",
    log:
        "logs/studies/{study}/collect.log",
    benchmark:
        "results/benchmarks/studies/{study}/collect.tsv"
    wildcard_constraints:
        study="|".join(STUDIES),
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=library_code("select_metrics.py"),
        runs=lambda wc: run_keys(STUDY_RUNS[wc.study]),
    script:
        "../scripts/select_metrics.py"


rule summarize_study_metrics:
    """Mean ± sd over folds and seeds of every metric of one study."""
    input:
        "results/studies/{study}/metrics.csv",
    output:
        "results/studies/{study}/summary.csv",
    log:
        "logs/studies/{study}/summarize.log",
    benchmark:
        "results/benchmarks/studies/{study}/summarize.tsv"
    wildcard_constraints:
        study="|".join(STUDIES),
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


if study_runs("losses"):

    rule table_losses:
        """The loss-comparison table (held-out protocol, mean ± sd over folds × seeds)."""
        input:
            "results/studies/losses/summary.csv",
        output:
            table_outputs("table_losses", category="Loss comparison"),
        log:
            "logs/tables/table_losses.log",
        benchmark:
            "results/benchmarks/tables/table_losses.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("study_table.py"),
            study="losses",
            datasets=LOSS_DATASETS,
            methods=[str(m) for m in plan.study_methods(config, "losses")],
            caption=STUDY_TABLES["table_losses"],
        script:
            "../scripts/study_table.py"


if study_runs("unsupervised"):

    rule table_unsupervised:
        """The unsupervised-mode table: PLM against the unsupervised baselines (held-out protocol)."""
        input:
            "results/studies/unsupervised/summary.csv",
        output:
            table_outputs("table_unsupervised", category="Unsupervised mode"),
        log:
            "logs/tables/table_unsupervised.log",
        benchmark:
            "results/benchmarks/tables/table_unsupervised.tsv"
        conda:
            "../../envs/report.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            code=library_code("study_table.py"),
            study="unsupervised",
            datasets=UNSUPERVISED_DATASETS,
            methods=UNSUPERVISED_METHODS,
            caption=STUDY_TABLES["table_unsupervised"],
        script:
            "../scripts/study_table.py"


rule fig_loss_diagnostics:
    """VARIANCE and GREEDINESS diagnostics per epoch of every loss on one dataset."""
    input:
        unpack(lambda wc: loss_histories(wc.dataset)),
        data="results/data/{dataset}.npz",
    output:
        png=report(
            "results/figures/fig_loss_diagnostics_{dataset}.png",
            caption="../report/figures/fig_loss_diagnostics.rst",
            category="Loss comparison",
            subcategory="{dataset}",
            labels={
                "figure": "Loss diagnostics: VARIANCE and GREEDINESS per epoch",
                "dataset": "{dataset}",
            },
        ),
        pdf="results/figures/fig_loss_diagnostics_{dataset}.pdf",
    log:
        "logs/figures/fig_loss_diagnostics_{dataset}.log",
    benchmark:
        "results/benchmarks/figures/fig_loss_diagnostics_{dataset}.tsv"
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        code=library_code("figure_loss_diagnostics.py"),
        style=FIGURE_STYLE,
    script:
        "../scripts/figure_loss_diagnostics.py"
