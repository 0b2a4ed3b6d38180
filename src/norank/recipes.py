"""The metric-learning recipes of the main grid, each its own method row (no torch here: the
rule files read it).

- ``eq13``: the paper's equations (eq. 13: mined triplets plus the diversity, uniformity,
  local and global terms) with our choices, the config's ``train`` blocks.
- ``official``: the official implementation's recipe as written (:mod:`norank.ml.official`;
  every choice cited in ``workflow/report/official_implementation.md``).
- ``official_fixed``: the same with its mining reading the batch's own inputs (as written it
  reads the first samples of the training set, whatever the batch holds).
- ``tuned``: eq. 13 with options chosen on an inner split of the training part (:mod:`norank.tune`;
  on when config key ``tune.enabled`` is, never listed in ``recipes``).
"""

from __future__ import annotations

from norank.errors import NorankError

EQ13 = "eq13"
OFFICIAL = ("official", "official_fixed")
TUNED = "tuned"
RECIPES = (EQ13, *OFFICIAL, TUNED)
# the dataset sources the official code has examples for (examples/run_lfw.py, run_olivetti.py):
# where it runs unmodified (norank.official_code), and beyond which its recipe is our extension
OFFICIAL_CODE_SOURCES = ("lfw", "olivetti")
# objective names that were renamed (training option `loss`, loss_comparison.losses): old -> new;
# "paper" names the protocol only, the paper's equations are eq13 everywhere
RENAMED_OBJECTIVES = {"paper": EQ13}

# TrainConfig options of the official recipe, as its LFW example runs it (examples/run_lfw.py:
# batch 16, 100 epochs; metric learning/utils.py: AdamW 1e-5 for the convolutions and 1e-4 for
# the head, weight decay 1e-4, cosine over the epochs, clipping 1.0; models.py: its CNN, 128-d,
# dropout 0.3; losses.py: margin 1.0, local weight 0.3, k = 5). No validation split, no early
# stopping, no augmentation: it trains on every sample it gets and keeps the last epoch.
OFFICIAL_OPTIONS = dict(encoder="official_cnn", embedding_dim=128, dropout=0.3, batch_size=16, epochs=100, lr=1e-4,
                        lr_encoder=1e-5, weight_decay=1e-4, scheduler="cosine", grad_clip=1.0, val_fraction=0.0,
                        noise_p=0.0, augmented_copies=False, loss_options=dict(margin=1.0, alpha=0.3, k=5))


# the official recipe's CNN (norank.ml.official.OfficialEncoder) max-pools twice by 2 before its
# adaptive pool: it takes (H, W) samples whose sides are at least 4
OFFICIAL_CNN_MIN_SIDE = 4


def official_cnn_fits(sample_shape) -> bool:
    """Whether the official recipe's CNN can take samples of ``sample_shape``."""
    return len(sample_shape) == 2 and min(sample_shape) >= OFFICIAL_CNN_MIN_SIDE


def official_encoder(options: dict, sample_shape) -> dict:
    """The official recipe's options for samples of ``sample_shape`` (known for a user's dataset):
    where its CNN cannot take them (a side below 4, or not 2-D), our MLP encoder instead, trained
    at the recipe's head rate (no convolutions for the lower one), the README's stated choice (the recipe is an extension beyond the official code's datasets there
    anyway, marked †). The job's parameters hold the encoder it trains."""
    if options.get("encoder") == "official_cnn" and sample_shape is not None and not official_cnn_fits(sample_shape):
        return {**options, "encoder": "mlp", "lr_encoder": None}  # no convolutions: the head's rate for all
    return options


def recipe_options(recipe: str, train: dict, official: dict) -> dict:
    """The training options of ``recipe``: ``train`` (the config's ``train`` block with the
    dataset's own on top) for eq13; :data:`OFFICIAL_OPTIONS` with ``official`` (the config's
    ``official_recipe`` block with the dataset's on top) for the official recipes; for ``tuned``
    eq13's, which its job overrides with the tune job's choice (:func:`norank.tune.apply`)."""
    if recipe in (EQ13, TUNED):
        return dict(train)
    if recipe in OFFICIAL:
        return {**OFFICIAL_OPTIONS, **official, "loss": recipe}
    raise NorankError(f"training recipe {recipe!r} is unknown; use one of {', '.join(RECIPES)}.")
