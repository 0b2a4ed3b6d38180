# Training the no-rank metric-learning embedding, one job per (dataset, split, recipe, seed):
# recipe eq13 (the paper's equations, the `train` options) or the official code's recipe
# (norank.recipes).
# split = all (paper protocol, as published: every sample trains for the configured epochs and
# the last epoch is kept) or fold<i> (held-out protocol: early stopping on a validation share of
# the fold's training samples). Recipe tuned (tune.enabled) trains eq. 13 with the options rule
# tune chose on an inner split of the same training samples (norank.tune).


rule train:
    """Train the encoder with one recipe (the paper's eq. 13, or the official code's) and embed every sample."""
    input:
        data=plan.DATA_PATTERNS["data"],
        tuned=tuned_choice,
    output:
        model=plan.PATTERNS["train"].replace("{file}", "model.pt"),
        embeddings=plan.PATTERNS["train"].replace("{file}", "embeddings.npz"),
        history=plan.PATTERNS["train"].replace("{file}", "history.tsv"),
    log:
        "logs/train/{dataset}/{split}/{recipe}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{split}/{recipe}/seed{seed}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: COMPUTE["train_threads"]
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=COMPUTE["train_gpus"],
    params:
        code=library_code("train.py"),
        train=ask(job_params.train, "dataset", "split", "recipe"),
        split=ask(job_params.split, "split"),
    script:
        "../scripts/train.py"


rule tune:
    """Search training options on an inner split of one split's training samples (norank.tune)."""
    input:
        plan.DATA_PATTERNS["data"],
    output:
        choice=plan.PATTERNS["tune"].replace("{file}", "best.json"),
        trials=plan.PATTERNS["tune"].replace("{file}", "trials.csv"),
    log:
        "logs/tune/{dataset}/{split}.log",
    benchmark:
        "results/benchmarks/tune/{dataset}/{split}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: COMPUTE["train_threads"]
    resources:
        mem_mb=8000,
        runtime=600,
        gpu=COMPUTE["train_gpus"],
    params:
        code=library_code("tune.py"),
        tune=ask(job_params.tune, "dataset", "split"),
        split=ask(job_params.split, "split"),
    script:
        "../scripts/tune.py"


# defined only when tuning runs (as the studies' tables)
if TUNE_SPLITS:

    rule table_tuning:
        """The options every tune job chose, its budget and inner scores."""
        input:
            [
                plan.PATTERNS["tune"].format(dataset=d, split=s, file="best.json")
                for d, s in TUNE_SPLITS
            ],
        output:
            table_outputs("table_tuning"),
        log:
            "logs/tables/table_tuning.log",
        benchmark:
            "results/benchmarks/tables/table_tuning.tsv"
        conda:
            "../../envs/report.yaml"
        params:
            code=library_code("table_tuning.py"),
            searches=[f"{d}/{s}" for d, s in TUNE_SPLITS],
        script:
            "../scripts/table_tuning.py"
