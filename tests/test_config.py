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
