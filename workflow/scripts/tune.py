"""Rule tune: search training options on an inner split of one split's training samples (norank.tune)."""

import torch

from norank.data import load_dataset
from norank.logs import job
from norank.splits import split_indices
from norank.config import config_schema
from norank.tune import parse_space, tune_options, write_choice, write_trials

with job(snakemake) as log:
    torch.set_num_threads(snakemake.threads)
    ds = load_dataset(snakemake.input[0])
    p = dict(snakemake.params.tune)
    train_idx, _ = split_indices(ds.y, **snakemake.params.split)  # the outer test samples are never read
    space = parse_space(p["space"], config_schema()["$defs"]["train"])
    chosen, records, inner = tune_options(
        ds.X, ds.y, train_idx, p["options"], space, trials=p["trials"], minutes=p["minutes"],
        inner_fraction=p["inner_fraction"], objective=p["objective"], seed=p["seed"], X_aug=ds.X_aug,
        aug_source=ds.aug_source, log=log)
    write_trials(snakemake.output.trials, records)
    write_choice(snakemake.output.choice, chosen, records, objective=p["objective"], inner=inner,
                 budget=dict(trials=p["trials"], minutes=p["minutes"]))
