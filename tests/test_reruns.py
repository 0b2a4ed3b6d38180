"""Partial re-runs: change one thing after a complete run, and a dry run schedules only what depends on it."""

import os
import re

import pytest
import yaml

from conftest import snakemake

pytestmark = pytest.mark.e2e

FIGURE_RULE = re.compile(r"fig\w+")
AGGREGATES = {"collect_metrics", "summarize_metrics", "collect_efficiency", "paper_tables", "report_summary",
              "provenance", "all", "collect_study_metrics", "summarize_study_metrics", "table_losses", "table_unsupervised",
              "fig_paper_vs_ours", "official_fidelity", "table_bridge"}  # the comparison's figure follows every table


def scheduled(stdout: str) -> list[tuple[str, dict]]:
    """``(rule, wildcards)`` of every job a dry run lists (a job of a group, such as a figure's, is
    printed indented under its group)."""
    jobs = []
    for block in re.split(r"\n(?= *\[[^\n]*\]\n *(?:local)?rule )", stdout):
        m = re.search(r"^ *(?:local)?rule (\w+):", block, re.M)
        if not m:
            continue
        wc = re.search(r"^\s+wildcards: (.*)$", block, re.M)
        jobs.append((m.group(1), dict(kv.split("=", 1) for kv in wc.group(1).split(", ")) if wc else {}))
    return jobs


def dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, change) -> list[tuple[str, dict]]:
    cfg = yaml.safe_load((tiny_workflow.parent / "config" / "test.yaml").read_text())
    change(cfg)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(cfg))
    out = snakemake("-n", "--configfile", str(path), "--config", f"data_dir={data_dir}", cwd=tiny_run,
                    snakefile=tiny_workflow).stdout
    return scheduled(out)


def test_a_training_parameter_of_one_dataset_reruns_only_that_dataset(tiny_workflow, tiny_run, data_dir, tmp_path):
    jobs = dry_run(tiny_workflow, tiny_run, data_dir, tmp_path,
                   lambda c: c["datasets"]["galaxy_paper"].setdefault("train", {}).update(margin=0.3))
    rules = {r for r, _ in jobs}
    assert {"train", "evaluate"} <= rules and not rules & {"baseline", "prepare", "synthesize", "download"}
    trained = sorted(w["split"] for r, w in jobs if r == "train")
    assert trained == ["all", "fold0", "fold1"] and {w["dataset"] for r, w in jobs if "dataset" in w} == {"galaxy_paper"}
    # the studies train galaxy_paper on fold0 with every loss from the same options, so they rerun too
    assert sorted(w["loss"] for r, w in jobs if r == "train_loss") == ["arcface", "contrastive", "eq13", "plm"]
    # one evaluation per (dataset, split, seed): galaxy_paper's three groups (the studies' runs are in fold0's)
    assert sorted(w["split"] for r, w in jobs if r == "evaluate") == ["all", "fold0", "fold1"]
    assert {w["method"] for r, w in jobs if r == "efficiency"} == {"metric_learning"}  # same training options


def test_changing_the_folds_reruns_no_split_all_job(tiny_workflow, tiny_run, data_dir, tmp_path):
    jobs = dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, lambda c: c["evaluation"].update(folds=3))
    per_split = {(r, w["split"]) for r, w in jobs if "split" in w}
    assert ("train", "fold2") in per_split and ("evaluate", "fold0") in per_split  # new folds, new fold contents
    assert not {s for _, s in per_split} & {"all"}, sorted(per_split)
    # the held-out baseline jobs (every fold) refit; the split-all ones do not
    assert {w["protocol"] for r, w in jobs if r == "baseline"} == {"heldout"}


def test_a_new_rank_refits_only_the_rank_grid_of_its_protocol(tiny_workflow, tiny_run, data_dir, tmp_path):
    jobs = dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, lambda c: c["baselines"].update(ranks=[2, 5, 3]))
    rules = {r for r, _ in jobs}
    assert {"baseline", "evaluate"} <= rules and not rules & {"train", "efficiency", "prepare"}
    # the new rank is fitted under split all only (heldout_ranks: [2]): each dataset's split-all CP / Tucker
    # job refits (never PCA, t-SNE or UMAP), and its split-all group re-evaluates
    refit = {(w["dataset"], w["protocol"], w["kind"]) for r, w in jobs if r == "baseline"}
    assert refit == {(d, "paper", "decompositions") for d, _, _ in refit} and len(refit) == 7
    assert {(w["dataset"], w["split"]) for r, w in jobs if r == "evaluate"} == {(d, "all") for d, _, _ in refit}
    assert rules - {"baseline", "evaluate"} <= AGGREGATES | {r for r in rules if FIGURE_RULE.fullmatch(r)}


def test_a_figure_style_reruns_only_figures(tiny_workflow, tiny_run, data_dir, tmp_path):
    jobs = dry_run(tiny_workflow, tiny_run, data_dir, tmp_path,
                   lambda c: c.setdefault("report", {}).setdefault("figure_style", {}).update(dpi=100))
    rules = {r for r, _ in jobs}
    figures = {r for r in rules if FIGURE_RULE.fullmatch(r)}
    assert len(figures) >= 10 and rules - figures <= {"provenance", "all"}


def test_a_rule_script_change_reruns_only_its_jobs(tiny_workflow, tiny_run, data_dir, tmp_path):
    script = tiny_workflow.parent / "workflow" / "scripts" / "baseline.py"
    original, stat = script.read_text(), script.stat()
    script.write_text(original + "\n# a changed line\n")  # Snakemake sees script changes by mtime
    try:
        jobs = dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, lambda c: None)
    finally:
        script.write_text(original)
        os.utime(script, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    rules = {r for r, _ in jobs}
    assert "baseline" in rules and not rules & {"train", "efficiency", "prepare", "download", "synthesize"}
    assert {(w["dataset"], "paper" if w["split"] == "all" else "heldout") for r, w in jobs if r == "evaluate"} <= {
        (w["dataset"], w["protocol"]) for r, w in jobs if r == "baseline"}
    assert rules - {"baseline", "evaluate"} <= AGGREGATES | {r for r in rules if FIGURE_RULE.fullmatch(r)}


def edited_library_dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, module: str, addition: str):
    """Dry-run after appending ``addition`` to library module ``module`` of the run's library copy."""
    path = tiny_workflow.parent / "src" / "norank" / module
    original = path.read_text()
    path.write_text(original + addition)
    try:
        return dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, lambda c: None)
    finally:
        path.write_text(original)


def test_a_library_change_reruns_only_the_jobs_whose_scripts_run_it(tiny_workflow, tiny_run, data_dir, tmp_path):
    jobs = edited_library_dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, "ml/transformer.py",
                                  "\n\nPATCH_SIZE_NOTE = 'changed'\n")
    rules = {r for r, _ in jobs}
    # norank/ml/transformer.py is reached only from the efficiency script (Table 6)
    assert "efficiency" in rules and not rules & {"train", "train_loss", "baseline", "evaluate", "prepare"}
    assert rules - {"efficiency"} <= AGGREGATES


def test_a_comment_in_the_library_reruns_nothing(tiny_workflow, tiny_run, data_dir, tmp_path):
    jobs = edited_library_dry_run(tiny_workflow, tiny_run, data_dir, tmp_path, "metrics.py", "\n# a comment\n")
    assert jobs == []
