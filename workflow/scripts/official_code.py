"""Rule official_code: the paper author's code at the pinned commit, read in place or downloaded, checked."""

import json
from pathlib import Path

from norank.io import atomic_path
from norank.logs import job
from norank.official_code import stage_code

with job(snakemake) as log:
    p = snakemake.params
    code = stage_code(snakemake.config["official_code_dir"], url=p.url, commit=p.commit, sha256=p.sha256,
                      download_dir=snakemake.config["download_dir"])
    log.info("official code %s at %s: %d files, sha256 %s", code["commit"], code["dir"], len(code["files"]),
             code["sha256"])
    with atomic_path(snakemake.output[0]) as tmp:
        Path(tmp).write_text(json.dumps(code, indent=1))
