"""Shared fixtures: the repository root, the pre-staged data folder, a workflow runner."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def official_code_dir() -> Path:
    """The pre-staged official code: $NORANK_OFFICIAL_CODE, else the nearest
    ``shared/reference/official-code`` above the repository (never a copy inside it)."""
    if "NORANK_OFFICIAL_CODE" in os.environ:
        d = Path(os.environ["NORANK_OFFICIAL_CODE"]).resolve()
    else:
        found = [p / "shared" / "reference" / "official-code" for p in REPO.parents
                 if (p / "shared" / "reference" / "official-code").is_dir()]
        d = (found[0] if found else REPO.parent / "shared" / "reference" / "official-code").resolve()
    if not (d / "metric learning" / "__init__.py").exists():
        pytest.fail(f"pre-staged official code {d} not found. Set NORANK_OFFICIAL_CODE to a copy of "
                    "github mbagherian/No-Rank-Tensor-Decomposition at the commit config/config.yaml pins.")
    return d


def snakemake(*args: str, cwd: Path, check: bool = True, snakefile: Path | None = None) -> subprocess.CompletedProcess:
    """Run this repository's workflow (or the copy at ``snakefile``) with the current interpreter's
    Snakemake, in ``cwd``.

    stderr is merged into ``.stdout`` (Snakemake splits its messages between the two).
    """
    snakefile = snakefile or REPO / "Snakefile"
    cmd = [sys.executable, "-m", "snakemake", "-s", str(snakefile), "--directory", str(cwd), *args]
    env = dict(os.environ)
    if (snakefile.parent / "src" / "norank").is_dir():  # a copy_workflow copy runs its own library copy
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(snakefile.parent / "src"), env.get("PYTHONPATH")]))
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-8000:]}")
    return proc


def copy_workflow(dest: Path) -> Path:
    """Copy the workflow (Snakefile, workflow/, config/, envs/, profiles/) and the library (src/norank)
    to ``dest``; returns the Snakefile. :func:`snakemake` runs a copy with its own library first on
    the Python path.

    Tests that edit a rule script or a library module edit this copy, never the repository.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "Snakefile", dest / "Snakefile")
    for d in ("workflow", "config", "envs", "profiles", "src/norank"):
        shutil.copytree(REPO / d, dest / d, ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "Snakefile"


@pytest.fixture(scope="session")
def tiny_workflow(tmp_path_factory) -> Path:
    """A private copy of the workflow that the tiny run is made with (its Snakefile)."""
    return copy_workflow(tmp_path_factory.mktemp("workflow"))


def readme_reproduce_flags() -> list[str]:
    """The Snakemake flags of README.md's reproduction command (the block after
    ``<!-- reproduce-command -->``): everything after its last ``snakemake``."""
    return readme_block("reproduce-command").split("snakemake")[-1].split()


def readme_block(marker: str) -> str:
    """The first fenced code block after ``<!-- marker -->`` in README.md."""
    text = (REPO / "README.md").read_text()
    return text.split(f"<!-- {marker} -->", 1)[1].split("```")[1].split("\n", 1)[1]


def tiny_flags(tiny_workflow: Path, data_dir: Path, official_code_dir: Path) -> list[str]:
    """The flags of the tiny run: the README's reproduction flags (so its one command is what builds
    the report), the pre-staged data and official code, and config/test.yaml on top."""
    flags = readme_reproduce_flags()
    assert flags[flags.index("--config") + 1].startswith("data_dir="), flags
    flags[flags.index("--config") + 1] = f"data_dir={data_dir}"
    assert flags[flags.index("--config") + 2].startswith("official_code_dir="), flags
    flags[flags.index("--config") + 2] = f"official_code_dir={official_code_dir}"
    css = flags.index("--report-stylesheet") + 1  # relative to the checkout: the copy's
    flags[css] = str(tiny_workflow.parent / flags[css])
    return [*flags, "--configfile", str(tiny_workflow.parent / "config" / "test.yaml")]


@pytest.fixture(scope="session")
def tiny_run(tiny_workflow, data_dir, official_code_dir, tmp_path_factory) -> Path:
    """The working directory of one complete run of config/test.yaml (shared by the e2e tests)
    (:func:`tiny_flags`)."""
    wd = tmp_path_factory.mktemp("tiny")
    snakemake(*tiny_flags(tiny_workflow, data_dir, official_code_dir), cwd=wd, snakefile=tiny_workflow)
    return wd
