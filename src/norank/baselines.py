"""The paper's comparison methods (Tables 2-5): PCA, t-SNE, UMAP, CP and Tucker decompositions.

Each ``fit_*`` function embeds training samples ``X`` ``(n, *shape)``; where the method can
embed unseen samples it also returns them (PCA and UMAP transform, CP / Tucker project by
least squares onto the fixed non-sample factors). t-SNE has no transform: it is
transductive-only and the workflow never runs it under the held-out protocol.

CP and Tucker work on the samples × H × W tensor (tensorly); the sample-mode factor matrix
is the embedding.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from norank.errors import DataError, NorankError
from norank.methods import CP, PCA, TSNE, TUCKER, TUCKER_RHW, UMAP, Method


@dataclass(frozen=True)
class CPFactors:
    """A CP decomposition, as tensorly's ``CPTensor``: X̂[i, j, k] = Σ_r w_r A[i, r] B[j, r] C[k, r]."""

    weights: np.ndarray  # (R,)
    factors: tuple[np.ndarray, np.ndarray, np.ndarray]  # A (n, R) of the samples, B (H, R), C (W, R)


@dataclass(frozen=True)
class TuckerFactors:
    """A Tucker decomposition, as tensorly's ``TuckerTensor``: X̂ = G ×₁ A ×₂ B ×₃ C."""

    core: np.ndarray  # G (R1, R2, R3)
    factors: tuple[np.ndarray, np.ndarray, np.ndarray]  # A (n, R1) of the samples, B (H, R2), C (W, R3)


@dataclass
class BaselineFit:
    """Embeddings of the training samples (and of held-out samples when the method can), plus
    reconstructions where the method has one (``None`` otherwise); ``info`` is what the fit
    records (written to ``summary.json``); ``factors`` the decomposition of a CP / Tucker fit."""

    method: Method
    Z_train: np.ndarray
    Z_test: np.ndarray | None
    X_hat_train: np.ndarray | None = None
    X_hat_test: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    factors: CPFactors | TuckerFactors | None = None


# --------------------------------------------------------------------------- reconstruction metrics


def relative_error(X: np.ndarray, X_hat: np.ndarray) -> float:
    """Paper §5.4.1: ||X - X̂||_F / ||X||_F."""
    return float(np.linalg.norm((X - X_hat).ravel()) / np.linalg.norm(X.ravel()))


def explained_variance(X: np.ndarray, X_hat: np.ndarray) -> float:
    """Paper §5.4.1: 1 - ||X - X̂||²_F / ||X||²_F (not centred, as the paper and its code define it)."""
    return float(1.0 - relative_error(X, X_hat) ** 2)


def reconstruction_scores(X: np.ndarray, X_hat: np.ndarray) -> dict:
    """Both §5.4.1 measures of one reconstruction: ``{relative_error, explained_variance}``."""
    return dict(relative_error=relative_error(X, X_hat), explained_variance=explained_variance(X, X_hat))


def linear_reconstruction(Z_train, X_train, Z_test=None):
    """Paper §5.4: X̂_flat = W Z + b, least squares fitted on the training pairs (sklearn LinearRegression).

    Returns ``(X_hat_train, X_hat_test)`` in the samples' shape (``X_hat_test`` None without ``Z_test``).
    """
    from sklearn.linear_model import LinearRegression

    shape = X_train.shape[1:]
    reg = LinearRegression().fit(Z_train, X_train.reshape(len(X_train), -1))
    hat = reg.predict(Z_train).reshape((-1,) + shape)
    hat_test = None if Z_test is None or len(Z_test) == 0 else reg.predict(Z_test).reshape((-1,) + shape)
    return hat, hat_test


# --------------------------------------------------------------------------- PCA / t-SNE / UMAP


def fit_pca(X, X_test=None, *, n_components: int = 20, seed: int = 0) -> BaselineFit:
    """PCA of the flattened samples (sklearn); held-out samples are transformed; reconstruction by inverse transform."""
    from sklearn.decomposition import PCA as SklearnPCA

    flat = X.reshape(len(X), -1)
    k = min(n_components, *flat.shape)
    pca = SklearnPCA(n_components=k, random_state=seed).fit(flat)
    Z = pca.transform(flat)
    fit = BaselineFit(Method(PCA), Z, None, pca.inverse_transform(Z).reshape(X.shape),
                      info=dict(n_components=k, explained_variance_ratio=float(pca.explained_variance_ratio_.sum())))
    if X_test is not None and len(X_test):
        Zt = pca.transform(X_test.reshape(len(X_test), -1))
        fit.Z_test, fit.X_hat_test = Zt, pca.inverse_transform(Zt).reshape(X_test.shape)
    return fit


def fit_tsne(X, X_test=None, *, n_components: int = 2, perplexity: float = 30.0, seed: int = 0) -> BaselineFit:
    """t-SNE of the flattened samples (sklearn). Transductive only: held-out samples raise."""
    from sklearn.manifold import TSNE as SklearnTSNE

    if X_test is not None and len(X_test):
        raise NorankError("t-SNE has no transform for unseen samples; it is evaluated under the paper protocol only.")
    perplexity = min(perplexity, (len(X) - 1) / 3)
    Z = SklearnTSNE(n_components=n_components, perplexity=perplexity, random_state=seed).fit_transform(
        X.reshape(len(X), -1))
    return BaselineFit(Method(TSNE), Z, None, info=dict(n_components=n_components, perplexity=perplexity))


def fit_umap(X, X_test=None, *, n_components: int = 2, n_neighbors: int = 15, min_dist: float = 0.1, seed: int = 0) -> BaselineFit:
    """UMAP of the flattened samples (umap-learn); held-out samples are transformed."""
    import umap

    n_neighbors = min(n_neighbors, len(X) - 1)
    model = umap.UMAP(n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed)
    Z = model.fit_transform(X.reshape(len(X), -1))
    Zt = None
    if X_test is not None and len(X_test):
        Zt = model.transform(X_test.reshape(len(X_test), -1))
    return BaselineFit(Method(UMAP), Z, Zt,
                       info=dict(n_components=n_components, n_neighbors=n_neighbors, min_dist=min_dist))


# --------------------------------------------------------------------------- CP and Tucker


def _decomposition_info(ranks: list[int], errors: list, seconds: float, n_iter_max: int) -> dict:
    """What a CP / Tucker fit records: ranks, ALS/HOOI iterations, final error, time, convergence."""
    return dict(rank=ranks, iterations=len(errors), final_error=float(errors[-1]) if errors else None,
                seconds=seconds, converged=len(errors) < n_iter_max)


def _check_tensor(X):
    if X.ndim != 3:
        raise NorankError(f"CP / Tucker need a samples x H x W tensor, got shape {X.shape}.")


def cp_reconstruct(A, weights, B, C) -> np.ndarray:
    """X̂[i, j, k] = Σ_r w_r A[i, r] B[j, r] C[k, r]."""
    return np.einsum("ir,r,jr,kr->ijk", A, weights, B, C)


def cp_project(X_new, weights, B, C) -> np.ndarray:
    """Sample factors ``(m, R)`` of new samples: least squares onto the fixed B, C (and weights)."""
    M = np.einsum("r,jr,kr->jkr", weights, B, C).reshape(-1, len(weights))  # (H W, R)
    return np.linalg.lstsq(M, X_new.reshape(len(X_new), -1).T, rcond=None)[0].T


def fit_cp(X, X_test=None, *, rank: int, seed: int = 0, init: str = "random", tol: float = 1e-6,
           n_iter_max: int = 100) -> BaselineFit:
    """CP (tensorly ``parafac``) of the samples × H × W tensor; embedding = sample-mode factor ``(n, R)``."""
    import tensorly as tl
    from tensorly.decomposition import parafac

    _check_tensor(X)
    t0 = time.perf_counter()
    cp, errors = parafac(tl.tensor(X.astype(np.float64)), rank=rank, init=init, tol=tol, n_iter_max=n_iter_max,
                         random_state=seed, return_errors=True)
    seconds = time.perf_counter() - t0
    w, (A, B, C) = (np.asarray(cp.weights), [np.asarray(f) for f in cp.factors])
    fit = BaselineFit(Method.decomposition(CP, rank), A, None, cp_reconstruct(A, w, B, C),
                      info=_decomposition_info([rank], errors, seconds, n_iter_max), factors=CPFactors(w, (A, B, C)))
    if X_test is not None and len(X_test):
        fit.Z_test = cp_project(X_test, w, B, C)
        fit.X_hat_test = cp_reconstruct(fit.Z_test, w, B, C)
    return fit


# the Tucker families and their rank modes (tucker_ranks)
TUCKER_MODES = {TUCKER: "RRR", TUCKER_RHW: "RHW"}


def tucker_ranks(R: int, shape: tuple[int, int, int], mode: str = "RRR") -> list[int]:
    """Tucker ranks for rank R: ``RRR`` → (R, R, R) as in Table 5 (capped by each mode's size);
    ``RHW`` → (R, H, W), the official code's choice (spatial modes kept at full rank)."""
    n, H, W = shape
    if mode == "RRR":
        return [min(R, n), min(R, H), min(R, W)]
    if mode == "RHW":
        return [min(R, n), H, W]
    raise NorankError(f"tucker rank mode {mode!r} is unknown; use RRR or RHW.")


def _tucker_basis(core, B, C) -> np.ndarray:
    """M[p, j, k] = Σ_qs G[p, q, s] B[j, q] C[k, s], flattened to ``(R1, H W)``."""
    return np.einsum("pqs,jq,ks->pjk", core, B, C).reshape(core.shape[0], -1)


def tucker_project(X_new, core, B, C) -> np.ndarray:
    """Sample factors ``(m, R1)`` of new samples: least squares onto the fixed core, B and C."""
    M = _tucker_basis(core, B, C)
    return np.linalg.lstsq(M.T, X_new.reshape(len(X_new), -1).T, rcond=None)[0].T


def tucker_reconstruct(A, core, B, C) -> np.ndarray:
    return (A @ _tucker_basis(core, B, C)).reshape(len(A), B.shape[0], C.shape[0])


def fit_tucker(X, X_test=None, *, rank: int, seed: int = 0, init: str = "random", tol: float = 1e-6,
               n_iter_max: int = 100, rank_mode: str = "RRR") -> BaselineFit:
    """Tucker (tensorly ``tucker``, HOOI) of the samples × H × W tensor; embedding = sample-mode factor."""
    import tensorly as tl
    from tensorly.decomposition import tucker

    _check_tensor(X)
    ranks = tucker_ranks(rank, X.shape, rank_mode)
    t0 = time.perf_counter()
    (core, factors), errors = tucker(tl.tensor(X.astype(np.float64)), rank=ranks, init=init, tol=tol,
                                     n_iter_max=n_iter_max, random_state=seed, return_errors=True)
    seconds = time.perf_counter() - t0
    core = np.asarray(core)
    A, B, C = [np.asarray(f) for f in factors]
    family = next(f for f, m in TUCKER_MODES.items() if m == rank_mode)
    fit = BaselineFit(Method.decomposition(family, rank), A, None, tucker_reconstruct(A, core, B, C),
                      info=_decomposition_info(ranks, errors, seconds, n_iter_max),
                      factors=TuckerFactors(core, (A, B, C)))
    if X_test is not None and len(X_test):
        fit.Z_test = tucker_project(X_test, core, B, C)
        fit.X_hat_test = tucker_reconstruct(fit.Z_test, core, B, C)
    return fit


def _baseline(method: Method) -> Method:
    if not method.is_baseline:
        raise NorankError(f"{method} is not a baseline; use pca, tsne, umap, cp-R<rank>, tucker-R<rank> or "
                          "tucker_rhw-R<rank>.")
    return method


def method_options(method: Method, options: dict) -> dict:
    """The part of the ``baselines`` config block that ``method`` reads.

    The workflow passes only this as the job's params, so changing one method's settings
    (or the rank grid) reruns that method's jobs and no others.
    """
    family = _baseline(method).family
    if family == PCA:
        return {"pca_components": options.get("pca_components", 20)}
    if family in (TSNE, UMAP):
        return {family: dict(options.get(family, {}))}
    return {"decomposition": dict(options.get("decomposition", {}))}


def fit_baseline(method: Method, X, X_test=None, *, seed: int = 0, options: dict | None = None) -> BaselineFit:
    """Fit the baseline ``method`` (PCA, t-SNE, UMAP, CP, Tucker, Tucker (R, H, W)) to ``X`` ``(n, *shape)``.

    ``options`` holds per-method settings: ``pca_components``, ``tsne`` / ``umap`` dicts and
    ``decomposition`` (``init``, ``tol``, ``n_iter_max``).
    """
    o, family = options or {}, _baseline(method).family
    if family == PCA:
        return fit_pca(X, X_test, n_components=o.get("pca_components", 20), seed=seed)
    if family == TSNE:
        return fit_tsne(X, X_test, seed=seed, **o.get("tsne", {}))
    if family == UMAP:
        return fit_umap(X, X_test, seed=seed, **o.get("umap", {}))
    dec = dict(o.get("decomposition", {}))
    if family == CP:
        return fit_cp(X, X_test, rank=method.rank, seed=seed, **dec)
    return fit_tucker(X, X_test, rank=method.rank, seed=seed, rank_mode=TUCKER_MODES[family], **dec)


def example_positions(y_train: np.ndarray, n: int = 8) -> np.ndarray:
    """Positions of ``n`` training samples to keep reconstructions of (for the figures): the
    first sample of each class, in class order, then the following samples of the classes
    again until there are ``n`` — so a 40-class dataset shows 8 people, not 8 photos of one."""
    order = np.argsort(y_train, kind="stable")
    rank_in_class = np.empty(len(y_train), dtype=int)
    for c in np.unique(y_train):
        members = order[y_train[order] == c]
        rank_in_class[members] = np.arange(len(members))
    picked = np.lexsort((y_train, rank_in_class))[:n]  # round-robin over classes
    return np.sort(picked)


def save_baseline(folder, fit: BaselineFit, ds, train_idx, test_idx, *, split: str, seed: int,
                  seconds: float | None = None) -> dict:
    """Write ``folder/embeddings.npz`` (``Z`` of the samples it covers, their indices and roles, a
    few reconstructions) and ``folder/summary.json`` (iterations, error, time, reconstruction
    in-sample and held-out, each labelled; ``fit_seconds``: the fit's wall time). Both atomically.
    Returns the summary."""
    import json

    from norank.io import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    train_idx, test_idx = np.asarray(train_idx), np.asarray(test_idx)
    has_test = fit.Z_test is not None and len(test_idx) > 0
    idx = np.concatenate([train_idx, test_idx]) if has_test else train_idx
    Z = np.concatenate([fit.Z_train, fit.Z_test]) if has_test else fit.Z_train
    role = np.array(["train"] * len(train_idx) + (["heldout"] * len(test_idx) if has_test else []))
    recon = {}
    if fit.X_hat_train is not None:
        recon["in_sample"] = reconstruction_scores(ds.X[train_idx], fit.X_hat_train)
    if fit.X_hat_test is not None and has_test:
        recon["heldout"] = reconstruction_scores(ds.X[test_idx], fit.X_hat_test)
    summary = dict(dataset=ds.name, split=split, seed=seed, method=str(fit.method), n_train=int(len(train_idx)),
                   n_heldout=int(len(test_idx)), heldout_embedded=bool(has_test), embedding_dim=int(Z.shape[1]),
                   transductive_only=fit.method.transductive, reconstruction=recon, **fit.info)
    if seconds is not None:
        summary["fit_seconds"] = round(seconds, 3)
    examples = {}
    if fit.X_hat_train is not None:
        pos = example_positions(ds.y[train_idx])
        examples["X_hat_examples"] = fit.X_hat_train[pos].astype(np.float32)
        examples["example_index"] = train_idx[pos]
    with atomic_path(folder / "embeddings.npz") as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, Z=Z.astype(np.float32), index=idx, role=role, y=ds.y[idx], **examples)
    with atomic_path(folder / "summary.json") as tmp:
        with open(tmp, "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)
    return summary


def load_baseline_examples(embeddings_path, summary_path) -> tuple[np.ndarray, np.ndarray, float, dict]:
    """``(example_index (m,), X_hat_examples (m, H, W), in-sample relative error, summary)`` of a
    baseline run, from the files :func:`save_baseline` wrote."""
    import json

    with np.load(embeddings_path) as z:
        missing = {"X_hat_examples", "example_index"} - set(z.files)
        if missing:
            raise DataError(f"{embeddings_path} has no {sorted(missing)}: the method stored no reconstruction.")
        idx, hat = z["example_index"], z["X_hat_examples"]
    summary = json.loads(Path(summary_path).read_text())
    try:
        err = float(summary["reconstruction"]["in_sample"]["relative_error"])
    except KeyError as e:
        raise DataError(f"{summary_path} has no reconstruction.in_sample.relative_error.") from e
    return idx, hat, err, summary


def load_shared_examples(embeddings: Sequence, summaries: Sequence
                         ) -> tuple[list[tuple[np.ndarray, float, dict]], np.ndarray | None]:
    """The stored reconstructions of several baseline runs, ``([(X_hat_examples, relative error,
    summary)], example_index)`` (:func:`load_baseline_examples` each); every run must have
    reconstructed the same example samples (else DataError naming the file)."""
    runs, example_index = [], None
    for emb, summary in zip(embeddings, summaries, strict=True):
        idx, hat, err, info = load_baseline_examples(emb, summary)
        if example_index is None:
            example_index = idx
        elif not np.array_equal(idx, example_index):
            raise DataError(f"{emb} stores reconstructions of samples {idx.tolist()}, the other methods of "
                            f"{example_index.tolist()}; rebuild the baselines.")
        runs.append((hat, err, info))
    return runs, example_index


def fit_baseline_job(ds, runs: list[dict], *, seed: int, log=None) -> list[dict]:
    """Fit and save every run of one baseline job (``norank.plan.BaselineJob``), in order.

    Each run is a dict: ``split`` (the split name), ``split_params`` (keyword arguments of
    :func:`norank.splits.split_indices`), ``method`` (a :class:`~norank.methods.Method`), ``options``
    (:func:`method_options`) and ``folder`` (where :func:`save_baseline` writes). Returns the summaries.
    """
    from norank.splits import split_indices  # sklearn: not at import (the Snakefile imports this module)

    summaries = []
    for run in runs:
        train_idx, test_idx = split_indices(ds.y, **run["split_params"])
        t0 = time.perf_counter()
        fit = fit_baseline(run["method"], ds.X[train_idx], ds.X[test_idx], seed=seed, options=run["options"])
        summary = save_baseline(run["folder"], fit, ds, train_idx, test_idx, split=run["split"], seed=seed,
                                seconds=time.perf_counter() - t0)
        if log is not None:
            log.info("%s on %s/%s seed %d: %.1f s, %s", run["method"], ds.name, run["split"], seed,
                     summary["fit_seconds"], fit.info)
        summaries.append(summary)
    return summaries
