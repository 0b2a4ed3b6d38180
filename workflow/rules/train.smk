# Training the no-rank metric-learning embedding, one job per (dataset, split, recipe, seed):
# recipe eq13 (the paper's equations, the `train` options) or the official code's recipe
# (norank.recipes).
# split = all (paper protocol, as published: every sample trains for the configured epochs and
# the last epoch is kept) or fold<i> (held-out protocol: early stopping on a validation share of
# the fold's training samples).


rule train:
    """Train the encoder with one recipe (the paper's eq. 13, or the official code's) and embed every sample."""
    input:
        plan.DATA_PATTERNS["data"],
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
