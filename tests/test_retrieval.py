"""Retrieval for Figures 2 and 3: seeded queries of distinct classes, the gallery of each protocol, and
the k nearest gallery samples by Euclidean distance."""

import numpy as np
import pytest

from norank.errors import NorankError
from norank.retrieval import choose_queries, nearest_neighbours, retrieval_plan


def test_nearest_neighbours_by_euclidean_distance_excluding_self():
    G = np.array([[0.0, 0], [1, 0], [3, 0], [10, 0]])
    idx, dist = nearest_neighbours(G[[0, 2]], G, 2, exclude=np.array([0, 2]))
    assert idx.tolist() == [[1, 2], [1, 0]] and dist.tolist() == [[1, 3], [2, 3]]
    idx, _ = nearest_neighbours(G[[0]], G, 1)
    assert idx.tolist() == [[0]]  # without exclusion the query finds itself


def test_choose_queries_prefers_distinct_classes_and_is_seeded():
    y = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    q = choose_queries(y, np.arange(8), 3, seed=1)
    assert sorted(y[q]) == [0, 1, 2]
    assert np.array_equal(q, choose_queries(y, np.arange(8), 3, seed=1))
    assert len(set(choose_queries(y, np.arange(8), 5, seed=0))) == 5
    with pytest.raises(NorankError):
        choose_queries(y, np.arange(2), 3, seed=0)


def test_retrieval_plan_in_sample_excludes_each_query_and_held_out_uses_the_training_gallery():
    y = np.repeat(np.arange(4), 5)
    role = np.where(np.arange(20) % 5 == 0, "heldout", "train")
    q, gallery, exclude, how = retrieval_plan(y, role, "all", 3, seed=0)
    assert gallery.tolist() == list(range(20)) and exclude.tolist() == q.tolist() and "split all" in how
    assert len(set(y[q])) == 3  # distinct classes first
    q, gallery, exclude, how = retrieval_plan(y, role, "fold2", 3, seed=0)
    assert set(q) <= set(np.flatnonzero(role == "heldout")) and exclude is None and "fold2" in how
    assert gallery.tolist() == np.flatnonzero(role == "train").tolist()
