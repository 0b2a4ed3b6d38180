"""The one training loop every objective shares (paper §3; the objectives are in ``objectives.py`` and ``plm.py``).

:func:`fit` owns the epoch/batch skeleton: batches from the training :class:`Pool`, on-the-fly
noise, one forward pass (the batch and, when the objective asks, an input-space neighbour of
each sample), the objective, backward, gradient clipping, the optimiser step, the learning-rate
schedule, the evaluation cadence, early stopping, the history rows and the weights of the kept
epoch.

An :class:`Objective` is a module with one method, ``forward(Z, batch) -> Step``; its class
attributes say what it needs: labels, input-space neighbours, which batches (class-balanced
P×K or shuffled), and the names of its loss terms and statistics. Its own parameters (a
projection head, a proxy bank) are trained with the encoder; ``param_groups`` may give them
learning rates of their own.

No host reads inside the batch loop: loss terms, statistics, diagnostics and the finiteness of
the encoder output, of every term and of the gradient norm accumulate on the device
(:class:`EpochTotals`) and are read once per epoch, where a divergence is reported with the
term, the epoch, the first bad batch and the fix. Clipping always rescales (by 1 when the norm
is within bounds), so it needs no comparison on the host. What still synchronises a GPU is the
data-dependent length of the miners' index tuples (pytorch-metric-learning's interface).
"""

from __future__ import annotations

import copy
import logging
import math
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from norank.errors import NorankError
from norank.ml.config import TrainConfig
from norank.ml.diagnostics import GREEDINESS, greediness_tensor
from norank.ml.sampling import SAMPLERS, knn_graph, pk_batches, shuffled_batches


class TrainingDiverged(NorankError):
    """A loss term, the encoder output or the gradient became NaN / inf."""


@dataclass
class Pool:
    """The training samples on the device: the fitting originals first, then their augmented copies."""

    X: torch.Tensor  # (m, *shape)
    y: np.ndarray | None  # (m,) labels on the host for the batch sampler; None when training without labels
    y_dev: torch.Tensor | None  # (m,) the same labels on the device
    src: np.ndarray  # (m,) row of each sample's original among the first n_fit rows
    n_fit: int


def make_pool(X: np.ndarray, y: np.ndarray | None, fit_idx: np.ndarray, device: torch.device,
              X_aug: np.ndarray | None = None, aug_source: np.ndarray | None = None) -> Pool:
    """Pool of ``X[fit_idx]`` plus the offline-augmented copies whose source sample is in ``fit_idx``."""
    parts, src = [torch.as_tensor(X[fit_idx], dtype=torch.float32)], [np.arange(len(fit_idx))]
    labels = [y[fit_idx]] if y is not None else None
    if X_aug is not None and len(X_aug):
        pos = {int(s): i for i, s in enumerate(fit_idx)}
        keep = np.array([int(s) in pos for s in aug_source], dtype=bool)
        parts.append(torch.as_tensor(X_aug[keep], dtype=torch.float32))
        src.append(np.array([pos[int(s)] for s in aug_source[keep]], dtype=np.int64))
        if labels is not None:
            labels.append(y[aug_source[keep]])
    y_pool = np.concatenate(labels) if labels is not None else None
    return Pool(torch.cat(parts).to(device), y_pool, None if y_pool is None else torch.as_tensor(y_pool, device=device),
                np.concatenate(src), len(fit_idx))


@dataclass
class Batch:
    """What an objective sees of one batch besides its embeddings."""

    y: torch.Tensor | None  # (B,) labels, None without labels
    src: torch.Tensor  # (B,) fitting-set row of each sample's original, on the device
    src_host: np.ndarray  # the same on the host
    knn: torch.Tensor | None  # (B, k) fitting-set rows of each sample's input-space neighbours
    Z_nbr: torch.Tensor | None  # (B, d) embeddings of one random input-space neighbour of each sample
    generator: torch.Generator  # for the objective's own random choices (mining)


@dataclass
class Step:
    loss: torch.Tensor  # scalar to minimise
    terms: dict[str, torch.Tensor]  # scalar terms, keyed by the objective's term_names, in that order
    out: torch.Tensor  # the embeddings the loss reads (the GREEDINESS diagnostics differentiate by them)
    stats: torch.Tensor | None = None  # (S,) float64, the objective's stat_names; summed over the epoch


class Objective(nn.Module):
    """A training objective: ``forward(Z, batch) -> Step`` with ``Z`` ``(B, d)`` the batch embeddings."""

    needs_labels: bool = True
    needs_neighbours: bool = False
    sampler: str = "pk"  # "pk": P classes × K samples per batch; "shuffled": a permutation cut into batches
    term_names: tuple[str, ...] = ()
    stat_names: tuple[str, ...] = ()

    def param_groups(self, model: nn.Module) -> list[dict]:
        """The optimiser's parameter groups (one group at the configured rate unless overridden)."""
        return [{"params": [*model.parameters(), *self.parameters()]}]

    def epoch_row(self, stat_means: dict[str, float]) -> dict[str, float]:
        """History entries from the epoch means of ``stat_names`` (default: as they are)."""
        return stat_means


class Evaluation(Protocol):
    """Epoch-end evaluation: history entries, and the early-stopping score (higher is better)."""

    has_validation: bool

    def __call__(self, model: nn.Module, epoch: int, due: bool) -> dict: ...

    def score(self, row: dict): ...


def embed_batch_size(sample_shape: Sequence[int]) -> int:
    """Samples per forward pass of :func:`embed`: the power of two nearest below 2**16 input
    values, between 16 and 256.

    Large batches of large inputs are slower per sample on CPU (their activations leave the
    cache): ABIDE's 111 x 111 through the official CNN took 11.9 ms per sample in batches of 16
    and 17.6 ms in batches of 256, one thread (benchmarks/embed_batch.py prints the figures).
    """
    fits = 2**16 // max(1, math.prod(sample_shape))
    return min(256, max(16, 1 << (fits.bit_length() - 1) if fits else 0))


def embed(model: nn.Module, X: np.ndarray, device: torch.device | str = "cpu", batch_size: int | None = None) -> np.ndarray:
    """``(n, d)`` embeddings of ``X`` ``(n, *shape)`` in eval mode, ``batch_size`` samples at a
    time (default :func:`embed_batch_size`)."""
    device = torch.device(device)
    batch_size = batch_size or embed_batch_size(X.shape[1:])
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


def encoder_rate(groups: list[dict], model: nn.Module, lr_encoder: float | None) -> list[dict]:
    """``groups`` with the encoder's convolutions (``model.convolutions()``) moved to a first group
    of their own at ``lr_encoder`` (the official optimiser's two rates; the history's ``lr`` is
    the first group's); ``lr_encoder`` None: ``groups`` as they are."""
    if lr_encoder is None:
        return groups
    if not hasattr(model, "convolutions"):
        raise NorankError(f"training option lr_encoder={lr_encoder} sets the convolutions' own learning rate, but the "
                          f"encoder {type(model).__name__} has no convolutions; remove lr_encoder or use a CNN encoder.")
    conv = model.convolutions()
    ids = {id(q) for q in conv}
    rest = [{**g, "params": [q for q in g["params"] if id(q) not in ids]} for g in groups]
    return [{"params": conv, "lr": lr_encoder}, *(g for g in rest if g["params"])]


def make_optimizer(groups: list[dict], lr: float, weight_decay: float, device: torch.device) -> torch.optim.AdamW:
    """AdamW over the parameter ``groups``; fused (one kernel for every parameter) on CPU and CUDA.

    On ABIDE's MLP (6.3 M weights, 2 CPU threads) the fused step takes 3.7 ms against 18.9 ms for
    torch's default per-parameter loop (median of 25 steps; ``benchmarks/train_speed.py`` times
    the whole training step). It computes the same update with other rounding.
    """
    return torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay, fused=device.type in ("cpu", "cuda"))


def make_scheduler(opt: torch.optim.Optimizer, kind: str, epochs: int):
    """The per-epoch learning-rate schedule: ``cosine``, ``step`` (÷10 every third of the run) or ``none``."""
    if kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    if kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=max(epochs // 3, 1), gamma=0.1)
    if kind == "none":
        return None
    raise NorankError(f"scheduler {kind!r} is unknown; use cosine, step or none.")


def log_epoch(log: logging.Logger, row: dict) -> None:
    log.info(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))


def add_noise(x: torch.Tensor, n: int, p: float, sigma: float, generator: torch.Generator) -> None:
    """On-the-fly augmentation (paper §5.2), in place: each of the first ``n`` rows of ``x`` gets
    N(0, σ²) noise with probability ``p``. Drawn on the CPU generator, so a seed gives the same
    noise on every device."""
    hit = torch.nonzero(torch.rand(n, generator=generator) < p).flatten()
    noise = torch.randn((len(hit),) + tuple(x.shape[1:]), generator=generator)
    x.index_add_(0, hit.to(x.device), noise.to(x.device), alpha=sigma)


def clip_gradients(params: list[torch.Tensor], max_norm: float) -> torch.Tensor:
    """Total gradient norm (before clipping), rescaling the gradients to ``max_norm`` when it is
    larger (``max_norm`` ≤ 0: no clipping). The rescale factor min(1, max_norm / norm) is applied
    on the device, so no comparison reads the norm back."""
    if max_norm > 0:
        return torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=True)
    return torch.nn.utils.get_total_norm([q.grad for q in params if q.grad is not None], foreach=True)


class EpochTotals:
    """One epoch's sums, kept on the device: loss terms, total, the objective's statistics, the
    GREEDINESS diagnostics, and the first batch at which each monitored value stopped being finite."""

    def __init__(self, objective: Objective, device: torch.device):
        self.objective = objective
        self.names = ("encoder output", *objective.term_names, "gradient norm")
        self.first_bad = torch.full((len(self.names),), -1, dtype=torch.long, device=device)
        self.terms = self.total = self.stats = self.greedy = None
        self.n = 0

    def add(self, Z: torch.Tensor, step: Step, gnorm: torch.Tensor, greedy: torch.Tensor | None) -> None:
        terms = torch.stack([v.detach() for v in step.terms.values()])
        finite = torch.cat([torch.isfinite(Z.detach()).all().reshape(1), torch.isfinite(terms),
                            torch.isfinite(gnorm).reshape(1)])
        self.n += 1
        self.first_bad = torch.where(~finite & (self.first_bad < 0), self.n, self.first_bad)
        self.terms = terms if self.terms is None else self.terms + terms
        self.total = step.loss.detach() if self.total is None else self.total + step.loss.detach()
        if step.stats is not None:
            self.stats = step.stats if self.stats is None else self.stats + step.stats
        if greedy is not None:
            self.greedy = greedy if self.greedy is None else self.greedy + greedy

    def check(self, epoch: int, lr: float, pool: Pool) -> None:
        """Raise :class:`TrainingDiverged` naming the first value that became non-finite this epoch."""
        bad = [(b, i) for i, b in enumerate(self.first_bad.tolist()) if b > 0]
        if not bad:
            return
        batch, i = min(bad)
        where = f"at epoch {epoch} (batch {batch})"
        if i == 0:
            input_max = float(pool.X.abs().max())
            msg = (f"the encoder output became non-finite {where}; the largest |input| in the training pool is "
                   f"{input_max:.3g}. Normalise the input (normalize: zscore) or lower the learning rate (now {lr:.3g}).")
        elif i == len(self.names) - 1:
            msg = (f"the gradient norm became non-finite {where} while every loss term was finite. Lower the learning "
                   f"rate (now {lr:.3g}) or set grad_clip.")
        else:
            msg = (f"loss term {self.names[i]!r} became non-finite {where}. Lower the learning rate (now {lr:.3g}) "
                   "or check the input for extreme values.")
        raise TrainingDiverged(msg)

    def row(self) -> dict[str, float]:
        row = dict(zip(self.objective.term_names, (self.terms / self.n).tolist()))
        row["total"] = self.total.item() / self.n
        if self.stats is not None:
            row.update(self.objective.epoch_row(dict(zip(self.objective.stat_names, (self.stats / self.n).tolist()))))
        if self.greedy is not None:
            row.update(zip(GREEDINESS, (self.greedy / self.n).tolist()))
        return row


@dataclass
class Neighbours:
    """The ``(n_fit, k)`` input-space k-NN graph of the fitting originals, on the host and the device."""

    graph: np.ndarray
    graph_dev: torch.Tensor

    @classmethod
    def of(cls, pool: Pool, k: int) -> "Neighbours":
        graph = knn_graph(pool.X[: pool.n_fit].cpu().numpy(), k)
        return cls(graph, torch.as_tensor(graph, device=pool.X.device))


def assemble(pool: Pool, rows: np.ndarray, nbrs: Neighbours | None, cfg: TrainConfig, rng: np.random.Generator,
             generator: torch.Generator) -> tuple[torch.Tensor, Batch]:
    """The encoder input of one batch (its samples, noised, then one random k-NN neighbour of each
    sample when asked: fitting originals are the first pool rows, so neighbour rows are pool rows)."""
    src = pool.src[rows]
    nbr = nbrs.graph[src, rng.integers(nbrs.graph.shape[1], size=len(rows))] if nbrs is not None else None
    idx = torch.as_tensor(rows if nbr is None else np.concatenate([rows, nbr]), device=pool.X.device)
    x_in = pool.X.index_select(0, idx)
    if cfg.noise_p > 0:  # the batch samples only, not their neighbours
        add_noise(x_in, len(rows), cfg.noise_p, cfg.noise_sigma, generator)
    src_dev = torch.as_tensor(src, device=pool.X.device)
    batch = Batch(y=None if pool.y_dev is None else pool.y_dev.index_select(0, idx[: len(rows)]), src=src_dev,
                  src_host=src, knn=None if nbrs is None else nbrs.graph_dev.index_select(0, src_dev), Z_nbr=None,
                  generator=generator)
    return x_in, batch


def epoch_batches(pool: Pool, sampler: str, cfg: TrainConfig, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's batches, by the training option ``sampler`` (``auto``: the objective's ``sampler``)."""
    sampler = sampler if cfg.sampler == "auto" else cfg.sampler
    if sampler == "pk":
        return pk_batches(pool.y, cfg.classes_per_batch, cfg.batch_size, rng)
    if sampler == "shuffled":
        return shuffled_batches(len(pool.X), cfg.batch_size, rng)
    raise NorankError(f"batch sampler {sampler!r} is unknown; use one of {', '.join(SAMPLERS)}.")


BatchHook = Callable[[int, "torch.Tensor | None", float], None]


def run_epoch(model: nn.Module, objective: Objective, pool: Pool, nbrs: Neighbours | None,
              opt: torch.optim.Optimizer, params: list[torch.Tensor], cfg: TrainConfig, epoch: int,
              rng: np.random.Generator, generator: torch.Generator, on_batch: BatchHook | None) -> EpochTotals:
    """One pass over the pool's batches; nothing is read back from the device."""
    model.train()
    totals = EpochTotals(objective, pool.X.device)
    for rows in epoch_batches(pool, objective.sampler, cfg, rng):
        tb = time.perf_counter()
        x_in, batch = assemble(pool, rows, nbrs, cfg, rng, generator)
        Z_all = model(x_in)
        Z = Z_all[: len(rows)]
        batch.Z_nbr = Z_all[len(rows) :] if nbrs is not None else None
        step = objective(Z, batch)
        greedy = greediness_tensor(step.loss, step.out) if cfg.diagnostics else None
        opt.zero_grad(set_to_none=True)
        step.loss.backward()
        gnorm = clip_gradients(params, cfg.grad_clip)
        opt.step()
        totals.add(Z_all, step, gnorm, greedy)
        if on_batch is not None:
            on_batch(epoch, x_in.detach(), time.perf_counter() - tb)
    return totals


def fit(model: nn.Module, objective: Objective, pool: Pool, evaluation: Evaluation, cfg: TrainConfig, *,
        rng: np.random.Generator, generator: torch.Generator, log: logging.Logger, progress: bool = True,
        on_batch: BatchHook | None = None) -> tuple[list[dict], int]:
    """Train ``model`` with ``objective`` on ``pool`` for ``cfg.epochs`` epochs, evaluating every
    ``cfg.eval_every`` (and the first and last); with a validation set, keep the best-scoring
    epoch and stop after ``cfg.patience`` epochs without a gain, else keep the last epoch.

    Returns the history (one row per epoch) and the kept epoch, whose weights are in ``model``.
    ``on_batch(epoch, encoder input, seconds)`` is called after every batch and
    ``(epoch, None, seconds)`` after every epoch's evaluation (for the speed benchmark).
    """
    if objective.needs_labels and pool.y is None:
        raise NorankError(f"the objective {type(objective).__name__} needs labels, but its training pool has none.")
    nbrs = Neighbours.of(pool, cfg.knn_k) if objective.needs_neighbours else None
    if nbrs is not None:
        log.info("input-space k-NN graph %s", nbrs.graph.shape)
    groups = encoder_rate(objective.param_groups(model), model, cfg.lr_encoder)
    params = [q for g in groups for q in g["params"]]
    opt = make_optimizer(groups, cfg.lr, cfg.weight_decay, pool.X.device)
    sched = make_scheduler(opt, cfg.scheduler, cfg.epochs)
    stopper = EarlyStopping(model, cfg.patience, log)
    history: list[dict] = []
    for epoch in tqdm(range(1, cfg.epochs + 1), desc="epochs", disable=not progress, mininterval=5, ascii=True):
        t0 = time.perf_counter()
        totals = run_epoch(model, objective, pool, nbrs, opt, params, cfg, epoch, rng, generator, on_batch)
        te = time.perf_counter()
        lr = opt.param_groups[0]["lr"]
        totals.check(epoch, lr, pool)
        if sched is not None:
            sched.step()
        due = epoch % cfg.eval_every == 0 or epoch == cfg.epochs or epoch == 1
        row = {"epoch": epoch, **totals.row(), "lr": lr, **evaluation(model, epoch, due)}
        row["seconds"] = time.perf_counter() - t0
        if on_batch is not None:
            on_batch(epoch, None, time.perf_counter() - te)
        history.append(row)
        log_epoch(log, row)
        if not evaluation.has_validation:
            stopper.keep(epoch)
        elif due and stopper.update(epoch, evaluation.score(row)):
            break
    return history, stopper.restore()
