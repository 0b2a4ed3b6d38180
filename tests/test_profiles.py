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
    # the README's submission count (every job outside a group above is local)
    submissions = len(re.findall(r"\] Group job \w+", plan))
    stated = re.search(r"--profile profiles/slurm` spreads it in (\d+) submissions", (repo / "README.md").read_text())
    assert stated and int(stated.group(1)) == submissions, (stated and stated.group(0), submissions)
    comment = re.search(r"The full default then makes (\d+)\n# submissions", (repo / "profiles" / "slurm" / "config.yaml").read_text())
    assert comment and int(comment.group(1)) == submissions


def test_the_quick_configuration_has_the_job_count_the_readme_states(repo, tmp_path):
    quick = (repo / "README.md").read_text()
    stated = re.search(r"both studies on held-out fold 0: (\d+) jobs", quick)
    plan = snakemake("-n", "--quiet", "rules", "--configfile", str(repo / "config" / "config.yaml"),
                     str(repo / "config" / "quick.yaml"), "--config", f"run_dir={tmp_path / 'quick'}",
                     cwd=tmp_path, snakefile=repo / "Snakefile").stdout
    total = re.search(r"^total\s+(\d+)$", plan, re.M)
    assert stated and total and stated.group(1) == total.group(1), (stated and stated.group(0), total)
    comment = re.search(r"(\d+) jobs \(README", (repo / "config" / "quick.yaml").read_text())
    assert comment and comment.group(1) == total.group(1)
