"""The one dataset artifact format every later stage reads.

A dataset artifact is an ``.npz`` file holding

- ``X``: ``(n, *shape)`` float32, each sample a matrix or image (the tensor's slices);
- ``y``: ``(n,)`` int64 class index in ``0..C-1``;
- ``class_names``: ``(C,)`` str;
- ``sample_id``: ``(n,)`` str, a stable name per sample (file id, subject id, index);
- ``X_aug`` / ``aug_source``: optional offline-augmented copies and, for each copy,
  the index of the sample it was made from (so a fold split by sample keeps every
  copy on its source's side, and no copy of a held-out sample reaches training);
- ``provenance``: a JSON string (source, fetch call, package versions, input
  checksums, counts per class, checksum of ``X``).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from norank.errors import DataError
from norank.io import atomic_path, sha256_array


@dataclass(frozen=True)
class Dataset:
    """A labelled tensor dataset: ``X`` ``(n, *shape)``, ``y`` ``(n,)``."""

    name: str
    X: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    sample_id: np.ndarray
    provenance: dict = field(default_factory=dict)
    X_aug: np.ndarray | None = None
    aug_source: np.ndarray | None = None

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return tuple(self.X.shape[1:])

    def counts(self) -> dict[str, int]:
        """Number of samples per class name, in class-index order."""
        c = np.bincount(self.y, minlength=self.n_classes)
        return {name: int(k) for name, k in zip(self.class_names, c)}


def check_finite(X: np.ndarray, what: str) -> None:
    """:class:`DataError` naming ``what`` and the first samples of ``X`` that hold NaN or inf."""
    bad = ~np.isfinite(X.reshape(len(X), -1)).all(axis=1)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise DataError(
            f"{what}: {len(idx)} sample(s) contain NaN or inf (first indices: "
            f"{idx[:5].tolist()}). Remove or impute them before running the pipeline."
        )


def validate_tensor_dataset(X, y, class_names, *, name: str, min_per_class: int = 2) -> None:
    """Check that ``X`` ``(n, *shape)`` and ``y`` ``(n,)`` form a usable labelled tensor dataset.

    Raises :class:`DataError` naming the dataset, the problem and the fix when:
    ``X`` has fewer than 3 axes (samples must be matrices or images), is not real-valued,
    or holds NaN or inf;
    ``y`` has the wrong length, is not integer, or is outside ``0..C-1``;
    a class has fewer than ``min_per_class`` samples (no positive for a triplet anchor,
    no within-class distance for the metrics).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim < 3:
        raise DataError(
            f"dataset {name!r}: X has shape {X.shape}; expected (n_samples, *sample_shape) "
            "with each sample a matrix or image (at least 3 axes in all). Reshape the data "
            "so the first axis indexes samples."
        )
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"dataset {name!r}: X has dtype {X.dtype}; expected real numbers.")
    check_finite(X, f"dataset {name!r}")
    if y.shape != (len(X),):
        raise DataError(
            f"dataset {name!r}: y has shape {y.shape} but X has {len(X)} samples; "
            "give exactly one label per sample."
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"dataset {name!r}: labels have dtype {y.dtype}; expected integer class indices.")
    C = len(class_names)
    if len(y) and (y.min() < 0 or y.max() >= C):
        raise DataError(
            f"dataset {name!r}: labels range over {int(y.min())}..{int(y.max())} but there are "
            f"{C} class names; labels must be 0..{C - 1}."
        )
    counts = np.bincount(y, minlength=C)
    small = [(class_names[c], int(k)) for c, k in enumerate(counts) if k < min_per_class]
    if small:
        listed = ", ".join(f"{n!r} ({k})" for n, k in small[:10])
        raise DataError(
            f"dataset {name!r}: class(es) with fewer than {min_per_class} samples: {listed}. "
            "A triplet anchor needs a positive of its own class; drop these classes, merge "
            "them, or add samples."
        )


def save_dataset(path: str | Path, ds: Dataset) -> None:
    """Validate ``ds`` and write it atomically to ``path`` (``.npz``)."""
    validate_tensor_dataset(ds.X, ds.y, ds.class_names, name=ds.name)
    X = np.ascontiguousarray(ds.X, dtype=np.float32)
    prov = dict(ds.provenance)
    prov.update(
        name=ds.name,
        n_samples=int(len(X)),
        sample_shape=list(X.shape[1:]),
        counts=ds.counts(),
        X_sha256=sha256_array(X),
    )
    arrays = dict(
        X=X,
        y=np.asarray(ds.y, dtype=np.int64),
        class_names=np.asarray(ds.class_names, dtype=str),
        sample_id=np.asarray(ds.sample_id, dtype=str),
        provenance=np.asarray(json.dumps(prov, sort_keys=True)),
    )
    if ds.X_aug is not None:
        arrays["X_aug"] = np.ascontiguousarray(ds.X_aug, dtype=np.float32)
        arrays["aug_source"] = np.asarray(ds.aug_source, dtype=np.int64)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def load_dataset(path: str | Path) -> Dataset:
    """Read a dataset artifact; a corrupt or tampered file raises :class:`DataError` naming it."""
    path = Path(path)
    fix = f"Delete {path} and re-run snakemake: it rebuilds the file from its inputs."
    if not path.exists():
        raise DataError(f"dataset artifact {path} does not exist. Run snakemake to build it.")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        prov = json.loads(str(arrays["provenance"]))
        X = arrays["X"]
        ds = Dataset(
            name=prov["name"],
            X=X,
            y=arrays["y"],
            class_names=tuple(str(c) for c in arrays["class_names"]),
            sample_id=arrays["sample_id"],
            provenance=prov,
            X_aug=arrays.get("X_aug"),
            aug_source=arrays.get("aug_source"),
        )
    except DataError:  # ours (a ValueError too)
        raise
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError) as e:
        raise DataError(f"dataset artifact {path} is corrupt or incomplete ({type(e).__name__}: {e}). {fix}") from e
    if sha256_array(np.ascontiguousarray(X, dtype=np.float32)) != prov.get("X_sha256"):
        raise DataError(f"dataset artifact {path}: X does not match the checksum recorded when it was written. {fix}")
    return ds
