"""The figure plan (norank.figure_plan) and each job's params (norank.job_params), without Snakemake."""

import pytest

from norank import figure_plan, job_params, plan
from norank.errors import NorankError
from norank.methods import Method
from test_plan import load_config


@pytest.fixture(scope="module")
def default(repo):
    return load_config(repo)


@pytest.fixture(scope="module")
def tiny(repo):
    return load_config(repo, "test.yaml")


def by_name(config):
    return {f.name: f for f in figure_plan.figures(config)}


def test_the_default_config_makes_every_figure_once_in_the_report_order(default):
    names = [f.name for f in figure_plan.figures(default)]
    datasets = sorted(default["datasets"])
    assert names == ["fig1_tsne_faces", "fig2_retrieval_lfw", "fig3_retrieval_olivetti", "fig4_synthetic_samples",
                     "fig6_reconstructions_olivetti", "fig_distance_histograms", "fig_training_curves",
                     "fig_rank_sensitivity", "fig_paper_vs_ours", *[f"fig_embeddings_{d}" for d in datasets],
                     *[f"fig_loss_diagnostics_{d}" for d in plan.study_datasets(default, "losses")], "fig_bridge"]
    assert len(set(names)) == len(names)


def test_a_figure_reads_the_runs_of_its_seed_and_split(tiny):
    figures = by_name(tiny)
    # the held-out protocol runs: retrieval and curves read fold 0, whose model seed is the folds' first
    retrieval = figures["fig2_retrieval_lfw"]
    assert retrieval.inputs["embeddings"] == "results/train/lfw/fold0/eq13/seed0/embeddings.npz"
    assert retrieval.params["split"] == "fold0" and retrieval.params["retrieval"] == {"n_queries": 5, "k": 5, "seed": 0}
    assert figures["fig_training_curves"].inputs["history"][0] == "results/train/abide/fold0/eq13/seed0/history.tsv"
    # a baseline panel reads the folder of its baseline job (Snakemake tracks the folder), its file as a param
    emb = figures["fig_embeddings_olivetti"]
    assert "results/baselines/olivetti/paper/seed0/projections" in emb.inputs["embeddings"]
    assert emb.params["in_sample"][0] == "results/baselines/olivetti/paper/seed0/projections/all/pca/embeddings.npz"
    assert emb.params["paper_figure"] is None and figures["fig_embeddings_lfw"].params["paper_figure"] == 7
    # t-SNE has no held-out panel, and the figure says why
    tsne = emb.params["methods"].index("tsne")
    assert emb.params["heldout"][tsne] is None and "t-SNE" in emb.params["heldout_absent"][tsne]
    assert all(p.endswith("embeddings.npz") for i, p in enumerate(emb.params["heldout"]) if i != tsne)


def test_figure_six_reconstructs_with_the_highest_rank_of_the_grid(tiny):
    assert figure_plan.reconstruction_methods(tiny) == [Method("pca"), Method.decomposition("cp", 5),
                                                         Method.decomposition("tucker", 5)]
    fig6 = by_name(tiny)["fig6_reconstructions_olivetti"]
    assert fig6.params["methods"] == ["pca", "cp-R5", "tucker-R5"]
    assert fig6.params["summaries"][1] == "results/baselines/olivetti/paper/seed0/decompositions/all/cp-R5/summary.json"


def test_a_figure_whose_data_is_not_configured_is_not_planned(tiny):
    only_synthetic = plan.select_datasets(dict(tiny, builtin_datasets=["galaxy_paper", "galaxy_realistic"]))
    names = set(by_name(only_synthetic))
    assert "fig4_synthetic_samples" in names and not names & {"fig1_tsne_faces", "fig2_retrieval_lfw",
                                                                "fig6_reconstructions_olivetti"}
    heldout_only = dict(tiny, evaluation=dict(tiny["evaluation"], protocols=["heldout"]))
    names = set(by_name(heldout_only))  # the in-sample figures need split all
    assert "fig_training_curves" in names and not any(n.startswith("fig_embeddings") for n in names)
    no_losses = dict(tiny, loss_comparison=dict(tiny["loss_comparison"], datasets=[]))
    assert not any(n.startswith("fig_loss_diagnostics") for n in by_name(no_losses))


def test_the_summary_links_every_figure_but_the_loss_diagnostics(tiny):
    links = [f.link_name for f in figure_plan.figures(tiny)]
    assert "Figure 1. t-SNE of Olivetti and LFW: data and metric-learning embedding" in links
    assert "Embeddings of lfw" in links and links.count(None) == 2  # two loss-comparison datasets


def test_job_params_are_what_the_library_call_reads(tiny):
    assert job_params.split(tiny, "all") == {"split": "all"}
    assert job_params.split(tiny, "fold1") == {"split": "fold1", "n_folds": 2, "split_seed": 0}
    # the paper protocol trains on every sample (no validation share); a fold keeps the configured one
    assert job_params.train(tiny, "lfw", "all", "eq13")["val_fraction"] == 0.0
    assert job_params.train(tiny, "lfw", "fold0", "eq13")["val_fraction"] == tiny["train"].get("val_fraction", 0.1)
    official = job_params.train(tiny, "olivetti", "all", "official")
    assert official["epochs"] == 2 and official["loss"] == "official" and official["encoder"] == "official_cnn"
    assert list(official) == sorted(official)  # canonical: key order in a config file is no change
    plm = job_params.study_train(tiny, "olivetti", "fold0", "plm")
    assert plm["loss"] == "plm" and plm["diagnostics"] is False and plm["loss_options"]["k"] == 5
    assert "knn_k" in job_params.efficiency(tiny, "lfw", "metric_learning")
    assert job_params.efficiency(tiny, "abide", "transformer")["transformer"]["tokens"] == "rows"


def test_every_job_output_is_planned_once(tiny):
    outputs = plan.job_outputs(tiny)
    assert len(outputs) == len(set(outputs))
    assert "results/raw/abide.npz" in outputs and "results/studies/losses/summary.csv" in outputs
    assert "results/baselines/lfw/heldout/seed0/decompositions" in outputs
    assert "results/efficiency/lfw/transformer/seed0.csv" in outputs


def test_augmentation_of_images_is_refused_naming_the_key(tiny):
    bad = dict(tiny, datasets=dict(tiny["datasets"], lfw=dict(tiny["datasets"]["lfw"], augment={"copies": 1})))
    with pytest.raises(NorankError, match="datasets.lfw.augment.copies"):
        job_params.check_datasets(bad)


def test_the_figures_show_the_first_configured_recipe(repo):
    config = load_config(repo, "test.yaml")
    config["recipes"] = ["official"]
    config["bridge"]["datasets"] = []  # the bridge needs eq13 too (tests/test_bridge.py)
    figures = by_name(config)
    assert figures["fig6_reconstructions_olivetti"].inputs["ml"] == "results/train/olivetti/all/official/seed0/embeddings.npz"
    # the main grid's runs are the official recipe's; the loss comparison keeps its own eq13 row
    assert all("/eq13/" not in str(f.inputs) for f in figures.values() if "loss_diagnostics" not in f.name)


def test_the_training_curves_state_the_validation_share_and_planning_them_loads_no_torch(repo, tiny):
    import copy
    import subprocess
    import sys

    curves = lambda c: by_name(c)["fig_training_curves"].params["val_fraction"]  # noqa: E731
    assert curves(tiny) == tiny["train"]["val_fraction"]
    unset = copy.deepcopy(tiny)
    del unset["train"]["val_fraction"]
    assert curves(unset) == 0.1  # the trainer's default (TrainConfig.val_fraction)
    unset["datasets"]["lfw"].setdefault("train", {})["val_fraction"] = 0.2
    assert curves(unset) is None  # the datasets differ
    # the Snakefile plans the figures for every DAG, dry runs too: that must not import torch (about 3 s)
    code = ("import sys; sys.path.insert(0, 'tests'); from test_plan import load_config; from norank import figure_plan;"
            f"figure_plan.figures(load_config(__import__('pathlib').Path({str(repo)!r}))); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
