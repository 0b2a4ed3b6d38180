import numpy as np
import pytest
import torch
from pytorch_metric_learning import distances, miners

from norank.errors import NorankError
from norank.ml.losses import squared_distances, triplet_loss
from norank.ml.miners import all_triplets, hard_triplets, mine, semi_hard_triplets
from norank.ml.sampling import knn_graph, pk_batches


def batch(seed=0, n_per=4, C=3, d=8):
    g = torch.Generator().manual_seed(seed)
    Z = torch.nn.functional.normalize(torch.randn(n_per * C, d, generator=g), dim=1)
    return Z, torch.arange(C).repeat_interleave(n_per)


def test_semi_hard_satisfies_algorithm_1_and_is_a_subset_of_pml():
    Z, y = batch()
    margin = 1.0
    a, p, n = semi_hard_triplets(Z, y, margin, torch.Generator().manual_seed(1))
    d = squared_distances(Z)
    assert len(a) > 0 and len(set(a.tolist())) == len(a)  # at most one triplet per anchor
    assert (y[a] == y[p]).all() and (a != p).all() and (y[a] != y[n]).all()
    assert ((d[a, n] > d[a, p]) & (d[a, n] < d[a, p] + margin)).all()
    pml = miners.TripletMarginMiner(margin=margin, type_of_triplets="semihard",
                                    distance=distances.LpDistance(power=2, normalize_embeddings=False))(Z, y)
    pml_set = set(zip(*(t.tolist() for t in pml)))
    assert set(zip(a.tolist(), p.tolist(), n.tolist())) <= pml_set


def test_semi_hard_is_seeded():
    Z, y = batch()
    one = semi_hard_triplets(Z, y, 1.0, torch.Generator().manual_seed(5))
    two = semi_hard_triplets(Z, y, 1.0, torch.Generator().manual_seed(5))
    assert all(torch.equal(u, v) for u, v in zip(one, two))


def test_hard_is_algorithm_2_by_brute_force():
    Z, y = batch(seed=3)
    a, p, n = hard_triplets(Z, y)
    d = squared_distances(Z).numpy()
    yn = y.numpy()
    for i, anchor in enumerate(a.tolist()):
        pos = [j for j in range(len(yn)) if yn[j] == yn[anchor] and j != anchor]
        neg = [j for j in range(len(yn)) if yn[j] != yn[anchor]]
        assert p[i].item() == pos[int(np.argmax(d[anchor, pos]))]
        assert n[i].item() == neg[int(np.argmin(d[anchor, neg]))]
    assert sorted(a.tolist()) == list(range(len(yn)))


def test_batch_all_counts_every_valid_triplet():
    Z, y = batch(n_per=3, C=4)
    a, p, n = all_triplets(Z, y)
    assert len(a) == 12 * 2 * 9  # each anchor: 2 positives x 9 negatives
    assert (y[a] == y[p]).all() and (y[a] != y[n]).all() and (a != p).all()


def test_no_valid_triplet_gives_zero_loss_without_nan():
    # two tight, far-apart classes: no negative lies within the margin of any positive
    Z = torch.tensor([[1.0, 0], [1.0, 0.01], [-1.0, 0], [-1.0, 0.01]], requires_grad=True)
    y = torch.tensor([0, 0, 1, 1])
    trip = semi_hard_triplets(Z.detach(), y, 0.5)
    assert len(trip[0]) == 0
    loss, frac = triplet_loss(Z, y, trip, 0.5)
    loss.backward()
    assert loss.item() == 0 and torch.isfinite(Z.grad).all()


@pytest.mark.parametrize("kind", ["semihard", "hard", "all"])
def test_single_class_batch_is_a_clear_error(kind):
    Z, _ = batch()
    with pytest.raises(NorankError, match="single class"):
        mine(kind, Z, torch.zeros(len(Z), dtype=torch.long), 0.5)


def test_unknown_miner():
    Z, y = batch()
    with pytest.raises(NorankError, match="unknown"):
        mine("easy", Z, y, 0.5)


def test_pk_batches_are_class_balanced():
    y = np.array([0] * 530 + [1] * 71 + [2] * 5)
    rng = np.random.default_rng(0)
    batches = pk_batches(y, P=3, batch_size=24, rng=rng)
    assert len(batches) == int(np.ceil(606 / 24))
    for b in batches:
        assert sorted(np.bincount(y[b], minlength=3).tolist()) == [8, 8, 8]  # class 2 drawn with replacement


def test_pk_batches_need_two_classes_and_a_positive():
    with pytest.raises(NorankError, match="at least 2 classes"):
        pk_batches(np.zeros(10, int), 2, 8, np.random.default_rng(0))
    with pytest.raises(NorankError, match="raise batch_size"):
        pk_batches(np.arange(10) % 5, 5, 8, np.random.default_rng(0))
    two_classes = pk_batches(np.arange(100) % 2, 8, 64, np.random.default_rng(0))
    assert all(len(b) == 64 for b in two_classes)  # P capped at 2, so K = 32


def test_pk_batches_give_every_epoch_a_batch_even_for_two_samples():
    # the trainer averages per-batch diagnostics over the epoch, so an epoch may never be empty
    batches = pk_batches(np.array([0, 1]), 8, 64, np.random.default_rng(0))
    assert len(batches) == 1 and sorted(np.unique(batches[0]).tolist()) == [0, 1]


def test_knn_graph_excludes_self_and_finds_neighbours():
    X = np.array([[0.0], [1.0], [10.0], [11.0], [30.0]]).reshape(5, 1, 1)
    g = knn_graph(X, 1)
    assert g[:, 0].tolist() == [1, 0, 3, 2, 3]
    dup = np.zeros((3, 1, 1))  # duplicated samples: self is still excluded
    assert all(i not in row for i, row in enumerate(knn_graph(dup, 2)))
