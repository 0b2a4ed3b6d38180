"""VARIANCE and GREEDINESS diagnostics on hand-checkable cases."""

import numpy as np
import pytest
import torch

from norank.ml.diagnostics import GREEDINESS, greediness_tensor, variance_diagnostics
from norank.ml.losses import triplet_loss


def greediness(loss, Z) -> dict[str, float]:
    """The GREEDINESS values the training loop logs (it sums the tensor per epoch), by name."""
    return dict(zip(GREEDINESS, greediness_tensor(loss, Z).tolist()))


def test_variance_on_two_hand_made_classes():
    # class 0 at (0, ±1) around (0, 0); class 1 at (4, ±1) around (4, 0); centroid mean (2, 0)
    Z = np.array([[0, 1], [0, -1], [4, 1], [4, -1]], dtype=float)
    v = variance_diagnostics(Z, np.array([0, 0, 1, 1]))
    assert v["intra_class_variance"] == 1.0  # every point at squared distance 1 from its centroid
    assert v["inter_class_variance"] == 4.0  # both centroids at squared distance 4 from (2, 0)
    assert v["variance_ratio"] == 4.0


def test_variance_counts_each_class_once_and_handles_collapse():
    Z = np.array([[0.0], [0.0], [0.0], [2.0]])
    v = variance_diagnostics(Z, np.array([0, 0, 0, 1]))  # a big class does not pull the centroid mean
    assert v["inter_class_variance"] == 1.0 and v["intra_class_variance"] == 0.0
    assert v["variance_ratio"] == float("inf")


def test_greediness_counts_samples_that_get_a_gradient():
    Z = torch.tensor([[3.0, 4.0], [1.0, 0.0], [5.0, 5.0], [7.0, 7.0]], requires_grad=True)
    loss = (Z[:2] ** 2).sum()  # only the first two samples take part; dL/dz = 2z
    g = greediness(loss, Z)
    assert g["active_ratio"] == 0.5
    assert g["grad_norm_max"] == pytest.approx(10.0) and g["grad_norm_mean"] == pytest.approx((10 + 2) / 4)
    loss.backward()  # the graph is still there for the optimiser
    assert Z.grad is not None


def test_a_satisfied_triplet_batch_is_not_greedy():
    # two tight, far-apart classes: every triplet meets the margin, so nothing is pushed
    Z = torch.tensor([[0.0, 0.0], [0.0, 0.1], [10.0, 0.0], [10.0, 0.1]], requires_grad=True)
    y = torch.tensor([0, 0, 1, 1])
    trip = (torch.tensor([0, 2]), torch.tensor([1, 3]), torch.tensor([2, 0]))
    loss, _ = triplet_loss(Z, y, trip, margin=0.5)
    g = greediness(loss, Z)
    assert loss.item() == 0 and g["active_ratio"] == 0 and g["grad_norm_max"] == 0
    Zc = torch.tensor([[0.0, 0.0], [3.0, 0.0], [1.0, 0.0], [10.0, 0.1]], requires_grad=True)  # negative closer
    loss, _ = triplet_loss(Zc, y, (torch.tensor([0]), torch.tensor([1]), torch.tensor([2])), margin=0.5)
    g = greediness(loss, Zc)
    assert loss.item() > 0 and g["active_ratio"] == 0.75  # anchor, positive and negative of one triplet
