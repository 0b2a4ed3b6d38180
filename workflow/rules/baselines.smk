# Baselines across the rank grid: one job per (dataset, protocol, seed, kind) that fits every run
# of that kind (norank.plan.BaselineJob): `projections` (PCA, t-SNE, UMAP) or `decompositions`
# (CP and Tucker at every rank), on split `all` (protocol paper) or on every fold (heldout).
# Each run gets its own folder {split}/{method}/ inside the job's output folder. A new rank
# refits the decompositions of its protocol (seconds per fit), never the projections.


rule baseline:
    """Embed a dataset with the baselines of one kind (PCA, t-SNE, UMAP / CP, Tucker) and measure
    their reconstructions, on split all or on every fold."""
    input:
        plan.DATA_PATTERNS["data"],
    output:
        directory(plan.PATTERNS["baselines"]),
    log:
        "logs/baselines/{dataset}/{protocol}/seed{seed}/{kind}.log",
    benchmark:
        "results/benchmarks/baselines/{dataset}/{protocol}/seed{seed}/{kind}.tsv"
    conda:
        "../../envs/baselines.yaml"
    resources:
        mem_mb=6000,
        runtime=120,
    params:
        code=library_code("baseline.py"),
        runs=baseline_runs,
    script:
        "../scripts/baseline.py"
