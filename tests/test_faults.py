"""The fault suite: each fault of issue 35 on a copy of the tiny run, with the message it gives and
proof that no output is silently wrong (README, "When something goes wrong").

Damaged intermediates are found by their digests (norank.io): every output is written with the
sha256 of its bytes beside it, and each rule script checks its inputs against theirs first
(norank.logs.job). A damaged input stops its job with a message naming the file and the rule
that made it, and is moved aside, so the same command run again rebuilds it.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from conftest import snakemake, tiny_flags
from norank import cli

pytestmark = pytest.mark.e2e

REPORT_FLAGS = {"--report": 1, "--report-after-run": 0, "--report-stylesheet": 1}


def rerun_flags(tiny_workflow, data_dir, official_code_dir) -> list[str]:
    """The tiny run's flags without the report (the reruns here ask for single targets)."""
    flags, out, skip = tiny_flags(tiny_workflow, data_dir, official_code_dir), [], 0
    for f in flags:
        if skip:
            skip -= 1
        elif f in REPORT_FLAGS:
            skip = REPORT_FLAGS[f]
        else:
            out.append(f)
    return out


@pytest.fixture
def copy_of_run(tiny_run, tmp_path):
    """A private copy of the finished tiny run (outputs, digests and Snakemake's records)."""
    dest = tmp_path / "run"
    shutil.copytree(tiny_run, dest, symlinks=True)
    return dest


# one damaged intermediate per kind of file a rule reads: a metric table cut at its tail (it kept
# every run's name, and Table 5 changed silently), a training's embeddings and history cut short.
# Each edit makes the file newer than what was made from it, so Snakemake reruns its readers. The
# metric table comes first, alone: its reader (collect_metrics) waits for every evaluate job, so
# a damaged embedding, whose evaluate job stops, would keep it from ever being read.
DAMAGE = (
    {"results/metrics/olivetti/all/seed0.csv": lambda b: b[:-300]},
    {"results/train/lfw/all/eq13/seed0/embeddings.npz": lambda b: b[: len(b) // 2],
     "results/train/olivetti/fold0/eq13/seed0/history.tsv": lambda b: b[:400]},
)
READER = {"results/metrics/olivetti/all/seed0.csv": "rule evaluate makes it again",
          "results/train/lfw/all/eq13/seed0/embeddings.npz": "rule train makes it again",
          "results/train/olivetti/fold0/eq13/seed0/history.tsv": "rule train makes it again"}
TARGETS = ["results/metrics/summary.csv", "results/figures/fig_training_curves.png"]


def test_damaged_intermediates_are_named_moved_aside_and_rebuilt_identically(copy_of_run, tiny_workflow, data_dir,
                                                                             official_code_dir):
    run = copy_of_run
    before = (run / "results/metrics/summary.csv").read_bytes()
    emb_before = np.load(run / "results/train/lfw/all/eq13/seed0/embeddings.npz")["Z"]
    flags = rerun_flags(tiny_workflow, data_dir, official_code_dir)
    for damage in DAMAGE:
        for rel, cut in damage.items():
            (run / rel).write_bytes(cut((run / rel).read_bytes()))
        first = snakemake(*TARGETS, "--keep-going", *flags, cwd=run, snakefile=tiny_workflow, check=False)
        assert first.returncode != 0
        for rel in damage:  # each is named with the rule that makes it, and moved aside
            assert f"{rel} does not match the digest written with it" in first.stdout, rel
            assert f"It is moved to {rel}.damaged" in first.stdout and READER[rel] in first.stdout, rel
            assert not (run / rel).exists() and (run / f"{rel}.damaged").exists()
        assert "unexpected" not in first.stdout and "Traceback" not in first.stdout.split("norank error")[-1]
        snakemake(*TARGETS, *flags, cwd=run, snakefile=tiny_workflow)  # so the same command rebuilds it
    assert (run / "results/metrics/summary.csv").read_bytes() == before  # nothing silently wrong, nothing lost
    np.testing.assert_array_equal(np.load(run / "results/train/lfw/all/eq13/seed0/embeddings.npz")["Z"], emb_before)
    assert cli.main(["verify", "--directory", str(run)]) == 0


def test_damage_no_rerun_sees_is_found_by_verify(copy_of_run, capsys):
    """A truncated model.pt has no reader, and an edited file inside a folder output leaves the
    folder's timestamp alone, so a rerun says "Nothing to be done"; norank verify lists them (the
    folder output once) and a damaged dataset artifact, each with its rule and how to rebuild it."""
    model = copy_of_run / "results/train/olivetti/all/eq13/seed0/model.pt"
    model.write_bytes(model.read_bytes()[:100])
    folder = copy_of_run / "results/baselines/galaxy_paper/paper/seed0/projections"
    inner = folder / "all" / "pca" / "summary.json"
    inner.write_bytes(inner.read_bytes()[:-20])
    data = copy_of_run / "results/data/olivetti.npz"
    data.write_bytes(data.read_bytes()[:-10])
    assert cli.main(["verify", "--directory", str(copy_of_run)]) == 1
    out = capsys.readouterr().out
    assert "results/train/olivetti/all/eq13/seed0/model.pt does not match the digest" in out and "rule train" in out
    assert "results/data/olivetti.npz does not match the digest" in out and "rule prepare" in out
    assert "all/pca/summary.json does not match" in out and "rm -r results/baselines/galaxy_paper/paper/seed0/" \
        "projections" in out and "rule baseline" in out
    assert out.count("damaged:") == 3
    assert cli.main(["verify", "--directory", str(copy_of_run), "--fix"]) == 1
    assert not folder.exists() and not model.exists() and not data.exists()


def test_a_bad_study_training_option_stops_before_any_job(tmp_path, tiny_workflow, data_dir, official_code_dir):
    """epochs: -1 in a study's train block trained nothing and exited 0 (issue 35); now the
    schema refuses it, naming the key, before any job runs."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("loss_comparison: {train: {epochs: -1}}\n")
    flags = rerun_flags(tiny_workflow, data_dir, official_code_dir)
    proc = snakemake("-n", *flags, str(bad), cwd=tmp_path, snakefile=tiny_workflow, check=False)
    assert proc.returncode != 0
    assert "invalid config: key `loss_comparison.train.epochs`: -1 is less than the minimum of 1" in proc.stdout
