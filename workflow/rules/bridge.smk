# The bridge from eq. 13 to the official recipe (norank.bridge): eq. 13 trained with one choice of
# the official recipe at a time, beside both recipes' runs of the main grid (its endpoints). The
# runs reuse the train script; their metrics are evaluated with the main grid's (evaluate.smk) and
# collected as a study (studies.smk); the table is made here, its figure in figures.smk.


use rule train as train_bridge with:
    """Train eq. 13 with one choice of the official recipe on one dataset, split and seed."""
    output:
        model=plan.PATTERNS["bridge"].replace("{file}", "model.pt"),
        embeddings=plan.PATTERNS["bridge"].replace("{file}", "embeddings.npz"),
        history=plan.PATTERNS["bridge"].replace("{file}", "history.tsv"),
    log:
        "logs/bridge/{dataset}/{split}/{choice}/seed{seed}.log",
    benchmark:
        "results/benchmarks/bridge/{dataset}/{split}/{choice}/seed{seed}.tsv"
    params:
        code=library_code("train.py"),
        train=ask(bridge.choice_options, "dataset", "split", "choice"),
        split=ask(job_params.split, "split"),


# defined only when the bridge has runs (as the other studies' tables)
if "bridge" in STUDIES:

    rule table_bridge:
        """The bridge's table: each choice's paired change against eq. 13, the endpoints and the gap."""
        input:
            plan.STUDY_PATTERN.format(study="bridge", file="metrics.csv"),
        output:
            table_outputs("table_bridge"),
        log:
            "logs/tables/table_bridge.log",
        benchmark:
            "results/benchmarks/tables/table_bridge.tsv"
        conda:
            "../../envs/report.yaml"
        params:
            code=library_code("table_bridge.py"),
            layout=bridge.layout(config),
        script:
            "../scripts/table_bridge.py"
