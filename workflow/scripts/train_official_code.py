"""Rule train_official_code: the official code's own example on one face dataset, unmodified, one seed."""

import json

import torch

from norank.data import load_dataset
from norank.logs import job
from norank.official_code import data_home, save_run, train_example

with job(snakemake) as log:
    torch.set_num_threads(snakemake.threads)
    code = json.loads(open(snakemake.input.code).read())
    raw, ds = load_dataset(snakemake.input.raw), load_dataset(snakemake.input.data)
    home = data_home(snakemake.config["data_dir"], f"{snakemake.config['download_dir']}/official_code_home")
    run = train_example(code["dir"], snakemake.params.source, seed=int(snakemake.wildcards.seed), home=home,
                        epochs=snakemake.params.epochs, log=log)
    summary = save_run(snakemake.output, run, ds, raw, seed=int(snakemake.wildcards.seed), code=code)
    log.info("%s", summary)
