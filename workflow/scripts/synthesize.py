"""Rule synthesize: generate one synthetic dataset into the raw artifact."""

import dataclasses

from norank.data import save_dataset
from norank.data.synthetic import make_crystals, make_galaxies
from norank.logs import job

GENERATORS = {"galaxy": make_galaxies, "crystal": make_crystals}

with job(snakemake) as log:
    p = snakemake.params
    ds = GENERATORS[p.source](**p.generator)
    ds = dataclasses.replace(ds, name=snakemake.wildcards.dataset)
    log.info("%s: X %s, counts %s", ds.name, ds.X.shape, ds.counts())
    save_dataset(snakemake.output[0], ds)
