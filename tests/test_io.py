import os
import stat

import pytest

from norank.io import atomic_path


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_an_atomic_output_gets_the_mode_of_a_plain_open_not_mkstemps_0600(tmp_path, umask_022):
    with atomic_path(tmp_path / "out.csv") as tmp:
        tmp.write_text("a\n")
    plain = tmp_path / "plain.csv"
    plain.write_text("a\n")
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o644


def test_a_failed_write_leaves_the_previous_output_and_no_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("finished\n")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("crash")
    assert target.read_text() == "finished\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
