# Baselines across the rank grid: one job per (dataset, split, method, seed), method one of
# pca, tsne, umap, cp-R<r>, tucker-R<r>. Widening the rank grid adds only the new ranks' jobs.


rule baseline:
    """Embed a dataset with one baseline (PCA, t-SNE, UMAP, CP or Tucker) and measure its reconstruction."""
    input:
        "results/data/{dataset}.npz",
    output:
        embeddings="results/baselines/{dataset}/{split}/{method}/seed{seed}/embeddings.npz",
        summary="results/baselines/{dataset}/{split}/{method}/seed{seed}/summary.json",
    log:
        "logs/baselines/{dataset}/{split}/{method}/seed{seed}.log",
    benchmark:
        "results/benchmarks/baselines/{dataset}/{split}/{method}/seed{seed}.tsv"
    wildcard_constraints:
        split=r"all|fold\d+",
        seed=r"\d+",
        method=r"pca|tsne|umap|(cp|tucker)-R\d+",
    conda:
        "../../envs/baselines.yaml"
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        code=library_code("baseline.py"),
        options=lambda wc: canonical(method_options(wc.method, BASELINES)),
        split=split_params,
    script:
        "../scripts/baseline.py"
