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

Pairs are evaluated on demand (per mini-batch): all pairs of a large dataset would need
n^2 projections of D-dimensional vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
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


def plm_loss(Z: torch.Tensor, S: torch.Tensor) -> torch.Tensor:
    """Mean over the batch pairs of (||z_i - z_j|| / 2 - (1 - s_ij))^2; ``S`` ``(b, b)`` similarities."""
    diff = Z[:, None, :] - Z[None, :, :]
    dist = torch.sqrt((diff**2).sum(-1) + 1e-12)  # eps: the gradient of sqrt at 0 is infinite
    off = ~torch.eye(len(Z), dtype=torch.bool, device=Z.device)
    return ((dist / 2 - (1 - S)) ** 2)[off].mean()
