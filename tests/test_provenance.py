import json
import subprocess

import pandas as pd

from norank.provenance import collect, config_hash, git_state, render_html, render_markdown


def test_the_record_keeps_the_resolved_config_and_the_time_per_rule(tmp_path):
    bench = tmp_path / "b.tsv"
    pd.DataFrame({"s": [2.0], "max_rss": [100.0]}).to_csv(bench, sep="\t", index=False)
    config = {"evaluation": {"seeds": [0]}, "data_dir": "../data"}
    record, times = collect(config, tmp_path, {"train": [bench], "baseline": []})
    assert record["config"] == config and record["config_sha256"] == config_hash(config)
    assert record["git"]["commit"].startswith("unknown")  # tmp_path is not a checkout
    assert times.to_dict("records") == [{"rule": "train", "jobs": 1, "total_s": 2.0, "median_s": 2.0,
                                         "max_s": 2.0, "peak_rss_mb": 100.0}]
    md = render_markdown(record, times)
    assert f"`{config_hash(config)}`" in md and "| train " in md
    page = render_html(record, times)  # the report's page: the same facts, the table at one decimal
    assert f"<code>{config_hash(config)}</code>" in page and ">train<" in page and ">2.0<" in page
    json.dumps(record, default=str)  # what the rule writes


def test_a_checkout_is_dirty_for_changed_code_but_not_for_rewritten_results(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "table.csv").write_text("a\n1\n")
    (tmp_path / "Snakefile").write_text("# v1\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init")
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "results" / "table.csv").write_text("a\n2\n")
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "Snakefile").write_text("# v2\n")
    assert git_state(tmp_path)["dirty"] is True
