"""Rule provenance: what produced these results (code, config, machine, time per rule)."""

import json
from pathlib import Path

from norank.io import atomic_path
from norank.logs import job
from norank.provenance import collect, render_html, render_markdown

with job(snakemake) as log:
    benchmarks = {rule: [f for f in files if Path(f).exists()] for rule, files in snakemake.params.benchmarks.items()}
    absent = [f for files in snakemake.params.benchmarks.values() for f in files if not Path(f).exists()]
    missing = len(absent)
    if missing:
        log.warning("%d benchmark files are missing (jobs run before benchmarks were recorded?): %s", missing,
                    ", ".join(absent[:5]))
    record, times = collect(snakemake.config, snakemake.params.repo, benchmarks)
    record["benchmark_files_missing"] = missing
    with atomic_path(snakemake.output.json) as tmp:
        Path(tmp).write_text(json.dumps({**record, "rules": times.to_dict("records")}, indent=1, default=str))
    for out, render in ((snakemake.output.md, render_markdown), (snakemake.output.html, render_html)):
        with atomic_path(out) as tmp:
            Path(tmp).write_text(render(record, times))
