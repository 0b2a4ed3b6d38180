"""End-to-end: the real Snakemake workflow, on the tiny config, in a temporary directory."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import snakemake
from norank.data import load_dataset

pytestmark = pytest.mark.e2e


def test_default_config_dry_run_lists_the_dag(repo, tmp_path):
    out = snakemake("-n", "--configfile", str(repo / "config" / "config.yaml"), cwd=tmp_path).stdout
    jobs = ("download", "synthesize", "prepare", "train", "baseline", "evaluate", "train_loss", "efficiency")
    counts = dict(line.split()[:2] for line in out.splitlines() if line.split()[:1] and line.split()[0] in jobs)
    # trainings: 7 datasets x 2 recipes (eq13, official) x (3 seeds on split all + 5 folds once) = 112;
    # baseline jobs: 7 x (3 paper seeds + 1 held-out seed) x (projections, decompositions) = 56;
    # studies: 3 datasets x 8 losses x 3 folds = 72, PLM 7 datasets x 3 folds = 21 (their baselines are in the grid);
    # one evaluation per (dataset, split, seed): 7 x (3 + 5) = 56 (the studies' runs fall into those groups);
    # Table 6: one learning curve per dataset x method x seed: 7 x 3 x 3 = 63
    assert counts == {"download": "3", "synthesize": "4", "prepare": "7", "train": "112", "baseline": "56",
                      "evaluate": "56", "train_loss": "93", "efficiency": "63"}


def test_the_folds_may_train_with_a_seed_the_paper_protocol_does_not_run(repo, tmp_path):
    """heldout_seeds [1] next to seeds [0]: the figures read fold 0 of seed 1, and the DAG has it."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("datasets:\n  galaxy_paper: {source: galaxy, n_samples: 48, size: 32}\n"
                   "recipes: [eq13]\nevaluation: {seeds: [0], heldout_seeds: [1], folds: 2}\n")
    out = snakemake("-n", "--configfile", str(cfg), cwd=tmp_path).stdout
    trained = set(re.findall(r"results/train/galaxy_paper/(\w+)/eq13/seed(\d)/embeddings.npz", out))
    assert trained == {("all", "0"), ("fold0", "1"), ("fold1", "1")}
    assert "fig_embeddings" in out and "fig_training_curves" in out


def test_lint_is_clean(repo, tmp_path):
    proc = snakemake("--lint", "--configfile", str(repo / "config" / "config.yaml"), cwd=tmp_path)
    assert "Congratulations, your workflow is in a good condition!" in proc.stdout


def test_tiny_run_builds_every_artifact(tiny_run):
    shapes = {
        "olivetti": ((160, 64, 64), 40),
        "lfw": ((84, 50, 37), 7),
        "abide": ((48, 111, 111), 2),
        "galaxy_paper": ((48, 32, 32), 4),
        "galaxy_realistic": ((48, 32, 32), 4),
        "crystal_paper": ((48, 32, 32), 4),
        "crystal_realistic": ((48, 32, 32), 4),
    }
    for name, (shape, C) in shapes.items():
        ds = load_dataset(tiny_run / "results" / "data" / f"{name}.npz")
        assert ds.X.shape == shape and ds.n_classes == C, name
        flat = ds.X.reshape(len(ds.X), -1)
        np.testing.assert_allclose(flat.mean(axis=1), 0, atol=1e-4)  # z-scored per sample
        assert ds.provenance["preprocessing"][0].startswith("stratified subsample") or name.startswith(("galaxy", "crystal"))
    abide = load_dataset(tiny_run / "results" / "data" / "abide.npz")
    assert abide.X_aug.shape == (48, 111, 111) and abide.aug_source.tolist() == list(range(48))


def test_tiny_run_trains_every_dataset(tiny_run):
    for name in ("olivetti", "lfw", "abide", "galaxy_paper", "galaxy_realistic", "crystal_paper", "crystal_realistic"):
        run = tiny_run / "results" / "train" / name / "all" / "eq13" / "seed0"
        emb = np.load(run / "embeddings.npz")
        ds = load_dataset(tiny_run / "results" / "data" / f"{name}.npz")
        assert emb["Z"].shape == (len(ds.y), 64) and np.isfinite(emb["Z"]).all()
        np.testing.assert_allclose(np.linalg.norm(emb["Z"], axis=1), 1, atol=1e-5)  # on the unit sphere
        # the paper protocol as published: every sample trains, every epoch runs, the last one is kept
        assert set(emb["role"]) == {"fit"}
        hist = pd.read_csv(run / "history.tsv", sep="\t")
        assert hist.epoch.tolist() == [1, 2, 3] and {"triplet", "total", "train_separation_ratio", "lr"} <= set(hist)
        assert "val_precision_at_1" not in hist
        ckpt = torch.load(run / "model.pt", weights_only=False)
        assert ckpt["config"]["epochs"] == 3 and ckpt["split"] == "all" and ckpt["seed"] == 0
        assert ckpt["config"]["val_fraction"] == 0 and ckpt["best_epoch"] == 3
        assert (tiny_run / "results" / "benchmarks" / "train" / name / "all" / "eq13" / "seed0.tsv").exists()
    assert load_dataset(tiny_run / "results" / "data" / "abide.npz").X_aug is not None


def test_tiny_run_runs_every_baseline_over_the_rank_grid(tiny_run):
    import json

    methods = ["pca", "tsne", "umap", "cp-R2", "cp-R5", "tucker-R2", "tucker-R5", "tucker_rhw-R2", "tucker_rhw-R5"]
    for name in ("olivetti", "abide", "crystal_realistic"):
        ds = load_dataset(tiny_run / "results" / "data" / f"{name}.npz")
        for m in methods:
            kind = "decompositions" if m.startswith(("cp", "tucker")) else "projections"
            run = tiny_run / "results" / "baselines" / name / "paper" / "seed0" / kind / "all" / m
            s = json.loads((run / "summary.json").read_text())
            emb = np.load(run / "embeddings.npz")
            assert emb["Z"].shape[0] == len(ds.y) and np.isfinite(emb["Z"]).all(), (name, m)
            assert s["method"] == m and s["split"] == "all" and not s["heldout_embedded"] and s["fit_seconds"] > 0
            if m.startswith(("cp", "tucker", "pca")):
                rec = s["reconstruction"]["in_sample"]
                assert 0 < rec["relative_error"] < 1
                assert rec["explained_variance"] == pytest.approx(1 - rec["relative_error"] ** 2)
            if m.startswith(("cp", "tucker")):
                assert s["iterations"] >= 1 and emb["Z"].shape[1] == int(m.split("-R")[1])
            if m.startswith("tucker_rhw"):  # the official code's ranks: spatial modes at full rank
                assert s["rank"][1:] == list(ds.X.shape[1:])
        for kind in ("projections", "decompositions"):  # one job (and benchmark file) per kind
            assert (tiny_run / "results" / "benchmarks" / "baselines" / name / "paper" / "seed0" / f"{kind}.tsv").exists()


def test_tiny_run_writes_one_tidy_metric_table(tiny_run):
    df = pd.read_csv(tiny_run / "results" / "metrics" / "metrics.csv")
    assert set(df.dataset) == {"olivetti", "lfw", "abide", "galaxy_paper", "galaxy_realistic", "crystal_paper",
                               "crystal_realistic"}
    assert set(df.method) == {"metric_learning", "metric_learning-official", "pca", "tsne", "umap", "cp-R2", "cp-R5",
                              "tucker-R2", "tucker-R5", "tucker_rhw-R2", "tucker_rhw-R5", "official_code"}
    assert set(df.protocol) == {"paper", "heldout"} and set(df.split) == {"all", "fold0", "fold1"}
    # t-SNE has no held-out embedding; held-out folds refit only heldout_ranks ([2]); the official code
    # runs in sample, as its examples do
    assert set(df[df.protocol == "heldout"].method) == set(df.method) - {"tsne", "cp-R5", "tucker-R5", "tucker_rhw-R5",
                                                                         "official_code"}
    per_run = df[df.subset == "all"].groupby(["dataset", "method"]).metric.nunique()
    assert (per_run == per_run.max()).all()  # every run has the full suite
    assert df.value.notna().all()


def test_tiny_run_summarizes_over_folds(tiny_run):
    s = pd.read_csv(tiny_run / "results" / "metrics" / "summary.csv")
    held = s[(s.protocol == "heldout") & (s.subset == "heldout")]
    assert len(held) and (held.n_folds == 2).all() and (held.n_runs == 2).all()
    paper = s[s.protocol == "paper"]
    assert (paper.n_runs == 1).all() and paper.sd.isna().all()


def test_tiny_run_measures_data_efficiency(tiny_run):
    df = pd.read_csv(tiny_run / "results" / "efficiency" / "efficiency.csv", keep_default_na=False)
    assert len(df) == 7 * 2 * 3  # datasets x sizes [8, 16] x methods (seed 0)
    na = df[df.status == "not_applicable"]
    # Olivetti's 40 classes and LFW's 7 need 80 / 14 training samples for 2 per class
    assert set(zip(na.dataset, na.n_train)) == {("olivetti", 8), ("olivetti", 16), ("lfw", 8)}
    assert na.reason.str.contains("classes").all() and pd.to_numeric(na.accuracy, errors="coerce").isna().all()
    ok = df[df.status == "ok"].astype({"accuracy": float})
    assert ok.accuracy.between(0, 1).all() and set(ok.method) == {"metric_learning", "pca_svm", "transformer"}
    assert (ok.n_test == ok.groupby("dataset").n_test.transform("first")).all()  # one fixed test set per dataset


def test_tiny_run_writes_tables_2_to_6_and_compares_every_paper_cell(repo, tiny_run):
    tables = tiny_run / "results" / "tables"
    for stem in ("table2_faces", "table3_abide", "table4_synthetic", "table5_reconstruction", "table6_efficiency"):
        for ext in ("csv", "md", "tex"):
            assert (tables / f"{stem}.{ext}").stat().st_size > 300, (stem, ext)
    t2 = pd.read_csv(tables / "table2_faces.csv")
    assert set(t2.dataset) == {"olivetti", "lfw"} and set(t2.protocol) == {"paper", "heldout"}
    cmp = pd.read_csv(tables / "paper_comparison.csv")
    paper = pd.read_csv(repo / "config" / "paper_values.csv")
    keys = ["table", "paper_dataset", "metric"]
    assert (cmp.groupby(keys).size() >= paper.rename(columns={"dataset": "paper_dataset"}).groupby(keys).size()).all()
    assert set(cmp.status) >= {"compared", "not run: method or rank not configured",  # tiny ranks are [2, 5]
                                "realistic preset (not a reproduction)", "protocol unknown (Table 6)"}
    both = cmp[cmp.status == "compared"]
    assert both.ours_mean.notna().all() and both.within_tolerance.isin([True, False]).all()
    # the metric-learning cells are compared with both recipes; ABIDE's k-means rows read our k-means variant
    assert {"metric_learning", "metric_learning-official"} <= set(both.method)
    assert set(cmp[cmp.label_variant == "kmeans"].paper_dataset) == {"abide"}
    md = (tables / "paper_comparison.md").read_text()
    assert "**Verdict per table and method (paper protocol)**" in md and "Metric learning (official recipe)" in md
    html = (tables / "paper_comparison.html").read_text()
    assert "<h2>Verdict per table and method (paper protocol)</h2>" in html and "<table" in html


def test_tiny_run_builds_one_report_with_every_table_and_figure(tiny_run):
    # The run itself wrote the report: it was made with the README's reproduction flags.
    html = (tiny_run / "results" / "report.html").read_text(errors="replace")
    tables = ["table1_datasets", "table2_faces", "table3_abide", "table4_synthetic", "table5_reconstruction",
              "table6_efficiency", "paper_comparison", "table_losses", "table_unsupervised"]
    figures = ["fig1_tsne_faces", "fig2_retrieval_lfw", "fig3_retrieval_olivetti", "fig4_synthetic_samples",
               "fig6_reconstructions_olivetti", "fig_distance_histograms", "fig_training_curves", "fig_rank_sensitivity",
               *[f"fig_embeddings_{d}" for d in ("abide", "crystal_paper", "crystal_realistic", "galaxy_paper",
                                                 "galaxy_realistic", "lfw", "olivetti")],
               "fig_loss_diagnostics_olivetti", "fig_loss_diagnostics_galaxy_paper", "fig_paper_vs_ours"]
    missing = [n for n in tables + figures + ["provenance"] if n not in html]
    assert not missing, missing
    for name in figures:
        for ext in ("png", "pdf"):
            assert (tiny_run / "results" / "figures" / f"{name}.{ext}").stat().st_size > 5000, (name, ext)
    prov = (tiny_run / "results" / "provenance.md").read_text()
    assert "commit `" in prov and "configuration sha256" in prov
    assert all(f"| {rule} " in prov for rule in ("train", "baseline", "evaluate", "efficiency", "figures"))
    record = json.loads((tiny_run / "results" / "provenance.json").read_text())
    assert record["benchmark_files_missing"] == 0  # every job's time is on record
    assert record["config"]["evaluation"]["folds"] == 2  # the resolved configuration itself


def test_tiny_run_compares_losses_and_the_unsupervised_mode_on_held_out_folds(tiny_run):
    tables = tiny_run / "results" / "tables"
    losses = pd.read_csv(tables / "table_losses.csv")
    assert sorted(zip(losses.dataset, losses.method)) == sorted(
        (d, f"loss-{m}") for d in ("olivetti", "galaxy_paper") for m in ("eq13", "contrastive", "arcface"))
    assert losses["precision_at_1[heldout->train]_mean"].between(0, 1).all() and (losses.runs == 1).all()
    unsup = pd.read_csv(tables / "table_unsupervised.csv")
    assert set(unsup.method) == {"loss-plm", "pca", "umap", "cp-R2", "tucker-R2", "tucker_rhw-R2"} and len(unsup) == 12
    assert unsup["nmi_kmeans[heldout]_mean"].between(0, 1).all()
    run = tiny_run / "results" / "losses" / "olivetti" / "fold0"
    hist = pd.read_csv(run / "arcface" / "seed0" / "history.tsv", sep="\t")
    assert {"arcface", "variance_ratio", "active_ratio", "grad_norm_mean"} <= set(hist.columns) and len(hist) == 2
    plm = torch.load(run / "plm" / "seed0" / "model.pt", weights_only=False)
    assert plm["config"]["loss"] == "plm" and plm["config"]["loss_options"] == {"k": 5, "m": 2}
    emb = np.load(run / "plm" / "seed0" / "embeddings.npz")
    assert (emb["role"] == "heldout").sum() == 80  # olivetti tiny: 160 samples, 2 folds


def test_tiny_run_writes_table1_from_the_artifacts(tiny_run):
    t = pd.read_csv(tiny_run / "results" / "tables" / "table1_datasets.csv").set_index("dataset")
    assert t.loc["lfw", "samples"] == 1288 and t.loc["lfw", "samples used"] == 84
    assert t.loc["abide", "samples"] == 871 and t.loc["abide", "samples per class"] == "403–468"
    assert t.loc["olivetti", "class balance"] == "balanced"
    for ext in ("md", "tex"):
        assert (tiny_run / "results" / "tables" / f"table1_datasets.{ext}").stat().st_size > 500


def test_rerun_has_nothing_to_do(repo, data_dir, tiny_run, tiny_workflow):
    out = snakemake("-n", "--configfile", str(repo / "config" / "test.yaml"), "--config", f"data_dir={data_dir}",
                    cwd=tiny_run, snakefile=tiny_workflow).stdout
    assert "Nothing to be done" in out


def test_invalid_config_value_stops_at_start_naming_the_key(repo, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("datasets:\n  lfw: {source: lfw, resize: -1}\n")
    proc = snakemake("-n", "--configfile", str(cfg), cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "invalid config: key `datasets.lfw.resize`" in proc.stdout
    assert not (tmp_path / "results").exists()


def test_studies_follow_the_configured_datasets_and_name_one_they_do_not_know(repo, tmp_path):
    base = "datasets:\n  galaxy_paper: {source: galaxy, n_samples: 48, size: 32}\n"
    paper_only = tmp_path / "paper.yaml"  # the studies are held out: none without that protocol
    paper_only.write_text(base + "evaluation: {protocols: [paper]}\n")
    assert "train_loss" not in snakemake("-n", "--configfile", str(paper_only), cwd=tmp_path).stdout
    asked = tmp_path / "asked.yaml"  # ... unless folds are listed: then they run whatever the protocols
    asked.write_text(base + "evaluation: {protocols: [paper]}\nunsupervised: {folds: [1]}\n")
    jobs = snakemake("-n", "--configfile", str(asked), cwd=tmp_path).stdout
    assert jobs.count("loss=plm") == 1 and "split=fold1" in jobs and "table_unsupervised" in jobs
    only_synthetic = tmp_path / "synthetic.yaml"  # no real dataset: no loss comparison by default
    only_synthetic.write_text(base)
    jobs = snakemake("-n", "--configfile", str(only_synthetic), cwd=tmp_path).stdout
    assert "table_unsupervised" in jobs and "table_losses" not in jobs and "loss=contrastive" not in jobs
    assert jobs.count("loss=plm") == 3  # folds 0-2, seed 0
    two_folds = tmp_path / "two.yaml"
    two_folds.write_text(base + "evaluation: {folds: 2}\n")
    assert snakemake("-n", "--configfile", str(two_folds), cwd=tmp_path).stdout.count("loss=plm") == 2
    empty = tmp_path / "empty.yaml"
    empty.write_text(base + "unsupervised: {datasets: []}\n")
    assert "train_loss" not in snakemake("-n", "--configfile", str(empty), cwd=tmp_path).stdout
    for extra, message in (("unsupervised: {folds: [9]}", "config key unsupervised.folds: folds [9] do not exist"),
                           ("loss_comparison: {datasets: [lfw]}",
                            "config key loss_comparison.datasets: ['lfw'] are not configured datasets")):
        bad = tmp_path / "bad.yaml"
        bad.write_text(base + extra + "\n")
        proc = snakemake("-n", "--configfile", str(bad), cwd=tmp_path, check=False)
        assert proc.returncode != 0 and message in proc.stdout, proc.stdout[-2000:]


def test_augmentation_on_images_is_refused_at_start(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("datasets:\n  olivetti: {source: olivetti, augment: {copies: 2}}\n")
    proc = snakemake("-n", "--configfile", str(cfg), cwd=tmp_path, check=False)
    assert proc.returncode != 0 and "datasets.olivetti.augment.copies" in proc.stdout


def test_missing_dataset_in_data_dir_names_it(tmp_path, official_code_dir):
    staged = tmp_path / "empty_data"
    staged.mkdir()
    cfg = tmp_path / "c.yaml"  # the official code staged: only the data are missing
    cfg.write_text(f"data_dir: {staged}\nofficial_code_dir: {official_code_dir}\ndatasets:\n  lfw: {{source: lfw}}\n")
    proc = snakemake("--cores", "1", "--configfile", str(cfg), cwd=tmp_path, check=False)
    assert proc.returncode != 0
    assert "dataset 'lfw' is not in data_dir" in proc.stdout
    assert not (tmp_path / "results" / "raw" / "lfw.npz").exists()


def test_rule_files_are_snakefmt_formatted(repo):
    import subprocess
    import sys

    files = [str(repo / "Snakefile"), *map(str, sorted((repo / "workflow" / "rules").glob("*.smk")))]
    proc = subprocess.run([sys.executable, "-m", "snakefmt", "--check", *files], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_held_out_baselines_project_unseen_samples(repo, data_dir, tiny_run, tiny_workflow):
    import json

    jobs = [f"results/baselines/lfw/heldout/seed0/{kind}" for kind in ("projections", "decompositions")]
    snakemake("--cores", "2", "--configfile", str(repo / "config" / "test.yaml"), "--config", f"data_dir={data_dir}",
              "--", *jobs, cwd=tiny_run, snakefile=tiny_workflow)
    projections, decompositions = jobs
    targets = [f"{projections}/fold1/pca/summary.json",
               *(f"{decompositions}/fold1/{m}/summary.json" for m in ("cp-R2", "tucker-R2"))]
    for t in targets:
        s = json.loads((tiny_run / t).read_text())
        emb = np.load(tiny_run / t.replace("summary.json", "embeddings.npz"))
        assert s["heldout_embedded"] and s["n_heldout"] == 42 and s["n_train"] == 42  # 84 samples, 2 folds
        assert set(emb["role"]) == {"train", "heldout"} and len(emb["Z"]) == 84
        assert {"in_sample", "heldout"} <= set(s["reconstruction"])


def test_tiny_run_bridges_eq13_and_the_official_recipe(tiny_run):
    """config/test.yaml's bridge (Olivetti; encoder, objective, batch, early stopping): each trained
    choice is a run of its own beside both recipes' main-grid runs, in the table, figure and summary."""
    table = pd.read_csv(tiny_run / "results" / "tables" / "table_bridge.csv")
    sil = "silhouette_true_labels[all]_delta_mean"
    paper = table[table.protocol == "paper"].set_index("choice")
    assert list(paper.index) == ["eq13", "encoder", "objective", "batch", "early_stopping", "official", "sum"]
    assert not paper.trained["early_stopping"] and np.isnan(paper.loc["early_stopping", sil])  # the same in sample
    assert paper.loc[["encoder", "objective", "batch"], sil].notna().all()
    assert paper.loc["sum", sil] == pytest.approx(paper.loc[["encoder", "objective", "batch"], sil].sum())
    held = table[table.protocol == "heldout"].set_index("choice")
    # held out, early stopping is a choice of its own: both endpoints and the four trained choices score; the sum has no level
    p_at_1 = held["precision_at_1[heldout->train]_mean"]
    assert held.trained["early_stopping"] and list(p_at_1.index[p_at_1.notna()]) == list(held.index[:-1])
    for choice in ("encoder", "objective", "batch"):
        options = torch.load(tiny_run / "results" / "bridge" / "olivetti" / "all" / choice / "seed0" / "model.pt",
                             weights_only=False)["config"]
        assert options["loss"] == ("official" if choice == "objective" else "eq13")
    assert (tiny_run / "results" / "figures" / "fig_bridge.png").stat().st_size > 0
    assert "From eq. 13 to the official recipe, one choice at a time" in (tiny_run / "results" / "summary.md").read_text()


def test_tiny_run_runs_the_official_code_unmodified_and_scores_it(tiny_run, official_code_dir):
    """The official code from the pre-staged copy, one epoch of each example (config/test.yaml): its
    embedding is a method of Table 2 and the comparison, and the fidelity table sets it beside ours."""
    code = json.loads((tiny_run / "results" / "official_code" / "code.json").read_text())
    assert code["dir"] == str(official_code_dir) and code["commit"].startswith("331dee62")
    for d, n_trained, epochs in (("lfw", 1288, 1), ("olivetti", 400, 1)):
        s = json.loads((tiny_run / "results" / "official_code" / d / "all" / "seed0" / "summary.json").read_text())
        assert (s["n_trained"], s["epochs"]) == (n_trained, epochs) and s["n_scored"] == len(
            load_dataset(tiny_run / "results" / "data" / f"{d}.npz").y)  # every sample of our artifact is scored
    table2 = pd.read_csv(tiny_run / "results" / "tables" / "table2_faces.csv")
    assert sorted(table2[table2.method == "official_code"].dataset) == ["lfw", "olivetti"]
    cmp = pd.read_csv(tiny_run / "results" / "tables" / "paper_comparison.csv")
    assert set(cmp[cmp.method == "official_code"].paper_dataset) == {"lfw", "olivetti"}
    fidelity = pd.read_csv(tiny_run / "results" / "tables" / "official_fidelity.csv")
    assert set(fidelity.dataset) == {"lfw", "olivetti"} and "seconds_per_epoch" in set(fidelity.metric)


from norank.formatting import bounded_decimals  # noqa: E402
from norank.report import metric_key  # noqa: E402
from norank.table_registry import METRICS  # noqa: E402

HEADER_METRIC = {c.header: name for name, c in METRICS.items()}
NUMBER = re.compile(r"(?<![\w.×⁰¹²³⁴⁵⁶⁷⁸⁹⁻])-?\d+(?:\.(\d+))?(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?")


def test_every_rendered_table_prints_numbers_by_one_rule(tiny_run):
    """No Python e-notation or caret powers next to ×10ⁿ, no negative zero, and a published row at the
    precision of our in-sample row beside it (norank.formatting)."""
    pages = sorted((tiny_run / "results" / "tables").glob("*.md")) + [tiny_run / "results" / "summary.md"]
    assert len(pages) > 8
    for page in pages:
        text = page.read_text()
        assert not re.search(r"\d[eE][+-]?\d", text), (page.name, re.search(r".{30}\d[eE][+-]?\d.{10}", text))
        assert "×10^" not in text and not re.search(r"(?<![\w.])-0(\.0+)?(?![\d.])", text), page.name
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
                if line.startswith("|") and not line.startswith("|:") and not line.startswith("|-")]
        if not rows or "Protocol" not in rows[0]:
            continue
        head = rows[0]
        by_key = {(r[0], r[1], r[head.index("Protocol")]): r for r in rows[1:] if len(r) == len(head)}
        for (dataset, method, protocol), published in by_key.items():
            ours = by_key.get((dataset, method.removesuffix(" †"), "paper"))
            if protocol != "published" or ours is None:
                continue
            for col, (p, o) in enumerate(zip(published, ours)):
                pm, om = NUMBER.search(p), NUMBER.search(o)
                if not (pm and om) or "×10" in pm.group(0) + om.group(0):
                    continue
                if bounded_decimals(HEADER_METRIC.get(metric_key(head[col]))) is not None:  # the metric's decimals
                    assert len(pm.group(1) or "") == len(om.group(1) or ""), (page.name, head[col], p, o)
                elif pm.group(1) is not None and om.group(1) is not None:  # 3 significant digits each
                    assert len(pm.group(0).lstrip("-0.").replace(".", "")) == 3 == len(
                        om.group(0).lstrip("-0.").replace(".", "")), (page.name, head[col], p, o)
