"""Shared fixtures: the repository root, the pre-staged data folder, a workflow runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The pre-staged public datasets: $NORANK_DATA_DIR, else the nearest ``shared/data`` above the
    repository (``../shared/data`` for a checkout beside it).

    Real-data tests fail (not skip) without it: they are part of what the suite checks.
    """
    if "NORANK_DATA_DIR" in os.environ:
        d = Path(os.environ["NORANK_DATA_DIR"]).resolve()
    else:
        found = [p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()]
        d = (found[0] if found else REPO.parent / "shared" / "data").resolve()
    if not (d / "olivetti_py3.pkz").exists():
        pytest.fail(
            f"pre-staged data folder {d} not found (or has no olivetti_py3.pkz). Set NORANK_DATA_DIR "
            "to a folder laid out as ../shared/data/README.md describes."
        )
    return d


def snakemake(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run this repository's workflow with the current interpreter's Snakemake, in ``cwd``.

    stderr is merged into ``.stdout`` (Snakemake splits its messages between the two).
    """
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(cwd), *args]
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-8000:]}")
    return proc
