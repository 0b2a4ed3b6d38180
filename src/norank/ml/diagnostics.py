"""VARIANCE and GREEDINESS diagnostics of a metric-learning loss (the loss-comparison study).

VARIANCE, on embeddings ``Z`` ``(n, d)`` with labels ``y``:

- ``intra_class_variance``: mean over samples of ||z_i - mu_{y_i}||^2 (squared distance to the
  own class centroid);
- ``inter_class_variance``: mean over classes of ||mu_c - mu_bar||^2, mu_bar the unweighted mean
  of the class centroids (spread of the centroids, each class counted once);
- ``variance_ratio``: inter / intra (inf when every class has collapsed to a point).

GREEDINESS, on one batch: how many samples a loss pushes, and how hard.

- ``active_ratio``: fraction of the batch's embeddings that receive a non-zero gradient from
  the loss (an anchor, positive or negative of at least one pair / triplet / proxy term with
  non-zero loss). It is defined through the gradient so that it means the same for every loss;
  for the triplet loss the fraction of active triplets is logged separately.
- ``grad_norm_mean`` / ``_median`` / ``_q90`` / ``_max``: the per-sample norms
  ||dL/dz_i|| of the loss gradient with respect to the embeddings.
"""

from __future__ import annotations

import numpy as np
import torch

ZERO_GRAD = 1e-12


def variance_diagnostics(Z: np.ndarray, y: np.ndarray) -> dict[str, float]:
    Z = np.asarray(Z, dtype=np.float64)
    y = np.asarray(y)
    classes = np.unique(y)
    centroids = np.stack([Z[y == c].mean(axis=0) for c in classes])
    own = centroids[np.searchsorted(classes, y)]
    intra = float(((Z - own) ** 2).sum(axis=1).mean())
    inter = float(((centroids - centroids.mean(axis=0)) ** 2).sum(axis=1).mean())
    ratio = inter / intra if intra > 0 else float("inf")
    return {"intra_class_variance": intra, "inter_class_variance": inter, "variance_ratio": ratio}


GREEDINESS = ("active_ratio", "grad_norm_mean", "grad_norm_median", "grad_norm_q90", "grad_norm_max")


def greediness_tensor(loss: torch.Tensor, Z: torch.Tensor) -> torch.Tensor:
    """The :data:`GREEDINESS` values of ``loss`` w.r.t. the batch embeddings ``Z`` as one float64
    tensor on ``Z``'s device (nothing is read back, so the training loop can sum it per epoch).

    ``Z`` must be part of the graph of ``loss``; the graph is kept for the optimiser's backward.
    """
    (g,) = torch.autograd.grad(loss, Z, retain_graph=True, allow_unused=True)
    if g is None:  # the loss does not depend on the embeddings at all
        g = torch.zeros_like(Z)
    norms = g.detach().norm(dim=1).double()
    q = torch.quantile(norms, torch.tensor([0.5, 0.9], dtype=norms.dtype, device=norms.device))
    return torch.stack([(norms > ZERO_GRAD).double().mean(), norms.mean(), q[0], q[1], norms.max()])

