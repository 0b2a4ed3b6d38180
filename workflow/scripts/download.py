"""Rule download: fetch one real dataset into the raw artifact."""

import dataclasses

from norank.data import save_dataset
from norank.data.fetch import fetch_abide, fetch_lfw, fetch_olivetti
from norank.logs import job

FETCHERS = {"olivetti": fetch_olivetti, "lfw": fetch_lfw, "abide": fetch_abide}

with job(snakemake) as log:
    p = snakemake.params
    # where the data comes from is not a param: moving a staged copy must not rerun the pipeline
    ds = FETCHERS[p.source](data_dir=snakemake.config["data_dir"], download_dir=snakemake.config["download_dir"], **p.fetch)
    ds = dataclasses.replace(ds, name=snakemake.wildcards.dataset)
    log.info("%s: X %s, counts %s", ds.name, ds.X.shape, ds.counts())
    save_dataset(snakemake.output[0], ds)
