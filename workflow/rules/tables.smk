# Tables built from the artifacts (Table 1: dataset properties).


rule table_datasets:
    """Table 1: properties of every dataset, read from the dataset artifacts (raw and prepared)."""
    input:
        raw=expand("results/raw/{dataset}.npz", dataset=DATASETS),
        prepared=expand("results/data/{dataset}.npz", dataset=DATASETS),
    output:
        multiext("results/tables/table1_datasets", ".csv", ".md", ".tex"),
    log:
        "logs/tables/table1_datasets.log",
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/table_datasets.py"


PAPER_TABLES = {
    "table2_faces": "Table 2. Clustering on LFW and Olivetti",
    "table3_abide": "Table 3. Clustering on ABIDE",
    "table4_synthetic": "Table 4. Clustering on the synthetic galaxy and crystal datasets",
    "table5_reconstruction": "Table 5. Reconstruction error and explained variance",
    "table6_efficiency": "Table 6. Data efficiency: test accuracy after training on n samples",
}


rule paper_tables:
    """Tables 2-6 (mean ± sd over seeds and folds, both protocols) and the comparison with every published cell."""
    input:
        summary="results/metrics/summary.csv",
        efficiency="results/efficiency/efficiency.csv",
        paper=f"{workflow.basedir}/config/paper_values.csv",
    output:
        multiext("results/tables/table2_faces", ".csv", ".md", ".tex"),
        multiext("results/tables/table3_abide", ".csv", ".md", ".tex"),
        multiext("results/tables/table4_synthetic", ".csv", ".md", ".tex"),
        multiext("results/tables/table5_reconstruction", ".csv", ".md", ".tex"),
        multiext("results/tables/table6_efficiency", ".csv", ".md", ".tex"),
        multiext("results/tables/paper_comparison", ".csv", ".md"),
    log:
        "logs/tables/paper_tables.log",
    conda:
        "../../envs/report.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        sources={d: dataset_cfg(d)["source"] for d in DATASETS},
        baselines=BASELINES["methods"],
        ranks=BASELINES.get("heldout_ranks") or BASELINES["ranks"],
        tolerance=config["report"]["tolerance"],
        captions=PAPER_TABLES,
    script:
        "../scripts/paper_tables.py"
