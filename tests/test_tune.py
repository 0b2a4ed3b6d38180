"""Hyper-parameter selection on inner splits (norank.tune), its config checks and its place in the plan."""

import copy
import json

import numpy as np
import pandas as pd
import pytest

from norank import job_params, plan, tune
from norank.config import config_schema
from norank.errors import NorankError
from norank.labels import method_label
from norank.methods import Method
from norank.splits import split_indices
from test_plan import load_config

TRAIN_SCHEMA = config_schema()["$defs"]["train"]


@pytest.fixture(scope="module")
def config(repo):
    return load_config(repo)


def tuned_config(config, **tune_block):
    c = copy.deepcopy(config)
    c["tune"].update(enabled=True, **tune_block)
    return c


def test_the_default_space_parses_and_covers_what_the_paper_leaves_open(config):
    dims = {d.name: d for d in tune.parse_space(config["tune"]["space"], TRAIN_SCHEMA)}
    assert {"lr", "margin", "lambda_div", "lambda_uniform", "lambda_local", "lambda_global", "epochs",
            "encoder"} <= set(dims)
    assert dims["lr"].log and not dims["lr"].integer and dims["epochs"].choices == (25, 50, 100)
    # the configured options are inside it, so trial 0 is them
    assert all(d.contains(config["train"][d.name]) for d in dims.values())
    assert not config["tune"]["enabled"]  # off by default


@pytest.mark.parametrize("space, message", [
    ({}, "config key tune.space is empty"),
    ({"lr": None}, "config key tune.space is empty"),
    ({"learning_rate": [0.1]}, "config key tune.space.learning_rate: 'learning_rate' is not a training option"),
    ({"margin": {"low": 0.0, "high": 1.0}}, "config key tune.space.margin: 0.0 is not a valid value of training "
                                             "option margin"),
    ({"encoder": ["mlp", "transformer"]}, "config key tune.space.encoder: 'transformer' is not a valid value"),
    ({"lr": {"low": 0.1, "high": 0.01}}, "config key tune.space.lr: low (0.1) must be below high (0.01)"),
    ({"lambda_div": {"low": 0.0, "high": 1.0, "log": True}}, "config key tune.space.lambda_div: a log scale needs "
                                                             "low > 0"),
])
def test_a_bad_space_is_named_by_key(space, message):
    with pytest.raises(NorankError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tune.parse_space(space, TRAIN_SCHEMA)


def test_the_space_is_checked_when_the_workflow_is_parsed_only_when_tuning_is_on(config):
    bad = copy.deepcopy(config)
    bad["tune"]["space"] = {k: None for k in bad["tune"]["space"]}
    job_params.check_tune(bad)  # off: not read
    bad["tune"]["enabled"] = True
    with pytest.raises(NorankError, match="tune.space is empty"):
        job_params.check_tune(bad)


def test_tuning_adds_the_tuned_recipe_and_one_search_per_split(config):
    assert "metric_learning-tuned" not in {str(m) for m in plan.recipes(config)} and not plan.tune_splits(config)
    c = tuned_config(config)
    assert [str(m) for m in plan.recipes(c)][-1] == "metric_learning-tuned"
    assert plan.tune_splits(c) == plan.splits(c)
    runs = [r for r in plan.main_runs(c) if str(r.method) == "metric_learning-tuned"]
    assert {(r.split, r.seed) for r in runs} == {(s, seed) for s in plan.splits(c) for seed in plan.split_seeds(c, s)}
    assert "results/tune/olivetti/fold0/best.json" in plan.job_outputs(c)
    # the tuned recipe starts from eq. 13's options of the split; the search is told them
    p = job_params.tune(c, "olivetti", "fold0")
    assert p["options"] == job_params.train(c, "olivetti", "fold0", "eq13") == job_params.train(c, "olivetti",
                                                                                                "fold0", "tuned")
    assert p["space"] == c["tune"]["space"] and p["trials"] == c["tune"]["trials"]


def test_the_tuned_method_has_a_name_and_a_label():
    m = Method.parse("metric_learning-tuned")
    assert str(m) == "metric_learning-tuned" and m.recipe == "tuned" and m.is_trained
    assert "tuned" in method_label(m) and "tuned" in method_label(m, table=True)


def bands(n_per_class=12, classes=3, side=6, seed=0):
    """Images with a bright band per class (an easy, learnable problem)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(classes), n_per_class)
    X = rng.normal(size=(len(y), side, side)).astype(np.float32)
    for c in range(classes):
        X[y == c, :, 2 * c: 2 * c + 2] += 2.0
    return X, y


OPTIONS = dict(encoder="mlp", mlp_hidden=[16], embedding_dim=4, epochs=2, batch_size=12, classes_per_batch=3,
               val_fraction=0.0, eval_every=1, device="cpu")


def test_the_search_reads_only_the_training_part_and_starts_from_the_configured_options():
    X, y = bands()
    train_idx, test_idx = split_indices(y, "fold0", n_folds=3, split_seed=0)
    X[test_idx] = np.nan  # any read of the outer test samples would poison a trial
    space = tune.parse_space({"lr": {"low": 1e-3, "high": 1e-2, "log": True}, "epochs": [1, 2]}, TRAIN_SCHEMA)
    chosen, records, (n_fit, n_val) = tune.tune_options(
        X, y, train_idx, {**OPTIONS, "lr": 0.005}, space, trials=3, minutes=None, inner_fraction=0.25,
        objective="precision_at_1", seed=0)
    assert len(records) == 3 and all(r["state"] in ("complete", "repeat") for r in records)
    assert records[0]["option.lr"] == 0.005 and records[0]["option.epochs"] == 2  # trial 0: the configured options
    assert all(0 <= r["value"] <= 1 for r in records)
    assert set(chosen) == {"lr", "epochs"} and space[1].contains(chosen["epochs"]) and 1e-3 <= chosen["lr"] <= 1e-2
    assert n_fit + n_val == len(train_idx)
    best = max((r for r in records if r["state"] == "complete"), key=lambda r: r["value"])
    assert chosen == {"lr": best["option.lr"], "epochs": best["option.epochs"]}


def test_the_inner_split_is_stratified_inside_the_training_part():
    X, y = bands(n_per_class=20)
    train_idx, test_idx = split_indices(y, "fold1", n_folds=4, split_seed=0)
    fit, val = tune.inner_split(y, train_idx, 0.25, seed=0)
    assert set(fit) | set(val) == set(train_idx) and not set(fit) & set(val)
    assert np.bincount(y[val]).tolist() == [4, 4, 4]  # a quarter of each class's 15
    with pytest.raises(NorankError, match="tune.inner_fraction=0.01 leaves no inner validation sample"):
        tune.inner_split(y, train_idx, 0.01, seed=0)


def test_a_repeated_choice_is_not_trained_again():
    X, y = bands()
    space = tune.parse_space({"epochs": [1]}, TRAIN_SCHEMA)
    chosen, records, _ = tune.tune_options(X, y, np.arange(len(y)), OPTIONS, space, trials=3, minutes=None,
                                           inner_fraction=0.25, objective="knn_accuracy", seed=0)
    assert [r["state"] for r in records] == ["complete", "repeat", "repeat"] and chosen == {"epochs": 1}
    assert records[1]["value"] == records[0]["value"] and records[1]["seconds"] == 0


def test_diverging_trials_are_recorded_and_all_diverging_is_an_error(monkeypatch):
    import norank.ml.train as train

    X, y = bands()
    real = train.train_embedding

    def fragile(X, y, idx, cfg, seed, **kw):
        if cfg.lr > 0.05:
            raise train.TrainingDiverged("after epoch 1 the training embeddings are non-finite")
        return real(X, y, idx, cfg, seed, **kw)

    monkeypatch.setattr(train, "train_embedding", fragile)
    space = tune.parse_space({"lr": [0.1, 0.001]}, TRAIN_SCHEMA)
    chosen, records, _ = tune.tune_options(X, y, np.arange(len(y)), {**OPTIONS, "lr": 0.1}, space, trials=4,
                                           minutes=None, inner_fraction=0.25, objective="precision_at_1", seed=0)
    assert records[0]["state"] == "diverged" and chosen == {"lr": 0.001}
    space = tune.parse_space({"lr": [0.1, 0.2]}, TRAIN_SCHEMA)
    with pytest.raises(NorankError, match="every one of the 2 tuning trials diverged: narrow tune.space"):
        tune.tune_options(X, y, np.arange(len(y)), {**OPTIONS, "lr": 0.1}, space, trials=2, minutes=None,
                          inner_fraction=0.25, objective="precision_at_1", seed=0)


def test_the_choice_file_round_trips_into_the_tuned_options_and_the_table(tmp_path):
    records = [{"trial": 0, "option.lr": 0.001, "state": "complete", "value": 0.5, "seconds": 2.0},
               {"trial": 1, "option.lr": 0.004, "state": "complete", "value": 0.75, "seconds": 4.0},
               {"trial": 2, "option.lr": 0.004, "state": "repeat", "value": 0.75, "seconds": 0.0}]
    path = tmp_path / "best.json"
    tune.write_choice(path, {"lr": 0.004}, records, objective="precision_at_1", inner=(30, 10),
                      budget={"trials": 3, "minutes": None})
    c = json.loads(path.read_text())
    assert (c["best_trial"], c["configured_value"], c["trials"], c["trained"]) == (1, 0.5, 3, 2)
    assert c["median_seconds_per_trial"] == 3.0  # repeats cost nothing and are not counted
    assert tune.apply({"lr": 0.001, "epochs": 100}, path) == {"lr": 0.004, "epochs": 100}
    table = tune.tuning_table({("digits", "fold0"): path})
    assert table.loc[0, "option.lr"] == 0.004 and table.loc[0, "chosen_value"] == 0.75
    shown = tune.display(table)
    assert {"Configured (trial 0)", "Chosen", "lr", "s / trial (median)"} <= set(shown.columns)
    path.write_text('{"options": {"lr": ')
    with pytest.raises(NorankError, match=f"{path} cannot be read as a tuning result .*rule tune makes it again"):
        tune.apply({}, path)


def test_trials_are_written_as_a_table(tmp_path):
    records = [{"trial": 0, "option.epochs": 25, "state": "complete", "value": 0.5, "seconds": 1.0}]
    tune.write_trials(tmp_path / "trials.csv", records)
    assert pd.read_csv(tmp_path / "trials.csv").to_dict("records") == records
