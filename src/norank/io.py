"""Atomic file output, the digests that make every output checkable, and checksums.

Outputs are written to a temporary file next to the target and renamed into place, so a crash
never leaves a half-written file under the final name. Before the rename, the file's sha256 is
written beside it (``.<name>.sha256``, :func:`digest_path`), so a reader can tell a damaged,
truncated or hand-edited file from the one its rule wrote (:func:`verify_inputs`). A write that
fails for lack of space or permission is named as such (:class:`WriteFailed`), with the path.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from norank.errors import DataError, NorankError

DIGEST_SUFFIX = ".sha256"
# errno -> what it means for the user, for writes
WRITE_ERRORS = {errno.ENOSPC: "the disk is full", errno.EFBIG: "the file is larger than this system allows",
                errno.EDQUOT: "the disk quota is used up", errno.EACCES: "the folder is not writable",
                errno.EPERM: "the folder is not writable", errno.EROFS: "the file system is read-only"}


class WriteFailed(NorankError):
    """An output could not be written (no space, too large, not writable); earlier outputs are kept."""


class DamagedOutput(DataError):
    """An intermediate file no longer matches the digest written with it (or has none)."""


def digest_path(path: str | os.PathLike) -> Path:
    """Where the sha256 of ``path``, written with it, is kept: ``.<name>.sha256`` beside it."""
    path = Path(path)
    return path.parent / f".{path.name}{DIGEST_SUFFIX}"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it to ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would (0666 - umask),
        # so that outputs on a shared cluster stay readable by the group like any other file.
        tmp.chmod(0o666 & ~_umask())
        try:
            yield tmp
        except (OSError, RuntimeError) as e:
            raise _write_failure(path, e) or e
        _write_digest(tmp, path)
        os.replace(tmp, path)
    except OSError as e:
        raise _write_failure(path, e) or e
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()


def _write_failure(path: Path, e: BaseException) -> WriteFailed | None:
    """A :class:`WriteFailed` naming ``path`` and the cause when ``e`` (or what caused it) is a
    failed write; None for any other error. Torch's writer reports a full disk as a RuntimeError
    without an errno: that counts when the disk has less than 1 MiB left."""
    if isinstance(e, WriteFailed):
        return e
    cause = next((c for c in (e, e.__cause__, e.__context__) if isinstance(c, OSError) and c.errno in WRITE_ERRORS),
                 None)
    if cause is not None:
        why = WRITE_ERRORS[cause.errno]
    elif isinstance(e, RuntimeError) and "inline_container" in str(e) and _free_bytes(path.parent) < 1 << 20:
        why = "the disk is full"
    else:
        return None
    return WriteFailed(f"cannot write {path}: {why} ({e.__class__.__name__}: {str(e).splitlines()[0][:200]}). "
                       "Free space or fix the folder's permissions, then rerun the same snakemake command: the "
                       "finished outputs are kept and only the unfinished jobs run.")


def _free_bytes(folder: Path) -> int:
    try:
        st = os.statvfs(folder)
    except OSError:
        return 0
    return st.f_bavail * st.f_frsize


def _write_digest(tmp: Path, path: Path) -> None:
    """Write ``tmp``'s sha256 as ``path``'s digest (atomically; before ``tmp`` becomes ``path``)."""
    target = digest_path(path)
    fd, name = tempfile.mkstemp(prefix=f"{target.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(f"{sha256_file(tmp)}  {path.name}\n")
        os.chmod(name, 0o666 & ~_umask())
        os.replace(name, target)
    finally:
        if os.path.exists(name):
            os.unlink(name)


def verify_file(path: str | os.PathLike) -> None:
    """``path`` is the file its digest was written with; else :class:`DamagedOutput`."""
    path = Path(path)
    digest = digest_path(path)
    if not digest.is_file():
        raise DamagedOutput(f"{path} has no digest ({digest.name}): it was not written by this version of the "
                            "workflow, or was copied or edited by hand")
    wanted = digest.read_text().split()[0] if digest.read_text().strip() else ""
    if sha256_file(path) != wanted:
        raise DamagedOutput(f"{path} does not match the digest written with it: it is damaged, truncated or was "
                            "edited after its rule wrote it")


def output_files(path: str | os.PathLike) -> list[Path]:
    """The files of an output: itself, or those inside a folder output (without digests and
    Snakemake's markers)."""
    path = Path(path)
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and not p.name.endswith(DIGEST_SUFFIX)
                  and not p.name.startswith(".snakemake"))


def checked(path: str | os.PathLike) -> bool:
    """Whether ``path`` is one of the workflow's own outputs, which carry digests: under a
    ``results`` folder, except the benchmark files Snakemake writes."""
    parts = Path(path).parts
    return "results" in parts and "benchmarks" not in parts[parts.index("results"):]


def output_of(path: Path) -> Path:
    """The output ``path`` belongs to: the nearest folder above it that Snakemake marked as a folder
    output (``.snakemake_timestamp``), else the file itself."""
    for folder in path.parents:
        if (folder / ".snakemake_timestamp").exists():
            return folder
        if folder.name == "results":
            break
    return path


def damaged_outputs(root: str | os.PathLike = "results", made_by=None) -> list[tuple[Path, str]]:
    """Every output under ``root`` whose files do not match their digests, once each: ``(output,
    why)`` with ``output`` the file or its folder output (what to delete so a rerun rebuilds it).
    A file without a digest counts only where ``made_by(output)`` names the rule that made it: one
    no rule made (the report ``snakemake --report`` writes, a note of the user's) is not the
    workflow's to check."""
    found: dict[Path, str] = {}
    for f in sorted(Path(root).rglob("*")):
        if (not f.is_file() or f.name.endswith(DIGEST_SUFFIX) or f.name.startswith(".snakemake")
                or f.name.endswith(".damaged") or not checked(f) or ".damaged" in "/".join(f.parts)):
            continue
        try:
            verify_file(f)
        except DamagedOutput as e:
            output = output_of(f)
            if made_by is not None and not digest_path(f).exists() and made_by(output) is None:
                continue
            found.setdefault(output, str(e))
    return list(found.items())


def verify_inputs(paths: Iterable[str | os.PathLike], made_by=None) -> None:
    """Check every file of the workflow's own outputs among ``paths`` (files or folder outputs)
    against its digest. A damaged one is moved aside (``<output>.damaged``: the file, or the
    folder output that holds it) so that the rerun makes it again, and a :class:`DamagedOutput`
    names it, the rule that made it (``made_by(path)``, when known) and what to do."""
    for output in map(Path, paths):
        if not checked(output) or not output.exists():
            continue
        for f in output_files(output):
            try:
                verify_file(f)
            except DamagedOutput as e:
                aside = output.with_name(output.name + ".damaged")
                if aside.is_dir():
                    import shutil

                    shutil.rmtree(aside)
                os.replace(output, aside)
                rule = made_by(output) if made_by else None
                raise DamagedOutput(f"{e}. It is moved to {aside}; rerun the same snakemake command and "
                                    f"{f'rule {rule}' if rule else 'the rule that made it'} makes it again "
                                    "(delete the .damaged copy once you no longer need it).") from None


def write_csv(table, path: str | os.PathLike) -> None:
    """Write a pandas DataFrame to ``path`` atomically (CSV, no index)."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_listing(paths: Iterable[str | os.PathLike], root: str | os.PathLike) -> str:
    """sha256 of a ``sha256sum``-style listing of files (sorted by path relative to ``root``).

    Equals ``find . -type f ... | sort | xargs sha256sum | sha256sum`` run in ``root``
    when the paths are given as ``./relative``; we use plain relative paths, so
    compare listings made by this function with each other.
    """
    root = Path(root)
    lines = []
    for p in sorted(Path(p) for p in paths):
        lines.append(f"{sha256_file(p)}  {p.relative_to(root).as_posix()}\n")
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def sha256_array(a) -> str:
    """sha256 of an array's dtype, shape and C-ordered bytes."""
    import numpy as np

    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(a.tobytes())
    return h.hexdigest()
