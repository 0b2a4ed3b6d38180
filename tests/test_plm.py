"""Piecewise-linear-manifold similarity: points on the same local piece are more similar."""

import numpy as np
import pytest
import torch

from norank.errors import NorankError
from norank.ml.plm import local_subspaces, pair_similarity, plm_loss


def two_lines(n=40, seed=0):
    """Samples on two parallel lines y = 0 and y = 1 in 2-D (plus a tiny noise)."""
    rng = np.random.default_rng(seed)
    x = np.tile(np.linspace(0, 4, n), 2)
    y = np.repeat([0.0, 1.0], n)
    return np.c_[x, y] + rng.normal(scale=1e-3, size=(2 * n, 2))


def test_a_point_on_the_same_line_beats_one_off_it_at_the_same_distance():
    F = two_lines()
    pieces = local_subspaces(F, k=6, m=1)
    # the local pieces follow the lines: basis ~ (1, 0)
    assert np.abs(pieces.bases[:, 0, 0]).min() > 0.99
    a = 10  # (1.03, 0) on line 0; compare with a point 1.0 away along the line and one 1.0 away across
    along = int(np.argmin(np.abs(F[:40, 0] - (F[a, 0] + 1.0))))
    across = 40 + a  # same x, on the other line: also 1.0 away
    s = pair_similarity(F, pieces, np.array([a, a]), np.array([along, across]))
    assert abs(np.linalg.norm(F[a] - F[along]) - np.linalg.norm(F[a] - F[across])) < 0.06
    assert s[0] > 10 * s[1]


def test_similarity_is_symmetric_bounded_and_one_on_the_diagonal():
    F = np.random.default_rng(1).normal(size=(30, 5))
    pieces = local_subspaces(F, k=8, m=2)
    i, j = np.meshgrid(np.arange(30), np.arange(30), indexing="ij")
    S = pair_similarity(F, pieces, i.ravel(), j.ravel()).reshape(30, 30)
    np.testing.assert_allclose(S, S.T, rtol=1e-12)
    assert (S > 0).all() and (S <= 1).all() and (np.diag(S) == 1).all()


def test_loss_is_zero_when_distances_match_dissimilarities_and_pulls_similar_pairs():
    Z = torch.tensor([[1.0, 0.0], [-1.0, 0.0]], requires_grad=True)  # distance 2 -> dissimilarity 1
    assert plm_loss(Z, torch.tensor([[1.0, 0.0], [0.0, 1.0]])).item() == pytest.approx(0, abs=1e-6)
    loss = plm_loss(Z, torch.ones(2, 2))  # judged identical: the pair should come together
    loss.backward()
    assert loss.item() > 0 and torch.dot(-Z.grad[0], Z[1] - Z[0]) > 0


def test_bad_sizes_are_named():
    with pytest.raises(NorankError, match="1 <= m < k < n"):
        local_subspaces(np.zeros((5, 3)), k=8, m=2)
