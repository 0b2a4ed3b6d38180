"""Provenance of a run: code version, configuration hash, machine, and wall time per rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

PACKAGES = ("snakemake", "torch", "numpy", "scikit-learn", "tensorly", "umap-learn", "nilearn", "pytorch-metric-learning",
            "pandas", "matplotlib")


def config_hash(config: dict) -> str:
    """sha256 of the configuration as canonical JSON (sorted keys)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


def git_state(repo: str | Path, outputs: str = "results") -> dict:
    """Commit and whether the checkout had uncommitted changes; ``unknown`` outside a git checkout.

    Changes under ``outputs`` do not count: the run itself rewrites the tracked reference results
    there, and "dirty" is about the code and configuration that produced them.
    """
    def git(*args):
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", ":(top)", f":(top,exclude){outputs}"))
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown (not a git checkout)", "dirty": None}
    return {"commit": commit, "dirty": dirty}


def machine() -> dict:
    import torch

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        pass
    return {
        "host": platform.node(), "platform": platform.platform(), "python": platform.python_version(),
        "cpu": cpu, "cores": os.cpu_count(), "memory_gb": None if mem is None else round(mem, 1),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none",
    }


def package_versions() -> dict:
    out = {}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def rule_times(benchmarks: dict[str, list[str | Path]]) -> pd.DataFrame:
    """Per rule: jobs, total / median / max wall seconds and peak RSS (MB) from Snakemake benchmark files."""
    rows = []
    for rule, files in sorted(benchmarks.items()):
        if not files:
            continue
        b = pd.concat([pd.read_csv(f, sep="\t") for f in files], ignore_index=True)
        rows.append({"rule": rule, "jobs": len(files), "total_s": b.s.sum(), "median_s": b.s.median(),
                     "max_s": b.s.max(), "peak_rss_mb": b.max_rss.max()})
    return pd.DataFrame(rows)


def collect(config: dict, repo: str | Path, benchmarks: dict[str, list]) -> tuple[dict, pd.DataFrame]:
    """The provenance record and the per-rule time table.

    The record holds the resolved configuration itself (after every config file and ``--config``
    override), so a reader can rerun it.
    """
    times = rule_times(benchmarks)
    record = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "git": git_state(repo),
        "config_sha256": config_hash(config),
        "config": config,
        "machine": machine(),
        "packages": package_versions(),
        "job_seconds_total": float(times.total_s.sum()) if len(times) else 0.0,
    }
    return record, times


def facts(record: dict) -> list[str]:
    """What produced the results, one line each (Markdown inline: `code`)."""
    m, g = record["machine"], record["git"]
    return [
        f"date (UTC): {record['date']}",
        f"code: commit `{g['commit']}`" + (" with uncommitted changes" if g["dirty"] else ""),
        f"configuration sha256: `{record['config_sha256']}` (the resolved configuration is in `provenance.json`)",
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, GPU: {m['gpu']} ({m['platform']})",
        "packages: " + ", ".join(f"{k} {v}" for k, v in record["packages"].items()),
        f"job time, all rules with benchmarks: {record['job_seconds_total'] / 3600:.2f} h "
        "(summed over jobs; jobs ran in parallel)",
    ]


TIMES_TITLE = "Wall time per rule (Snakemake benchmark files)"


def render_markdown(record: dict, times: pd.DataFrame) -> str:
    lines = ["# Provenance", "", *(f"- {f}" for f in facts(record)), "", f"{TIMES_TITLE}:", "",
             times.to_markdown(index=False, floatfmt=".1f") if len(times) else "(no benchmark files)", ""]
    return "\n".join(lines)


def render_html(record: dict, times: pd.DataFrame) -> str:
    """The provenance as a page of the report (the Markdown file only downloads there)."""
    from norank.report import html_table

    # the Markdown's one decimal
    shown = times.apply(lambda c: c.map("{:.1f}".format) if pd.api.types.is_float_dtype(c) else c)
    return html_table(shown, "Provenance", [*facts(record), f"**{TIMES_TITLE}**" +
                                            ("" if len(times) else ": no benchmark files")])
