"""The official code as a stage (norank.official_code): checked, loaded unmodified, its samples matched onto ours."""

import shutil

import numpy as np
import pytest

from norank import official_code as oc
from norank.errors import DataError
from test_plan import load_config


def test_the_pinned_digest_is_the_staged_copys(repo, official_code_dir):
    pinned = load_config(repo)["official_code"]
    record = oc.check_code(official_code_dir, commit=pinned["commit"], sha256=pinned["sha256"])
    assert record["sha256"] == oc.code_digest(official_code_dir) and "metric learning/utils.py" in record["files"]
    assert (official_code_dir / "COMMIT").read_text().split()[0] == pinned["commit"]


def test_an_edited_or_other_copy_is_refused(repo, official_code_dir, tmp_path):
    pinned = load_config(repo)["official_code"]
    copy = tmp_path / "copy"  # a scratch copy outside the repository, to edit
    shutil.copytree(official_code_dir, copy, ignore=shutil.ignore_patterns("*.ipynb", "*.json"))
    with open(copy / "metric learning" / "losses.py", "a") as f:
        f.write("\n# edited\n")
    with pytest.raises(DataError, match="edited or is another version"):
        oc.check_code(copy, commit=pinned["commit"], sha256=pinned["sha256"])
    (copy / "COMMIT").write_text("0" * 40 + "\n")
    with pytest.raises(DataError, match="not the pinned"):
        oc.check_code(copy, commit=pinned["commit"], sha256=pinned["sha256"])
    with pytest.raises(DataError, match="not the official code"):
        oc.code_digest(tmp_path)


def test_the_example_settings_are_read_from_the_example_scripts(official_code_dir):
    from norank.recipes import OFFICIAL_CODE_SOURCES

    assert set(oc.EXAMPLES) == set(OFFICIAL_CODE_SOURCES)
    lfw = oc.example_settings(official_code_dir, "lfw")
    assert (lfw["num_epochs"], lfw["batch_size"]) == (100, 16) and lfw["dataset"] == {"min_faces_per_person": 70,
                                                                                    "resize": 0.4}
    olivetti = oc.example_settings(official_code_dir, "olivetti")
    assert (olivetti["num_epochs"], olivetti["batch_size"], olivetti["dataset_class"]) == (50, 8, "OlivettiFaceDataset")


def test_the_package_loads_under_the_name_its_modules_import_headless(official_code_dir):
    import matplotlib

    pkg = oc.load_package(official_code_dir)
    assert pkg.__name__ == "metric_learning" and callable(pkg.add_regularization_to_training)
    assert matplotlib.get_backend().lower() == "agg"


def test_samples_are_matched_by_their_images_whatever_the_order():
    rng = np.random.default_rng(0)
    ours = rng.random((6, 4, 3)).astype(np.float32)
    order = np.array([3, 0, 5, 1, 4, 2])
    assert oc.match_samples(ours[order], ours).tolist() == order.tolist()
    with pytest.raises(DataError, match="not in our raw artifact"):
        oc.match_samples(ours[order] + 1, ours)
