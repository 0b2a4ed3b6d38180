"""A user's own tensor dataset, added through the dataset sheet, goes through the whole DAG to the report."""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import snakemake

pytestmark = pytest.mark.e2e


def test_a_sheet_dataset_runs_every_stage_into_the_report(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(["left", "middle", "right"], 16)
    X = rng.normal(size=(48, 12, 12))
    for k, c in enumerate(("left", "middle", "right")):
        X[y == c, :, 4 * k : 4 * k + 4] += 2.0  # a bright band per class
    np.savez(tmp_path / "bands.npz", X=X, y=y)
    (tmp_path / "datasets.tsv").write_text("name\tdata\tlabels\tshape\nbands\tbands.npz\t\t12x12\n")
    (tmp_path / "c.yaml").write_text(
        "dataset_sheet: datasets.tsv\n"
        "datasets: {}\n"
        "train: {epochs: 2, patience: 2, eval_every: 1, classes_per_batch: 3, batch_size: 12}\n"
        "official_recipe: {epochs: 2}\n"
        "baselines: {methods: [pca, cp, tucker], ranks: [2], decomposition: {n_iter_max: 10}}\n"
        "evaluation: {protocols: [paper, heldout], seeds: [0], folds: 2}\n"
        "efficiency: {sizes: [8], methods: [pca_svm, transformer], transformer: {epochs: 2, dim: 16, heads: 2}}\n"
        "compute: {train_gpus: 0, train_threads: 1}\n"
    )
    snakemake("--cores", "2", "--configfile", "c.yaml", cwd=tmp_path)
    snakemake("--configfile", "c.yaml", "--report", "report.html", cwd=tmp_path)

    m = pd.read_csv(tmp_path / "results" / "metrics" / "metrics.csv")
    assert set(m.dataset) == {"bands"} and set(m.protocol) == {"paper", "heldout"}
    assert {"metric_learning", "pca", "cp-R2", "tucker-R2"} <= set(m.method)
    user = pd.read_csv(tmp_path / "results" / "tables" / "table_user_datasets.csv")
    assert set(user.dataset) == {"bands"} and "metric_learning" in set(user.method)
    assert "bands" in set(pd.read_csv(tmp_path / "results" / "tables" / "table5_reconstruction.csv").dataset)
    assert set(pd.read_csv(tmp_path / "results" / "efficiency" / "efficiency.csv").dataset) == {"bands"}
    html = (tmp_path / "report.html").read_text(errors="replace")
    for name in ("table_user_datasets", "fig_training_curves", "fig_distance_histograms", "provenance"):
        assert name in html, name
    prov = (tmp_path / "results" / "provenance.md").read_text()
    assert "| import_tensor " in prov  # the user's import is timed like every other rule
    assert json.loads((tmp_path / "results" / "provenance.json").read_text())["benchmark_files_missing"] == 0
    # editing the user's file reruns its dataset
    np.savez(tmp_path / "bands.npz", X=X + 0.1, y=y)
    out = snakemake("-n", "--configfile", "c.yaml", cwd=tmp_path).stdout
    assert "import_tensor" in out and "prepare" in out
