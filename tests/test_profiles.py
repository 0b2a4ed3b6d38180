"""The Snakemake profiles, read as files (their runs: test_slurm.py, test_workflow.py)."""

import re

import yaml

from conftest import snakemake


def test_the_slurm_profile_puts_every_submitted_rule_in_a_job_group(repo, tmp_path):
    """A rule outside every group is submitted job by job; a figure or table rule outside the
    `report` group even breaks the DAG (provenance would depend on it from inside the group)."""
    profile = yaml.safe_load((repo / "profiles" / "slurm" / "config.yaml").read_text())
    grouped = dict(g.split("=") for g in profile["groups"])
    sources = [repo / "Snakefile", *sorted((repo / "workflow" / "rules").glob("*.smk"))]
    text = "\n".join(f.read_text() for f in sources)
    # the rules as Snakemake defines them (some are named in a loop or derived with `use rule`)
    listed = snakemake("--list-rules", "--configfile", str(repo / "config" / "config.yaml"), cwd=tmp_path,
                       snakefile=repo / "Snakefile").stdout
    rules = set(re.findall(r"^(\w+)(?: \(|$)", listed, re.M))
    assert {"train", "train_loss", "fig2_retrieval_lfw", "fig3_retrieval_olivetti"} <= rules
    local = {"all"} | {r for block in re.findall(r"^localrules:\s*\n((?:[ \t]+\w+,?\s*\n)+)", text, re.M)
                       for r in re.findall(r"\w+", block)}
    assert sorted(rules - local - set(grouped)) == []
    assert set(grouped) <= rules, sorted(set(grouped) - rules)  # no stale names
    assert set(grouped.values()) == {g.split("=")[0] for g in profile["group-components"]}
