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
