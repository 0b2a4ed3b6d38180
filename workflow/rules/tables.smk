# Tables built from the artifacts: Table 1 (dataset properties), Tables 2-6 and the paper
# comparison; the report's landing summary and the provenance record.


rule table_datasets:
    """Table 1: properties of every dataset, read from the dataset artifacts (raw and prepared)."""
    input:
        raw=expand(plan.DATA_PATTERNS["raw"], dataset=DATASETS),
        prepared=expand(plan.DATA_PATTERNS["data"], dataset=DATASETS),
    output:
        table_outputs("table1_datasets"),
    log:
        "logs/tables/table1_datasets.log",
    benchmark:
        "results/benchmarks/tables/table_datasets.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("table_datasets.py"),
    script:
        "../scripts/table_datasets.py"


rule paper_tables:
    """Tables 2-6 (mean ± sd over seeds and folds, both protocols) and the comparison with every published cell."""
    input:
        summary="results/metrics/summary.csv",
        efficiency="results/efficiency/efficiency.csv",
        paper=f"{workflow.basedir}/config/paper_values.csv",
        notes=f"{workflow.basedir}/config/deviation_notes.csv",
        evidence=cited_evidence(),
    output:
        [table_outputs(stem) for stem in PAPER_TABLES],
        table_outputs("paper_comparison") if PAPER_COMPARISON else [],
    log:
        "logs/tables/paper_tables.log",
    benchmark:
        "results/benchmarks/tables/paper_tables.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("paper_tables.py"),
        sources=SOURCES,
        baselines=config["baselines"]["methods"],
        ranks=list(plan.RankGrid.of(config).tables),
        recipes=config["recipes"],  # compared with the paper's metric-learning cells
        table_recipes=[m.recipe for m in plan.recipes(config)],  # and tune's, in the tables
        realistic=[
            d for d in DATASETS if config["datasets"][d].get("preset") == "realistic"
        ],
        tolerance=config["report"]["tolerance"],
        uninformative=config["report"]["uninformative"],
    script:
        "../scripts/paper_tables.py"


rule report_summary:
    """The report's landing summary (results/summary.rst, included by workflow/report/workflow.rst)
    and results/summary.md: findings with their numbers, the verdict grid, links to every table
    and figure; computed from the results."""
    input:
        **(
            {"comparison": "results/tables/paper_comparison.csv"}
            if PAPER_COMPARISON
            else {}
        ),
        **({"bridge": "results/tables/table_bridge.csv"} if "bridge" in STUDIES else {}),
        summary="results/metrics/summary.csv",
    output:
        rst="results/summary.rst",
        md="results/summary.md",
    log:
        "logs/tables/report_summary.log",
    benchmark:
        "results/benchmarks/tables/report_summary.tsv"
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("report_summary.py"),
        tolerance=config["report"]["tolerance"],
        run=job_params.run_description(config),
        links=lambda w: report_links(),
    script:
        "../scripts/report_summary.py"


rule provenance:
    """Code version, configuration hash, machine and wall time per rule of this run."""
    input:
        tables(),
        figure_files(),
        rules.report_summary.output,
        list(EVIDENCE),
    output:
        json="results/provenance.json",
        md="results/provenance.md",
        html=report(
            "results/provenance.html",
            caption="../report/provenance.rst",
            category="Provenance",
            labels={"page": "Provenance of this run"},
        ),
    log:
        "logs/tables/provenance.log",
    conda:
        "../../envs/report.yaml"
    params:
        code=library_code("provenance.py"),
        benchmarks=lambda w: benchmark_files(),
        repo=workflow.basedir,
    script:
        "../scripts/provenance.py"
