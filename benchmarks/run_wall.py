"""Wall time of a run, per Snakemake invocation (session) and in total, from its console logs.

A long run is resumed across sessions; each invocation's console output was kept in its own
file (``run1.log``, ``run2.log``, ...). For each file this prints the first and last job
timestamp Snakemake wrote (``[Mon Nov 30 17:18:06 2026]``), the wall time between them and the
jobs it finished (Snakemake's count: the target rule ``all`` included, and a job cut off by the
end of a session is counted by the session that finishes it); then the totals. Time between
sessions (no invocation running) is not counted.

    python benchmarks/run_wall.py /path/to/run/run*.log
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime
from pathlib import Path

STAMP = re.compile(r"^\[(\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4})\]$", re.M)
FINISHED = re.compile(r"^Finished jobid: ", re.M)


def session(path: Path) -> tuple[datetime, datetime, int] | None:
    text = path.read_text(errors="replace")
    stamps = [datetime.strptime(s, "%a %b %d %H:%M:%S %Y") for s in STAMP.findall(text)]
    return (min(stamps), max(stamps), len(FINISHED.findall(text))) if stamps else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("logs", nargs="+", type=Path)
    args = ap.parse_args()
    rows = [(p, s) for p in args.logs if (s := session(p))]
    if not rows:
        raise SystemExit(f"no Snakemake job timestamps in {', '.join(map(str, args.logs))}")
    total, jobs = 0.0, 0
    print(f"{'log':<12} {'first job':<20} {'last job':<20} {'wall h':>7} {'jobs':>5}")
    for path, (first, last, done) in sorted(rows, key=lambda r: r[1][0]):
        hours = (last - first).total_seconds() / 3600
        total, jobs = total + hours, jobs + done
        print(f"{path.name:<12} {first:%Y-%m-%d %H:%M:%S} {last:%Y-%m-%d %H:%M:%S} {hours:>7.2f} {done:>5}")
    print(f"{'total':<12} {'':<20} {'':<20} {total:>7.2f} {jobs:>5}")


if __name__ == "__main__":
    main()
