"""The workflow through the SLURM profile on a real (one-node) cluster, against a local run.

Needs a running SLURM (`.ci/slurm-up` starts one on this machine; `.ci/run` does it in CI and
sets NORANK_REQUIRE_SLURM=1 so that a missing cluster fails instead of skipping).
"""

import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from conftest import snakemake

pytestmark = [pytest.mark.e2e, pytest.mark.slurm]

# a small synthetic-only run: no data folder needed, every stage from generation to the report
CONFIG = """\
datasets:
  galaxy_paper: {source: galaxy, preset: paper, n_samples: 24, size: 16}
train: {epochs: 2, patience: 2, eval_every: 1, classes_per_batch: 4, batch_size: 16}
official_recipe: {epochs: 2}
baselines: {methods: [pca, cp], ranks: [2], decomposition: {n_iter_max: 10}}
evaluation: {protocols: [paper], seeds: [0]}
efficiency: {sizes: [8], methods: [pca_svm, metric_learning]}
compute: {train_gpus: 0, train_threads: 1}
"""


def slurm_up() -> bool:
    if not shutil.which("sinfo"):
        return False
    out = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
    return out.returncode == 0 and bool(re.search(r"idle|mixed|alloc", out.stdout))


@pytest.fixture(scope="module")
def cluster():
    if not slurm_up():
        msg = "no SLURM cluster answers `sinfo`; start one with `sudo .ci/slurm-up` (see ../shared/slurm/README.md)"
        if os.environ.get("NORANK_REQUIRE_SLURM") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


def slurm_jobs_of(run_dir) -> list[str]:
    """Comments (``rule_<name>_wildcards_...``) of the SLURM jobs whose working directory is ``run_dir``."""
    out = subprocess.run(["scontrol", "show", "job", "--oneliner"], capture_output=True, text=True, check=True).stdout
    rules = []
    for line in out.splitlines():
        if f"WorkDir={run_dir} " in line + " ":
            m = re.search(r"Comment=(\S+)", line)
            rules.append(m.group(1) if m else "?")
    return rules


def test_slurm_profile_runs_the_workflow_through_sbatch_with_local_results(repo, cluster, tmp_path):
    cfg = tmp_path / "slurm.yaml"
    cfg.write_text(CONFIG)
    runs = {}
    profile = ["--profile", str(repo / "profiles" / "slurm"), "--slurm-init-seconds-before-status-checks", "1"]
    for where, extra in (("local", ["--cores", "2"]), ("slurm", profile)):
        wd = tmp_path / where
        wd.mkdir()
        runs[where] = wd
        if where == "slurm":  # what the profile's job groups will submit
            plan = snakemake("-n", "--configfile", str(cfg), *extra, cwd=wd).stdout
        snakemake("--configfile", str(cfg), *extra, cwd=wd)

    # SLURM's own records: one submission per group job of the dry run, each of the profile's groups
    jobs = slurm_jobs_of(runs["slurm"])
    local = re.findall(r"^(?:local)?rule (\w+):", plan, re.M)
    n_jobs = int(re.search(r"^total\s+(\d+)$", plan, re.M).group(1))
    assert local == ["all"] and len(jobs) == plan.count("Group job") + len(local) - 1, (jobs, local)
    groups = {c.removeprefix("rule_").split("_")[0] for c in jobs}
    assert groups == {"data", "evaluation", "train", "efficiency", "evidence", "report"}, jobs
    assert len(jobs) <= n_jobs // 3, (len(jobs), n_jobs)  # 6 submissions for the 26 jobs (all is local)

    # the same numbers as the local run
    for f in ("results/metrics/metrics.csv", "results/efficiency/efficiency.csv"):
        a, b = (pd.read_csv(runs[w] / f) for w in ("local", "slurm"))
        keep = [c for c in a.columns if c != "seconds"]
        pd.testing.assert_frame_equal(a[keep], b[keep], check_exact=False, rtol=1e-6)
    for f in ("results/train/galaxy_paper/all/eq13/seed0/embeddings.npz",
              "results/baselines/galaxy_paper/paper/seed0/decompositions/all/cp-R2/embeddings.npz"):
        za, zb = (np.load(runs[w] / f)["Z"] for w in ("local", "slurm"))
        np.testing.assert_allclose(za, zb, rtol=1e-5, atol=1e-6)
    assert (runs["slurm"] / "results" / "provenance.md").exists()


def test_gpu_request_on_a_gpu_less_cluster_fails_fast_not_hangs(repo, cluster, tmp_path):
    # without the documented override (compute.train_gpus: 0), the run stops before any sbatch,
    # naming the key (in a job group, SLURM's own refusal would reach the user as a bare
    # "Error in group train": Snakemake 9 drops the executor's message)
    (tmp_path / "gpu.yaml").write_text(CONFIG.replace("train_gpus: 0", "train_gpus: 1"))
    target = "results/train/galaxy_paper/all/eq13/seed0/embeddings.npz"
    t0 = time.monotonic()
    proc = snakemake("--configfile", "gpu.yaml", "--profile", str(repo / "profiles" / "slurm"),
                     "--slurm-init-seconds-before-status-checks", "1", "--", target, cwd=tmp_path, check=False)
    assert proc.returncode != 0 and time.monotonic() - t0 < 120
    assert "compute.train_gpus is 1, but no node of this SLURM cluster has a GPU" in proc.stdout
    assert not slurm_jobs_of(tmp_path) and not (tmp_path / target).exists()  # nothing was submitted


def test_a_jobs_norank_error_reaches_the_terminal_once_without_traceback(repo, cluster, tmp_path):
    # on the cluster the job's own output goes to its SLURM log: the Snakefile's onerror repeats it
    X = np.random.default_rng(0).normal(size=(12, 4, 3))
    X[5, 1, 1] = np.nan
    np.save(tmp_path / "x.npy", X)
    (tmp_path / "labels.csv").write_text("\n".join(["a", "b", "c"] * 4) + "\n")
    (tmp_path / "datasets.tsv").write_text("name\tdata\tlabels\tshape\nmine\tx.npy\tlabels.csv\t4x3\n")
    (tmp_path / "c.yaml").write_text("dataset_sheet: datasets.tsv\nbuiltin_datasets: false\ncompute: {train_gpus: 0}\n")
    proc = snakemake("--configfile", "c.yaml", "--profile", str(repo / "profiles" / "slurm"),
                     "--slurm-init-seconds-before-status-checks", "1", "results/raw/mine.npz", cwd=tmp_path, check=False)
    message = "dataset 'mine': 1 sample(s) contain NaN or inf (first indices: [5])"
    assert proc.returncode != 0 and proc.stdout.count(message) == 1, proc.stdout[-3000:]
    assert "norank error (full log: logs/import_tensor/mine.log)" in proc.stdout and "Traceback" not in proc.stdout
    assert slurm_jobs_of(tmp_path)  # it did run through sbatch


def test_a_training_requeued_mid_epoch_by_slurm_ends_complete_and_identical(repo, cluster, tmp_path):
    """Preemption: SLURM requeues the running training job mid-epoch (`scontrol requeue`); the run
    ends with every result complete and the same embeddings and metrics as an uninterrupted run."""
    cfg = tmp_path / "long.yaml"
    # enough epochs that the training is caught mid-way; no efficiency curves (not needed here)
    cfg.write_text(CONFIG.replace("epochs: 2, patience: 2", "epochs: 400, patience: 400")
                   .replace("efficiency: {sizes: [8], methods: [pca_svm, metric_learning]}",
                            "efficiency: {sizes: [8], methods: [pca_svm]}"))
    target = ["results/metrics/summary.csv"]
    local = tmp_path / "local"
    local.mkdir()
    snakemake("--configfile", str(cfg), "--cores", "2", *target, cwd=local)

    wd = tmp_path / "slurm"
    wd.mkdir()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "--directory", str(wd), "--configfile",
           str(cfg), "--profile", str(repo / "profiles" / "slurm"), "--slurm-init-seconds-before-status-checks", "1",
           *target]
    run = subprocess.Popen(cmd, cwd=wd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log = wd / "logs" / "train" / "galaxy_paper" / "all" / "eq13" / "seed0.log"
    requeued = None
    deadline = time.monotonic() + 600
    while requeued is None and run.poll() is None and time.monotonic() < deadline:
        running = subprocess.run(["squeue", "-h", "-t", "RUNNING", "-o", "%i %k"], capture_output=True,
                                 text=True).stdout.split("\n")
        job = next((line.split()[0] for line in running if "rule_train" in line), None)
        if job and log.exists() and "epoch" in log.read_text():  # in the middle of its epochs
            subprocess.run(["scontrol", "requeue", job], check=True)
            requeued = job
        time.sleep(0.5)
    out, _ = run.communicate(timeout=900)
    assert requeued, "the training never ran long enough to be requeued:\n" + out[-3000:]
    assert run.returncode == 0, out[-5000:]
    for f in ("results/train/galaxy_paper/all/eq13/seed0/embeddings.npz",):
        np.testing.assert_array_equal(np.load(local / f)["Z"], np.load(wd / f)["Z"])
    a, b = (pd.read_csv(d / "results/metrics/summary.csv") for d in (local, wd))
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-6)
    assert cli_verify(wd) == 0  # every output whole


def cli_verify(folder) -> int:
    from norank import cli

    return cli.main(["verify", "--directory", str(folder)])
