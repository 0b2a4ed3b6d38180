"""Rule train: fit the metric-learning encoder on one split of one dataset, embed every sample."""

import torch

from norank.data import load_dataset
from norank.logs import job
from norank.ml.train import TrainConfig, save_training, train_embedding
from norank.splits import split_indices

with job(snakemake) as log:
    torch.set_num_threads(snakemake.threads)
    ds = load_dataset(snakemake.input[0])
    cfg = TrainConfig.from_dict(snakemake.params.train)
    train_idx, test_idx = split_indices(ds.y, **snakemake.params.split)
    seed = int(snakemake.wildcards.seed)
    result = train_embedding(ds.X, ds.y, train_idx, cfg, seed, X_aug=ds.X_aug, aug_source=ds.aug_source, log=log)
    save_training(snakemake.output, result, ds, cfg, seed=seed, split=snakemake.wildcards.split, test_idx=test_idx)
