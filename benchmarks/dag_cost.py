"""What the workflow's job structure costs: jobs, dry-run time, per-job start-up and its share of job time.

Prints, for a configuration (default: the full default, ``config/config.yaml``):

1. the number of jobs per rule of the whole DAG (a dry run in an empty directory);
2. ``snakemake -n`` wall seconds, median of ``--repeats`` (in ``--directory``: an empty one by
   default, or a finished run's working directory to time "nothing to be done");
3. per-job start-up seconds of each rule script: a fresh interpreter importing what a job of
   that script imports (``snakemake.script``, the script's imports, the ``norank`` modules it runs
   and every module those import, also inside functions: an upper bound for a script that does not
   call every function), median of ``--repeats``: a no-op job of that script kind;
4. the start-up share of job time: start-up x jobs over the job time of a measured run
   (``--provenance``, the committed ``results/provenance.json``, per rule), for that run's job
   counts and, projected, for this DAG's (the run's job time minus the start-ups this DAG no
   longer pays).

    python benchmarks/dag_cost.py [--configfile config/config.yaml] [--directory DIR] [--repeats 3]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# provenance groups (norank.provenance) that stand for several rules
GROUPS = {"figures": re.compile(r"fig\w+"), "study_tables": re.compile(r"table_(losses|unsupervised)")}


def snakemake(*args: str, cwd: Path) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(cwd),
                           *args], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return time.perf_counter() - t, proc.stdout + proc.stderr


def job_counts(stats: str) -> dict[str, int]:
    block = stats[stats.index("Job stats:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", block, re.M) if m.group(1) != "total"}


def rule_scripts() -> dict[str, str]:
    """Rule name -> its script file name, from the rule files' ``script:`` directives."""
    out = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for rule, body in re.findall(r"rule (\w+):(.*?)(?=\n\s*rule \w+:|\Z)", smk.read_text(), re.S):
            m = re.search(r'"\.\./scripts/(\w+\.py)"', body)
            if m:
                out[rule] = m.group(1)
    return out


def script_imports(script: str) -> str:
    """Import statements for everything a job of ``script`` loads (see the module docstring)."""
    from norank.sources import library_modules

    path = REPO / "workflow" / "scripts" / script
    modules = set()
    for source in [path, *library_modules(path)]:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                modules |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
    return "; ".join(f"import {m}" for m in sorted(modules) if m != "__future__")


def startup_seconds(script: str, repeats: int) -> float:
    code = f"import snakemake.script; {script_imports(script)}"
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--configfile", default=str(REPO / "config" / "config.yaml"))
    ap.add_argument("--data-dir", default=str(REPO.parent / "shared" / "data"))
    ap.add_argument("--directory", help="working directory of the dry-run timing (default: an empty one)")
    ap.add_argument("--provenance", default=str(REPO / "results" / "provenance.json"))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    flags = ["--configfile", args.configfile, "--config", f"data_dir={args.data_dir}"]
    with tempfile.TemporaryDirectory() as empty:
        _, out = snakemake("-n", *flags, cwd=Path(empty))
        counts = job_counts(out)
        where = Path(args.directory) if args.directory else Path(empty)
        dry = statistics.median(snakemake("-n", "-q", *flags, cwd=where)[0] for _ in range(args.repeats))
    print(f"jobs: {sum(counts.values())}  " + ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda x: -x[1])))
    print(f"snakemake -n in {where if args.directory else 'an empty directory'}: {dry:.2f} s (median of {args.repeats})")
    scripts = rule_scripts()
    startup = {s: startup_seconds(s, args.repeats) for s in sorted(set(scripts.values()))}
    print("start-up per job (s; upper bound: every module a script may import): "
          + ", ".join(f"{s[:-3]} {t:.2f}" for s, t in startup.items()))
    rules = {r["rule"]: r for r in json.loads(Path(args.provenance).read_text())["rules"]}

    def per_job(group: str) -> float:
        members = [r for r in scripts if r == group or (group in GROUPS and GROUPS[group].fullmatch(r))]
        return statistics.mean(startup[scripts[r]] for r in members) if members else 0.0

    def now(group: str) -> int:
        return sum(n for r, n in counts.items() if r == group or (group in GROUPS and GROUPS[group].fullmatch(r)))

    measured = sum(r["total_s"] for r in rules.values())
    paid = sum(per_job(g) * r["jobs"] for g, r in rules.items())
    saved = sum(per_job(g) * (r["jobs"] - now(g)) for g, r in rules.items())
    paid_now = sum(per_job(g) * now(g) for g in rules)
    print(f"measured run ({args.provenance}): {sum(r['jobs'] for r in rules.values())} jobs, {measured / 3600:.1f} h "
          f"of job time; start-up at most {paid / 3600:.1f} h = {paid / measured:.1%}")
    print(f"this DAG, projected: {sum(now(g) for g in rules)} of those jobs, start-up at most {paid_now / 3600:.1f} h = "
          f"{paid_now / (measured - saved):.1%} of {(measured - saved) / 3600:.1f} h")
    for g, r in sorted(rules.items(), key=lambda x: -per_job(x[0]) * x[1]["jobs"]):
        if per_job(g) * r["jobs"] > 60:
            print(f"  {g:<22} {r['jobs']:>5} -> {now(g):>5} jobs, median job {r['median_s']:.1f} s, "
                  f"start-up {per_job(g):.1f} s ({per_job(g) * r['jobs'] / r['total_s']:.0%} of its job time)")


if __name__ == "__main__":
    main()
