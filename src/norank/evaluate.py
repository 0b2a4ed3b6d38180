"""Turn embeddings into tidy metric rows under the two protocols (paper §4.1).

- split ``all`` (protocol ``paper``): every sample was used for fitting; metrics are
  computed on all of them, as the paper did (in-sample).
- split ``fold<i>`` (protocol ``heldout``): metrics on the held-out fold only — clustering
  and structure metrics on the held-out embeddings, retrieval with held-out queries against
  the training gallery (``heldout->train``) and among themselves (``heldout->heldout``).

Every row names its dataset, method, rank, protocol, split, seed, the samples it was
computed on (``subset``) and the metric, so the protocols are never mixed silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from norank.baselines import linear_reconstruction, reconstruction_scores, relative_error
from norank.errors import DataError, NorankError
from norank.methods import DECOMPOSITIONS, METRIC_LEARNING, Method
from norank.plan import PATTERNS
from norank.metrics import evaluate_embedding, retrieval_metrics
from norank.splits import PAPER, Split


def load_embedding(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(index, Z, role)`` from a training or baseline embeddings file; role ∈ {train, heldout}.

    Training outputs flag fit / val samples, which are both training samples of the split.
    """
    with np.load(path) as z:
        Z = z["Z"]
        index = z["index"] if "index" in z.files else np.arange(len(Z))
        role = np.where(z["role"] == "heldout", "heldout", "train")
        keep = z["role"] != "unused"
    return index[keep], Z[keep], role[keep]


def evaluate_run(ds, emb_path, *, method: str, split: str, seed: int, k: int = 5, max_n: int = 5000,
                 kmeans_n_init: int = 10, summary_path=None) -> list[dict]:
    """Metric rows of one embedding run (one dataset, method, split and seed)."""
    index, Z, role = load_embedding(emb_path)
    X, y = ds.X[index], ds.y[index]
    protocol = Split.parse(split).protocol
    m = Method.parse(method)
    base = dict(dataset=ds.name, method=method, rank=m.rank, protocol=protocol, split=split, seed=seed)
    rows = []

    def add(subset, values: dict):
        for metric, value in values.items():
            if isinstance(value, bool):
                continue
            rows.append({**base, "subset": subset, "metric": metric, "value": float(value),
                         "subsampled": bool(values.get("subsampled", values.get("retrieval_subsampled", False)))})

    tr, ho = role == "train", role == "heldout"
    if protocol == PAPER:
        add("all", evaluate_embedding(X, Z, y, k=k, seed=seed, kmeans_n_init=kmeans_n_init, max_n=max_n))
        add("all", retrieval_metrics(Z, y, knn_k=k, max_queries=max_n, seed=seed))
    elif ho.any():
        add("heldout", evaluate_embedding(X[ho], Z[ho], y[ho], k=k, seed=seed, kmeans_n_init=kmeans_n_init, max_n=max_n))
        add("heldout->train", retrieval_metrics(Z[ho], y[ho], Z[tr], y[tr], knn_k=k, max_queries=max_n, seed=seed))
        add("heldout->heldout", retrieval_metrics(Z[ho], y[ho], knn_k=k, max_queries=max_n, seed=seed))
    # reconstruction: from the baseline's own summary, or a linear map Z -> X for metric learning
    if summary_path is not None:
        rec = json.loads(Path(summary_path).read_text()).get("reconstruction", {})
    elif m.is_encoder:
        hat, hat_test = linear_reconstruction(Z[tr], X[tr], Z[ho] if ho.any() else None)
        rec = {"in_sample": reconstruction_scores(X[tr], hat)}
        if hat_test is not None:
            rec["heldout"] = reconstruction_scores(X[ho], hat_test)
    else:
        rec = {}
    for where, values in rec.items():
        add(f"reconstruction_{where}", values)
    return rows


def metric_learning_reconstruction(X: np.ndarray, index: np.ndarray, Z: np.ndarray, role: np.ndarray,
                                   example_index: np.ndarray) -> tuple[np.ndarray, float]:
    """Paper §5.4 reconstruction of the metric-learning embedding: X̂ = W Z + b fitted in-sample on
    the training samples (:func:`norank.baselines.linear_reconstruction`).

    ``X`` is the dataset ``(N, H, W)``; ``index``, ``Z`` ``(n, d)`` and ``role`` come from
    :func:`load_embedding`. Returns the reconstructions of ``example_index``
    ``(m, H, W)`` and the in-sample relative error over all training samples (as in the metrics).
    """
    tr = np.asarray(role) == "train"
    train_index = np.asarray(index)[tr]
    X_train = X[train_index]
    hat, _ = linear_reconstruction(Z[tr], X_train)
    pos = {int(i): p for p, i in enumerate(train_index)}
    absent = [int(i) for i in example_index if int(i) not in pos]
    if absent:
        raise NorankError(f"example samples {absent} are not training samples of the metric-learning run.")
    return hat[[pos[int(i)] for i in example_index]], relative_error(X_train, hat)


def evaluate_group(ds, runs: list[dict], *, split: str, seed: int, log=None, **metric_options) -> list[dict]:
    """Metric rows of every run of one evaluation group (one dataset, split and seed); ``runs``
    has ``method``, ``embeddings`` and ``summary`` (None for a trained encoder) per run."""
    rows = []
    for run in runs:
        new = evaluate_run(ds, run["embeddings"], method=run["method"], split=split, seed=seed,
                           summary_path=run["summary"], **metric_options)
        if log is not None:
            log.info("%s: %d metric rows", run["method"], len(new))
        rows += new
    return rows


RUN_KEYS = ["dataset", "method", "rank", "protocol", "subset", "metric"]


def summarize_metrics(df):
    """Mean ± sd of every metric over the runs that repeat one configuration.

    ``df`` is the tidy table of :func:`evaluate_run` rows. Runs differ by ``seed`` and, under
    the held-out protocol, by ``split`` (fold), so one summary row pools seeds × folds. ``sd``
    is the sample standard deviation (ddof = 1), NaN for a single run. ``n_seeds`` and
    ``n_folds`` say what was pooled; ``subsampled`` is true if any pooled run was subsampled.
    """

    df = df.copy()
    df["rank"] = df["rank"].fillna(-1)  # groupby drops NaN keys; metric learning and PCA have no rank
    g = df.groupby(RUN_KEYS, sort=True)
    out = g["value"].agg(mean="mean", sd="std", n_runs="count").reset_index()
    out["n_seeds"] = g["seed"].nunique().values
    out["n_folds"] = g["split"].nunique().values
    out["subsampled"] = g["subsampled"].any().values
    out["rank"] = out["rank"].where(out["rank"] >= 0, pd.NA).astype("Int64")
    return out


RANK_METRICS = ("silhouette_true_labels", "nmi_kmeans", "ari_kmeans")  # the rank-sensitivity figure's metrics


def rank_sensitivity_table(summary: pd.DataFrame, datasets: Sequence[str], metrics: Sequence[str] = RANK_METRICS,
                           *, source: str = "summary.csv") -> pd.DataFrame:
    """Rows of the metric summary for the rank-sensitivity figure: paper protocol (subset ``all``),
    the metric-learning runs and every CP / Tucker rank, for ``datasets`` and ``metrics``.

    Raises, naming ``source``, when a dataset lacks the metric-learning row or every CP / Tucker
    row of a metric.
    """
    need = {"dataset", "method", "rank", "protocol", "subset", "metric", "mean", "sd", "n_seeds"}
    if not need <= set(summary.columns):
        raise DataError(f"{source} lacks columns {sorted(need - set(summary.columns))}.")
    s = summary[(summary.protocol == "paper") & (summary.subset == "all") & summary.dataset.isin(datasets)
                & summary.metric.isin(metrics)].copy()
    s["family"] = s.method.map(lambda m: Method.parse(m).family)
    s = s[s.family.isin([*DECOMPOSITIONS, METRIC_LEARNING])]
    for d in datasets:
        for m in metrics:
            rows = s[(s.dataset == d) & (s.metric == m)]
            if not (rows.family == METRIC_LEARNING).any():
                raise DataError(f"{source} has no paper-protocol row for metric_learning / {d} / {m}.")
            if not rows.family.isin(DECOMPOSITIONS).any():
                raise DataError(f"{source} has no paper-protocol CP or Tucker rows for {d} / {m}.")
    return s


def select_runs(frames: list[pd.DataFrame], runs: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    """The metric rows of ``runs`` (``(dataset, split, method, seed)`` each) from group metric
    tables (one per evaluation job, which may hold other runs too); raises naming the table that
    lacks a run's rows."""
    rows = pd.concat(frames, ignore_index=True)
    keys = pd.MultiIndex.from_frame(rows[["dataset", "split", "method", "seed"]].astype({"seed": int}))
    wanted = pd.MultiIndex.from_tuples([(d, s, m, int(seed)) for d, s, m, seed in runs],
                                       names=["dataset", "split", "method", "seed"])
    missing = wanted.difference(keys)
    if len(missing):
        d, s, m, seed = missing[0]
        table = PATTERNS["metrics"].format(dataset=d, split=s, seed=seed)
        raise DataError(f"{table} has no rows of run {m} ({len(missing)} run(s) missing in all); it is stale or "
                        "was edited: delete it and rerun, so the workflow evaluates the group again.")
    return rows[keys.isin(wanted)].reset_index(drop=True)
