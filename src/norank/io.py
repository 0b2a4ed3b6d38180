"""Atomic file output and checksums.

Outputs are written to a temporary file next to the target and renamed into
place, so a crash never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it to ``path`` on success.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    # mkstemp makes the file private (0600); give it the mode a plain open() would (0666 - umask),
    # so that outputs on a shared cluster stay readable by the group like any other file.
    tmp.chmod(0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


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
