"""The checks behind the deviation owners (norank.evidence), on small hand-made data."""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from norank.errors import NorankError
from norank.evidence import (_ari_2x2, align_raw, bound_check, linear_bound, lookup, paper_arithmetic,
                             reconstruction_check, stratified_draw, two_cluster_separation)


def test_the_linear_bound_is_what_pca_reconstruction_reaches_and_no_map_beats_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4, 5)) @ np.diag([3.0, 2, 1, 0.5, 0.1]) + 1.0
    flat = X.reshape(60, -1)
    bound = linear_bound(X, [2, 5, 20])
    for d in (2, 5):
        pca = PCA(d).fit(flat)
        err = np.linalg.norm(flat - pca.inverse_transform(pca.transform(flat))) / np.linalg.norm(flat)
        assert bound[d] == pytest.approx(err, rel=1e-9)
    assert bound[20] == pytest.approx(0.0, abs=1e-7)  # full rank: exact
    Z = rng.normal(size=(60, 5))  # a random embedding's affine reconstruction cannot beat the bound
    got = reconstruction_check({"x": X}, {"random": (np.arange(60), Z)})
    assert got.relative_error[0] > bound[5] and got.d[0] == 5
    rows = bound_check({"a": X, "b": 2 * X}, [2])
    assert rows.relative_error.tolist() == pytest.approx([bound[2]] * 2)  # scale-free


def test_the_vectorised_two_by_two_ari_is_sklearns():
    n1, n2 = 7, 5
    for a, b in itertools.product(range(n1 + 1), range(n2 + 1)):
        truth = [0] * n1 + [1] * n2
        pred = [0] * a + [1] * (n1 - a) + [0] * b + [1] * (n2 - b)
        assert float(_ari_2x2(np.array(a), np.array(b), n1, n2)) == pytest.approx(adjusted_rand_score(truth, pred),
                                                                                     abs=1e-12)


def test_two_tight_clusters_that_follow_the_labels_have_a_large_separation_ratio():
    perfect = two_cluster_separation((50, 50), ari=1.0, silhouette=0.99)
    assert perfect["tables"] == 2  # the two labelings of the perfect split
    # within-class pairs all in one cluster (distance 0.01), between-class pairs all across (1)
    assert perfect["sr_min"] == pytest.approx(1 / 0.01)
    random = two_cluster_separation((50, 50), ari=0.0, silhouette=0.99, tol=0.01)
    assert random["sr_min"] < 1.1 and random["ari_at_sr_one"] == pytest.approx(0.0, abs=0.02)
    assert np.isnan(two_cluster_separation((3, 3), ari=0.37, silhouette=0.99, tol=1e-6)["sr_min"])  # no such split


def test_the_abide_arithmetic_excludes_the_printed_separation_ratio():
    """Table 3's metric-learning row: Sil. 0.9932 and ARI 0.3002 on 403 / 468 subjects imply a
    separation ratio of at least ~1.8, not the printed 0.9997."""
    paper = pd.DataFrame([dict(table=3, dataset="abide", method="metric_learning", rank=np.nan, metric=m, value=v,
                               label_variant=lv)
                          for m, v, lv in [("silhouette", 0.9932, "kmeans"), ("ari", 0.3002, ""),
                                           ("separation_ratio", 0.9997, "")]]
                         + [dict(table=3, dataset="abide", method="pca", rank=np.nan, metric=m, value=v, label_variant=lv)
                            for m, v, lv in [("silhouette", 0.4, "kmeans"), ("ari", 0.01, ""),
                                             ("separation_ratio", 1.0, "")]])  # loose: not judged
    out = paper_arithmetic(paper, {"abide": (403, 468)})
    assert out.method.tolist() == ["metric_learning"]
    row = out.iloc[0]
    assert 1.5 < row.sr_min < row.sr_max < 3 and not row.consistent


def test_a_stratified_draw_keeps_class_shares_and_refuses_too_many():
    y = np.array([0] * 80 + [1] * 20)
    keep = stratified_draw(y, 50, np.random.default_rng(0))
    assert len(keep) == len(set(keep)) == 50 and np.bincount(y[keep]).tolist() == [40, 10]
    with pytest.raises(NorankError, match="101 samples asked, the dataset has 100"):
        stratified_draw(y, 101, np.random.default_rng(0))


def test_lookup_finds_exactly_one_number_or_names_the_problem():
    t = pd.DataFrame(dict(method=["pca", "pca", "umap"], n=[10, 20, 10], value=[1.0, 2.0, 3.0]))
    assert lookup(t, "method=pca; n=20", "value", name="f") == 2.0
    with pytest.raises(NorankError, match="f: 2 rows match 'method=pca'"):
        lookup(t, "method=pca", "value", name="f")
    with pytest.raises(NorankError, match="f: 'size=3' is not column=value"):
        lookup(t, "size=3", "value", name="f")


def test_raw_samples_are_aligned_by_id_and_a_missing_one_is_named():
    assert align_raw(np.array(["a", "b", "c"]), np.array(["c", "a"])).tolist() == [2, 0]
    with pytest.raises(NorankError, match=r"1 sample\(s\) .*\(e.g. 'z'\)"):
        align_raw(np.array(["a"]), np.array(["z"]))
