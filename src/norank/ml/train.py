"""Training the no-rank embedding (paper §3): the full objective, mined triplets, early stopping.

``train_embedding`` is a plain function: arrays and a :class:`TrainConfig` in, a
trained encoder and its per-epoch history out. Everything random derives from
``seed`` (batches, noise, mining, initialisation, dropout); the global torch
random state is restored on return.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from norank.errors import NorankError
from norank.metrics import precision_at_1, separation_ratio
from norank.ml.device import pick_device
from norank.ml.diagnostics import greediness_diagnostics, variance_diagnostics
from norank.ml.encoders import ProjectionHead, build_encoder
from norank.ml.loss_zoo import build_loss
from norank.ml.losses import (
    Weights,
    active_triplet_fraction,
    diversity_loss,
    global_separation_loss,
    local_consistency_loss,
    total_loss,
    triplet_loss,
    uniformity_loss,
)
from norank.ml.miners import mine
from norank.ml.sampling import knn_graph, pk_batches
from norank.splits import stratified_holdout



class TrainingDiverged(NorankError):
    """A loss term or the gradient became NaN / inf."""


@dataclass(frozen=True)
class TrainConfig:
    """Every hyper-parameter of a training run (the checkpoint stores it)."""

    encoder: str = "auto"
    embedding_dim: int = 64
    mlp_hidden: tuple[int, ...] = (512, 256)
    cnn_channels: tuple[int, ...] = (16, 32, 64)
    dropout: float = 0.1
    projection_head: bool = False
    miner: str = "semihard"
    weights: Weights = field(default_factory=Weights)
    knn_k: int = 5
    classes_per_batch: int = 8
    batch_size: int = 64
    epochs: int = 100
    lr: float = 1e-3
    weight_decay: float = 1e-4
    scheduler: str = "cosine"
    grad_clip: float = 5.0
    val_fraction: float = 0.1
    patience: int = 20
    eval_every: int = 5
    noise_p: float = 0.0
    noise_sigma: float = 0.02
    device: str = "auto"
    # the objective: "paper" (eq. 13: mined triplets + the four regularisers), one of the
    # loss-comparison losses (norank.ml.loss_zoo.LOSSES, supervised) or "plm" (unsupervised,
    # norank.ml.plm); loss_options are that loss's own arguments
    loss: str = "paper"
    loss_options: dict = field(default_factory=dict)
    # log VARIANCE (every epoch) and GREEDINESS (every batch, averaged) diagnostics in the history
    diagnostics: bool = False

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a (config-file) dict; λ/δ/margin keys may sit at top level or under ``weights``."""
        d = dict(d)
        wkeys = {f.name for f in dataclasses.fields(Weights)}
        w = dict(d.pop("weights", {}) or {})
        w.update({k: d.pop(k) for k in list(d) if k in wkeys})
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise NorankError(f"unknown training option(s) {sorted(unknown)}; known: {sorted(known | wkeys)}.")
        for k in ("mlp_hidden", "cnn_channels"):
            if k in d:
                d[k] = tuple(d[k])
        return cls(weights=Weights(**w), **d)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict]
    best_epoch: int
    fit_idx: np.ndarray
    val_idx: np.ndarray
    device: str


def embed(model: nn.Module, X: np.ndarray, device: torch.device | str = "cpu", batch_size: int = 256) -> np.ndarray:
    """``(n, d)`` embeddings of ``X`` ``(n, *shape)`` in eval mode."""
    device = torch.device(device)
    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(X), batch_size):
            out.append(model(torch.as_tensor(X[s : s + batch_size], dtype=torch.float32, device=device)).cpu())
    model.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, 0), np.float32)


class EarlyStopping:
    """Keep the weights of the best-scoring epoch (higher score is better; tuples compare in order)
    and say when ``patience`` epochs have passed without a gain."""

    def __init__(self, model: nn.Module, patience: int, log: logging.Logger):
        self.model, self.patience, self.log = model, patience, log
        self.best, self.state, self.epoch = None, copy.deepcopy(model.state_dict()), 0

    def keep(self, epoch: int) -> None:
        self.state, self.epoch = copy.deepcopy(self.model.state_dict()), epoch

    def update(self, epoch: int, score) -> bool:
        """Record ``score`` of ``epoch``; True when training should stop."""
        if self.best is None or score > self.best:
            self.best = score
            self.keep(epoch)
        elif epoch - self.epoch >= self.patience:
            self.log.info("early stop at epoch %d: no validation gain since epoch %d", epoch, self.epoch)
            return True
        return False

    def restore(self) -> int:
        """Load the kept weights into the model; the epoch they come from."""
        self.model.load_state_dict(self.state)
        return self.epoch


def log_epoch(log: logging.Logger, row: dict) -> None:
    log.info(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))


def _scheduler(opt, kind: str, epochs: int):
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=max(epochs // 3, 1), gamma=0.1)
    if kind == "none":
        return None
    raise NorankError(f"scheduler {kind!r} is unknown; use cosine, step or none.")


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
    """Train the encoder on ``X[train_idx]`` (``X`` ``(n, *shape)``, ``y`` ``(n,)``) with the eq. 13 objective.

    Only ``train_idx`` is ever read for training: the early-stopping validation set is
    carved from it (stratified, ``cfg.val_fraction``), the k-NN graph of the locality
    terms is built on its fitting part, and offline-augmented copies enter the pool only
    when their source sample is in that fitting part.

    ``batch_log``, if given, receives one ``(epoch, encoder input, seconds)`` tuple per batch
    and ``(epoch, None, seconds)`` per end-of-epoch evaluation (for the speed benchmark).
    """
    log = log or logging.getLogger("norank")
    if cfg.loss == "plm":  # unsupervised: labels never reach training
        from norank.ml.plm import train_plm

        return train_plm(X, train_idx, cfg, seed, log=log, progress=progress)
    device = pick_device(cfg.device)
    rng = np.random.default_rng(seed)
    train_idx = np.asarray(train_idx)
    fit_idx, val_idx = stratified_holdout(train_idx, y, cfg.val_fraction, rng)
    w = cfg.weights

    # the training pool: fitting originals, then the augmented copies of fitting samples
    X_fit = torch.as_tensor(X[fit_idx], dtype=torch.float32)
    pool_X, pool_y, pool_src = [X_fit], [y[fit_idx]], [np.arange(len(fit_idx))]
    if X_aug is not None and len(X_aug):
        pos = {int(s): i for i, s in enumerate(fit_idx)}
        keep = np.array([int(s) in pos for s in aug_source], dtype=bool)
        pool_X.append(torch.as_tensor(X_aug[keep], dtype=torch.float32))
        pool_y.append(y[aug_source[keep]])
        pool_src.append(np.array([pos[int(s)] for s in aug_source[keep]], dtype=np.int64))
    pool_X = torch.cat(pool_X).to(device)
    pool_y_np = np.concatenate(pool_y)
    pool_y = torch.as_tensor(pool_y_np, device=device)
    pool_src = np.concatenate(pool_src)

    use_locality = cfg.loss == "paper" and (w.lambda_local > 0 or w.lambda_global > 0)
    knn = knn_graph(X[fit_idx], cfg.knn_k) if use_locality else None
    log.info(
        "training on %d samples (+%d augmented copies), %d held for early stopping; device %s; k-NN graph %s",
        len(fit_idx), len(pool_X) - len(fit_idx), len(val_idx), device, None if knn is None else knn.shape,
    )

    history: list[dict] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model = build_encoder(
            cfg.encoder, X.shape[1:], dim=cfg.embedding_dim, mlp_hidden=cfg.mlp_hidden,
            cnn_channels=cfg.cnn_channels, dropout=cfg.dropout,
        ).to(device)
        head = ProjectionHead(cfg.embedding_dim).to(device) if cfg.projection_head else None
        zoo = None  # a loss of the loss comparison replaces the eq. 13 objective
        if cfg.loss != "paper":
            zoo = build_loss(cfg.loss, n_classes=int(y.max()) + 1, dim=cfg.embedding_dim, **cfg.loss_options).to(device)
        params = [q for m in (model, head, zoo) if m is not None for q in m.parameters()]
        opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        sched = _scheduler(opt, cfg.scheduler, cfg.epochs)
        stopper = EarlyStopping(model, cfg.patience, log)

        bar = tqdm(range(1, cfg.epochs + 1), desc="epochs", disable=not progress, mininterval=5, ascii=True)
        for epoch in bar:
            t0 = time.perf_counter()
            model.train()
            term_sums, loss_sum = None, torch.zeros((), device=device)  # summed as tensors, read once per epoch
            active, active_all, n_triplets, n_batches = 0.0, 0.0, 0, 0
            greedy = []
            for b in pk_batches(pool_y_np, cfg.classes_per_batch, cfg.batch_size, rng):
                tb = time.perf_counter()
                yb, src = pool_y[b], pool_src[b]
                # one gather for the batch and, for eq. 11, a random k-NN neighbour of each sample
                # (fitting originals are the first rows of the pool, so neighbour indices are pool rows)
                nbr = knn[src, rng.integers(cfg.knn_k, size=len(b))] if knn is not None else None
                rows = torch.as_tensor(b if nbr is None else np.concatenate([b, nbr]), device=device)
                x_in = pool_X.index_select(0, rows)
                if cfg.noise_p > 0:  # on-the-fly augmentation of the batch samples (not their neighbours)
                    hit = torch.nonzero(torch.rand(len(b), generator=gen) < cfg.noise_p).flatten().to(device)
                    noise = torch.randn((len(hit),) + tuple(x_in.shape[1:]), generator=gen).to(device)
                    x_in.index_add_(0, hit, noise, alpha=cfg.noise_sigma)
                xb = x_in[: len(b)]
                Z_all = model(x_in)
                Z, Z_nbr = Z_all[: len(b)], Z_all[len(b) :]
                if not torch.isfinite(Z).all():
                    raise TrainingDiverged(
                        f"the encoder output became non-finite at epoch {epoch} (batch {n_batches + 1}); largest "
                        f"|input| in the batch is {xb.abs().max().item():.3g}. Normalise the input (normalize: zscore) "
                        f"or lower the learning rate (now {opt.param_groups[0]['lr']:.3g})."
                    )
                out = head(Z) if head is not None else Z
                if head is not None:
                    out = nn.functional.normalize(out, dim=1)
                if zoo is None:
                    trip = mine(cfg.miner, out.detach(), yb, w.margin, gen)
                    terms = {}
                    terms["triplet"], frac = triplet_loss(out, yb, trip, w.margin)
                    if w.lambda_div > 0:
                        terms["diversity"] = diversity_loss(out)
                    if w.lambda_uniform > 0:
                        terms["uniformity"] = uniformity_loss(out)
                    if knn is not None and w.lambda_local > 0:
                        Zn = nn.functional.normalize(head(Z_nbr), dim=1) if head is not None else Z_nbr
                        terms["local"] = local_consistency_loss(out, Zn, w.delta_local)
                    if knn is not None and w.lambda_global > 0:
                        is_nbr = (knn[src][:, :, None] == src[None, None, :]).any(1) | (src[:, None] == src[None, :])
                        terms["global"] = global_separation_loss(out, torch.as_tensor(~is_nbr, device=device), w.delta_global)
                    loss = total_loss(terms, w)
                else:
                    terms = {cfg.loss: zoo(out, yb)}
                    loss = terms[cfg.loss]
                if cfg.diagnostics:
                    greedy.append(greediness_diagnostics(loss, out))
                term_values = torch.stack([v.detach() for v in terms.values()])
                if not torch.isfinite(term_values).all():  # one check per batch; name the culprit only on failure
                    for k, v in terms.items():
                        if torch.isfinite(v):
                            continue
                        raise TrainingDiverged(
                            f"loss term {k!r} became {v.item()} at epoch {epoch} (batch {n_batches + 1}); other terms: "
                            + ", ".join(f"{t}={u.item():.4g}" for t, u in terms.items() if t != k)
                            + f". Lower the learning rate (now {opt.param_groups[0]['lr']:.3g}) or check the input for "
                            "extreme values."
                        )
                opt.zero_grad(set_to_none=True)
                loss.backward()
                grads = [q.grad for q in params if q.grad is not None]
                gnorm = torch.nn.utils.get_total_norm(grads)
                if cfg.grad_clip > 0 and gnorm > cfg.grad_clip:  # rescale only when clipping bites
                    torch.nn.utils.clip_grads_with_norm_(params, cfg.grad_clip, gnorm)
                if not torch.isfinite(gnorm):
                    raise TrainingDiverged(
                        f"gradient norm became {gnorm.item()} at epoch {epoch} (batch {n_batches + 1}) with finite loss "
                        f"{loss.item():.4g}. Lower the learning rate or set grad_clip."
                    )
                opt.step()
                term_sums = term_values if term_sums is None else term_sums + term_values
                loss_sum = loss_sum + loss.detach()
                if zoo is None:
                    active += frac * len(trip[0])
                    active_all += active_triplet_fraction(out.detach(), yb, w.margin)
                    n_triplets += len(trip[0])
                n_batches += 1
                if batch_log is not None:
                    batch_log.append((epoch, x_in.detach(), time.perf_counter() - tb))
            lr = opt.param_groups[0]["lr"]
            te = time.perf_counter()
            if sched is not None:
                sched.step()

            row = {"epoch": epoch, **dict(zip(terms, (term_sums / n_batches).tolist())), "total": loss_sum.item() / n_batches}
            if zoo is None:
                row["active_mined_triplets"] = active / n_triplets if n_triplets else 0.0
                row["active_batch_triplets"] = active_all / n_batches
                row["triplets_per_batch"] = n_triplets / n_batches
            row["lr"] = lr
            evaluate = epoch % cfg.eval_every == 0 or epoch == cfg.epochs or epoch == 1
            if evaluate or cfg.diagnostics:
                # Embed the fitting samples afresh in eval mode: the batches' own embeddings are
                # train-mode (dropout, batch-norm batch statistics) and drift over the epoch, so
                # comparing eval-mode validation queries with them would mislead early stopping.
                Z_fit, y_fit = embed(model, X[fit_idx], device), y[fit_idx]
            if cfg.diagnostics:  # VARIANCE of the eval-mode fitting embeddings; GREEDINESS batch means
                row.update(variance_diagnostics(Z_fit, y_fit))
                # pk_batches gives every epoch at least one batch (tests/test_miners.py), so greedy has a row
                row.update({k: float(np.mean([g[k] for g in greedy])) for k in greedy[0]})
            if evaluate:
                row["train_separation_ratio"] = separation_ratio(Z_fit, y_fit)
                if not np.isfinite(row["train_separation_ratio"]):
                    raise TrainingDiverged(
                        f"after epoch {epoch} the training embeddings are non-finite or collapsed to one point "
                        f"(separation ratio {row['train_separation_ratio']}). Lower the learning rate or check the input."
                    )
                if len(val_idx):
                    Z_val, y_val = embed(model, X[val_idx], device), y[val_idx]
                    row["val_precision_at_1"] = precision_at_1(Z_val, y_val, Z_fit, y_fit)
                    has_pairs = len(np.unique(y_val)) > 1 and np.bincount(y_val).max() > 1
                    row["val_separation_ratio"] = separation_ratio(Z_val, y_val) if has_pairs else float("nan")
            row["seconds"] = time.perf_counter() - t0
            if batch_log is not None:
                batch_log.append((epoch, None, time.perf_counter() - te))
            history.append(row)
            log_epoch(log, row)

            if not len(val_idx):
                stopper.keep(epoch)
            elif evaluate and stopper.update(epoch, (row["val_precision_at_1"], -row["total"])):
                break
        best_epoch = stopper.restore()
    model.eval()
    return TrainResult(model, history, best_epoch, fit_idx, val_idx, str(device))


def save_training(outputs, result: TrainResult, ds, cfg: TrainConfig, *, seed: int, split: str, test_idx: np.ndarray) -> None:
    """Write the checkpoint, the embeddings of every sample and the history TSV, each atomically.

    ``outputs`` has ``model`` (``.pt``: state dict, config, sample shape, seed, split, best
    epoch), ``embeddings`` (``.npz``: ``Z`` ``(n, d)``, ``y``, ``sample_id``, ``role`` per
    sample ∈ {fit, val, heldout}) and ``history`` (``.tsv``, one row per epoch).
    """
    import json

    import pandas as pd

    from norank import __version__
    from norank.io import atomic_path

    role = np.full(len(ds.y), "unused", dtype=object)
    role[result.fit_idx] = "fit"
    role[result.val_idx] = "val"
    role[np.asarray(test_idx, dtype=np.int64)] = "heldout"
    Z = embed(result.model, ds.X, result.device)
    meta = dict(dataset=ds.name, split=split, seed=seed, best_epoch=result.best_epoch, device=result.device,
                norank_version=__version__, dataset_X_sha256=ds.provenance.get("X_sha256"))
    with atomic_path(outputs.model) as tmp:
        torch.save({"state_dict": result.model.state_dict(), "config": cfg.to_dict(),
                    "sample_shape": list(ds.X.shape[1:]), **meta}, tmp)
    with atomic_path(outputs.embeddings) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, Z=Z.astype(np.float32), y=ds.y, sample_id=ds.sample_id, role=role.astype(str),
                     class_names=np.asarray(ds.class_names), meta=np.asarray(json.dumps(meta)))
    with atomic_path(outputs.history) as tmp:
        pd.DataFrame(result.history).to_csv(tmp, sep="\t", index=False)
