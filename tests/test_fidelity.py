"""The fidelity table (norank.fidelity): the official code unmodified against our re-implementation of its recipe."""

import numpy as np
import pandas as pd

from norank.fidelity import OURS, UNMODIFIED, fidelity_table, within_spread


def summary(rows):
    return pd.DataFrame([dict(dataset=d, method=m, rank=np.nan, protocol="paper", subset="all", metric=k, mean=v,
                              sd=s, n_runs=n, n_seeds=n, n_folds=0, subsampled=False) for d, m, k, v, s, n in rows])


def test_a_difference_within_twice_the_larger_sd_is_within_the_seed_spread():
    assert within_spread(0.10, 0.04, 0.05, 3, 2.0) is True  # 0.10 <= 2 x 0.05
    assert within_spread(-0.11, 0.04, 0.05, 3, 2.0) is False
    assert within_spread(0.0, 0.0, 0.0, 1, 2.0) is None  # one run: no spread, no verdict


def test_the_table_pairs_each_metric_and_the_seconds_per_epoch():
    s = summary([("lfw", UNMODIFIED, "silhouette_true_labels", 0.90, 0.02, 3),
                 ("lfw", OURS, "silhouette_true_labels", 0.93, 0.01, 3),
                 ("lfw", UNMODIFIED, "ari_kmeans", 0.50, 0.01, 3),
                 ("lfw", OURS, "ari_kmeans", 0.80, 0.02, 3),
                 ("lfw", OURS, "nmi_kmeans", 0.70, 0.02, 3)])  # no official row: not shown
    official = {"lfw": [{"seconds_per_epoch": t, "n_trained": 1288} for t in (3.5, 3.4, 3.6)]}
    histories = {"lfw": [pd.DataFrame({"seconds": [2.6, 2.7]}), pd.DataFrame({"seconds": [2.7, 2.8]})]}
    num, shown = fidelity_table(s, ["lfw"], official, histories)
    assert num.metric.tolist() == ["silhouette_true_labels", "ari_kmeans", "seconds_per_epoch"]
    assert num.within_spread.tolist()[:2] == [True, False]
    seconds = num.iloc[-1]
    assert seconds.official_mean == 3.5 and seconds.ours_mean == 2.7 and abs(seconds.speedup - 3.5 / 2.7) < 1e-12
    assert shown.Verdict.tolist() == ["within the seed spread", "outside the seed spread", "ours 1.30× as fast"]
    assert shown.iloc[-1]["Official code, unmodified"] == "3.5 s (3 runs, 1288 samples)"
    assert shown.iloc[-1]["Ours, official recipe"] == "2.7 s (2 runs)"
    assert shown["Ours − official"].tolist()[:2] == ["+0.03", "+0.3"]
    one = summary([("lfw", m, "ari_kmeans", 0.5, np.nan, 1) for m in (UNMODIFIED, OURS)])  # one seed: no spread
    assert fidelity_table(one, ["lfw"], official, histories)[1].Verdict.tolist() == ["no spread (1 run)",
                                                                                     "ours 1.30× as fast"]
