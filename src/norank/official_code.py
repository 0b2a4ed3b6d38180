"""The paper author's public code, run unmodified as a stage of the workflow.

The official implementation (github mbagherian/No-Rank-Tensor-Decomposition, MIT) is fetched at a
pinned commit, or read from a pre-staged copy, and checked against the digest of the code it runs
(:func:`code_digest`). Nothing in it is edited: its package folder is named ``metric learning``
(with a space) while its modules import ``metric_learning``, so :func:`load_package` registers the
folder under that name; its examples plot with ``plt.show()``, so matplotlib runs headless; its
fetchers read the pre-staged data through ``SCIKIT_LEARN_DATA`` (:func:`data_home`).

:func:`train_example` runs its own training function ``add_regularization_to_training`` on its own
dataset class with the settings of its example script (``examples/run_lfw.py``: 100 epochs, batch 16;
``examples/run_olivetti.py``: 50 epochs, batch 8; read from the scripts by :func:`example_settings`),
seeded from outside, and embeds every sample with its ``evaluate_face_embeddings``. :func:`match_samples`
maps its samples onto our dataset artifact, so our metric suite scores its embedding like any run.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import random
import shutil
import sys
import tarfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from norank.errors import DataError, NorankError

PACKAGE_DIR = "metric learning"  # as the repository names it
PACKAGE = "metric_learning"  # as its own modules import it
# the example script of each dataset source, and the dataset class it builds
EXAMPLES = {"lfw": ("examples/run_lfw.py", "EnhancedFaceDataset"),
            "olivetti": ("examples/run_olivetti.py", "OlivettiFaceDataset")}
TRAINING_FUNCTION = "add_regularization_to_training"


def code_files(code_dir: Path) -> list[Path]:
    """The files of the official code that the stage runs: its package and its example scripts."""
    code_dir = Path(code_dir)
    files = sorted((code_dir / PACKAGE_DIR).glob("*.py")) + sorted((code_dir / "examples").glob("*.py"))
    if not (code_dir / PACKAGE_DIR / "__init__.py").is_file():
        raise DataError(f"{code_dir} holds no '{PACKAGE_DIR}/__init__.py': it is not the official code "
                        "(config key official_code.dir names a copy of github mbagherian/No-Rank-Tensor-Decomposition).")
    return files


def code_digest(code_dir: Path) -> str:
    """sha256 over the relative paths and bytes of :func:`code_files` (notebooks and data files, which
    pre-staged copies may leave out, do not count)."""
    code_dir = Path(code_dir)
    h = hashlib.sha256()
    for f in code_files(code_dir):
        h.update(f.relative_to(code_dir).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def check_code(code_dir: Path, *, commit: str, sha256: str) -> dict:
    """The pinned commit and digest of ``code_dir``, or a :class:`DataError` naming what differs."""
    code_dir = Path(code_dir)
    stated = code_dir / "COMMIT"
    if stated.is_file() and not stated.read_text().split()[0] == commit:
        raise DataError(f"{stated} names commit {stated.read_text().split()[0]}, not the pinned {commit} "
                        "(config key official_code.commit); stage the pinned commit.")
    digest = code_digest(code_dir)
    if digest != sha256:
        raise DataError(f"the official code in {code_dir} has digest {digest}, not the pinned {sha256} "
                        "(config key official_code.sha256): it was edited or is another version. Stage the "
                        f"pinned commit {commit} unmodified.")
    return dict(dir=str(code_dir.resolve()), commit=commit, sha256=digest,
                files=[f.relative_to(code_dir).as_posix() for f in code_files(code_dir)])


def download(url: str, commit: str, dest: Path) -> Path:
    """The repository at ``commit`` (GitHub's archive of it), unpacked into ``dest``; returns the code folder."""
    dest = Path(dest)
    archive = dest.with_suffix(".tar.gz")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        urllib.request.urlretrieve(f"{url.rstrip('/')}/archive/{commit}.tar.gz", archive)
    except OSError as e:
        raise DataError(f"cannot download the official code ({url} at {commit}): {e}. Offline, stage a copy and "
                        "name it with config key official_code.dir.") from e
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    (top,) = list(tmp.iterdir())
    shutil.rmtree(dest, ignore_errors=True)
    top.rename(dest)
    shutil.rmtree(tmp)
    archive.unlink()
    return dest


def example_settings(code_dir: Path, source: str) -> dict:
    """The keyword arguments the example script of ``source`` gives the training function and the
    dataset class, read from the script itself (``num_epochs``, ``batch_size``; ``min_faces_per_person``,
    ``resize``), so the stage runs what the example runs."""
    if source not in EXAMPLES:
        raise NorankError(f"the official code has no example for source {source!r}; it has {', '.join(EXAMPLES)}.")
    script, dataset_class = EXAMPLES[source]
    tree = ast.parse((Path(code_dir) / script).read_text())
    calls = {node.func.id: {k.arg: ast.literal_eval(k.value) for k in node.keywords}
             for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    if TRAINING_FUNCTION not in calls or dataset_class not in calls:
        raise DataError(f"{script} of the official code calls no {TRAINING_FUNCTION} / {dataset_class}.")
    return dict(script=script, dataset_class=dataset_class, dataset=calls[dataset_class], **calls[TRAINING_FUNCTION])


def load_package(code_dir: Path):
    """The official package, imported from ``code_dir`` under the name its modules use, headless."""
    import matplotlib

    matplotlib.use("Agg")  # its examples and plots call plt.show()
    if PACKAGE in sys.modules:
        loaded = Path(sys.modules[PACKAGE].__file__).parent
        if loaded != (Path(code_dir) / PACKAGE_DIR).resolve():
            raise NorankError(f"another '{PACKAGE}' ({loaded}) is imported already.")
        return sys.modules[PACKAGE]
    folder = (Path(code_dir) / PACKAGE_DIR).resolve()
    spec = importlib.util.spec_from_file_location(PACKAGE, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)
    return module


def data_home(data_dir: str | None, work: Path) -> Path:
    """A scikit-learn data home for its fetchers: under ``work``, with the pre-staged Olivetti cache and
    LFW images of ``data_dir`` linked in (``fetch_lfw_people`` writes a cache next to them, so the
    staged folder itself must not be its home); ``work`` itself when nothing is staged (they download)."""
    from norank.data.fetch import writable_lfw_home

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    if data_dir is None:
        return work
    writable_lfw_home(data_dir, work)
    olivetti = Path(data_dir) / "olivetti_py3.pkz"
    link = work / olivetti.name
    if olivetti.exists() and not link.exists():
        link.symlink_to(olivetti.resolve())
    return work


@dataclass
class OfficialRun:
    """What one run of the official code gives: its embedding ``Z`` ``(n, 128)`` of its own samples,
    their labels, the raw images it fetched (to match them onto ours), and its cost."""

    Z: np.ndarray
    y: np.ndarray
    images: np.ndarray
    settings: dict
    seconds: float
    device: str


def seed_everything(seed: int) -> None:
    """The official code draws from Python's, numpy's and torch's global generators (its DataLoader
    shuffles, its miner samples): seed all three, as a user of it would."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train_example(code_dir: Path, source: str, *, seed: int, home: Path, epochs: int | None = None,
                  log=None) -> OfficialRun:
    """Run the official example of ``source`` unmodified: its dataset class, its training function with
    the example's epochs and batch size (``epochs`` overrides the count for short test runs), then its
    embedding of every sample."""
    settings = example_settings(code_dir, source)
    if epochs is not None:
        settings["num_epochs"] = int(epochs)
    os.environ["SCIKIT_LEARN_DATA"] = str(home)  # its fetchers take no data_home argument
    pkg = load_package(code_dir)
    seed_everything(seed)
    dataset = getattr(pkg, settings["dataset_class"])(**settings["dataset"])
    raw = dataset.lfw_people if source == "lfw" else dataset.olivetti
    if log is not None:
        log.info("official code: %s(%s), %s(num_epochs=%d, batch_size=%d), seed %d", settings["dataset_class"],
                 settings["dataset"], TRAINING_FUNCTION, settings["num_epochs"], settings["batch_size"], seed)
    t0 = time.perf_counter()
    model, _ = getattr(pkg, TRAINING_FUNCTION)(dataset, num_epochs=settings["num_epochs"],
                                              batch_size=settings["batch_size"])
    seconds = time.perf_counter() - t0
    Z, labels = pkg.evaluate_face_embeddings(model, dataset)
    return OfficialRun(Z=np.asarray(Z, dtype=np.float32), y=np.asarray(labels), images=np.asarray(raw.images),
                       settings=settings, seconds=seconds, device=str(next(model.parameters()).device))


def match_samples(images: np.ndarray, raw_images: np.ndarray) -> np.ndarray:
    """For each of the official code's samples, the row of our raw artifact with the same image
    (bit for bit, as float32): ``(n,)`` indices into ``raw_images``. Both fetch the same files with the
    same call, only the order may differ (its Olivetti loader shuffles)."""
    def key(a):
        return np.ascontiguousarray(a, dtype=np.float32).tobytes()

    rows: dict[bytes, int] = {}
    for i, img in enumerate(raw_images):
        rows.setdefault(key(img), i)
    index = np.array([rows.get(key(img), -1) for img in images])
    if (index < 0).any():
        raise DataError(f"{int((index < 0).sum())} of the official code's {len(images)} images are not in our "
                        "raw artifact: the two fetched different data (check the fetcher settings).")
    if len(set(index.tolist())) != len(index):
        raise DataError("the official code's images map onto our raw artifact twice: duplicate images.")
    return index


def stage_code(code_dir: str | None, *, url: str, commit: str, sha256: str, download_dir: str) -> dict:
    """The checked official code: the pre-staged copy ``code_dir`` read in place, else the pinned commit
    downloaded into ``download_dir``; a record of where it is, its commit, digest and files."""
    if code_dir is None:
        code_dir = Path(download_dir) / "official_code" / commit
        if not (code_dir / PACKAGE_DIR).is_dir():
            download(url, commit, code_dir)
    elif not Path(code_dir).is_dir():
        raise DataError(f"config key official_code_dir: {code_dir} is not a folder; name a copy of the official "
                        "code (e.g. ../shared/reference/official-code), or null to download it.")
    return check_code(Path(code_dir), commit=commit, sha256=sha256)


def save_run(outputs, run: OfficialRun, ds, raw, *, seed: int, code: dict) -> dict:
    """Write the official run as our runs are written: ``outputs.embeddings`` (``Z``, ``index`` into the
    prepared artifact ``ds``, ``role`` train, ``y``) and ``outputs.summary`` (its settings and cost).

    Its samples are matched onto ``raw`` (our raw artifact, same fetcher) and through their sample ids
    onto ``ds``; a sample our preparation left out (``max_per_class``) trained but is not scored."""
    import json

    from norank.io import atomic_path

    raw_rows = match_samples(run.images, raw.X)
    if not np.array_equal(raw.y[raw_rows], run.y):
        raise DataError("the official code's labels differ from our raw artifact's on the same images.")
    position = {sid: i for i, sid in enumerate(ds.sample_id)}
    keep = np.array([sid in position for sid in raw.sample_id[raw_rows]])
    index = np.array([position[sid] for sid in raw.sample_id[raw_rows][keep]], dtype=np.int64)
    epochs = run.settings["num_epochs"]
    summary = dict(commit=code["commit"], sha256=code["sha256"], example=run.settings["script"],
                   dataset_class=run.settings["dataset_class"], dataset_options=run.settings["dataset"],
                   epochs=epochs, batch_size=run.settings["batch_size"], seed=seed, device=run.device,
                   train_seconds=round(run.seconds, 3), seconds_per_epoch=round(run.seconds / epochs, 3),
                   n_trained=len(run.Z), n_scored=int(keep.sum()))
    with atomic_path(outputs.embeddings) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, Z=run.Z[keep], index=index, role=np.full(len(index), "train"), y=ds.y[index])
    with atomic_path(outputs.summary) as tmp:
        Path(tmp).write_text(json.dumps(summary, indent=1))
    return summary
