"""The run plan (norank.plan) and method names (norank.methods), without Snakemake's DAG."""

import copy

import pytest
import yaml
from snakemake.utils import update_config, validate

from norank import plan
from norank.errors import NorankError
from norank.labels import method_label
from norank.methods import FAMILIES, LOSS, METRIC_LEARNING, Method, baseline_methods


def load_config(repo, *overlays: str) -> dict:
    """config/config.yaml with the overlay files on top, validated with the schema's defaults (as the Snakefile does)."""
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    for name in overlays:
        update_config(config, yaml.safe_load((repo / "config" / name).read_text()))
    validate(config, str(repo / "workflow" / "schemas" / "config.schema.yaml"))
    return config


# every family's names, as the files, metric rows and tables hold them
NAMES = ["metric_learning", "metric_learning-official", "metric_learning-official_fixed", "pca", "tsne", "umap",
         "cp-R5", "tucker-R20", "tucker_rhw-R3", "loss-eq13", "loss-center_contrastive", "loss-plm", "pca_svm",
         "transformer", "official_code", "bridge-encoder"]


@pytest.mark.parametrize("name", NAMES)
def test_method_names_round_trip(name):
    method = Method.parse(name)
    assert str(method) == name and Method.parse(str(method)) == method


def test_every_family_has_a_name_and_one_kind():
    methods = [Method.parse(n) for n in NAMES]
    assert {m.family for m in methods} == set(FAMILIES)
    kinds = {str(m): (m.is_trained, m.is_baseline) for m in methods}
    assert [n for n, k in kinds.items() if k == (True, False)] == NAMES[:3] + NAMES[9:12] + ["bridge-encoder"]
    assert [n for n, k in kinds.items() if k == (False, True)] == NAMES[3:9]
    # Table 6's classifiers, and the official code (its own rule trains it)
    assert [n for n, k in kinds.items() if k == (False, False)] == ["pca_svm", "transformer", "official_code"]
    assert [n for n in NAMES if Method.parse(n).is_encoder] == NAMES[:3] + NAMES[9:12] + ["official_code",
                                                                                         "bridge-encoder"]
    assert Method.trained_with("plm") == Method(LOSS, loss="plm") == Method.parse("loss-plm")
    assert Method.metric_learning() == Method(METRIC_LEARNING) == Method(METRIC_LEARNING, recipe="eq13")


def test_a_method_is_checked_when_it_is_made():
    import numpy as np

    assert Method("cp", rank=np.int64(5)).rank == 5 and type(Method("cp", rank=np.int64(5)).rank) is int
    for fields in (dict(family="cp"), dict(family="cp", rank=0), dict(family="pca", rank=5), dict(family="loss"),
                   dict(family="pca", loss="arcface"), dict(family="metric_learning", recipe="eq14"),
                   dict(family="umap", recipe="official"), dict(family="Tucker", rank=5)):
        with pytest.raises(NorankError):
            Method(**fields)
    with pytest.raises(TypeError):
        Method("cp", rank=5.5)


def test_method_parts_and_bad_names():
    assert Method.parse("cp-R12") == Method("cp", rank=12) and Method.parse("cp-R12").is_baseline
    assert Method.parse("loss-arcface").loss == "arcface" and Method.parse("loss-arcface").is_trained
    assert Method.parse("tsne").transductive and not Method.parse("umap").transductive
    for bad in ("cp", "pca-R5", "cp-R", "tucker-Rx", "loss-", "metric-learning", "CP-R5"):
        with pytest.raises(NorankError, match="is unknown"):
            Method.parse(bad)
    with pytest.raises(NorankError, match="not a decomposition"):
        Method.decomposition("pca", 5)
    assert method_label("tucker-R5") == "Tucker-R5" and method_label("loss-plm") == "PLM (unsupervised)"
    assert method_label("pca_svm") == "PCA + SVM" and method_label("something") == "something"


def test_tsne_only_under_split_all():
    families, ranks = ["pca", "tsne", "umap", "cp", "tucker"], [2, 5, 10]
    all_split = [str(m) for m in baseline_methods(families, ranks, "all")]
    fold = [str(m) for m in baseline_methods(families, [5], "fold3")]
    assert all_split == ["pca", "tsne", "umap", "cp-R2", "cp-R5", "cp-R10", "tucker-R2", "tucker-R5", "tucker-R10"]
    assert fold == ["pca", "umap", "cp-R5", "tucker-R5"]
    with pytest.raises(NorankError, match="baseline 'pca_svm' is unknown"):
        baseline_methods(["pca", "pca_svm"], ranks, "all")


def test_the_official_code_runs_in_sample_on_the_face_datasets_once_per_seed(repo):
    config = load_config(repo)
    runs = [r for r in plan.main_runs(config) if r.method == Method.parse("official_code")]
    assert sorted({(r.dataset, r.split) for r in runs}) == [("lfw", "all"), ("olivetti", "all")]
    assert sorted({r.seed for r in runs}) == config["evaluation"]["seeds"] == [0, 1, 2]
    assert plan.embeddings(runs[0]) == f"results/official_code/{runs[0].dataset}/all/seed{runs[0].seed}/embeddings.npz"
    m = runs[0].method
    assert m.is_encoder and not m.is_trained and not m.is_baseline  # no train job, no baseline job: its own rule
    assert plan.producer(runs[0]) == plan.embeddings(runs[0])
    off = dict(config, official_code=dict(config["official_code"], run=False))
    assert not [r for r in plan.main_runs(off) if r.method.family == "official_code"]
    heldout_only = dict(config, evaluation=dict(config["evaluation"], protocols=["heldout"]))
    assert plan.official_code_datasets(heldout_only) == []  # its examples train on every sample


def test_the_run_list_of_the_test_config(repo):
    config = load_config(repo, "test.yaml")
    assert plan.splits(config) == ["all", "fold0", "fold1"]
    runs = plan.main_runs(config)
    # 7 datasets x seed 0 x (all: ML by 2 recipes + pca, tsne, umap, cp-R2, cp-R5, tucker-R2, tucker-R5,
    # tucker_rhw-R2, tucker_rhw-R5; folds: ML by 2 recipes + pca, umap, cp-R2, tucker-R2, tucker_rhw-R2)
    # and the official code on lfw and olivetti, in sample
    assert len(runs) == 7 * (11 + 2 * 7) + 2
    assert {str(r.method) for r in runs if r.split == "fold1"} == {
        "metric_learning", "metric_learning-official", "pca", "umap", "cp-R2", "tucker-R2", "tucker_rhw-R2"}
    assert not [r for r in runs if r.method.transductive and r.split != "all"]
    olivetti_cp = plan.Run("olivetti", "all", Method.parse("cp-R5"), 0)
    assert olivetti_cp in runs
    assert plan.embeddings(olivetti_cp) == \
        "results/baselines/olivetti/paper/seed0/decompositions/all/cp-R5/embeddings.npz"
    assert plan.producer(olivetti_cp) == "results/baselines/olivetti/paper/seed0/decompositions"  # its job's folder
    assert plan.metrics_file(olivetti_cp) == "results/metrics/olivetti/all/seed0.csv"  # its evaluation group
    ml = plan.metric_learning_run("lfw", "fold0", 0)
    assert plan.embeddings(ml) == "results/train/lfw/fold0/eq13/seed0/embeddings.npz" and ml in runs
    official = plan.metric_learning_run("lfw", "all", 0, "official")
    assert plan.embeddings(official) == "results/train/lfw/all/official/seed0/embeddings.npz" and official in runs
    grid = plan.RankGrid.of(config)
    assert grid.in_sample == (2, 5) and grid.of_split("fold1") == grid.tables == grid.figures == (2,)
    assert grid.highest == 5 and plan.RankGrid.of({"baselines": {"ranks": [5, 10]}}).of_split("fold0") == (5, 10)
    assert plan.RankGrid(in_sample=(2, 3), heldout=(5, 10, 20)).figures == (2, 3)  # none of the tables' is fitted
    assert [str(m) for m in plan.figure_methods(config)] == ["pca", "tsne", "umap", "cp-R2", "tucker-R2", "tucker_rhw-R2",
                                                              "metric_learning", "metric_learning-official"]


def test_the_studies_of_the_test_config(repo):
    config = load_config(repo, "test.yaml")
    losses = plan.study_runs(config, "losses")
    assert {(r.dataset, r.split) for r in losses} == {("olivetti", "fold0"), ("galaxy_paper", "fold0")}
    assert [str(m) for m in plan.study_methods(config, "losses")] == ["loss-eq13", "loss-contrastive", "loss-arcface"]
    assert plan.run_file(losses[0], "history.tsv") == "results/losses/olivetti/fold0/eq13/seed0/history.tsv"
    assert [str(m) for m in plan.study_methods(config, "unsupervised")] == ["loss-plm", "pca", "umap", "cp-R2",
                                                                            "tucker-R2", "tucker_rhw-R2"]


def test_study_folds_and_datasets_follow_the_protocols_and_name_bad_keys(repo):
    config = load_config(repo)
    assert plan.study_splits(config, "losses") == ["fold0", "fold1", "fold2"]  # null: 0-2 of 5
    assert plan.study_datasets(config, "losses") == ["olivetti", "lfw", "abide"]  # as listed in config.yaml
    paper_only = copy.deepcopy(config)
    paper_only["evaluation"]["protocols"] = ["paper"]
    assert plan.study_splits(paper_only, "unsupervised") == [] and plan.study_runs(paper_only, "unsupervised") == []
    paper_only["unsupervised"]["folds"] = [1]  # listed folds run whatever the protocols
    assert plan.study_splits(paper_only, "unsupervised") == ["fold1"]
    two = copy.deepcopy(config)
    two["evaluation"]["folds"] = 2
    assert plan.study_splits(two, "unsupervised") == ["fold0", "fold1"]
    two["unsupervised"]["folds"] = [9]
    with pytest.raises(NorankError, match=r"config key unsupervised.folds: folds \[9\] do not exist"):
        plan.study_splits(two, "unsupervised")
    two["loss_comparison"]["datasets"] = ["mnist"]
    with pytest.raises(NorankError, match=r"config key loss_comparison.datasets: \['mnist'\] are not configured"):
        plan.study_datasets(two, "losses")


def test_evaluation_groups_hold_every_run_once(repo):
    config = load_config(repo, "test.yaml")
    groups = plan.evaluation_groups(config)
    assert len(groups) == 7 * 3  # datasets x (all, fold0, fold1) x seed 0
    fold0 = [str(r.method) for r in groups["olivetti", "fold0", 0]]
    # the main grid's runs, then the loss comparison's, PLM (the unsupervised baselines are the grid's) and
    # the bridge's (its endpoints are the grid's; test.yaml: Olivetti, 4 choices, early stopping held out only)
    assert fold0 == ["metric_learning", "metric_learning-official", "pca", "umap", "cp-R2", "tucker-R2", "tucker_rhw-R2",
                     "loss-eq13", "loss-contrastive", "loss-arcface", "loss-plm", "bridge-encoder",
                     "bridge-objective", "bridge-batch", "bridge-early_stopping"]
    every = [r for rs in groups.values() for r in rs]
    # + 4 study runs per dataset of the studies, + 3 bridge runs in sample and 4 on fold 0
    assert len(every) == len(set(every)) == len(plan.main_runs(config)) + 2 * 4 + 3 + 4


def test_selecting_runs_from_group_tables_names_a_missing_run():
    import pandas as pd

    from norank.errors import DataError
    from norank.evaluate import select_runs

    table = pd.DataFrame({"dataset": ["a", "a", "a"], "split": ["all", "all", "all"],
                          "method": ["pca", "loss-plm", "pca"], "seed": [0, 0, 0], "metric": ["x", "x", "y"],
                          "value": [1.0, 2.0, 3.0]})
    picked = select_runs([table], [("a", "all", "pca", 0)])
    assert picked.value.tolist() == [1.0, 3.0]
    with pytest.raises(DataError, match=r"results/metrics/a/all/seed0.csv has no rows of run umap .*delete it"):
        select_runs([table], [("a", "all", "pca", 0), ("a", "all", "umap", 0)])


def test_baseline_jobs_split_projections_from_the_rank_grid_and_hold_every_fold(repo):
    config = load_config(repo, "test.yaml")
    jobs = plan.baseline_jobs(config)
    assert len(jobs) == 7 * 2 * 2  # datasets x (paper, heldout) x (projections, decompositions) x seed 0
    heldout = jobs[plan.BaselineJob("lfw", "heldout", 0, "decompositions")]
    assert [(r.split, str(r.method)) for r in heldout] == [
        (f, m) for f in ("fold0", "fold1") for m in ("cp-R2", "tucker-R2", "tucker_rhw-R2")]
    paper = jobs[plan.BaselineJob("lfw", "paper", 0, "projections")]
    assert [str(r.method) for r in paper] == ["pca", "tsne", "umap"] and {r.split for r in paper} == {"all"}
    # every baseline run of the grid and the studies is in exactly one job, the one its files name
    every = [r for rs in jobs.values() for r in rs]
    wanted = {r for r in plan.main_runs(config) + plan.study_runs(config, "unsupervised") if r.method.is_baseline}
    assert len(every) == len(set(every)) and set(every) == wanted
    assert all(plan.embeddings(r).startswith(plan.producer(r) + "/") for r in every)
    # a study seed the grid does not run gets jobs of its own, with the study's folds only
    config["unsupervised"]["seeds"] = [7]
    extra = plan.baseline_jobs(config)[plan.BaselineJob("olivetti", "heldout", 7, "decompositions")]
    assert {r.split for r in extra} == {"fold0"} and plan.protocol("fold0") == "heldout"


def test_the_default_plan_trains_each_fold_once_and_the_paper_protocol_with_3_seeds(repo):
    """The full default: 7 datasets; split all fits 23 methods (two recipes, Tucker in two rank
    modes) with 3 seeds, each of 5 folds 13 with seed 0 (evaluation.heldout_seeds)."""
    config = load_config(repo)
    runs = plan.main_runs(config)
    assert len(runs) == 7 * (3 * 23 + 5 * 13) + 2 * 3 == 944  # + the official code: lfw, olivetti x 3 seeds
    assert {r.seed for r in runs if r.split == "all"} == {0, 1, 2}
    assert {r.seed for r in runs if r.split != "all"} == {0}
    assert len([r for r in runs if r.method.is_trained]) == 7 * 2 * (3 + 5) == 112
    assert len(plan.baseline_jobs(config)) == 7 * 2 * (3 + 1)  # (paper: 3 seeds, held out: 1) x 2 kinds
    # null: the folds train with every seed, as v1 did (1 155 baseline fits + Tucker (R,H,W))
    config["evaluation"]["heldout_seeds"] = None
    runs = plan.main_runs(config)
    assert len(runs) == 7 * 3 * (23 + 5 * 13) + 2 * 3 == 1854
    assert len([r for r in runs if r.method.is_trained]) == 7 * 2 * 3 * (1 + 5) == 252  # README
    assert len([r for r in runs if r.method.is_baseline]) == 1155 + 7 * 3 * (6 + 5 * 3)
    assert plan.split_seeds(config, "fold3") == plan.split_seeds(config, "all") == [0, 1, 2]


def test_the_rule_files_import_no_heavy_library(repo):
    """Every Snakemake call (a dry run too) parses the rule files: the norank modules they import
    must not pull in scikit-learn, torch, tensorly or UMAP (seconds of start-up each)."""
    import re
    import subprocess
    import sys

    sources = [repo / "Snakefile", *sorted((repo / "workflow" / "rules").glob("*.smk"))]
    imports = [m for f in sources for m in re.findall(r"^\s*from (norank[\w.]*) import ([\w, ]+)", f.read_text(), re.M)]
    modules = sorted({f"norank.{name.strip()}" if module == "norank" else module
                      for module, names in imports for name in names.split(",")})
    assert {"norank.plan", "norank.job_params", "norank.figure_plan"} <= set(modules), modules
    code = f"import sys; import {', '.join(modules)}; print(sorted(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    heavy = [m for m in ("sklearn", "torch", "tensorly", "umap", "pandas", "matplotlib") if f"'{m}'" in loaded]
    assert not heavy, f"{modules} import {heavy}"


def test_the_paper_protocol_trains_on_every_sample_without_early_stopping():
    options = {"val_fraction": 0.1, "patience": 20, "epochs": 100}
    assert plan.training_options(options, "all") == {"val_fraction": 0.0, "patience": 20, "epochs": 100}
    assert plan.training_options(options, "fold3") == options  # the held-out protocol validates


def test_builtin_datasets_switches_the_paper_datasets_off_and_prunes_the_studies(repo):
    config = load_config(repo)
    config["datasets"]["mine"] = {"source": "tensor", "data": "x.npz", "shape": "8x8"}
    assert plan.select_datasets(config) is config  # true: everything
    own = plan.select_datasets(dict(config, builtin_datasets=False))
    assert list(own["datasets"]) == ["mine"]
    assert own["loss_comparison"]["datasets"] == [] and own["unsupervised"]["datasets"] is None  # null = every one
    assert set(plan.paper_tables(own)) == {"table5_reconstruction", "table6_efficiency", "table_user_datasets"}
    assert not plan.compares_with_paper(own) and plan.compares_with_paper(config)
    some = plan.select_datasets(dict(config, builtin_datasets=["olivetti"]))
    assert sorted(some["datasets"]) == ["mine", "olivetti"] and some["loss_comparison"]["datasets"] == ["olivetti"]
    assert list(plan.paper_tables(some))[:1] == ["table2_faces"] and "table3_abide" not in plan.paper_tables(some)
    assert config["loss_comparison"]["datasets"] == ["olivetti", "lfw", "abide"]  # the input is left alone
    with pytest.raises(NorankError, match=r"config key builtin_datasets: \['mnist'\] are not configured built-in"):
        plan.select_datasets(dict(config, builtin_datasets=["mnist"]))
    del config["datasets"]["mine"]
    with pytest.raises(NorankError, match="builtin_datasets: no dataset is left to run; add your own with `dataset_sheet`"):
        plan.select_datasets(dict(config, builtin_datasets=False))


def test_the_own_data_overlay_runs_only_the_sheet_with_the_main_grid(repo):
    config = load_config(repo, "own_data.yaml")
    config["datasets"]["mine"] = {"source": "tensor", "data": "x.npz", "shape": "8x8"}
    own = plan.select_datasets(config)
    assert list(own["datasets"]) == ["mine"] and plan.study_runs(own, "losses") == plan.study_runs(own, "unsupervised") == []
    runs = plan.main_runs(own)
    assert {r.split for r in runs} == {"all", "fold0", "fold1", "fold2", "fold3", "fold4"} and {r.seed for r in runs} == {0, 1, 2}
    assert {str(r.method) for r in runs} >= {"metric_learning", "metric_learning-official", "pca", "tsne", "umap",
                                             "cp-R20", "tucker-R20", "tucker_rhw-R20"}


def test_the_faces_heldout_overlay_runs_both_recipes_held_out_on_the_faces_only(repo):
    config = plan.select_datasets(load_config(repo, "faces_heldout.yaml"))
    assert sorted(config["datasets"]) == ["lfw", "olivetti"] and plan.splits(config) == [f"fold{i}" for i in range(5)]
    trainings = {(r.dataset, str(r.method), r.seed) for r in plan.main_runs(config) if r.method.family == "metric_learning"}
    assert len(trainings) == 2 * 2 * 3 and plan.study_runs(config, "losses") == []


def test_the_run_description_names_folds_only_where_the_held_out_protocol_runs(repo):
    from norank.job_params import run_description

    quick = run_description(load_config(repo, "quick.yaml"))
    assert "Protocols: paper (in sample); seeds: 0;" in quick and "fold" not in quick  # no fold ran
    default = run_description(load_config(repo))
    assert ("Protocols: paper (in sample), heldout (5 folds, each held out once); seeds: 0, 1, 2 (the held-out "
            "folds train with seed 0 only)") in default
    assert "tuned" not in default
    tuned = run_description(load_config(repo, "tune.yaml"))
    assert tuned.endswith("metric-learning recipes: eq13, official, tuned (eq. 13 with options chosen on an inner "
                          "split of each training part, 20 trials per split).")
