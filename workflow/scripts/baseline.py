"""Rule baseline: one baseline method on one split of one dataset."""

from norank.baselines import fit_baseline, save_baseline
from norank.data import load_dataset
from norank.logs import log_to
from norank.splits import split_indices

with log_to(snakemake.log[0]) as log:
    ds = load_dataset(snakemake.input[0])
    train_idx, test_idx = split_indices(ds.y, **snakemake.params.split)
    method, seed = snakemake.wildcards.method, int(snakemake.wildcards.seed)
    fit = fit_baseline(method, ds.X[train_idx], ds.X[test_idx], seed=seed, options=snakemake.params.options)
    log.info("%s on %s/%s seed %d: %s", method, ds.name, snakemake.wildcards.split, seed,
             {k: v for k, v in fit.info.items() if not k.startswith("_")})
    save_baseline(snakemake.output, fit, ds, train_idx, test_idx, split=snakemake.wildcards.split, seed=seed)
