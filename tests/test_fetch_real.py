"""The real fetchers on the pre-staged public data (no mocks), and their failure messages."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from norank.data.fetch import fetch_abide, fetch_lfw, fetch_olivetti, forbid_network
from norank.errors import DataError, OfflineError

pytestmark = pytest.mark.realdata

LFW_COUNTS = {
    "Ariel Sharon": 77,
    "Colin Powell": 236,
    "Donald Rumsfeld": 121,
    "George W Bush": 530,
    "Gerhard Schroeder": 109,
    "Hugo Chavez": 71,
    "Tony Blair": 144,
}


def test_olivetti(data_dir, tmp_path):
    ds = fetch_olivetti(data_dir=str(data_dir), download_dir=str(tmp_path))
    assert ds.X.shape == (400, 64, 64)
    assert set(ds.counts().values()) == {10} and ds.n_classes == 40
    assert abs(float(ds.X.mean()) - 0.547043) < 1e-5  # the value the data README verified
    assert ds.provenance["input_sha256"]["olivetti_py3.pkz"].startswith("47398b31")


def test_lfw(data_dir, tmp_path):
    ds = fetch_lfw(data_dir=str(data_dir), download_dir=str(tmp_path))
    assert ds.X.shape == (1288, 50, 37)
    assert ds.counts() == LFW_COUNTS
    assert ds.y[:8].tolist() == [5, 6, 3, 1, 0, 1, 3, 4]
    assert abs(float(ds.X.mean()) - 0.508398) < 1e-5
    assert ds.provenance["n_input_files"] == 1288
    # the joblib cache went to our writable home, not into the read-only staged folder
    assert (tmp_path / "lfw_writable_home" / "lfw_home" / "joblib").is_dir()


def test_abide(data_dir, tmp_path):
    ds = fetch_abide(data_dir=str(data_dir), download_dir=str(tmp_path))
    assert ds.X.shape == (871, 111, 111)
    assert ds.counts() == {"ASD": 403, "control": 468}
    assert np.isfinite(ds.X).all()
    np.testing.assert_allclose(ds.X, ds.X.transpose(0, 2, 1), atol=1e-6)
    # 201 subjects have constant ROI columns (the data README); nilearn still gives finite matrices
    assert ds.provenance["subjects_with_constant_roi"] == 201


def _partial_data_dir(data_dir: Path, tmp_path: Path, keep: tuple[str, ...]) -> Path:
    d = tmp_path / "staged"
    d.mkdir()
    for name in keep:
        (d / name).symlink_to(data_dir / name)
    return d


def test_dataset_missing_from_data_dir_is_named(data_dir, tmp_path):
    staged = _partial_data_dir(data_dir, tmp_path, ("olivetti_py3.pkz",))
    with pytest.raises(DataError, match=r"dataset 'lfw' is not in data_dir .*lfw_home/lfw_funneled.*`data_dir`"):
        fetch_lfw(data_dir=str(staged), download_dir=str(tmp_path / "dl"))


def test_incomplete_staged_copy_never_downloads(data_dir, tmp_path):
    """ABIDE with 10 of its 871 files: nilearn wants the rest, the network guard stops it."""
    staged = tmp_path / "staged" / "ABIDE_pcp" / "cpac" / "filt_noglobal"
    staged.mkdir(parents=True)
    src = data_dir / "ABIDE_pcp"
    (staged.parents[1] / "Phenotypic_V1_0b_preprocessed1.csv").symlink_to(src / "Phenotypic_V1_0b_preprocessed1.csv")
    for f in sorted((src / "cpac" / "filt_noglobal").iterdir())[:10]:
        (staged / f.name).symlink_to(f)
    with pytest.raises(DataError, match=r"incomplete copy.*network is not used"):
        fetch_abide(data_dir=str(tmp_path / "staged"), download_dir=str(tmp_path / "dl"))


def test_no_data_dir_and_no_network_names_the_key(tmp_path):
    # forbid_network stands in for a machine without network (deterministic on any machine)
    with forbid_network("test"), pytest.raises(OfflineError, match=r"set config key `data_dir`"):
        fetch_olivetti(data_dir=None, download_dir=str(tmp_path))


def test_data_dir_that_is_not_a_folder(tmp_path):
    with pytest.raises(DataError, match=r"`data_dir` is .*not a folder"):
        fetch_olivetti(data_dir=str(tmp_path / "nope"), download_dir=str(tmp_path))


def test_corrupt_olivetti_cache_is_named(data_dir, tmp_path):
    staged = tmp_path / "staged"
    staged.mkdir()
    pkz = staged / "olivetti_py3.pkz"
    pkz.write_bytes((data_dir / "olivetti_py3.pkz").read_bytes()[:50_000])
    with pytest.raises(DataError, match=f"cached file {pkz} is corrupt"):
        fetch_olivetti(data_dir=str(staged), download_dir=str(tmp_path / "dl"))


def test_corrupt_lfw_image_is_named(data_dir, tmp_path):
    staged = tmp_path / "staged" / "lfw_home"
    staged.mkdir(parents=True)
    src = data_dir / "lfw_home"
    for f in src.glob("pairs*.txt"):
        (staged / f.name).symlink_to(f)
    funneled = staged / "lfw_funneled"
    funneled.mkdir()
    for person in src.joinpath("lfw_funneled").iterdir():
        if person.name != "Hugo_Chavez":
            (funneled / person.name).symlink_to(person)
    shutil.copytree(src / "lfw_funneled" / "Hugo_Chavez", funneled / "Hugo_Chavez")
    bad = funneled / "Hugo_Chavez" / "Hugo_Chavez_0003.jpg"
    bad.write_bytes(b"not a jpeg at all" * 10)
    with pytest.raises(DataError, match=r"corrupt image file\(s\), first: .*Hugo_Chavez_0003.jpg"):
        fetch_lfw(data_dir=str(tmp_path / "staged"), download_dir=str(tmp_path / "dl"))


def test_corrupt_abide_file_is_named(data_dir, tmp_path):
    staged = tmp_path / "staged" / "ABIDE_pcp" / "cpac" / "filt_noglobal"
    staged.mkdir(parents=True)
    src = data_dir / "ABIDE_pcp"
    (staged.parents[1] / "Phenotypic_V1_0b_preprocessed1.csv").symlink_to(src / "Phenotypic_V1_0b_preprocessed1.csv")
    files = sorted((src / "cpac" / "filt_noglobal").iterdir())
    for f in files:
        (staged / f.name).symlink_to(f)
    victim = staged / files[5].name
    victim.unlink()
    lines = files[5].read_text().splitlines()
    victim.write_text("\n".join(lines[:40] + [lines[40][: len(lines[40]) // 2]] + lines[41:]) + "\n")
    with pytest.raises(DataError, match=rf"corrupt time-series file\(s\), first: .*{files[5].name}"):
        fetch_abide(data_dir=str(tmp_path / "staged"), download_dir=str(tmp_path / "dl"))


def test_forbid_network_blocks_connections_and_restores_them():
    import socket

    before = socket.socket.connect
    with forbid_network("test"):
        with pytest.raises(OfflineError, match="tried to open a network connection"):
            socket.create_connection(("127.0.0.1", 9))
        with pytest.raises(OfflineError):
            socket.getaddrinfo("example.org", 443)
    assert socket.socket.connect is before
