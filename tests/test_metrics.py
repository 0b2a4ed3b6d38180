import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from norank.errors import NorankError
from norank.metrics import (
    chance_precision_at_1,
    class_pair_distances,
    cluster_metrics,
    continuity,
    evaluate_embedding,
    precision_at_1,
    knn_vote_accuracy,
    retrieval_metrics,
    separation_ratio,
    structure_metrics,
)


def two_clusters():
    # class 0 at x = 0 and x = 1, class 1 at x = 10 and x = 11 (1-D embedding)
    return np.array([[0.0], [1.0], [10.0], [11.0]]), np.array([0, 0, 1, 1])


def test_separation_ratio_on_a_two_cluster_toy():
    Z, y = two_clusters()
    # different-class distances: 10, 11, 9, 10 (mean 10); same-class: 1, 1 (mean 1)
    assert separation_ratio(Z, y) == pytest.approx(10.0)


def test_separation_ratio_needs_both_pair_kinds():
    with pytest.raises(NorankError):
        separation_ratio(np.zeros((3, 2)), np.array([0, 1, 2]))


def test_separation_ratio_subsamples_above_max():
    rng = np.random.default_rng(0)
    Z, y = rng.normal(size=(300, 3)), rng.integers(0, 3, 300)
    full = separation_ratio(Z, y)
    sub = separation_ratio(Z, y, max_samples=200, seed=1)
    assert sub != full and sub == pytest.approx(full, rel=0.05)


def test_cluster_metrics_by_hand():
    Z, y = two_clusters()
    m = cluster_metrics(Z, y)
    # silhouette of point 0: a = 1, b = mean(10, 11) = 10.5 -> (10.5 - 1) / 10.5; by symmetry all four alike
    s0, s1 = (10.5 - 1) / 10.5, (9.5 - 1) / 9.5
    assert m["silhouette"] == pytest.approx((s0 + s1 + s1 + s0) / 4)
    # Davies-Bouldin: sigma = 0.5 each, centroid distance 10 -> (0.5 + 0.5) / 10
    assert m["davies_bouldin"] == pytest.approx(0.1)
    # Calinski-Harabasz: B = 2 * 2 * 5^2 = 100, W = 4 * 0.25 = 1, (N - k)/(k - 1) = 2 -> 200
    assert m["calinski_harabasz"] == pytest.approx(200.0)


def test_trustworthiness_is_sklearns_and_continuity_swaps_the_spaces():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4, 3))
    Z = X.reshape(60, -1)[:, :2] + 0.1 * rng.normal(size=(60, 2))
    m = structure_metrics(X, Z, k=5)
    assert m["trustworthiness"] == trustworthiness(X.reshape(60, -1), Z, n_neighbors=5)
    assert m["continuity"] == trustworthiness(Z, X.reshape(60, -1), n_neighbors=5)
    assert continuity(X, Z, 5) == m["continuity"] and m["trustworthiness"] != m["continuity"]


def test_retrieval_metrics_by_hand():
    Zq = np.array([[0.0], [10.0]])
    yq = np.array([0, 1])
    Zr = np.array([[0.5], [1.0], [9.0], [20.0]])
    yr = np.array([0, 1, 1, 1])
    r = retrieval_metrics(Zq, yq, Zr, yr, knn_k=1)
    assert r["precision_at_1"] == 1.0 and r["knn_accuracy"] == 1.0
    # MAP@R: query 0 has R = 1 relevant (0.5): rank 1 -> 1; query 1 has R = 3: ranks 1 (9), 3? order 9, 1?, ...
    # distances from 10: 9 -> 1, 1.0 -> 9, 0.5 -> 9.5, 20 -> 10: relevant at ranks 1, 2 (1.0 is class 1), 4 -> within R=3: 1, 2
    assert r["map_at_r"] == pytest.approx((1.0 + (1 / 1 + 2 / 2) / 3) / 2)
    assert precision_at_1(Zq, yq, Zr, yr) == 1.0


def test_leave_one_out_retrieval_excludes_the_query():
    Z, y = two_clusters()
    r = retrieval_metrics(Z, y, knn_k=1)
    assert r["precision_at_1"] == 1.0 and r["knn_accuracy"] == 1.0


def test_evaluate_embedding_names_both_variants():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 20)
    Z = np.eye(3)[y] * 5 + rng.normal(size=(60, 3))
    X = rng.normal(size=(60, 4, 4))
    out = evaluate_embedding(X, Z, y, seed=0)
    assert out["ari_kmeans"] == pytest.approx(1.0) and out["nmi_kmeans"] == pytest.approx(1.0)
    assert out["silhouette_true_labels"] == pytest.approx(out["silhouette_kmeans"])
    assert {"davies_bouldin_true_labels", "calinski_harabasz_kmeans", "trustworthiness", "continuity"} <= set(out)
    assert out["subsampled"] is False


def test_subsampled_leave_one_out_retrieval_still_excludes_the_query():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    Z = rng.normal(size=(400, 3))  # labels unrelated to Z: P@1 near 0.5, never 1 from self-matches
    full = retrieval_metrics(Z, y)
    sub = retrieval_metrics(Z, y, max_queries=150, seed=0)
    assert sub["retrieval_subsampled"] and not full["retrieval_subsampled"]
    assert 0.3 < sub["precision_at_1"] < 0.7 and 0.3 < sub["knn_accuracy"] < 0.7


def test_knn_vote_caps_k_so_a_class_of_two_can_win():
    # a held-out fold of Olivetti: 2 samples per class. Leave-one-out leaves 1 same-class neighbour,
    # so an uncapped 5-NN vote is a tie of 1-vote classes, won by the smallest label.
    y = np.repeat(np.arange(4), 2)
    Z = (10.0 * y + np.tile([0.0, 1.0], 4))[:, None]  # pairs 1 apart, classes 10 apart
    r = retrieval_metrics(Z, y, knn_k=5)
    assert r["precision_at_1"] == 1.0 and r["knn_accuracy"] == 1.0 and r["knn_k"] == 1
    acc, k = knn_vote_accuracy(Z, y, Z, y, k=5)  # as a gallery (not leave-one-out): k = 2
    assert (acc, k) == (1.0, 2)


def test_knn_vote_counts_votes_caps_k_and_breaks_ties_to_the_smallest_label():
    Zr = np.array([[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]])
    yr = np.array([7, 7, 3, 3, 3, 7])  # labels need not be 0..c-1
    # from 0: neighbours 1, 2, 3 (labels 7, 7, 3): 7 wins 2-1
    assert knn_vote_accuracy(np.array([[0.0]]), np.array([7]), Zr, yr, k=3) == (1.0, 3)
    # from 3.4, k=5 capped at the class size 3: neighbours 3, 4, 2 (labels 3, 3, 7): 3 wins
    assert knn_vote_accuracy(np.array([[3.4]]), np.array([3]), Zr, yr, k=5) == (1.0, 3)
    # from 2.5 with k=2 among 1, 2 (7) and 3, 4 (3): neighbours 2 and 3, a 1-1 tie, goes to label 3
    q = np.array([[2.5], [2.5]])
    assert knn_vote_accuracy(q, np.array([3, 7]), Zr[:4], yr[:4], k=2) == (0.5, 2)


def test_class_pair_distances_hand_computed():
    F = np.array([[0.0], [1.0], [5.0], [7.0]])
    y = np.array([0, 0, 1, 1])
    d = class_pair_distances(F, y)
    assert sorted(d.intra) == [1, 2] and sorted(d.inter) == [4, 5, 6, 7]
    assert (d.n_intra, d.n_inter) == (2, 4) and not d.subsampled
    d = class_pair_distances(F, y, max_pairs=3, seed=0)
    assert len(d.inter) == 3 and set(d.inter) <= {4, 5, 6, 7} and d.subsampled


def test_class_pair_distances_sampled_path_matches_the_distribution():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(3), 30)
    Z = rng.normal(size=(len(y), 2)) + 4 * y[:, None]
    exact = class_pair_distances(Z, y)
    sampled = class_pair_distances(Z, y, max_pairs=20000, seed=0, max_enumerate=10)
    assert sampled.n_intra == exact.n_intra and len(sampled.intra) == 20000
    assert abs(sampled.intra.mean() - exact.intra.mean()) < 0.05 * exact.intra.mean()
    assert abs(sampled.inter.mean() - exact.inter.mean()) < 0.05 * exact.inter.mean()


def test_chance_precision_at_1_is_the_sum_of_squared_class_shares():
    assert chance_precision_at_1(np.array([0, 0, 0, 1])) == pytest.approx(0.75 ** 2 + 0.25 ** 2)
    assert chance_precision_at_1(np.array([2, 2])) == 1.0  # one class: every neighbour is right
