"""Piecewise-linear-manifold (PLM) similarity for unsupervised metric learning (the unsupervised mode).

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

:class:`PLMObjective` trains an encoder with this loss in the shared loop
(:func:`norank.ml.loop.fit`) and never reads a label: its early-stopping set is a random
(not stratified) part of the training samples, scored by the same loss (:class:`PLMValidation`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.neighbors import NearestNeighbors

from norank.errors import NorankError
from norank.ml.loop import Batch, Objective, Step, embed


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


def plm_options(options: dict) -> dict:
    """``k`` (neighbours of a local piece) and ``m`` (its dimension), defaults filled in; unknown keys refused."""
    unknown = set(options) - set(PLM_DEFAULTS)
    if unknown:
        raise NorankError(f"unknown PLM option(s) {sorted(unknown)}; known: {sorted(PLM_DEFAULTS)}.")
    return {**PLM_DEFAULTS, **options}


class PLMObjective(Objective):
    """:func:`plm_loss` on shuffled batches; never reads a label.

    ``F`` ``(n, D)`` are the flattened training samples the ``pieces`` were fitted on, and
    ``rows[i]`` is the row of ``F`` of the pool's i-th fitting sample (augmented copies take
    their original's row, so a copy and its original are pulled together).
    """

    needs_labels = False
    sampler = "shuffled"
    term_names = ("plm",)

    def __init__(self, F: np.ndarray, pieces: LocalSubspaces, rows: np.ndarray):
        super().__init__()
        self.F, self.pieces, self.rows = F, pieces, rows

    def forward(self, Z: torch.Tensor, batch: Batch) -> Step:
        S = similarity_matrix(self.F, self.pieces, self.rows[batch.src_host])
        loss = plm_loss(Z, torch.as_tensor(S, dtype=torch.float32, device=Z.device))
        return Step(loss, {"plm": loss}, Z)


class PLMValidation:
    """Early-stopping criterion without labels: :func:`plm_loss` over the pairs of ``X_val``
    (at most :data:`MAX_VAL_SAMPLES` validation samples, so it stays a small matrix)."""

    def __init__(self, X_val: np.ndarray, S_val: np.ndarray | None, device: torch.device):
        self.X_val, self.device = X_val, device
        self.S_val = None if S_val is None else torch.as_tensor(S_val, dtype=torch.float32)
        self.has_validation = self.S_val is not None

    def __call__(self, model: torch.nn.Module, epoch: int, due: bool) -> dict:
        if not (due and self.has_validation):
            return {}
        return {"val_plm": float(plm_loss(torch.as_tensor(embed(model, self.X_val, self.device)), self.S_val))}

    def score(self, row: dict) -> float:
        return -row["val_plm"]


def plm_setup(X: np.ndarray, train_idx: np.ndarray, fraction: float, options: dict, rng: np.random.Generator,
              device: torch.device, *, log: logging.Logger | None = None,
              ) -> tuple[np.ndarray, np.ndarray, PLMObjective, PLMValidation]:
    """Fit the pieces on every training sample, hold out a random ``fraction`` for early stopping.

    Returns ``(fit_idx, val_idx, objective, validation)``; ``log`` gets the pieces' options and scales.
    """
    opts = plm_options(options)
    F = X[train_idx].reshape(len(train_idx), -1)
    pieces = local_subspaces(F, k=opts["k"], m=opts["m"])
    if log is not None:
        log.info("PLM pieces %s: sigma_orth %.4g, sigma_dist %.4g", opts, pieces.sigma_orth, pieces.sigma_dist)
    order = rng.permutation(len(train_idx))
    n_val = int(round(fraction * len(train_idx)))
    val_pos, fit_pos = np.sort(order[:n_val]), np.sort(order[n_val:])
    crit = val_pos if len(val_pos) <= MAX_VAL_SAMPLES else np.sort(rng.choice(val_pos, MAX_VAL_SAMPLES, replace=False))
    S_val = similarity_matrix(F, pieces, crit) if len(crit) > 1 else None
    validation = PLMValidation(X[train_idx[crit]], S_val, device)
    return train_idx[fit_pos], train_idx[val_pos], PLMObjective(F, pieces, fit_pos), validation
