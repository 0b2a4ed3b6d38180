"""Rule import_tensor: one of the user's datasets, checked, as a raw artifact."""

from norank.data import save_dataset
from norank.data.user import load_user_tensor
from norank.logs import job

with job(snakemake) as log:
    ds = load_user_tensor(snakemake.wildcards.dataset, **snakemake.params.tensor)
    log.info("%s: X %s, counts %s", ds.name, ds.X.shape, ds.counts())
    if "labels_header_skipped" in ds.provenance:
        log.info("labels: first line %r read as a header and skipped", ds.provenance["labels_header_skipped"])
    save_dataset(snakemake.output[0], ds)
