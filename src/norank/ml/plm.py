"""Piecewise-linear-manifold (PLM) similarity for unsupervised metric learning (seed 003).

No labels: the data manifold is approximated by one low-dimensional linear piece per sample.

1. :func:`local_subspaces`: for each sample i, its k nearest neighbours (itself included)
   give a centre mu_i and an m-dimensional basis U_i (local PCA, top right-singular vectors).
2. :func:`pair_similarity`: how well j lies on i's piece — the residual of f_j - mu_i
   orthogonal to span(U_i) — symmetrised with i on j's piece, and combined with the plain
   distance (a plane extends forever; far points on the same plane are still far):

       s_ij = exp(-(o(j|i)^2 + o(i|j)^2) / (2 sigma_o^2)) * exp(-||f_i - f_j||^2 / (2 sigma_d^2))

   with o(j|i) = ||(I - U_i U_i^T)(f_j - mu_i)||. The scales sigma_o and sigma_d are the
   medians of the same quantities over every sample's k-NN pairs, so the similarity does
   not depend on the units of the data. s_ij is in (0, 1], symmetric, and s_ii = 1.
3. :func:`plm_loss`: train the encoder so that embedding distances follow the estimated
   dissimilarity, mean over pairs of (||z_i - z_j|| / 2 - (1 - s_ij))^2 (unit-sphere
   embeddings, distances in [0, 2]).

Pairs are evaluated on demand (per mini-batch, :func:`similarity_matrix`): all pairs of a
large dataset would need n^2 projections of D-dimensional vectors.

:func:`train_plm` trains an encoder with this loss and never reads a label: its early-stopping
set is a random (not stratified) part of the training samples, scored by the same loss.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm
from sklearn.neighbors import NearestNeighbors

from norank.errors import NorankError


@dataclass
class LocalSubspaces:
    centres: np.ndarray  # (n, D)
    bases: np.ndarray  # (n, D, m), orthonormal columns
    sigma_orth: float
    sigma_dist: float


def _orth_residual(F_j: np.ndarray, centre: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """||(I - U U^T)(f_j - mu)|| for rows f_j, one (centre, basis) per row (batched)."""
    d = F_j - centre
    proj = np.einsum("nd,ndm->nm", d, basis)
    return np.sqrt(np.maximum((d**2).sum(1) - (proj**2).sum(1), 0.0))


def local_subspaces(F: np.ndarray, k: int = 10, m: int = 2) -> LocalSubspaces:
    """Local PCA pieces of the samples ``F`` ``(n, D)`` (flatten tensors first)."""
    F = np.asarray(F, dtype=np.float64)
    n, D = F.shape
    if not 1 <= m < k < n:
        raise NorankError(f"PLM needs 1 <= m < k < n samples; got m={m}, k={k}, n={n}. Lower k or m.")
    if m > D:
        raise NorankError(f"PLM subspace dimension m={m} exceeds the feature dimension {D}.")
    nbrs = NearestNeighbors(n_neighbors=k).fit(F).kneighbors(F, return_distance=False)
    centres = F[nbrs].mean(axis=1)
    bases = np.empty((n, D, m))
    for i in range(n):
        _, _, vt = np.linalg.svd(F[nbrs[i]] - centres[i], full_matrices=False)
        bases[i] = vt[:m].T
    # scales: medians over k-NN pairs (i, j in N_i, j != i)
    i_idx = np.repeat(np.arange(n), k - 1)
    j_idx = nbrs[:, 1:].reshape(-1)
    orth = _orth_residual(F[j_idx], centres[i_idx], bases[i_idx])
    dist = np.linalg.norm(F[i_idx] - F[j_idx], axis=1)
    sigma_orth = float(np.median(orth)) or 1e-12
    sigma_dist = float(np.median(dist)) or 1e-12
    return LocalSubspaces(centres, bases, sigma_orth, sigma_dist)


def pair_similarity(F: np.ndarray, pieces: LocalSubspaces, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """s_ij (see the module docstring) for the index pairs ``(i[p], j[p])``."""
    F = np.asarray(F, dtype=np.float64)
    i, j = np.asarray(i), np.asarray(j)
    o_ji = _orth_residual(F[j], pieces.centres[i], pieces.bases[i])
    o_ij = _orth_residual(F[i], pieces.centres[j], pieces.bases[j])
    d = np.linalg.norm(F[i] - F[j], axis=1)
    s = np.exp(-(o_ji**2 + o_ij**2) / (2 * pieces.sigma_orth**2)) * np.exp(-(d**2) / (2 * pieces.sigma_dist**2))
    s[i == j] = 1.0
    return s


def similarity_matrix(F: np.ndarray, pieces: LocalSubspaces, idx: np.ndarray) -> np.ndarray:
    """``(b, b)`` matrix of s_ij over the samples ``idx`` (equal to :func:`pair_similarity` on all pairs).

    Uses ||(I - U_i U_i^T) d||^2 = ||d||^2 - ||U_i^T d||^2 with d = f_j - mu_i expanded, so no
    ``(b, b, D)`` array is built (ABIDE has D = 12 321).
    """
    idx = np.asarray(idx)
    Fb = np.asarray(F[idx], dtype=np.float64)
    C, U = pieces.centres[idx], pieces.bases[idx]  # (b, D), (b, D, m)
    sq_d = (Fb**2).sum(1)[None, :] + (C**2).sum(1)[:, None] - 2 * C @ Fb.T  # ||f_j - mu_i||^2 at [i, j]
    proj = np.einsum("idm,jd->ijm", U, Fb) - np.einsum("idm,id->im", U, C)[:, None, :]  # U_i^T (f_j - mu_i)
    orth2 = np.maximum(sq_d - (proj**2).sum(-1), 0.0)  # o(j|i)^2
    sq = (Fb**2).sum(1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * Fb @ Fb.T, 0.0)
    S = np.exp(-(orth2 + orth2.T) / (2 * pieces.sigma_orth**2)) * np.exp(-dist2 / (2 * pieces.sigma_dist**2))
    np.fill_diagonal(S, 1.0)
    return S


def plm_loss(Z: torch.Tensor, S: torch.Tensor) -> torch.Tensor:
    """Mean over the batch pairs of (||z_i - z_j|| / 2 - (1 - s_ij))^2; ``S`` ``(b, b)`` similarities."""
    diff = Z[:, None, :] - Z[None, :, :]
    dist = torch.sqrt((diff**2).sum(-1) + 1e-12)  # eps: the gradient of sqrt at 0 is infinite
    off = ~torch.eye(len(Z), dtype=torch.bool, device=Z.device)
    return ((dist / 2 - (1 - S)) ** 2)[off].mean()


PLM_DEFAULTS = {"k": 10, "m": 2}
MAX_VAL_SAMPLES = 1000


def train_plm(X: np.ndarray, train_idx: np.ndarray, cfg, seed: int, *, log, progress: bool = True):
    """Train an encoder on ``X[train_idx]`` with :func:`plm_loss` (``cfg.loss == "plm"``); no labels.

    ``cfg`` is a :class:`norank.ml.train.TrainConfig`; ``cfg.loss_options`` may set ``k``
    (neighbours of a local piece) and ``m`` (its dimension). The pieces are fitted on all
    of ``train_idx`` (flattened inputs); batches are random; early stopping keeps the epoch
    with the lowest PLM loss over the pairs of a random ``cfg.val_fraction`` of the training
    samples (at most ``MAX_VAL_SAMPLES`` of them, so the criterion stays a small matrix).
    Returns a :class:`norank.ml.train.TrainResult`.
    """
    from norank.ml.device import pick_device
    from norank.ml.encoders import build_encoder
    from norank.ml.train import EarlyStopping, TrainingDiverged, TrainResult, _scheduler, embed, log_epoch

    unknown = set(cfg.loss_options) - set(PLM_DEFAULTS)
    if unknown:
        raise NorankError(f"unknown PLM option(s) {sorted(unknown)}; known: {sorted(PLM_DEFAULTS)}.")
    opts = {**PLM_DEFAULTS, **cfg.loss_options}
    device = pick_device(cfg.device)
    rng = np.random.default_rng(seed)
    train_idx = np.asarray(train_idx)
    F = X[train_idx].reshape(len(train_idx), -1)
    pieces = local_subspaces(F, k=opts["k"], m=opts["m"])
    order = rng.permutation(len(train_idx))
    n_val = int(round(cfg.val_fraction * len(train_idx)))
    val_pos, fit_pos = np.sort(order[:n_val]), np.sort(order[n_val:])
    # the criterion's pairs: at most MAX_VAL_SAMPLES validation samples (a (v, v) matrix)
    crit_pos = val_pos if len(val_pos) <= MAX_VAL_SAMPLES else np.sort(rng.choice(val_pos, MAX_VAL_SAMPLES, replace=False))
    log.info("PLM training on %d samples, %d held for early stopping (no labels); pieces k=%d m=%d; "
             "sigma_orth %.4g sigma_dist %.4g; device %s", len(fit_pos), len(val_pos), opts["k"], opts["m"],
             pieces.sigma_orth, pieces.sigma_dist, device)
    X_train = torch.as_tensor(X[train_idx], dtype=torch.float32, device=device)
    S_val = torch.as_tensor(similarity_matrix(F, pieces, crit_pos), dtype=torch.float32) if len(crit_pos) > 1 else None

    history: list[dict] = []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        model = build_encoder(cfg.encoder, X.shape[1:], dim=cfg.embedding_dim, mlp_hidden=cfg.mlp_hidden,
                              cnn_channels=cfg.cnn_channels, dropout=cfg.dropout).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        sched = _scheduler(opt, cfg.scheduler, cfg.epochs)
        stopper = EarlyStopping(model, cfg.patience, log)
        for epoch in tqdm(range(1, cfg.epochs + 1), desc="epochs", disable=not progress, mininterval=5, ascii=True):
            t0 = time.perf_counter()
            model.train()
            perm = rng.permutation(fit_pos)
            losses = []
            for s in range(0, len(perm) - 1, cfg.batch_size):
                b = perm[s : s + cfg.batch_size]
                if len(b) < 2:
                    continue
                xb = X_train[torch.as_tensor(b, device=device)]
                if cfg.noise_p > 0:
                    hit = (torch.rand(len(b), generator=gen) < cfg.noise_p).to(device)
                    xb = xb + cfg.noise_sigma * hit.view(-1, *[1] * (xb.dim() - 1)) * torch.randn(xb.shape, generator=gen).to(device)
                S = torch.as_tensor(similarity_matrix(F, pieces, b), dtype=torch.float32, device=device)
                loss = plm_loss(model(xb), S)
                if not torch.isfinite(loss):
                    raise TrainingDiverged(f"the PLM loss became {loss.item()} at epoch {epoch}. Lower the learning "
                                           f"rate (now {opt.param_groups[0]['lr']:.3g}) or normalise the input.")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                losses.append(loss.item())
            row = {"epoch": epoch, "plm": float(np.mean(losses)), "total": float(np.mean(losses)),
                   "lr": opt.param_groups[0]["lr"]}
            if sched is not None:
                sched.step()
            evaluate = epoch % cfg.eval_every == 0 or epoch == cfg.epochs or epoch == 1
            if evaluate and S_val is not None:
                Z_val = torch.as_tensor(embed(model, X[train_idx[crit_pos]], device))
                row["val_plm"] = float(plm_loss(Z_val, S_val))
            row["seconds"] = time.perf_counter() - t0
            history.append(row)
            log_epoch(log, row)
            score = row.get("val_plm", row["total"] if S_val is None else None)
            if score is not None and stopper.update(epoch, -score):
                break
        best_epoch = stopper.restore()
    model.eval()
    return TrainResult(model, history, best_epoch, train_idx[fit_pos], train_idx[val_pos], str(device))
