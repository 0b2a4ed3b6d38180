"""An interrupted run leaves no half-written output, restarts cleanly, and repeats its numbers per seed."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import REPO, snakemake

pytestmark = pytest.mark.e2e

CONFIG = """\
datasets:
  galaxy_paper: {source: galaxy, preset: paper, n_samples: 64, size: 32}
train: {epochs: 400, patience: 400, eval_every: 50, classes_per_batch: 4, batch_size: 16}
evaluation: {protocols: [paper], seeds: [0]}
compute: {train_gpus: 0, train_threads: 1}
"""
TARGET = "results/train/galaxy_paper/all/eq13/seed0/embeddings.npz"


def test_killed_training_restarts_cleanly_and_repeats(tmp_path):
    (tmp_path / "c.yaml").write_text(CONFIG)
    log = tmp_path / "logs" / "train" / "galaxy_paper" / "all" / "eq13" / "seed0.log"
    proc = subprocess.Popen([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", "1",
                             "--configfile", "c.yaml", "--", TARGET], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 300
        while not (log.exists() and "epoch=2 " in log.read_text()):  # training is under way
            assert proc.poll() is None and time.time() < deadline, "training did not start"
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # as a power cut or a cluster's kill would
        proc.wait()
    run = tmp_path / "results" / "train" / "galaxy_paper" / "all" / "eq13" / "seed0"
    assert not any(run.glob("*")) if run.exists() else True  # outputs are written atomically: none yet

    # the killed Snakemake left its lock: the next run says how to lift it ...
    locked = snakemake("--cores", "1", "--configfile", "c.yaml", "--", TARGET, cwd=tmp_path, check=False)
    assert locked.returncode != 0 and "--unlock" in locked.stdout
    snakemake("--unlock", "--configfile", "c.yaml", cwd=tmp_path)
    # ... and, as the cut-off job wrote nothing, simply runs it again
    rerun = snakemake("--cores", "1", "--configfile", "c.yaml", "--", TARGET, cwd=tmp_path).stdout
    assert "Missing output files: " + TARGET in rerun
    first = np.load(tmp_path / TARGET)["Z"]
    snakemake("--cores", "1", "--configfile", "c.yaml", "--forcerun", "train", "--", TARGET, cwd=tmp_path)
    np.testing.assert_array_equal(np.load(tmp_path / TARGET)["Z"], first)  # same seed, same embedding
