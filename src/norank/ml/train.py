"""Training the no-rank embedding (paper §3): one entry point for every objective.

``train_embedding`` is a plain function: arrays and a :class:`TrainConfig` in, a trained
encoder and its per-epoch history out. It picks the validation split and the objective
(by name from :data:`norank.ml.objectives.OBJECTIVES`: eq. 13, a loss of the comparison, the
official recipe's or unsupervised PLM) and hands them to the shared loop
(:func:`norank.ml.loop.fit`). Everything random derives from ``seed`` (split, batches,
noise, mining, initialisation, dropout); the global torch random state is restored on return.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from norank.metrics import precision_at_1, separation_ratio
from norank.ml.config import TrainConfig
from norank.ml.device import compile_encoder, pick_device
from norank.ml.diagnostics import variance_diagnostics
from norank.ml.encoders import build_encoder
from norank.ml.loop import Objective, TrainingDiverged, embed, fit, make_pool
from norank.ml.objectives import objective_spec
from norank.splits import stratified_holdout

__all__ = ["TrainConfig", "TrainResult", "TrainingDiverged", "build_model", "checkpoint", "embed", "save_training",
           "train_embedding"]


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    best_epoch: int
    fit_idx: np.ndarray
    val_idx: np.ndarray
    device: str


class LabelledEvaluation:
    """Epoch-end evaluation with labels: the separation ratio of the fitting samples, and the
    validation samples' P@1 against them and separation ratio; the VARIANCE diagnostics every
    epoch when asked. Early stopping keeps the best (validation P@1, -training loss).

    The fitting samples are embedded afresh in eval mode: the batches' own embeddings are
    train-mode (dropout, batch-norm batch statistics) and drift over the epoch, so comparing
    eval-mode validation queries with them would mislead early stopping.
    """

    def __init__(self, X, y, fit_idx, val_idx, device, diagnostics: bool):
        self.X, self.y, self.fit_idx, self.val_idx = X, y, fit_idx, val_idx
        self.device, self.diagnostics = device, diagnostics
        self.has_validation = len(val_idx) > 0

    def __call__(self, model: nn.Module, epoch: int, due: bool) -> dict:
        if not (due or self.diagnostics):
            return {}
        Z_fit, y_fit = embed(model, self.X[self.fit_idx], self.device), self.y[self.fit_idx]
        row = variance_diagnostics(Z_fit, y_fit) if self.diagnostics else {}
        if not due:
            return row
        row["train_separation_ratio"] = separation_ratio(Z_fit, y_fit)
        if not np.isfinite(row["train_separation_ratio"]):
            raise TrainingDiverged(
                f"after epoch {epoch} the training embeddings are non-finite or collapsed to one point (separation ratio "
                f"{row['train_separation_ratio']}). Lower the learning rate or check the input."
            )
        if self.has_validation:
            Z_val, y_val = embed(model, self.X[self.val_idx], self.device), self.y[self.val_idx]
            row["val_precision_at_1"] = precision_at_1(Z_val, y_val, Z_fit, y_fit)
            has_pairs = len(np.unique(y_val)) > 1 and np.bincount(y_val).max() > 1
            row["val_separation_ratio"] = separation_ratio(Z_val, y_val) if has_pairs else float("nan")
        return row

    def score(self, row: dict) -> tuple[float, float]:
        return row["val_precision_at_1"], -row["total"]


def train_embedding(
    X: np.ndarray,
    y: np.ndarray,
    train_idx: np.ndarray,
    cfg: TrainConfig,
    seed: int,
    *,
    X_aug: np.ndarray | None = None,
    aug_source: np.ndarray | None = None,
    log: logging.Logger | None = None,
    progress: bool = True,
    batch_log: list | None = None,
) -> TrainResult:
    """Train the encoder on ``X[train_idx]`` (``X`` ``(n, *shape)``, ``y`` ``(n,)``) with ``cfg.loss``.

    Only ``train_idx`` is ever read for training: the early-stopping validation set is carved
    from it (``cfg.val_fraction``; stratified for a supervised objective, or as the unsupervised
    one holds it out), the k-NN graph of the locality terms is built on its fitting part, and
    offline-augmented copies enter the pool only when their source sample is in that fitting
    part. An unsupervised objective (``plm``) never reads ``y``.

    ``batch_log``, if given, receives one ``(epoch, encoder input, seconds)`` tuple per batch
    and ``(epoch, None, seconds)`` per end-of-epoch evaluation (for the speed benchmark).
    """
    log = log or logging.getLogger("norank")
    device = pick_device(cfg.device)
    rng = np.random.default_rng(seed)
    train_idx = np.asarray(train_idx)
    spec, unsupervised = objective_spec(cfg.loss), None
    if spec.supervised:
        fit_idx, val_idx = stratified_holdout(train_idx, y, cfg.val_fraction, rng)
        evaluation = LabelledEvaluation(X, y, fit_idx, val_idx, device, cfg.diagnostics)
    else:
        fit_idx, val_idx, unsupervised, evaluation = spec.setup(X, train_idx, cfg.val_fraction, cfg.loss_options,
                                                                rng, device, log=log)
    if not cfg.augmented_copies:
        X_aug = aug_source = None
    pool = make_pool(X, y if spec.supervised else None, fit_idx, device, X_aug, aug_source)
    log.info("training (%s) on %d samples (+%d augmented copies), %d held for early stopping%s; device %s",
             cfg.loss, len(fit_idx), len(pool.X) - len(fit_idx), len(val_idx),
             "" if spec.supervised else " (no labels)", device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        model = build_model(cfg, X.shape[1:]).to(device)
        if cfg.compile:
            probe = pool.X[: min(len(pool.X), cfg.batch_size)]
            log.info("encoder compiled: %s", compile_encoder(model, probe, log))
        # built after the encoder: its own parameters' initial values come next in the random stream
        objective: Objective = (spec.build(cfg, int(y.max()) + 1, pool) if spec.supervised else unsupervised).to(device)
        history, best_epoch = fit(model, objective, pool, evaluation, cfg, rng=rng, generator=generator, log=log,
                                  progress=progress, on_batch=None if batch_log is None else
                                  lambda *entry: batch_log.append(entry))
    model.eval()
    return TrainResult(model, history, best_epoch, fit_idx, val_idx, str(device))


def build_model(cfg: TrainConfig, sample_shape) -> nn.Module:
    """The encoder ``cfg`` names, for samples of ``sample_shape`` (untrained)."""
    return build_encoder(cfg.encoder, sample_shape, dim=cfg.embedding_dim, mlp_hidden=cfg.mlp_hidden,
                         cnn_channels=cfg.cnn_channels, dropout=cfg.dropout)


def checkpoint(model: nn.Module, cfg: TrainConfig, sample_shape, *, normalize: str | None, class_names,
               **meta) -> dict:
    """What a ``model.pt`` holds: the weights, the options, the sample shape, the normalisation of
    the samples it was trained on and the class names (what :class:`norank.embedder.Embedder`
    needs), and ``meta``."""
    return {"state_dict": model.state_dict(), "config": cfg.to_dict(), "sample_shape": list(sample_shape),
            "normalize": normalize, "class_names": [str(c) for c in class_names], **meta}


def save_training(outputs, result: TrainResult, ds, cfg: TrainConfig, *, seed: int, split: str, test_idx: np.ndarray) -> None:
    """Write the checkpoint, the embeddings of every sample and the history TSV, each atomically.

    ``outputs`` has ``model`` (``.pt``: state dict, config, sample shape, the normalisation of
    the dataset artifact, class names, seed, split, best epoch; :class:`norank.embedder.Embedder`
    reads it), ``embeddings`` (``.npz``: ``Z`` ``(n, d)``, ``y``, ``sample_id``, ``role`` per
    sample ∈ {fit, val, heldout}) and ``history`` (``.tsv``, one row per epoch).
    """
    import json

    import norank
    from norank.io import atomic_path
    from norank.ml.history import write_history

    role = np.full(len(ds.y), "unused", dtype=object)
    role[result.fit_idx] = "fit"
    role[result.val_idx] = "val"
    role[np.asarray(test_idx, dtype=np.int64)] = "heldout"
    Z = embed(result.model, ds.X, result.device)
    meta = dict(dataset=ds.name, split=split, seed=seed, best_epoch=result.best_epoch, device=result.device,
                norank_version=norank.__version__, dataset_X_sha256=ds.provenance.get("X_sha256"))
    with atomic_path(outputs.model) as tmp:
        torch.save(checkpoint(result.model, cfg, ds.X.shape[1:], normalize=ds.provenance.get("normalize"),
                              class_names=ds.class_names, **meta), tmp)
    with atomic_path(outputs.embeddings) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, Z=Z.astype(np.float32), y=ds.y, sample_id=ds.sample_id, role=role.astype(str),
                     class_names=np.asarray(ds.class_names), meta=np.asarray(json.dumps(meta)))
    with atomic_path(outputs.history) as tmp:
        write_history(tmp, result.history)
