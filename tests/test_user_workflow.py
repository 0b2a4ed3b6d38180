"""A user's own tensor dataset, added through the dataset sheet, goes through the whole DAG to the report."""

import json

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, snakemake

pytestmark = pytest.mark.e2e


def test_a_sheet_dataset_runs_every_stage_into_the_report(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(["left", "middle", "right"], 16)
    X = rng.normal(size=(48, 12, 12))
    for k, c in enumerate(("left", "middle", "right")):
        X[y == c, :, 4 * k : 4 * k + 4] += 2.0  # a bright band per class
    np.savez(tmp_path / "bands.npz", X=X, y=y)
    (tmp_path / "sheets").mkdir()  # a sheet in a subfolder, its paths relative to itself
    (tmp_path / "sheets" / "datasets.tsv").write_text("name\tdata\tlabels\tshape\nbands\t../bands.npz\t\t12x12\n")
    (tmp_path / "c.yaml").write_text(
        "dataset_sheet: sheets/datasets.tsv\n"
        "builtin_datasets: false\n"
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
    # retrieval in the verdict: held out, P@1 of held-out queries against the training samples
    held = user[(user.method == "metric_learning") & (user.protocol == "heldout")]
    assert held[["precision_at_1_mean", "knn_accuracy_mean", "map_at_r_mean"]].notna().all(axis=None), user.columns
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


def bad_project(tmp_path, rows, **arrays):
    """A folder with the given arrays (``.npy``) and a sheet of these rows; the default config and the own-data overlay."""
    for name, a in arrays.items():
        np.save(tmp_path / f"{name}.npy", a)
    (tmp_path / "datasets.tsv").write_text("name\tdata\tlabels\tshape\n" + "".join(r + "\n" for r in rows))
    return ("--configfile", str(REPO / "config" / "config.yaml"), str(REPO / "config" / "own_data.yaml"),
            "--config", "dataset_sheet=datasets.tsv")


@pytest.mark.parametrize("rows, message", [
    (["mine\tmissing.npz\t\t4x3"], "dataset sheet {d}/datasets.tsv, line 2 (mine), column `data`: {d}/missing.npz does not "
     "exist; check the path (relative paths in a sheet are relative to the sheet's folder)."),
    (["mine\tx.npy\theader.csv\t4x3"], "dataset sheet {d}/datasets.tsv, line 2 (mine), column `labels`: {d}/header.csv has "
     "13 labels for 12 samples; give exactly one label per sample, in the samples' order. If the first line ('cls') is "
     "a header, delete it."),
    (["mine\tflat.npy\tlabels.csv\t4x3"], "dataset sheet {d}/datasets.tsv, line 2 (mine), column `data`: samples in "
     "{d}/flat.npy have shape (12,): one axis only, so no sample shape; expected (n, H, W), or (n, H*W) flattened with "
     "the sheet's `shape` column."),
])
def test_a_bad_sheet_stops_the_parse_with_the_row_and_no_traceback(tmp_path, rows, message):
    rng = np.random.default_rng(0)
    (tmp_path / "header.csv").write_text("cls\n" + "\n".join(["a", "b", "c"] * 4) + "\n")
    (tmp_path / "labels.csv").write_text("\n".join(["a", "b", "c"] * 4) + "\n")
    args = bad_project(tmp_path, rows, x=rng.normal(size=(12, 4, 3)), flat=np.zeros(12))
    out = snakemake("-n", *args, cwd=tmp_path, check=False)
    assert out.returncode != 0 and message.format(d=tmp_path) in out.stdout, out.stdout[-3000:]
    assert "Traceback" not in out.stdout


def test_a_bad_value_stops_its_import_job_with_the_message_once(tmp_path):
    X = np.random.default_rng(0).normal(size=(12, 4, 3))
    X[5, 1, 1] = np.nan  # values are the import job's to check (the parse reads headers only)
    (tmp_path / "labels.csv").write_text("\n".join(["a", "b", "c"] * 4) + "\n")
    args = bad_project(tmp_path, ["mine\tx.npy\tlabels.csv\t4x3"], x=X)
    out = snakemake("--cores", "1", "results/raw/mine.npz", *args, cwd=tmp_path, check=False)
    message = "dataset 'mine': 1 sample(s) contain NaN or inf (first indices: [5])"
    assert out.returncode != 0 and out.stdout.count(message) == 1, out.stdout[-3000:]
    assert "Traceback" not in out.stdout and "Traceback" in (tmp_path / "logs" / "import_tensor" / "mine.log").read_text()


def test_tuning_chooses_options_on_inner_splits_and_trains_the_tuned_recipe_per_fold(tmp_path):
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], 12)
    X = rng.normal(size=(36, 8, 8))
    for c in range(3):
        X[y == c, :, 2 * c: 2 * c + 2] += 2.0
    np.savez(tmp_path / "bands.npz", X=X, y=y)
    (tmp_path / "datasets.tsv").write_text("name\tdata\tshape\nbands\tbands.npz\t8x8\n")
    (tmp_path / "c.yaml").write_text(
        "dataset_sheet: datasets.tsv\n"
        "builtin_datasets: false\n"
        "recipes: [eq13]\n"
        "train: {epochs: 2, patience: 2, eval_every: 1, classes_per_batch: 3, batch_size: 12}\n"
        "baselines: {methods: [pca], ranks: [2]}\n"
        "evaluation: {protocols: [heldout], seeds: [0], folds: 2}\n"
        "efficiency: {sizes: [8], methods: [pca_svm]}\n"
        "tune: {enabled: true, trials: 3, space: {lr: null, margin: null, lambda_div: null, lambda_uniform: null,"
        " lambda_local: null, lambda_global: null, encoder: [mlp, auto], epochs: [1, 2]}}\n"
        "compute: {train_gpus: 0, train_threads: 1}\n"
    )
    snakemake("--cores", "2", "--configfile", "c.yaml", cwd=tmp_path)
    res = tmp_path / "results"
    table = pd.read_csv(res / "tables" / "table_tuning.csv")
    assert table[["dataset", "split"]].values.tolist() == [["bands", "fold0"], ["bands", "fold1"]]
    assert (table.trials == 3).all() and set(table["option.encoder"]) <= {"mlp", "auto"}
    for split in ("fold0", "fold1"):
        choice = json.loads((res / "tune" / "bands" / split / "best.json").read_text())
        trials = pd.read_csv(res / "tune" / "bands" / split / "trials.csv")
        assert len(trials) == 3 and trials.loc[0, "option.encoder"] == "auto"  # trial 0: the configured options
        # the tuned training of the fold ran with the choice, on the whole training part
        log = (tmp_path / "logs" / "train" / "bands" / split / "tuned" / "seed0.log").read_text()
        assert "options chosen on an inner split" in log
        assert f"'epochs': {choice['options']['epochs']}" in log
        assert f"'encoder': '{choice['options']['encoder']}'" in log
    user = pd.read_csv(res / "tables" / "table_user_datasets.csv")
    tuned = user[(user.method == "metric_learning-tuned") & (user.protocol == "heldout")]
    assert len(tuned) == 1 and tuned.precision_at_1_mean.notna().all()
    # a bigger budget reruns the searches and the tuned trainings, not the untuned ones
    (tmp_path / "more.yaml").write_text("tune: {trials: 4}\n")
    out = snakemake("-n", "--configfile", "c.yaml", "more.yaml", cwd=tmp_path).stdout
    assert "rule tune:" in out and "output: results/train/bands/fold0/tuned" in out
    assert "output: results/train/bands/fold0/eq13" not in out
