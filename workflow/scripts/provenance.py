"""Rule provenance: what produced these results (code, config, machine, time per rule)."""

import json
from pathlib import Path

from norank.io import atomic_path
from norank.logs import log_to
from norank.provenance import collect, render_markdown

with log_to(snakemake.log[0]) as log:
    benchmarks = {rule: [f for f in files if Path(f).exists()] for rule, files in snakemake.params.benchmarks.items()}
    missing = sum(len(v) for v in snakemake.params.benchmarks.values()) - sum(len(v) for v in benchmarks.values())
    if missing:
        log.warning("%d benchmark files are missing (jobs run before benchmarks were recorded?)", missing)
    record, times = collect(snakemake.config, snakemake.params.repo, benchmarks)
    record["benchmark_files_missing"] = missing
    with atomic_path(snakemake.output.json) as tmp:
        Path(tmp).write_text(json.dumps({**record, "rules": times.to_dict("records")}, indent=1, default=str))
    with atomic_path(snakemake.output.md) as tmp:
        Path(tmp).write_text(render_markdown(record, times))
