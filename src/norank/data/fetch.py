"""The real datasets, through the real fetchers (scikit-learn, nilearn).

Two modes, chosen by ``data_dir``:

- ``data_dir`` given: a pre-staged folder laid out as the fetchers' own caches
  (e.g. ``../shared/data``). The fetchers read it with the network *forbidden*:
  if a file is missing the fetcher's download attempt is stopped and the error
  names the dataset, the folder and how to provide the data.
- ``data_dir`` is ``None``: the fetchers download into ``download_dir`` (their
  cache). Without network this fails at the first connection with a message that
  names the ``data_dir`` config key.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import socket
import urllib.error
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import numpy as np

from norank.data.artifact import Dataset
from norank.errors import DataError, OfflineError
from norank.io import sha256_file, sha256_listing

T = TypeVar("T")

#: where each real dataset lives inside a fetcher cache folder (for the presence check)
STAGED_LAYOUT = {
    "olivetti": "olivetti_py3.pkz",
    "lfw": "lfw_home/lfw_funneled",
    "abide": "ABIDE_pcp",
}

HOW_TO_PROVIDE = (
    "Either set config key `data_dir` to a folder holding it in the fetchers' cache layout "
    "(see ../shared/data/README.md for that layout), or unset `data_dir` on a machine with "
    "network so the fetcher downloads it into `download_dir`, or remove the dataset from "
    "config key `datasets`."
)


def _versions(*packages: str) -> dict[str, str]:
    return {p: importlib.metadata.version(p) for p in packages}


@contextlib.contextmanager
def forbid_network(what: str) -> Iterator[None]:
    """Within the block, any attempt to open a network connection raises :class:`OfflineError`.

    Used while reading a pre-staged data folder, so "never touch the network" is
    enforced rather than hoped for.
    """

    def refuse(*args, **kwargs):
        raise OfflineError(f"{what} tried to open a network connection ({args[1:] or kwargs})")

    saved = socket.socket.connect, socket.getaddrinfo, socket.create_connection
    socket.socket.connect = refuse
    socket.getaddrinfo = refuse
    socket.create_connection = refuse
    try:
        yield
    finally:
        socket.socket.connect, socket.getaddrinfo, socket.create_connection = saved


def _is_network_error(e: BaseException) -> bool:
    try:
        import requests

        req = (requests.RequestException,)
    except ImportError:  # pragma: no cover - requests comes with nilearn
        req = ()
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, (OfflineError, urllib.error.URLError, socket.gaierror, socket.timeout, ConnectionError, *req)):
            return True
        e = e.__cause__ or e.__context__
    return False


def run_fetcher(dataset: str, fetch: Callable[[str], T], *, data_dir: str | None, download_dir: str) -> T:
    """Call ``fetch(home)`` for ``dataset`` in the mode ``data_dir`` selects, translating failures.

    ``fetch`` receives the folder the fetcher should use as its cache. Errors:
    staged data missing → :class:`DataError` naming the dataset and folder;
    no network while downloading → :class:`OfflineError` naming ``data_dir``.
    """
    if data_dir is not None:
        root = Path(data_dir)
        if not root.is_dir():
            raise DataError(
                f"config key `data_dir` is {data_dir!r}, which is not a folder. Point it at a "
                "pre-staged data folder (e.g. ../shared/data) or set it to null to download."
            )
        if not (root / STAGED_LAYOUT[dataset]).exists():
            raise DataError(
                f"dataset {dataset!r} is not in data_dir {data_dir!r}: expected "
                f"{root / STAGED_LAYOUT[dataset]}. {HOW_TO_PROVIDE}"
            )
        try:
            with forbid_network(f"the {dataset} fetcher"):
                return fetch(str(root))
        except Exception as e:
            if _is_network_error(e):
                raise DataError(
                    f"dataset {dataset!r}: data_dir {data_dir!r} holds an incomplete copy, so the "
                    f"fetcher tried to download the rest ({e}); the network is not used when "
                    f"`data_dir` is set. {HOW_TO_PROVIDE}"
                ) from e
            raise
    Path(download_dir).mkdir(parents=True, exist_ok=True)
    try:
        return fetch(str(download_dir))
    except Exception as e:
        if _is_network_error(e):
            raise OfflineError(
                f"dataset {dataset!r} is not in download_dir {download_dir!r} and downloading it "
                f"failed ({type(e).__name__}: {e}). Without network, set config key `data_dir` to a "
                "pre-staged data folder (for example: snakemake --config data_dir=../shared/data)."
            ) from e
        raise


# --------------------------------------------------------------------------- Olivetti


def fetch_olivetti(*, data_dir: str | None, download_dir: str) -> Dataset:
    """Olivetti faces through ``sklearn.datasets.fetch_olivetti_faces``: X ``(400, 64, 64)`` in [0, 1], 40 people × 10."""
    from sklearn.datasets import fetch_olivetti_faces

    def fetch(home: str):
        cache = Path(home) / "olivetti_py3.pkz"
        try:
            return fetch_olivetti_faces(data_home=home), cache
        except Exception as e:
            if cache.exists() and not _is_network_error(e):
                raise DataError(
                    f"dataset 'olivetti': cached file {cache} is corrupt ({type(e).__name__}: {e}). "
                    "Replace it with a good copy, or delete it and re-run with network to download it again."
                ) from e
            raise

    bunch, cache = run_fetcher("olivetti", fetch, data_dir=data_dir, download_dir=download_dir)
    y = bunch.target.astype(np.int64)
    per_class_rank = np.zeros_like(y)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        per_class_rank[idx] = np.arange(len(idx))
    return Dataset(
        name="olivetti",
        X=bunch.images.astype(np.float32),
        y=y,
        class_names=tuple(f"person_{c:02d}" for c in range(int(y.max()) + 1)),
        sample_id=np.array([f"person_{c:02d}_{k}" for c, k in zip(y, per_class_rank)]),
        provenance=dict(
            source="Olivetti faces (AT&T Laboratories Cambridge)",
            fetch_call="sklearn.datasets.fetch_olivetti_faces(data_home=<home>)",
            data_home=str(Path(cache).parent),
            input_sha256={cache.name: sha256_file(cache)},
            versions=_versions("scikit-learn", "numpy"),
        ),
    )


# --------------------------------------------------------------------------- LFW


def writable_lfw_home(staged_root: str | Path, work_root: str | Path) -> Path:
    """A writable data home whose ``lfw_home/`` symlinks to the staged ``lfw_home/`` entries.

    ``fetch_lfw_people`` writes a joblib cache into ``<data_home>/lfw_home/joblib``,
    so it cannot use a read-only staged folder directly.
    """
    staged = Path(staged_root).resolve() / "lfw_home"
    home = Path(work_root)
    (home / "lfw_home").mkdir(parents=True, exist_ok=True)
    for entry in staged.iterdir():
        if entry.name == "joblib":
            continue
        link = home / "lfw_home" / entry.name
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == entry.resolve():
                continue
            link.unlink()
        link.symlink_to(entry)
    return home


def _find_corrupt_images(paths: list[Path]) -> list[Path]:
    from PIL import Image

    bad = []
    for p in paths:
        try:
            with Image.open(p) as im:
                im.load()
        except Exception:
            bad.append(p)
    return bad


def fetch_lfw(
    *, data_dir: str | None, download_dir: str, min_faces_per_person: int = 70, resize: float = 0.4
) -> Dataset:
    """LFW people through ``sklearn.datasets.fetch_lfw_people`` (funneled): ``(1288, 50, 37)``, 7 people at the defaults."""
    from sklearn.datasets import fetch_lfw_people

    def fetch(home: str):
        if data_dir is not None:
            home = str(writable_lfw_home(home, Path(download_dir) / "lfw_writable_home"))
        folder = Path(home) / "lfw_home" / "lfw_funneled"
        try:
            bunch = fetch_lfw_people(
                data_home=home, min_faces_per_person=min_faces_per_person, resize=resize, funneled=True
            )
        except Exception as e:
            if _is_network_error(e) or not folder.exists():
                raise
            bad = _find_corrupt_images(sorted(folder.glob("*/*.jpg")))
            if bad:
                raise DataError(
                    f"dataset 'lfw': {len(bad)} corrupt image file(s), first: {bad[0]}. Replace them "
                    "with good copies (or delete lfw_home and download again)."
                ) from e
            raise
        return bunch, folder

    bunch, folder = run_fetcher("lfw", fetch, data_dir=data_dir, download_dir=download_dir)
    names = [str(n) for n in bunch.target_names]
    files = [p for n in names for p in (folder / n.replace(" ", "_")).glob("*.jpg")]
    return Dataset(
        name="lfw",
        X=bunch.images.astype(np.float32),
        y=bunch.target.astype(np.int64),
        class_names=tuple(names),
        sample_id=np.array([f"lfw_{i:04d}" for i in range(len(bunch.target))]),
        provenance=dict(
            source="Labeled Faces in the Wild, funneled (UMass Amherst)",
            fetch_call=(
                f"sklearn.datasets.fetch_lfw_people(data_home=<home>, min_faces_per_person={min_faces_per_person}, "
                f"resize={resize}, funneled=True)"
            ),
            input_sha256={"lfw_funneled listing of the selected people": sha256_listing(files, folder)},
            n_input_files=len(files),
            versions=_versions("scikit-learn", "numpy", "pillow"),
        ),
    )


# --------------------------------------------------------------------------- ABIDE


def connectivity_matrices(timeseries: list[np.ndarray], kind: str = "correlation") -> np.ndarray:
    """``(n, R, R)`` connectivity of each subject's ``(T_i, R)`` time series (nilearn ``ConnectivityMeasure``).

    nilearn handles constant ROI columns (``np.corrcoef`` would give NaN rows for them).
    """
    from nilearn.connectome import ConnectivityMeasure

    measure = ConnectivityMeasure(kind=kind, standardize="zscore_sample")
    return measure.fit_transform(timeseries).astype(np.float32)


def fetch_abide(
    *,
    data_dir: str | None,
    download_dir: str,
    pipeline: str = "cpac",
    band_pass_filtering: bool = True,
    global_signal_regression: bool = False,
    derivative: str = "rois_ho",
    quality_checked: bool = True,
    connectivity: str = "correlation",
) -> Dataset:
    """ABIDE I (Preprocessed Connectomes Project) through ``nilearn.datasets.fetch_abide_pcp``.

    Returns ``(n, R, R)`` connectivity matrices (``R = 111`` for ``rois_ho``) and the
    diagnosis (``DX_GROUP``: 1 autism → class 0 ``ASD``, 2 control → class 1 ``control``).
    """
    from nilearn.datasets import fetch_abide_pcp

    strategy = ("filt" if band_pass_filtering else "nofilt") + ("_global" if global_signal_regression else "_noglobal")
    call = dict(
        pipeline=pipeline,
        band_pass_filtering=band_pass_filtering,
        global_signal_regression=global_signal_regression,
        derivatives=[derivative],
        quality_checked=quality_checked,
    )

    def fetch(home: str):
        folder = Path(home) / "ABIDE_pcp" / pipeline / strategy
        if data_dir is not None and not folder.is_dir():
            raise DataError(
                f"dataset 'abide': {folder} does not exist, so data_dir {data_dir!r} has no ABIDE data for "
                f"pipeline={pipeline!r}, band_pass_filtering={band_pass_filtering}, "
                f"global_signal_regression={global_signal_regression}. Check those config values "
                f"(the staged data in ../shared/data is cpac, band-pass filtered, no global signal "
                f"regression). {HOW_TO_PROVIDE}"
            )
        try:
            bunch = fetch_abide_pcp(data_dir=home, verbose=0, **call)
        except Exception as e:
            if _is_network_error(e) or not folder.is_dir():
                raise
            bad = []
            for p in sorted(folder.glob(f"*_{derivative}.1D")):
                try:
                    np.loadtxt(p)
                except Exception:
                    bad.append(p)
            if bad:
                raise DataError(
                    f"dataset 'abide': {len(bad)} corrupt time-series file(s), first: {bad[0]}. Replace "
                    "them with good copies (or delete them and download again)."
                ) from e
            raise
        return bunch, folder

    bunch, folder = run_fetcher("abide", fetch, data_dir=data_dir, download_dir=download_dir)
    pheno = bunch["phenotypic"]
    file_ids = [str(f) for f in np.asarray(pheno["FILE_ID"])]
    dx = np.asarray(pheno["DX_GROUP"]).astype(int)
    series = [np.asarray(ts, dtype=np.float64) for ts in bunch[derivative]]
    for fid, ts in zip(file_ids, series):
        if ts.ndim != 2 or ts.shape[1] != series[0].shape[1] or not np.isfinite(ts).all():
            raise DataError(
                f"dataset 'abide': time series of {fid} has shape {ts.shape} or non-finite values "
                f"(expected (T, {series[0].shape[1]})); its file {folder / (fid + '_' + derivative + '.1D')} "
                "is corrupt. Replace it with a good copy."
            )
    if not set(np.unique(dx)) <= {1, 2}:
        raise DataError(f"dataset 'abide': unexpected DX_GROUP values {sorted(set(dx))}; expected 1 and 2.")
    X = connectivity_matrices(series, kind=connectivity)
    files = [folder / f"{fid}_{derivative}.1D" for fid in file_ids]
    pheno_csv = Path(folder).parents[1] / "Phenotypic_V1_0b_preprocessed1.csv"
    n_const = sum(int((ts.std(axis=0) == 0).any()) for ts in series)
    return Dataset(
        name="abide",
        X=X,
        y=(dx - 1).astype(np.int64),
        class_names=("ASD", "control"),
        sample_id=np.array(file_ids),
        provenance=dict(
            source="ABIDE I, Preprocessed Connectomes Project",
            fetch_call="nilearn.datasets.fetch_abide_pcp(data_dir=<home>, "
            + ", ".join(f"{k}={v!r}" for k, v in call.items())
            + ")",
            connectivity=f"nilearn.connectome.ConnectivityMeasure(kind={connectivity!r}, standardize='zscore_sample')",
            input_sha256={
                f"{pipeline}/{strategy} listing of the {len(files)} {derivative} files": sha256_listing(files, folder),
                pheno_csv.name: sha256_file(pheno_csv) if pheno_csv.exists() else None,
            },
            subjects_with_constant_roi=n_const,
            timepoints_min_median_max=[int(np.min([len(t) for t in series])),
                                       int(np.median([len(t) for t in series])),
                                       int(np.max([len(t) for t in series]))],
            versions=_versions("nilearn", "numpy", "scikit-learn"),
        ),
    )
