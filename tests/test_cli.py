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


def test_check_config_names_the_file_and_line_of_a_yaml_error(tmp_path, capsys, repo):
    bad = tmp_path / "mine.yaml"
    bad.write_text("train: {epochs: 5\n  lr: [\n")
    assert cli.main(["check-config", str(repo / "config" / "config.yaml"), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"config file {bad}, line 2, column 5: not valid YAML" in err and "config.yaml" not in err
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    assert cli.main(["check-config", str(tmp_path / "list.yaml")]) == 2
    assert "holds a list, not the key: value mapping" in capsys.readouterr().err
    assert cli.main(["check-config", str(repo / "config" / "config.yaml"), str(repo / "config" / "test.yaml")]) == 0
    # `norank run` checks the user's config files before Snakemake starts
    (tmp_path / "sheet.tsv").write_text("name\tdata\tshape\n")
    assert cli.main(["run", str(tmp_path / "sheet.tsv"), "--configfile", str(bad)]) == 2
    assert f"config file {bad}, line 2" in capsys.readouterr().err


def test_verify_lists_each_damaged_output_once_with_its_rebuild_and_fix_moves_it(tmp_path, capsys):
    from norank.io import atomic_path

    def write(rel, text):
        with atomic_path(tmp_path / rel) as tmp:
            tmp.write_text(text)
        return tmp_path / rel

    good = write("results/metrics/summary.csv", "a\n1\n")
    bad = write("results/metrics/olivetti/all/seed0.csv", "a\n1\n2\n")
    folder = tmp_path / "results/baselines/o/paper/seed0/projections"
    write("results/baselines/o/paper/seed0/projections/all/pca/summary.json", "{}")
    write("results/baselines/o/paper/seed0/projections/all/umap/summary.json", "{}")
    (folder / ".snakemake_timestamp").touch()
    assert cli.main(["verify", "--directory", str(tmp_path)]) == 0
    bad.write_text("a\n1\n")  # cut at its tail
    (folder / "all/pca/summary.json").write_text("{")
    (folder / "all/umap/summary.json").write_text("[")
    assert cli.main(["verify", "--directory", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert out.out.count("damaged:") == 2  # the folder output once, for both of its files
    assert "results/metrics/olivetti/all/seed0.csv does not match the digest" in out.out
    assert "rm -r results/baselines/o/paper/seed0/projections" in out.out and "2 damaged output(s)" in out.err
    assert cli.main(["verify", "--directory", str(tmp_path), "--fix"]) == 1
    assert not bad.exists() and not folder.exists() and good.exists()
    assert (tmp_path / "results/metrics/olivetti/all/seed0.csv.damaged").exists()
    assert cli.main(["verify", "--directory", str(tmp_path)]) == 0  # the rerun will rebuild them


def test_verify_skips_a_file_no_rule_made_but_names_a_rule_output_without_its_digest(tmp_path, capsys):
    """The report `snakemake --report` writes has no digest and no rule: not the workflow's to check.
    A rule's output that lost its digest is named."""
    import base64
    import json

    (tmp_path / "results" / "metrics").mkdir(parents=True)
    (tmp_path / "results" / "report.html").write_text("<html/>")
    assert cli.main(["verify", "--directory", str(tmp_path)]) == 0
    made = tmp_path / "results" / "metrics" / "summary.csv"
    made.write_text("a\n1\n")
    record = tmp_path / ".snakemake" / "metadata" / base64.urlsafe_b64encode(b"results/metrics/summary.csv").decode()
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"rule": "summarize_metrics"}))
    assert cli.main(["verify", "--directory", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.count("damaged:") == 1 and "results/metrics/summary.csv has no digest" in out
    assert "rule summarize_metrics makes it again" in out


def test_tune_adds_the_tuning_overlay(tmp_path, repo):
    (tmp_path / "sheet.tsv").write_text("name\tdata\tshape\n")
    cmd = cli.snakemake_command(str(tmp_path / "sheet.tsv"), tune=True, quick=True, extra=["-n"])
    overlays = cmd[cmd.index("--configfile") + 1: cmd.index("--config")]
    assert [p.rsplit("/", 1)[-1] for p in overlays] == ["config.yaml", "own_data.yaml", "quick.yaml", "tune.yaml"]
    assert "enabled: true" in (repo / "config" / "tune.yaml").read_text()
