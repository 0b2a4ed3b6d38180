"""Rule prepare: normalise / augment a raw dataset into the model-ready artifact."""

from norank.data import load_dataset, save_dataset
from norank.data.preprocess import prepare_dataset
from norank.logs import job

with job(snakemake) as log:
    ds = prepare_dataset(load_dataset(snakemake.input[0]), **snakemake.params.prepare)
    log.info("%s: X %s, %s", ds.name, ds.X.shape, "; ".join(ds.provenance["preprocessing"]))
    save_dataset(snakemake.output[0], ds)
