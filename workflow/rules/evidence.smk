# The evidence behind the owners of the paper-vs-ours deviations (norank.evidence): each rule one
# check, written under results/evidence/ for config/deviation_notes.csv to cite (file and number).


rule evidence_baseline_inputs:
    """The baselines of one dataset on other input normalisations than the pipeline's."""
    input:
        artifact=lambda w: plan.DATA_PATTERNS[
            EVIDENCE[evidence_file(w, "baseline_inputs")]["options"]["artifact"]
        ].format(dataset=w.dataset),
    output:
        plan.EVIDENCE_PATTERN.replace("{check}", "baseline_inputs"),
    log:
        "logs/evidence/{dataset}/baseline_inputs.log",
    benchmark:
        "results/benchmarks/evidence/{dataset}/baseline_inputs.tsv"
    wildcard_constraints:
        dataset=evidence_datasets("baseline_inputs"),
    conda:
        "../../envs/baselines.yaml"
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        code=library_code("evidence.py"),
        check="baseline_inputs",
        options=evidence_options("baseline_inputs"),
        baselines=baseline_options(),
        metrics=plan.canonical(config["metrics"]),
    script:
        "../scripts/evidence.py"


use rule evidence_baseline_inputs as evidence_sample_counts with:
    """The baselines of one dataset refitted on random subsets of n samples (CH grows with n)."""
    input:
        artifact=plan.DATA_PATTERNS["data"],
    output:
        plan.EVIDENCE_PATTERN.replace("{check}", "sample_counts"),
    log:
        "logs/evidence/{dataset}/sample_counts.log",
    benchmark:
        "results/benchmarks/evidence/{dataset}/sample_counts.tsv"
    wildcard_constraints:
        dataset=evidence_datasets("sample_counts"),
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        check="sample_counts",
        options=evidence_options("sample_counts"),


rule evidence_reconstruction_bound:
    """Table 5's lowest error of any linear map from a d-dimensional embedding, on standardised and on raw inputs."""
    input:
        data=plan.DATA_PATTERNS["data"],
        raw=plan.DATA_PATTERNS["raw"],
    output:
        plan.EVIDENCE_PATTERN.replace("{check}", "reconstruction_bound"),
    log:
        "logs/evidence/{dataset}/reconstruction_bound.log",
    benchmark:
        "results/benchmarks/evidence/{dataset}/reconstruction_bound.tsv"
    conda:
        "../../envs/baselines.yaml"
    resources:
        mem_mb=6000,
        runtime=30,
    params:
        code=library_code("evidence.py"),
        check="reconstruction_bound",
        options=plan.canonical(config["evidence"]["reconstruction"]),
    script:
        "../scripts/evidence.py"


use rule evidence_reconstruction_bound as evidence_reconstruction with:
    """Table 5's error of the metric-learning embeddings (in sample, first seed) on standardised and on raw inputs."""
    input:
        data=plan.DATA_PATTERNS["data"],
        raw=plan.DATA_PATTERNS["raw"],
        embeddings=lambda w: [
            plan.embeddings(r) for r in plan.reconstruction_runs(config, w.dataset)
        ],
    output:
        plan.EVIDENCE_PATTERN.replace("{check}", "reconstruction"),
    log:
        "logs/evidence/{dataset}/reconstruction.log",
    benchmark:
        "results/benchmarks/evidence/{dataset}/reconstruction.tsv"
    params:
        check="reconstruction",
        options={},
        methods=lambda w: [
            str(r.method) for r in plan.reconstruction_runs(config, w.dataset)
        ],


# planned (so defined) only where the run compares with the paper, as official.smk's rules
if plan.ARITHMETIC_FILE in EVIDENCE:

    rule evidence_paper_arithmetic:
        """What the printed values of a two-class dataset imply for each other (tight clusters, ARI -> SR)."""
        input:
            paper=f"{workflow.basedir}/config/paper_values.csv",
            data=[plan.DATA_PATTERNS["data"].format(dataset=d) for d in DATASETS],
        output:
            plan.ARITHMETIC_FILE,
        log:
            "logs/evidence/paper_arithmetic.log",
        benchmark:
            "results/benchmarks/evidence/paper_arithmetic.tsv"
        conda:
            "../../envs/report.yaml"
        params:
            code=library_code("evidence.py"),
            check="paper_arithmetic",
            options={},
            sources=[SOURCES[d] for d in DATASETS],
        script:
            "../scripts/evidence.py"
