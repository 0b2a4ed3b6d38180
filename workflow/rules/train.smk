# Training the no-rank metric-learning embedding, one job per (dataset, split, seed).
# split = all (paper protocol, as published: every sample trains for the configured epochs and
# the last epoch is kept) or fold<i> (held-out protocol: early stopping on a validation share of
# the fold's training samples).


rule train:
    """Train the encoder with the paper's full objective (eq. 13) and embed every sample."""
    input:
        "results/data/{dataset}.npz",
    output:
        model="results/train/{dataset}/{split}/seed{seed}/model.pt",
        embeddings="results/train/{dataset}/{split}/seed{seed}/embeddings.npz",
        history="results/train/{dataset}/{split}/seed{seed}/history.tsv",
    log:
        "logs/train/{dataset}/{split}/seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{dataset}/{split}/seed{seed}.tsv"
    wildcard_constraints:
        split=r"all|fold\d+",
        seed=r"\d+",
    conda:
        "../../envs/train.yaml"
    threads: COMPUTE["train_threads"]
    resources:
        mem_mb=8000,
        runtime=240,
        gpu=COMPUTE["train_gpus"],
    params:
        code=library_code("train.py"),
        train=train_options,
        split=split_params,
    script:
        "../scripts/train.py"
