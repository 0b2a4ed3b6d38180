"""What the workflow's job structure costs: jobs, dry-run time, per-job start-up and its share of job time.

Prints, for a configuration (default: the full default, ``config/config.yaml``):

1. the number of jobs per rule of the whole DAG (a dry run in an empty directory), and the
   number of ``sbatch`` submissions through ``profiles/slurm`` (its job groups: a dry run with the
   profile; local rules and the target rule ``all`` run on the login node);
2. ``snakemake -n`` wall seconds, median of ``--repeats`` (in ``--directory``: an empty one by
   default, or a finished run's working directory to time "nothing to be done");
3. per-job start-up seconds of each rule script: no-op Snakemake jobs (a ``script:`` rule with a
   benchmark file, so Snakemake's own script preamble counts) that only import, median of
   ``--repeats``. Two bounds: ``low`` imports what the script imports at its top; ``high`` also
   every module the ``norank`` modules it runs may import, inside functions too (a CP baseline
   job never imports umap, so the truth lies between);
4. the start-up share of job time, both bounds: start-up x jobs over the job time of a measured
   run (``--provenance``, the committed ``results/provenance.json``, per rule), for that run's job
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


def local_rules() -> set[str]:
    """Rules of the ``localrules:`` directives (indented ones inside an ``if`` too), and ``all`` (no script: Snakemake runs it locally)."""
    names = {"all"}
    for smk in [REPO / "Snakefile", *(REPO / "workflow" / "rules").glob("*.smk")]:
        for block in re.findall(r"^[ \t]*localrules:\s*\n((?:[ \t]+\w+,?\s*\n)+)", smk.read_text(), re.M):
            names |= set(re.findall(r"\w+", block))
    return names


def submissions(dry_run: str) -> tuple[int, dict[str, int]]:
    """sbatch submissions of a dry run with the SLURM profile: its group jobs, and the jobs outside
    any group (the top-level ``rule`` blocks) that are not local. Also the group jobs per group."""
    groups: dict[str, int] = {}
    for name in re.findall(r"\] Group job (\w+)", dry_run):
        groups[name] = groups.get(name, 0) + 1
    ungrouped = [r for r in re.findall(r"^(?:local)?rule (\w+):", dry_run, re.M) if r not in local_rules()]
    return sum(groups.values()) + len(ungrouped), groups


def rule_scripts() -> dict[str, str]:
    """Rule name -> its script file name, from the rule files' ``script:`` directives."""
    out = {}
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        for rule, body in re.findall(r"rule (\w+):(.*?)(?=\n\s*rule \w+:|\Z)", smk.read_text(), re.S):
            m = re.search(r'"\.\./scripts/(\w+\.py)"', body)
            if m:
                out[rule] = m.group(1)
    return out


def script_imports(script: str, reachable: bool) -> list[str]:
    """Modules a job of ``script`` imports: at the script's top, or (``reachable``) also everything
    the ``norank`` modules it runs may import, inside functions too."""
    from norank.sources import library_modules

    path = REPO / "workflow" / "scripts" / script
    sources = [path, *library_modules(path)] if reachable else [path]
    modules = set()
    for source in sources:
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree) if reachable else tree.body:
            if isinstance(node, ast.Import):
                modules |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
    return sorted(modules - {"__future__"})


NOOP_SNAKEFILE = """
KINDS = {kinds!r}
rule all:
    input: expand("out/{{kind}}_{{i}}.txt", kind=KINDS, i=range({repeats}))
rule noop:
    output: "out/{{kind}}_{{i}}.txt"
    benchmark: "bench/{{kind}}_{{i}}.tsv"
    script: "scripts/{{wildcards.kind}}.py"
"""


def startup_seconds(scripts: list[str], repeats: int) -> dict[tuple[str, str], float]:
    """``(script, "low" | "high") -> seconds``: median wall time of ``repeats`` no-op jobs."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "scripts").mkdir()
        kinds = []
        for script in scripts:
            for bound in ("low", "high"):
                kind = f"{script[:-3]}__{bound}"
                imports = "".join(f"import {m}\n" for m in script_imports(script, bound == "high"))
                (root / "scripts" / f"{kind}.py").write_text(imports + "open(snakemake.output[0], 'w').close()\n")
                kinds.append(kind)
        (root / "Snakefile").write_text(NOOP_SNAKEFILE.format(kinds=kinds, repeats=repeats))
        proc = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1", "-q"], cwd=root, capture_output=True,
                              text=True)
        if proc.returncode:
            raise SystemExit(f"the no-op jobs failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
        out = {}
        for kind in kinds:
            times = [float((root / "bench" / f"{kind}_{i}.tsv").read_text().splitlines()[1].split("\t")[0])
                     for i in range(repeats)]
            script, bound = kind.split("__")
            out[f"{script}.py", bound] = statistics.median(times)
        return out


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
        _, out = snakemake("-n", "--profile", str(REPO / "profiles" / "slurm"), *flags, cwd=Path(empty))
        n_sbatch, groups = submissions(out)
        where = Path(args.directory) if args.directory else Path(empty)
        dry = statistics.median(snakemake("-n", "-q", *flags, cwd=where)[0] for _ in range(args.repeats))
    print(f"jobs: {sum(counts.values())}  " + ", ".join(f"{r} {n}" for r, n in sorted(counts.items(), key=lambda x: -x[1])))
    print(f"SLURM submissions (profiles/slurm): {n_sbatch}  group jobs: "
          + ", ".join(f"{g} {n}" for g, n in sorted(groups.items(), key=lambda x: -x[1])))
    print(f"snakemake -n in {where if args.directory else 'an empty directory'}: {dry:.2f} s (median of {args.repeats})")
    scripts = rule_scripts()
    startup = startup_seconds(sorted(set(scripts.values())), args.repeats)
    print("start-up per no-op job (s, low-high): "
          + ", ".join(f"{s[:-3]} {startup[s, 'low']:.2f}-{startup[s, 'high']:.2f}" for s in sorted(set(scripts.values()))))
    rules = {r["rule"]: r for r in json.loads(Path(args.provenance).read_text())["rules"]}

    def per_job(group: str, bound: str) -> float:
        members = [r for r in scripts if r == group or (group in GROUPS and GROUPS[group].fullmatch(r))]
        return statistics.mean(startup[scripts[r], bound] for r in members) if members else 0.0

    def now(group: str) -> int:
        return sum(n for r, n in counts.items() if r == group or (group in GROUPS and GROUPS[group].fullmatch(r)))

    measured = sum(r["total_s"] for r in rules.values())
    share = {}
    for bound in ("low", "high"):
        paid = sum(per_job(g, bound) * r["jobs"] for g, r in rules.items())
        saved = sum(per_job(g, bound) * (r["jobs"] - now(g)) for g, r in rules.items())
        paid_now = sum(per_job(g, bound) * now(g) for g in rules)
        share[bound] = (paid / measured, paid_now / (measured - saved))
    print(f"measured run ({args.provenance}): {sum(r['jobs'] for r in rules.values())} jobs, {measured / 3600:.1f} h "
          f"of job time; start-up {share['low'][0]:.1%}-{share['high'][0]:.1%} of it")
    print(f"this DAG, projected: {sum(now(g) for g in rules)} of those jobs; start-up {share['low'][1]:.1%}-"
          f"{share['high'][1]:.1%} of the job time")
    for g, r in sorted(rules.items(), key=lambda x: -per_job(x[0], "low") * x[1]["jobs"]):
        if per_job(g, "low") * r["jobs"] > 60:
            print(f"  {g:<22} {r['jobs']:>5} -> {now(g):>5} jobs, median job {r['median_s']:.1f} s, start-up "
                  f"{per_job(g, 'low'):.1f}-{per_job(g, 'high'):.1f} s")


if __name__ == "__main__":
    main()
