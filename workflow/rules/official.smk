# The paper author's public code, run unmodified (norank.official_code): fetched at the pinned
# commit or read from a pre-staged copy, checked against its digest; its own LFW and Olivetti
# examples trained once per seed, in sample; the evaluate rule scores its embedding (method
# official_code) like every other run.


# Defined only where the official code runs (a run of your own datasets has no job of it).
if OFFICIAL_DATASETS:

    # A download needs the login node's network on a cluster: keep it local.
    localrules:
        official_code,

    rule official_code:
        """The official code at the pinned commit (a pre-staged copy, or downloaded), checked."""
        output:
            "results/official_code/code.json",
        log:
            "logs/official_code/code.log",
        benchmark:
            "results/benchmarks/official_code/code.tsv"
        conda:
            "../../envs/train.yaml"
        params:
            code=library_code("official_code.py"),
            url=config["official_code"]["url"],
            commit=config["official_code"]["commit"],
            sha256=config["official_code"]["sha256"],
        script:
            "../scripts/official_code.py"

    rule train_official_code:
        """Train the official code's own example of one face dataset (its settings, its functions) with one seed."""
        input:
            code="results/official_code/code.json",
            raw=plan.DATA_PATTERNS["raw"],
            data=plan.DATA_PATTERNS["data"],
        output:
            embeddings=plan.PATTERNS["official_code"].replace(
                "{file}", "embeddings.npz"
            ),
            summary=plan.PATTERNS["official_code"].replace("{file}", "summary.json"),
        log:
            "logs/official_code/{dataset}/{split}/seed{seed}.log",
        benchmark:
            "results/benchmarks/official_code/{dataset}/{split}/seed{seed}.tsv"
        wildcard_constraints:
            dataset=datasets_of(*OFFICIAL_CODE_SOURCES),
            split="all",
        conda:
            "../../envs/train.yaml"
        threads: COMPUTE["train_threads"]
        resources:
            mem_mb=8000,
            runtime=240,
            gpu=COMPUTE["train_gpus"],
        params:
            code=library_code("train_official_code.py"),
            source=lambda w: SOURCES[w.dataset],
            epochs=config["official_code"]["epochs"],
        script:
            "../scripts/train_official_code.py"

    rule official_fidelity:
        """The official code run unmodified against our re-implementation of its recipe (same seeds, in sample)."""
        input:
            summary="results/metrics/summary.csv",
            official=[f for files in FIDELITY.values() for f in files["official"]],
            ours=[f for files in FIDELITY.values() for f in files["ours"]],
        output:
            table_outputs("official_fidelity"),
        log:
            "logs/tables/official_fidelity.log",
        benchmark:
            "results/benchmarks/tables/official_fidelity.tsv"
        conda:
            "../../envs/report.yaml"
        params:
            code=library_code("official_fidelity.py"),
            files=FIDELITY,
            sd_multiple=config["report"]["tolerance"]["sd_multiple"],
        script:
            "../scripts/official_fidelity.py"
