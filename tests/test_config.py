"""Configuration errors name the key and the fix."""

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from norank.config import explain_validation_error


def refusal(repo, edit) -> str:
    """The message the Snakefile shows for config/config.yaml changed by ``edit``."""
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    edit(config)
    with pytest.raises(WorkflowError) as err:
        validate(config, str(repo / "workflow" / "schemas" / "config.schema.yaml"))
    return explain_validation_error(err.value)


def test_the_default_config_names_the_eq13_objective_and_validates(repo):
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    validate(config, str(repo / "workflow" / "schemas" / "config.schema.yaml"))
    assert config["loss_comparison"]["losses"][0] == "eq13"


def test_the_old_loss_name_paper_is_refused_with_key_and_new_name(repo):
    msg = refusal(repo, lambda c: c["loss_comparison"].update(losses=["contrastive", "paper"]))
    assert "key `loss_comparison.losses.1`" in msg and "`paper` is now called `eq13`; write eq13 instead" in msg
    msg = refusal(repo, lambda c: c["datasets"]["olivetti"].update(train={"loss": "paper"}))
    assert "key `datasets.olivetti.train.loss`" in msg and "`paper` is now called `eq13`" in msg


def test_other_refused_values_get_no_rename_hint(repo):
    msg = refusal(repo, lambda c: c["loss_comparison"].update(losses=["hinge"]))
    assert "key `loss_comparison.losses.0`" in msg and "now called" not in msg
    msg = refusal(repo, lambda c: c["evaluation"].update(protocols=["paperr"]))  # "paper" is still a protocol
    assert "key `evaluation.protocols.0`" in msg and "now called" not in msg


@pytest.mark.parametrize("block", ["loss_comparison", "unsupervised", "efficiency"])
def test_every_training_block_is_validated_as_train(repo, block):
    """The studies' and Table 6's training overrides are checked like `train` (a negative epoch
    count trained nothing and exited 0; a string margin failed late with a TypeError)."""
    msg = refusal(repo, lambda c: c[block].update(train={"epochs": -1}))
    assert f"key `{block}.train.epochs`: -1 is less than the minimum of 1" in msg
    msg = refusal(repo, lambda c: c[block].update(train={"margin": "abc"}))
    assert f"key `{block}.train.margin`: 'abc' is not of type 'number'" in msg
    msg = refusal(repo, lambda c: c[block].update(train={"epoch": 5}))
    assert f"key `{block}.train`" in msg and "'epoch' was unexpected" in msg


def test_a_loss_option_names_a_compared_loss(repo):
    msg = refusal(repo, lambda c: c["loss_comparison"].update(loss_options={"arcfase": {"margin": 28.6}}))
    assert "key `loss_comparison.loss_options`" in msg and "'arcfase'" in msg


def test_a_number_given_as_text_by_inline_config_is_explained(repo):
    msg = refusal(repo, lambda c: c["train"].update(epochs="5"))
    assert "key `train.epochs`: '5' is not of type 'integer'" in msg
    assert "arrived as the text '5': Snakemake's --config passes the values inside a {...} block as text" in msg
    msg = refusal(repo, lambda c: c["train"].update(margin="abc"))  # not a number in any spelling: no hint
    assert "arrived as the text" not in msg


def test_only_the_default_configuration_writes_the_checkouts_results(repo, tmp_path):
    from norank.config import run_folder
    from norank.errors import NorankError

    def validated(*overlays):
        config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
        for name in overlays:
            config.update(yaml.safe_load((repo / "config" / name).read_text()))
        validate(config, str(repo / "workflow" / "schemas" / "config.schema.yaml"))
        return config

    default = validated()
    machine = dict(default, data_dir="/d", official_code_dir="/o", compute={"train_gpus": 0, "train_threads": 2})
    assert run_folder(machine, default, launch=repo, checkout=repo) is None  # the reference run
    overlays = sorted(p.name for p in (repo / "config").glob("*.yaml") if p.name != "config.yaml")
    assert {"test.yaml", "quick.yaml", "v3_bridge_lfw.yaml"} <= set(overlays)  # every shipped overlay
    for overlay in overlays:
        folder = run_folder(validated(overlay), default, launch=repo, checkout=repo)
        assert folder is not None and folder.parent == repo / "runs", overlay
    mine = dict(default, train={**default["train"], "epochs": 5})
    with pytest.raises(NorankError, match=r"differs from config/config.yaml \(keys train\).*add `run_dir: runs/<name>`"):
        run_folder(mine, default, launch=repo, checkout=repo)
    assert run_folder(mine, default, launch=tmp_path, checkout=repo) is None  # --directory elsewhere: that folder


def test_relative_paths_stay_the_launch_folders_and_a_cluster_job_finds_them(repo, tmp_path):
    from norank.config import absolute_paths, path_base

    config = {"data_dir": "../shared/data", "download_dir": "resources/data", "official_code_dir": "/abs/code",
              "dataset_sheet": None, "run_dir": "runs/test",
              "datasets": {"mine": {"source": "tensor", "data": "x.npy", "labels": "y.npy"}, "o": {"source": "olivetti"}}}
    absolute_paths(config, path_base(config, launch=repo, checkout=repo))
    assert config["data_dir"] == str(repo.parent / "shared" / "data") and config["official_code_dir"] == "/abs/code"
    assert config["datasets"]["mine"]["data"] == str(repo / "x.npy") and "data" not in config["datasets"]["o"]
    # a job of that run re-reads the Snakefile inside runs/test: its relative paths are still the checkout's
    assert path_base({"run_dir": "runs/test"}, launch=repo / "runs" / "test", checkout=repo) == repo
    assert path_base({"run_dir": None}, launch=tmp_path, checkout=repo) == tmp_path
    bad = {"data_dir": 5}
    absolute_paths(bad, repo)
    assert bad == {"data_dir": 5}  # left for the schema to refuse
