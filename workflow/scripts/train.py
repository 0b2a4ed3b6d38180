"""Rule train: fit the metric-learning encoder on one split of one dataset, embed every sample."""

import torch

from norank.data import load_dataset
from norank.logs import job
from norank.ml.train import TrainConfig, save_training, train_embedding
from norank.splits import split_indices
from norank.tune import apply

with job(snakemake) as log:
    torch.set_num_threads(snakemake.threads)
    ds = load_dataset(snakemake.input.data)
    options = snakemake.params.train
    if snakemake.input.tuned:  # recipe tuned: the options rule tune chose on this split's training samples
        options = apply(options, snakemake.input.tuned)
        log.info("options chosen on an inner split (%s): %s", snakemake.input.tuned, options)
    cfg = TrainConfig.from_dict(options)
    train_idx, test_idx = split_indices(ds.y, **snakemake.params.split)
    seed = int(snakemake.wildcards.seed)
    result = train_embedding(ds.X, ds.y, train_idx, cfg, seed, X_aug=ds.X_aug, aug_source=ds.aug_source, log=log)
    save_training(snakemake.output, result, ds, cfg, seed=seed, split=snakemake.wildcards.split, test_idx=test_idx)
