"""A trained encoder, reused: embed new samples with a run's ``model.pt``, or fit one in Python.

:class:`Embedder` reads a checkpoint that rule ``train`` wrote (:func:`norank.ml.train.save_training`:
the encoder's weights, its training options, the sample shape and the normalisation the training
saw) and embeds new samples the way the training's own samples were: the same normalisation
(per-sample z-score unless the dataset had ``normalize: none``), the encoder in eval mode, one
unit-norm ``d``-dimensional row per sample. ``norank embed MODEL.pt DATA`` is the same from the
command line.

:class:`NoRankEmbedding` is the trainer as a scikit-learn estimator (``fit(X, y)``,
``transform(X)``, ``fit_transform``, ``score``), so it goes into a ``Pipeline`` or
``GridSearchCV`` like any transformer; ``recipe`` picks eq. 13 or the official recipe, and
``options`` sets any training option (:class:`norank.ml.config.TrainConfig`). ``score`` is the
precision at 1 of the given samples as queries against the training samples (what the held-out
protocol reports), so a grid search over inner folds picks options on the training part only.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError

from norank.errors import NorankError

NORMALIZATIONS = ("zscore", "none")


def _as_samples(X, sample_shape, what: str) -> np.ndarray:
    """``X`` as ``(n, *sample_shape)`` float32: as given, or from row-major flattened ``(n, prod)``."""
    X = np.asarray(X, dtype=np.float32)
    shape = tuple(int(s) for s in sample_shape)
    if X.shape[1:] == shape:
        return X
    if X.ndim == 2 and X.shape[1] == int(np.prod(shape)):
        return X.reshape(len(X), *shape)
    raise NorankError(f"{what}: samples of shape {X.shape[1:]} do not fit the encoder, which was trained on samples "
                      f"of shape {shape}; give (n, {', '.join(map(str, shape))}) or (n, {int(np.prod(shape))}) "
                      "flattened row-major.")


def _normalised(X: np.ndarray, normalize: str, what: str) -> np.ndarray:
    """``X`` as its training's samples were: finite (else the dataset check's message), then z-scored
    per sample unless ``normalize`` is ``none``."""
    from norank.data.artifact import check_finite
    from norank.data.preprocess import zscore_per_sample

    check_finite(X, what)
    return zscore_per_sample(X) if normalize == "zscore" else X


class Embedder:
    """A trained encoder with the preprocessing of its training (see the module docstring)."""

    def __init__(self, model, sample_shape, normalize: str, options: dict, meta: dict | None = None):
        if normalize not in NORMALIZATIONS:
            raise NorankError(f"normalize={normalize!r} is unknown; use one of {', '.join(NORMALIZATIONS)}.")
        self.model, self.sample_shape, self.normalize = model, tuple(sample_shape), normalize
        self.options, self.meta = options, meta or {}

    @classmethod
    def load(cls, path, *, normalize: str | None = None, device: str = "auto") -> Embedder:
        """The encoder of checkpoint ``path`` (a ``results/train/.../model.pt``). ``normalize``
        overrides the checkpoint's (needed only for a checkpoint older than this record)."""
        import torch

        from norank.ml.config import TrainConfig
        from norank.ml.device import pick_device
        from norank.ml.train import build_model

        path = Path(path)
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
            keys = {"state_dict", "config", "sample_shape"}
            if not isinstance(ckpt, dict) or not keys <= set(ckpt):
                raise NorankError(f"{path} is not a norank training checkpoint (it lacks "
                                  f"{sorted(keys - set(ckpt) if isinstance(ckpt, dict) else keys)}); give the "
                                  "model.pt of a train folder, results/train/<dataset>/<split>/<recipe>/seed<s>/.")
        except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as e:
            raise NorankError(f"cannot read {path} as a checkpoint ({e.__class__.__name__}: {str(e)[:200]}); "
                              "norank verify says whether it is damaged.") from None
        normalize = normalize or ckpt.get("normalize")
        if normalize is None:
            raise NorankError(f"{path} does not record the normalisation its training saw (written before norank "
                              "recorded it); pass normalize='zscore' (the default of every dataset) or 'none', or "
                              "rerun the training.")
        model = build_model(TrainConfig.from_dict(ckpt["config"]), ckpt["sample_shape"])
        model.load_state_dict(ckpt["state_dict"])
        model.to(pick_device(device)).eval()
        meta = {k: v for k, v in ckpt.items() if k not in ("state_dict", "config")}
        return cls(model, ckpt["sample_shape"], normalize, ckpt["config"], meta)

    @property
    def device(self):
        return next(self.model.parameters()).device

    def transform(self, X, *, what: str = "the samples") -> np.ndarray:
        """``(n, d)`` unit-norm embeddings of ``X`` (``(n, *sample_shape)`` or flattened row-major)."""
        from norank.ml.loop import embed

        X = _normalised(_as_samples(X, self.sample_shape, what), self.normalize, what)
        return embed(self.model, X, self.device)


class NotFitted(NorankError, NotFittedError):
    """scikit-learn's NotFittedError (what check_is_fitted raises), with our message."""


class NoRankEmbedding(TransformerMixin, BaseEstimator):
    """The no-rank embedding as a scikit-learn transformer (see the module docstring).

    ``recipe``: ``eq13`` (the paper's objective with ``options`` on :class:`TrainConfig`'s
    defaults) or ``official`` (:data:`norank.recipes.OFFICIAL_OPTIONS` with ``options`` on top);
    ``normalize``: what :class:`Embedder` applies to every input; ``seed``: everything random.
    Trains on every sample given to ``fit`` (``val_fraction`` in ``options`` carves an early-stopping
    share from them)."""

    def __init__(self, recipe: str = "eq13", options: dict | None = None, normalize: str = "zscore",
                 seed: int = 0):
        self.recipe, self.options, self.normalize, self.seed = recipe, options, normalize, seed

    def training_options(self) -> dict:
        """The :class:`TrainConfig` options ``fit`` trains with."""
        from norank.recipes import EQ13, recipe_options

        train = {"val_fraction": 0.0, **(self.options or {})} if self.recipe == EQ13 else {}
        return recipe_options(self.recipe, train, dict(self.options or {}))

    def fit(self, X, y) -> NoRankEmbedding:
        from norank.ml.config import TrainConfig
        from norank.ml.train import train_embedding

        from norank.data.artifact import validate_tensor_dataset

        X = np.asarray(X, dtype=np.float32)
        labels, y_int = np.unique(np.asarray(y), return_inverse=True)
        # the pipeline's dataset checks (NaN, label count, a class of one sample, ...)
        validate_tensor_dataset(X, y_int.reshape(np.shape(y)), [str(c) for c in labels], name="NoRankEmbedding.fit")
        options = self.training_options()
        cfg = TrainConfig.from_dict(options)
        result = train_embedding(_normalised(X, self.normalize, "fit"), y_int, np.arange(len(X)), cfg, self.seed,
                                 progress=False)
        self.embedder_ = Embedder(result.model, X.shape[1:], self.normalize, options)
        self.classes_ = labels
        self._fit_Z, self._fit_y = self.embedder_.transform(X), y_int
        self.history_ = result.history
        return self

    def _fitted(self) -> Embedder:
        if not hasattr(self, "embedder_"):
            raise NotFitted("this NoRankEmbedding is not fitted yet; call fit(X, y) first.")
        return self.embedder_

    def transform(self, X) -> np.ndarray:
        return self._fitted().transform(X)

    def fit_transform(self, X, y) -> np.ndarray:
        return self.fit(X, y)._fit_Z

    def score(self, X, y) -> float:
        """Precision at 1 of ``X`` as queries against the training samples (labels ``y``)."""
        from norank.metrics import retrieval_metrics

        Z = self.transform(X)
        y = np.asarray(y)
        unseen = sorted(set(np.unique(y).tolist()) - set(self.classes_.tolist()))
        if unseen:
            raise NorankError(f"score: label(s) {unseen[:5]} were not in fit; P@1 against the training samples "
                              "needs classes the training had.")
        y_q = np.searchsorted(self.classes_, y)
        return float(retrieval_metrics(Z, y_q, self._fit_Z, self._fit_y)["precision_at_1"])

    def save(self, path) -> None:
        """A checkpoint :meth:`Embedder.load` (and ``norank embed``) reads."""
        import torch

        from norank.io import atomic_path
        from norank.ml.config import TrainConfig
        from norank.ml.train import checkpoint

        e = self._fitted()
        with atomic_path(path) as tmp:
            torch.save(checkpoint(e.model, TrainConfig.from_dict(e.options), e.sample_shape, normalize=e.normalize,
                                  class_names=self.classes_, seed=self.seed), tmp)
