"""Each loss of the comparison shows its defining property on a tiny batch."""

import math

import pytest
import torch
from torch.nn import functional as F

from norank.errors import NorankError
from norank.ml.loss_zoo import LOSSES, WITH_PARAMETERS, build_loss


def unit(*rows):
    return F.normalize(torch.tensor(rows, dtype=torch.float32), dim=1)


@pytest.mark.parametrize("name", ["contrastive", "triplet"])
def test_margin_losses_are_zero_on_a_separated_batch(name):
    # two classes on opposite poles, each class a single point: every margin is met
    Z = unit([1, 0], [1, 0], [-1, 0], [-1, 0]).requires_grad_()
    loss = build_loss(name, n_classes=2, dim=2)(Z, torch.tensor([0, 0, 1, 1]))
    assert loss.item() == 0


@pytest.mark.parametrize("name", ["contrastive", "triplet", "npair", "infonce", "supcon"])
def test_a_gradient_step_pulls_the_positive_closer_than_the_negative(name):
    # a hard case: the anchor's negative (42 degrees away) is nearer than its positive (55 degrees)
    Z = unit([1, 0.3], [1, -0.8], [0.6, 1], [0, 1]).requires_grad_()
    y = torch.tensor([0, 0, 1, 1])
    loss = build_loss(name, n_classes=2, dim=2)(Z, y)
    loss.backward()
    step = -Z.grad[0]  # gradient descent direction of the anchor
    to_pos, to_neg = Z[1] - Z[0], Z[2] - Z[0]
    assert loss.item() > 0 and torch.dot(step, to_pos) > torch.dot(step, to_neg), name


@pytest.mark.parametrize("name", WITH_PARAMETERS)
def test_proxy_losses_prefer_embeddings_on_their_class_weight(name):
    loss = build_loss(name, n_classes=2, dim=3)
    (W,) = list(loss.parameters())
    assert W.shape == (3, 2)  # one 3-d weight (column) per class, learned with the encoder
    w = F.normalize(W.detach(), dim=0)
    y = torch.tensor([0, 0])
    on_own, on_other = torch.stack([w[:, 0], w[:, 0]]), torch.stack([w[:, 1], w[:, 1]])
    assert loss(on_own, y).item() < loss(on_other, y).item()


def test_every_loss_builds_and_is_finite_on_a_random_batch():
    torch.manual_seed(0)
    Z = F.normalize(torch.randn(16, 8), dim=1)
    y = torch.arange(16) % 4
    for name in LOSSES:
        value = build_loss(name, n_classes=4, dim=8)(Z, y)
        assert math.isfinite(value.item()), name


def test_unknown_loss_and_bad_option_are_named():
    with pytest.raises(NorankError, match="unknown; choose one of contrastive"):
        build_loss("hinge", n_classes=2, dim=2)
    with pytest.raises(NorankError, match="bad option"):
        build_loss("supcon", n_classes=2, dim=2, temprature=0.1)
