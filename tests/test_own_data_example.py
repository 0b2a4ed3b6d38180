"""README's worked example of your own tensors, run exactly as written, in a folder outside the checkout."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import readme_block

pytestmark = pytest.mark.e2e


def test_the_readme_digits_example_runs_only_the_users_dataset_into_a_report(tmp_path):
    block = readme_block("own-data-example")
    assert "norank run" in block
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]))
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert "norank: running snakemake -s " in proc.stdout
    project = tmp_path / "digits"
    metrics = pd.read_csv(project / "results" / "metrics" / "metrics.csv")
    assert set(metrics.dataset) == {"digits"}
    assert {"metric_learning", "metric_learning-official", "pca", "umap", "cp-R20"} <= set(metrics.method)
    table = pd.read_csv(project / "results" / "tables" / "table_user_datasets.csv")
    assert set(table.dataset) == {"digits"}
    tables = {p.stem for p in (project / "results" / "tables").glob("*.csv")}
    assert "table2_faces" not in tables and "paper_comparison" not in tables  # no paper dataset, no paper table
    html = (project / "results" / "report.html").read_text(errors="replace")
    assert "table_user_datasets" in html and "fig_training_curves" in html
    # the job count the README quotes: everything ran, nothing is left
    dry = subprocess.run(["norank", "run", "datasets.tsv", "--quick", "-n"], cwd=project, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout, dry.stdout[-3000:]
