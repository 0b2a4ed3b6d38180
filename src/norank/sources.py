"""Which library code a rule script runs, as a fingerprint Snakemake can compare between runs.

Snakemake reruns a job when its rule script changes, but it cannot see the ``norank`` modules
the script imports. :func:`code_fingerprint` closes that gap: it follows the script's
``norank`` imports (transitively, including imports inside functions) and hashes the syntax
trees of those modules. A rule passes it as a parameter, so a change to, say,
``norank/metrics.py`` reruns exactly the jobs whose scripts reach that module, and a change to
comments or formatting reruns nothing.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import norank

PACKAGE = "norank"
PACKAGE_DIR = Path(norank.__file__).resolve().parent
@dataclass
class _Source:
    tree: ast.AST
    dump: bytes  # what the fingerprint hashes
    imports: dict[str | None, set[str]] = field(default_factory=dict)  # per anchor package


# each file version is read once per process: every rule's fingerprint walks the same modules
_SOURCES: dict[tuple[Path, int, int], _Source] = {}


def _source(path: Path) -> _Source:
    """``path`` parsed, memoised by (file, mtime, size)."""
    st = path.stat()
    key = (path.resolve(), st.st_mtime_ns, st.st_size)
    if key not in _SOURCES:
        tree = ast.parse(path.read_text(), filename=str(path))
        _SOURCES[key] = _Source(tree, ast.dump(tree).encode())
    return _SOURCES[key]


def _imports(path: Path, package: str | None) -> set[str]:
    src = _source(path)
    if package not in src.imports:
        src.imports[package] = _imported_names(src.tree, package)
    return src.imports[package]


def _module_file(name: str, root: Path) -> Path | None:
    """The source file of module ``name`` (``norank.x.y``) of the package in ``root``, or None."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    base = root.joinpath(*parts[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(tree: ast.AST, package: str | None) -> set[str]:
    """Absolute names of every module an ``import`` / ``from ... import`` in ``tree`` may load:
    the module, its parent packages, and ``from``-imported names that are submodules."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                if package is None:
                    continue
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{node.module}" if node.module else anchor
            else:
                base = node.module or ""
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
    # importing a.b.c runs a/__init__ and a/b/__init__ too
    return {".".join(n.split(".")[:i]) for n in names for i in range(1, len(n.split(".")) + 1)}


def library_modules(script: str | Path, root: Path = PACKAGE_DIR) -> list[Path]:
    """Source files of the ``norank`` modules ``script`` imports, directly or through other
    ``norank`` modules, sorted. ``root`` is the package folder (default: the imported one)."""
    seen: set[Path] = set()
    todo = [(Path(script), None)]
    while todo:
        path, package = todo.pop()
        for name in _imports(path, package):
            file = _module_file(name, root)
            if file is None or file in seen:
                continue
            seen.add(file)
            mod = _module_name(file, root)
            todo.append((file, mod if file.name == "__init__.py" else mod.rpartition(".")[0]))
    return sorted(seen)


def code_fingerprint(script: str | Path, root: Path = PACKAGE_DIR) -> str:
    """A short hash of the syntax trees of the ``norank`` modules ``script`` runs (docstrings
    count; comments and formatting do not)."""
    h = hashlib.sha256()
    for file in library_modules(script, root):
        h.update(_module_name(file, root).encode())
        h.update(_source(file).dump)
    return h.hexdigest()[:16]
