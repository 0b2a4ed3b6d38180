"""The Snakemake profiles, read as files and through a dry run (their runs: test_slurm.py, test_workflow.py)."""

import re

import yaml

from conftest import snakemake


def test_the_slurm_profile_puts_every_submitted_job_in_a_job_group(repo, tmp_path):
    """A job outside every group is submitted on its own; a figure or table job outside the `report`
    group even breaks the DAG (provenance would depend on it from inside the group). The profile
    groups the rules by name; the figure rules, named after their figures, declare `report`
    themselves (workflow/rules/figures.smk). A dry run through the profile shows what is grouped."""
    profile = yaml.safe_load((repo / "profiles" / "slurm" / "config.yaml").read_text())
    grouped = dict(g.split("=") for g in profile["groups"])
    listed = snakemake("--list-rules", "--configfile", str(repo / "config" / "config.yaml"), cwd=tmp_path,
                       snakefile=repo / "Snakefile").stdout
    rules = set(re.findall(r"^(\w+)(?: \(|$)", listed, re.M))
    assert set(grouped) <= rules, sorted(set(grouped) - rules)  # no stale names
    assert set(grouped.values()) == {g.split("=")[0] for g in profile["group-components"]}
    plan = snakemake("-n", "--profile", str(repo / "profiles" / "slurm"), "--configfile",
                     str(repo / "config" / "config.yaml"), cwd=tmp_path, snakefile=repo / "Snakefile").stdout
    # a grouped job is printed indented under its "Group job" line; a job on its own is not
    alone = set(re.findall(r"^(?:local)?rule (\w+):", plan, re.M))
    assert alone == {"all", "download", "official_code"}, sorted(alone)  # local: downloads need the network
    in_groups = set(re.findall(r"^ +(?:local)?rule (\w+):", plan, re.M))
    assert {"train", "train_loss", "fig2_retrieval_lfw", "fig_embeddings_lfw", "provenance"} <= in_groups
    assert "Group job report (" in plan
