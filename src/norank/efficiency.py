"""Data efficiency (paper Table 6): test accuracy after training on n samples.

One fixed, stratified test set per dataset (``test_fraction`` of it, drawn with
``split_seed``); for each size n a stratified training subset of the remaining pool.
Three methods, each trained on the n samples only:

- ``metric_learning``: the paper's encoder (the dataset's own training options), then a
  k-NN classifier on the embeddings (test embeddings vs training embeddings);
- ``pca_svm``: PCA (fitted on the n samples) + an RBF support vector classifier;
- ``transformer``: the small ViT / ROI-row transformer of :mod:`norank.ml.transformer`.

A size is *not applicable* when the pool is smaller than n, or n < 2 × classes (a class
needs two training samples: an anchor and its positive); such runs are recorded as such
with the reason, never silently dropped or replaced.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.model_selection import train_test_split

from norank.errors import NorankError
from norank.methods import METRIC_LEARNING, PCA_SVM, TRANSFORMER, Method

METHODS = (Method.metric_learning(), Method(PCA_SVM), Method(TRANSFORMER))


class NotApplicable(NorankError):
    """This (dataset, size) cannot be run; the message says why."""


def allocate(counts: np.ndarray, n: int) -> np.ndarray:
    """Samples per class for a training set of ``n``: 2 per class, the rest proportional to
    ``counts`` (largest remainder), never more than a class has."""
    C = len(counts)
    if n < 2 * C:
        raise NotApplicable(f"n={n} < 2 per class x {C} classes")  # an anchor and its positive
    if n > counts.sum():
        raise NotApplicable(f"n={n} > the {counts.sum()} samples left after the test set")
    take = np.minimum(counts, 2)
    while take.sum() < n:  # hand out the rest by largest remainder, capped at class size
        room = counts - take
        share = (n - take.sum()) * room / room.sum()
        extra = np.floor(share).astype(int)
        if extra.sum() == 0:
            extra[np.argmax(share - extra)] = 1
        take += np.minimum(extra, room)
    return take


def efficiency_split(y: np.ndarray, n: int, test_fraction: float, split_seed: int,
                     subset_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(train_idx, test_idx)``: the fixed stratified test set and a stratified training subset of size ``n``.

    The test set depends only on ``split_seed`` (the same for every n, method and seed). The
    training subset is drawn anew for each ``subset_seed`` (the run's seed), so the spread over
    seeds includes which n samples a method got — at n = 16 that is most of it — while every
    method of one seed sees the same subset (a paired comparison).
    """
    idx = np.arange(len(y))
    pool, test = train_test_split(idx, test_size=test_fraction, stratify=y, random_state=split_seed)
    classes, counts = np.unique(y[pool], return_counts=True)
    if len(classes) < len(np.unique(y)):
        raise NotApplicable("a class has no sample left for training after the test set is drawn")
    take = allocate(counts, n)
    rng = np.random.default_rng([split_seed, n, subset_seed])
    train = np.concatenate([rng.permutation(pool[y[pool] == c])[:k] for c, k in zip(classes, take)])
    return np.sort(train), np.sort(test)


def knn_accuracy(Z_train, y_train, Z_test, y_test, k: int = 5) -> tuple[float, int]:
    """Accuracy of a k-NN vote (Euclidean) and the k used: ``k`` is capped at the smallest
    training class, so a class with 2 samples can still win a vote."""
    from sklearn.neighbors import KNeighborsClassifier

    k = int(min(k, np.bincount(y_train)[np.unique(y_train)].min()))
    clf = KNeighborsClassifier(n_neighbors=k).fit(Z_train, y_train)
    return float((clf.predict(Z_test) == y_test).mean()), k


def pca_svm_accuracy(X_train, y_train, X_test, y_test, *, n_components: int = 20, seed: int = 0) -> tuple[float, int]:
    """Accuracy of PCA (≤ ``n_components``, fitted on the training samples) + RBF SVC; and the PCA dimension."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    flat_tr, flat_te = X_train.reshape(len(X_train), -1), X_test.reshape(len(X_test), -1)
    d = int(min(n_components, len(flat_tr) - 1, flat_tr.shape[1]))
    clf = make_pipeline(PCA(n_components=d, random_state=seed), SVC(random_state=seed)).fit(flat_tr, y_train)
    return float((clf.predict(flat_te) == y_test).mean()), d


def run_efficiency(ds, method: Method, n: int, seed: int, *, test_fraction: float = 0.2, split_seed: int = 0,
                   knn_k: int = 5, pca_components: int = 20, train_options: dict | None = None,
                   transformer: dict | None = None, log=None) -> dict:
    """One Table 6 cell for one seed: a row with the accuracy, or status ``not_applicable`` and why."""
    if method not in METHODS:
        raise NorankError(f"data-efficiency method {method} is unknown; use one of {', '.join(map(str, METHODS))}.")
    row = dict(dataset=ds.name, method=str(method), n_train=n, seed=seed, accuracy=float("nan"), status="ok", reason="",
               n_test=0, classes_in_train=0, detail="", seconds=0.0)
    try:
        train, test = efficiency_split(ds.y, n, test_fraction, split_seed, subset_seed=seed)
    except NotApplicable as e:
        return {**row, "status": "not_applicable", "reason": str(e)}
    row.update(n_test=len(test), classes_in_train=len(np.unique(ds.y[train])))
    t0 = time.perf_counter()
    Xtr, ytr, Xte, yte = ds.X[train], ds.y[train], ds.X[test], ds.y[test]
    if method.family == METRIC_LEARNING:
        from norank.ml.train import TrainConfig, embed, train_embedding

        cfg = TrainConfig.from_dict(train_options or {})
        res = train_embedding(ds.X, ds.y, train, cfg, seed, X_aug=ds.X_aug, aug_source=ds.aug_source, log=log,
                              progress=False)
        acc, k = knn_accuracy(embed(res.model, Xtr, res.device), ytr, embed(res.model, Xte, res.device), yte, knn_k)
        row["detail"] = f"{k}-NN on {cfg.embedding_dim}-d embeddings, best epoch {res.best_epoch}"
    elif method.family == PCA_SVM:
        acc, d = pca_svm_accuracy(Xtr, ytr, Xte, yte, n_components=pca_components, seed=seed)
        row["detail"] = f"PCA {d} + RBF SVC"
    else:
        from norank.ml.transformer import TransformerConfig, fit_transformer, predict

        cfg = TransformerConfig.from_dict(transformer or {})
        acc = float((predict(fit_transformer(Xtr, ytr, cfg, seed), Xte) == yte).mean())
        row["detail"] = f"{cfg.tokens} tokens, dim {cfg.dim}, depth {cfg.depth}, {cfg.epochs} epochs"
    return {**row, "accuracy": acc, "seconds": time.perf_counter() - t0}


def run_learning_curve(ds, method: Method, sizes: list[int], seed: int, *, log=None, **options) -> list[dict]:
    """Table 6 rows of one method and seed at every training size (one row per size, in order)."""
    rows = []
    for n in sizes:
        row = run_efficiency(ds, method, int(n), seed, log=log, **options)
        if log is not None:
            log.info("%s", row)
        rows.append(row)
    return rows
