"""Each loss term against a hand computation on a tiny batch."""

import math

import numpy as np
import pytest
import torch

from norank.errors import NorankError
from norank.ml.losses import (
    Weights,
    diversity_loss,
    global_separation_loss,
    local_consistency_loss,
    squared_distances,
    total_loss,
    triplet_loss,
    uniformity_loss,
)

# three points: a = (1, 0), p = (0, 1), n = (-1, 0): d(a,p)^2 = 2, d(a,n)^2 = 4
A, P, N = [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]


def t(*rows):
    return torch.tensor(rows, dtype=torch.float32, requires_grad=True)


def test_squared_distances_by_hand():
    Z = t(A, P, N)
    np.testing.assert_allclose(squared_distances(Z).detach().numpy(), [[0, 2, 4], [2, 0, 2], [4, 2, 0]], atol=1e-6)


def test_triplet_loss_uses_squared_distances():
    Z, y = t(A, P, N), torch.tensor([0, 0, 1])
    trip = (torch.tensor([0]), torch.tensor([1]), torch.tensor([2]))
    loss, active = triplet_loss(Z, y, trip, margin=3.0)
    assert loss.item() == pytest.approx(2 - 4 + 3)  # [2 - 4 + 3]_+ = 1 (it would be sqrt2 - 2 + 3 unsquared)
    assert active == 1.0
    loss, active = triplet_loss(Z, y, trip, margin=1.0)
    assert loss.item() == 0.0 and active == 0.0


def test_the_unsquared_triplet_distance_is_the_official_codes():
    Z, y = t(A, P, N), torch.tensor([0, 0, 1])
    trip = (torch.tensor([0]), torch.tensor([1]), torch.tensor([2]))
    loss, active = triplet_loss(Z, y, trip, margin=1.0, distance="euclidean")
    assert loss.item() == pytest.approx(math.sqrt(2) - 2 + 1) and active == 1.0  # squared: [2 - 4 + 1]_+ = 0
    with pytest.raises(NorankError, match="triplet distance 'cosine' is unknown"):
        triplet_loss(Z, y, trip, margin=1.0, distance="cosine")


def test_triplet_loss_gradient_matches_eqs_19_to_21():
    Z, y = t(A, P, N), torch.tensor([0, 0, 1])
    loss, _ = triplet_loss(Z, y, (torch.tensor([0]), torch.tensor([1]), torch.tensor([2])), margin=3.0)
    loss.backward()
    za, zp, zn = map(np.array, (A, P, N))
    # d/dza (|za-zp|^2 - |za-zn|^2) = 2(za-zp) - 2(za-zn);  d/dzp = 2(zp-za);  d/dzn = 2(za-zn)
    np.testing.assert_allclose(Z.grad[0].numpy(), 2 * (za - zp) - 2 * (za - zn), atol=1e-6)
    np.testing.assert_allclose(Z.grad[1].numpy(), 2 * (zp - za), atol=1e-6)
    np.testing.assert_allclose(Z.grad[2].numpy(), 2 * (za - zn), atol=1e-6)


def test_triplet_loss_with_no_triplets_is_zero_without_nan():
    Z, y = t(A, P, N), torch.tensor([0, 0, 1])
    empty = (torch.tensor([], dtype=torch.long),) * 3
    loss, active = triplet_loss(Z, y, empty, margin=1.0)
    loss.backward()
    assert loss.item() == 0.0 and active == 0.0 and torch.isfinite(Z.grad).all()


def test_duplicated_points_give_finite_gradients():
    Z, y = t(A, A, A, P), torch.tensor([0, 0, 1, 1])
    trip = (torch.tensor([0, 1]), torch.tensor([1, 0]), torch.tensor([2, 3]))  # d(a,n) = 0 for the first
    loss, _ = triplet_loss(Z, y, trip, margin=0.5)
    total = loss + uniformity_loss(Z) + diversity_loss(Z) + local_consistency_loss(Z, Z.flip(0), 0.1)
    total = total + global_separation_loss(Z, ~torch.eye(4, dtype=torch.bool), 1.0)
    total.backward()
    assert torch.isfinite(total) and torch.isfinite(Z.grad).all()


def test_diversity_is_mean_absolute_off_diagonal_correlation():
    rng = np.random.default_rng(0)
    Zn = rng.normal(size=(20, 3))
    Zn[:, 2] = Zn[:, 0] * 2 + 0.1 * rng.normal(size=20)  # strongly correlated with dim 0
    C = np.corrcoef(Zn, rowvar=False)
    expected = np.abs(C[~np.eye(3, dtype=bool)]).mean()
    got = diversity_loss(torch.tensor(Zn, dtype=torch.float64)).item()
    assert got == pytest.approx(expected, rel=1e-6)
    with pytest.raises(NorankError):
        diversity_loss(torch.zeros(1, 4))


def test_uniformity_by_hand():
    Z = t(A, P, N)  # pairwise squared distances 2, 4, 2
    expected = math.log((math.exp(-4) + math.exp(-8) + math.exp(-4)) / 3)
    assert uniformity_loss(Z).item() == pytest.approx(expected, rel=1e-5)


def test_local_consistency_by_hand():
    Z, Zn = t(A, P), t(P, P)  # squared distances to the neighbours: 2 and 0
    assert local_consistency_loss(Z, Zn, delta_local=0.5).item() == pytest.approx((1.5 + 0.0) / 2)


def test_global_separation_by_hand():
    Z = t(A, P, N)
    mask = torch.tensor([[False, True, False], [False, False, False], [False, False, False]])  # pair (0,1): d=2
    assert global_separation_loss(Z, mask, delta_global=3.0).item() == pytest.approx(1.0)
    assert global_separation_loss(Z, torch.zeros(3, 3, dtype=torch.bool), 3.0).item() == 0.0


def test_total_is_the_weighted_sum_of_eq_13():
    terms = {k: torch.tensor(v) for k, v in dict(triplet=1.0, diversity=2.0, uniformity=-3.0, local=4.0, global_=5.0).items()}
    terms["global"] = terms.pop("global_")
    w = Weights(lambda_div=0.1, lambda_uniform=0.2, lambda_local=0.3, lambda_global=0.4)
    assert total_loss(terms, w).item() == pytest.approx(1 + 0.2 - 0.6 + 1.2 + 2.0)


def test_triplet_loss_equals_pml_with_squared_l2_on_random_triplets():
    """Our eq. 4 path is pytorch-metric-learning's TripletMarginLoss; check against a direct formula."""
    g = torch.Generator().manual_seed(0)
    Z = torch.nn.functional.normalize(torch.randn(12, 5, generator=g), dim=1)
    y = torch.arange(12) % 3
    a, p, n = torch.tensor([0, 1, 2, 4]), torch.tensor([3, 4, 5, 7]), torch.tensor([1, 2, 0, 0])
    d = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    expected = torch.relu(d[a, p] - d[a, n] + 0.3).mean()
    loss, _ = triplet_loss(Z, y, (a, p, n), margin=0.3)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)


def test_active_triplet_fraction_by_hand():
    from norank.ml.losses import active_triplet_fraction

    Z, y = t(A, P, N), torch.tensor([0, 0, 1])
    # valid triplets: (0,1,2): 2 - 4 + m ; (1,0,2): 2 - 2 + m
    assert active_triplet_fraction(Z, y, margin=1.0) == 0.5
    assert active_triplet_fraction(Z, y, margin=2.5) == 1.0
    assert active_triplet_fraction(Z, y, margin=0.0) == 0.0
