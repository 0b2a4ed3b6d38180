"""norank.sources: the library modules a rule script runs, and their fingerprint."""

import pytest
from conftest import REPO

from norank.sources import PACKAGE_DIR, code_fingerprint, library_modules


@pytest.fixture
def package(tmp_path):
    """A toy ``norank`` package: a -> b (imported inside a function), c unrelated, sub/ a package
    importing its module d relatively."""
    root = tmp_path / "norank"
    files = {
        "__init__.py": "VERSION = 1\n",
        "a.py": "def f():\n    from norank.b import g\n    return g()\n",
        "b.py": "import numpy as np\n\ndef g():\n    return 1\n",
        "c.py": "def h():\n    return 2\n",
        "sub/__init__.py": "from .d import k\n",  # a relative import
        "sub/d.py": "k = 3\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    script = tmp_path / "script.py"
    script.write_text("from norank.a import f\nfrom norank import sub\n")
    return root, script


def names(paths, root):
    return [str(p.relative_to(root)) for p in paths]


def test_follows_imports_transitively_including_inside_functions(package):
    root, script = package
    assert names(library_modules(script, root), root) == ["__init__.py", "a.py", "b.py", "sub/__init__.py", "sub/d.py"]


def test_fingerprint_follows_code_reached_and_ignores_comments(package):
    root, script = package
    before = code_fingerprint(script, root)
    (root / "c.py").write_text("def h():\n    return 3\n")  # not reached from the script
    assert code_fingerprint(script, root) == before
    (root / "b.py").write_text("import numpy as np\n\n\ndef g():  # a comment\n    return 1\n")
    assert code_fingerprint(script, root) == before
    (root / "b.py").write_text("import numpy as np\n\ndef g():\n    return 2\n")  # reached through a.f
    assert code_fingerprint(script, root) != before


def test_every_rule_script_reaches_real_modules():
    train = names(library_modules(REPO / "workflow" / "scripts" / "train.py"), PACKAGE_DIR)
    assert {"ml/train.py", "ml/losses.py", "ml/encoders.py", "ml/plm.py", "metrics.py"} <= set(train)
    assert "efficiency.py" not in train and "ml/transformer.py" not in train
