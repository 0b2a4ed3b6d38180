"""The `norank run` command: the Snakemake command line it composes for a user's folder."""

import sys

import pytest

from norank import cli
from norank.errors import NorankError


def test_run_composes_the_installed_workflow_on_the_users_folder(tmp_path, repo):
    (tmp_path / "sheet.tsv").write_text("name\tdata\tshape\n")
    cmd = cli.snakemake_command("sheet.tsv", cwd=tmp_path, configfiles=["mine.yaml"], config=["data_dir=/d"],
                                extra=["--profile", "p"])
    assert cmd[:9] == [sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "--directory", str(tmp_path),
                       "--profile", "p"]  # the user's words before --configfile / --config, which take every word
    overlays = cmd[cmd.index("--configfile") + 1:cmd.index("--config")]
    assert overlays == [str(repo / "config" / "config.yaml"), str(repo / "config" / "own_data.yaml"), "mine.yaml"]
    assert cmd[cmd.index("--config") + 1:cmd.index("--config") + 3] == [f"dataset_sheet={tmp_path / 'sheet.tsv'}", "data_dir=/d"]
    assert cmd[-5:] == ["--report", "results/report.html", "--report-after-run", "--report-stylesheet",
                        str(repo / "workflow" / "report" / "report.css")]
    target = cli.snakemake_command("sheet.tsv", cwd=tmp_path, report=False, extra=["results/raw/x.npz"])
    assert target.index("results/raw/x.npz") < target.index("--config") and target[-1].startswith("dataset_sheet=")
    quick = cli.snakemake_command(str(tmp_path / "sheet.tsv"), quick=True, extra=["-n"])
    assert str(repo / "config" / "quick.yaml") in quick and "--report" not in quick  # a dry run builds no report


def test_a_missing_sheet_is_named_before_snakemake_starts(tmp_path, capsys):
    with pytest.raises(NorankError, match=f"dataset sheet {tmp_path / 'nope.tsv'} does not exist"):
        cli.snakemake_command("nope.tsv", cwd=tmp_path)
    assert cli.main(["run", str(tmp_path / "nope.tsv")]) == 2
    assert "norank: dataset sheet" in capsys.readouterr().err
