"""The bridge from eq. 13 to the official recipe (norank.bridge): its runs, each choice's options,
and the table of paired changes."""

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from norank import bridge, plan
from norank.errors import NorankError
from norank.methods import Method

from test_plan import load_config

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def config():
    return load_config(REPO)


def test_the_default_bridge_trains_each_choice_the_recipes_do_not_share(config):
    trained = {(r.dataset, r.split): set() for r in bridge.runs(config)}
    for r in bridge.runs(config):
        trained[r.dataset, r.split].add(str(r.method))
    every = {f"bridge-{c}" for c in bridge.CHOICES} | {"metric_learning", "metric_learning-official"}
    # LFW trains 100 epochs in both recipes; in sample neither stops early
    assert trained["lfw", "all"] == every - {"bridge-epochs", "bridge-early_stopping"}
    assert trained["olivetti", "all"] == every - {"bridge-early_stopping"}
    assert trained["lfw", "fold0"] == every - {"bridge-epochs"} and trained["olivetti", "fold0"] == every
    seeds = [r.seed for r in bridge.runs(config) if r.split == "all" and r.method == Method.bridged("encoder")]
    assert sorted(seeds) == [0, 0, 1, 1, 2, 2]  # the main grid's seeds, so every change has its eq. 13 pair
    assert set(bridge.runs(config)) <= set(plan.study_runs(config, "bridge"))
    endpoints = [r for r in bridge.runs(config) if r.method.family == "metric_learning"]
    assert set(endpoints) <= set(plan.main_runs(config))  # shared with the main grid, never trained twice


@pytest.mark.parametrize("choice", list(bridge.CHOICES))
def test_a_choice_changes_only_its_own_options_and_takes_the_official_values(config, choice):
    eq13, official = bridge.endpoint_options(config, "olivetti", "fold0")
    diff = bridge.changed(config, "olivetti", "fold0", choice)
    assert diff and all(eq13.get(k) == a for k, (a, b) in diff.items())
    taken = {k: b for k, (a, b) in diff.items() if k not in ("sampler", "loss_options") and not k.startswith("lambda")}
    assert all(official[k] == v for k, v in taken.items() if k in official) or choice == "margin"
    if choice == "margin":
        assert diff == {"margin": (0.5, official["loss_options"]["margin"])}
    if choice == "objective":  # the official objective on eq. 13's class-balanced batches
        assert diff["loss"][1] == "official" and diff["sampler"][1] == "pk"
    if choice == "batch":
        assert diff == {"batch_size": (64, 8), "sampler": (None, "shuffled")}  # the Olivetti example's batch


def test_every_choice_trains(config):
    """Each choice's options make a TrainConfig the loop trains (tiny images, one epoch)."""
    from norank.ml.train import TrainConfig, train_embedding

    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 6)
    X = (rng.normal(size=(4, 12, 12))[y] + 0.3 * rng.normal(size=(24, 12, 12))).astype(np.float32)
    for choice in bridge.CHOICES:
        options = {**bridge.choice_options(config, "olivetti", "fold0", choice), "epochs": 1, "device": "cpu",
                   "classes_per_batch": 4, "val_fraction": 0.0, "eval_every": 1}
        options["batch_size"] = min(options["batch_size"], 12)
        res = train_embedding(X, y, np.arange(24), TrainConfig.from_dict(options), seed=0, progress=False)
        assert np.isfinite(res.history[-1]["total"]), choice


def test_the_bridge_needs_both_recipes_and_configured_datasets(config):
    c = copy.deepcopy(config)
    c["recipes"] = ["eq13"]
    assert bridge.runs(c) == []  # by default (datasets null) the bridge runs where both recipes do
    c["bridge"]["datasets"] = ["lfw"]
    with pytest.raises(NorankError, match=r"`recipes` lacks \['official'\]; add them, or set bridge.datasets: \[\]"):
        bridge.runs(c)
    c["bridge"]["datasets"] = []
    assert bridge.runs(c) == [] and plan.study_runs(c, "bridge") == []
    c["bridge"]["datasets"] = ["faces"]
    with pytest.raises(NorankError, match=r"bridge.datasets: \['faces'\] are not configured"):
        bridge.runs(c)
    c = copy.deepcopy(config)
    c["bridge"]["folds"] = [7]
    with pytest.raises(NorankError, match="bridge.folds: folds \\[7\\] do not exist with evaluation.folds = 5"):
        bridge.runs(c)
    c["evaluation"]["protocols"] = ["paper"]
    assert {r.split for r in bridge.runs(c)} == {"all"}


def metric_rows(values: dict) -> pd.DataFrame:
    """Metric rows of olivetti fold0: {method: [silhouette per seed]}, with P@1 and SR fixed."""
    rows = []
    for method, sils in values.items():
        for seed, v in enumerate(sils):
            for subset, metric, value in (("heldout", "silhouette_true_labels", v), ("heldout", "separation_ratio", 2.0),
                                          ("heldout->train", "precision_at_1", 0.5)):
                rows.append(dict(dataset="olivetti", method=method, protocol="heldout", split="fold0", seed=seed,
                                 subset=subset, metric=metric, value=value))
    return pd.DataFrame(rows)


def test_the_table_pairs_each_change_with_eq13_on_the_same_seed(config):
    c = copy.deepcopy(config)
    c["bridge"].update(datasets=["olivetti"], choices=["encoder", "margin"])
    c["evaluation"]["protocols"] = ["heldout"]
    c["evaluation"]["heldout_seeds"] = [0, 1]
    rows = bridge.layout(c)
    assert [r["choice"] for r in rows] == ["eq13", "encoder", "margin", "official"]
    assert rows[2]["change"] == "margin: 0.5 -> 1.0"
    metrics = metric_rows({"metric_learning": [0.2, 0.4], "bridge-encoder": [0.5, 0.5], "bridge-margin": [0.1, 0.4],
                           "metric_learning-official": [0.6, 0.6]})
    table = bridge.bridge_table(metrics, rows)
    sil = "silhouette_true_labels[heldout]"
    got = table.set_index("choice")
    assert got.loc["encoder", f"{sil}_delta_mean"] == pytest.approx(0.2)  # (0.3 + 0.1) / 2, paired by seed
    assert got.loc["encoder", f"{sil}_delta_sd"] == pytest.approx(np.std([0.3, 0.1], ddof=1))
    assert got.loc["margin", f"{sil}_delta_mean"] == pytest.approx(-0.05)
    assert got.loc["official", f"{sil}_delta_mean"] == pytest.approx(0.3) and got.loc["eq13", f"{sil}_mean"] == pytest.approx(0.3)
    assert got.loc["sum", f"{sil}_delta_mean"] == pytest.approx(0.15)
    assert got.loc["encoder", "separation_ratio[heldout]_delta_mean"] == 0.0
    shown = bridge.display(table).set_index("Choice")
    assert shown.loc["encoder", "Sil. (true)"] == "+0.200 ± 0.141"
    assert shown.loc["official", "Sil. (true)"].endswith("(gap +0.300 ± 0.141)")
    assert bridge.conclusion(table) == ("olivetti held out: Sil. (true) +0.30 from eq. 13 to the official recipe, most with "
                                        "encoder (+0.20) (single changes sum to +0.15).")
    with pytest.raises(NorankError, match="hold no metric_learning-official run on olivetti / fold0"):
        bridge.bridge_table(metrics[metrics.method != "metric_learning-official"], rows)


def test_a_shared_choice_is_listed_untrained(config):
    rows = bridge.layout(config)
    lfw_epochs = next(r for r in rows if r["dataset"] == "lfw" and r["split"] == "all" and r["choice"] == "epochs")
    assert lfw_epochs == dict(dataset="lfw", protocol="paper", split="all", choice="epochs",
                              change="the same in both recipes", trained=False)


def test_the_figure_draws_a_bar_per_trained_choice_and_the_gap(config):
    from norank.figures.bridge import plot_bridge

    c = copy.deepcopy(config)
    c["bridge"].update(datasets=["olivetti"], choices=["encoder", "margin"])
    c["evaluation"]["protocols"] = ["heldout"]
    metrics = metric_rows({"metric_learning": [0.2], "bridge-encoder": [0.5], "bridge-margin": [0.1],
                           "metric_learning-official": [0.6]})
    fig = plot_bridge(bridge.bridge_table(metrics, bridge.layout(c)))
    ax = fig.axes[0]
    assert [round(p.get_width(), 6) for p in ax.patches] == [0.3, -0.1]  # encoder, margin
    assert "official − eq. 13: +0.400" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "one run: no sd" in ax.get_title() and not ax.collections  # no zero-width error bars
    c["evaluation"]["protocols"] = ["paper"]  # in sample only: a column per in-sample metric, no empty one
    metrics = metrics.assign(protocol="paper", split="all", subset=metrics.subset.replace({"heldout": "all"}))
    fig = plot_bridge(bridge.bridge_table(metrics, bridge.layout(c)))
    assert len(fig.axes) == len(bridge.METRICS["paper"]) and all(ax.axison for ax in fig.axes)
    second = metrics.assign(seed=1, value=metrics.value + np.where(metrics.method == "bridge-encoder", 0.1, 0.0))
    metrics = pd.concat([metrics, second])  # two seeds, the encoder's change differs between them: a spread
    ax = plot_bridge(bridge.bridge_table(metrics, bridge.layout(c))).axes[0]
    assert "no sd" not in ax.get_title() and ax.collections  # the error bars


def test_the_readme_states_the_default_bridge_size(config):
    trained = sum(r.method.family == "bridge" for r in bridge.runs(config))
    assert f"In the default run that is {trained} trainings" in (REPO / "README.md").read_text()
