import errno
import os
import re
import stat

import pytest

from norank.io import (DamagedOutput, WriteFailed, atomic_path, digest_path, sha256_file,
                       verify_inputs)


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


def results_file(tmp_path, rel="results/metrics/x.csv", text="a,b\n1,2\n"):
    path = tmp_path / rel
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return path


def test_every_output_gets_its_digest_and_a_clean_one_passes(tmp_path):
    path = results_file(tmp_path)
    assert digest_path(path).read_text().split() == [sha256_file(path), "x.csv"]
    verify_inputs([path, tmp_path / "config.yaml"])  # a file outside results/ is not the workflow's: not checked


@pytest.mark.parametrize("damage", ["truncate", "edit", "no digest"])
def test_a_damaged_output_is_named_and_moved_aside_for_the_rerun(tmp_path, damage):
    path = results_file(tmp_path)
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:-3])
    elif damage == "edit":
        path.write_text(path.read_text().replace("1", "7"))
    else:
        digest_path(path).unlink()
    with pytest.raises(DamagedOutput, match=re.escape(str(path)) + r" (does not match the digest|has no digest).*"
                       r"moved to .*x\.csv\.damaged; rerun the same snakemake command and rule collect makes it again"):
        verify_inputs([path], made_by=lambda p: "collect")
    assert not path.exists() and (tmp_path / "results/metrics/x.csv.damaged").exists()  # the rerun rebuilds it


def test_a_damaged_file_inside_a_folder_output_moves_the_folder(tmp_path):
    folder = tmp_path / "results/baselines/d/paper/seed0/projections"
    results_file(tmp_path, "results/baselines/d/paper/seed0/projections/all/pca/summary.json", "{}")
    inner = results_file(tmp_path, "results/baselines/d/paper/seed0/projections/all/umap/summary.json", "{}")
    (folder / ".snakemake_timestamp").touch()
    verify_inputs([folder])
    inner.write_text("{")
    with pytest.raises(DamagedOutput, match="umap/summary.json does not match"):
        verify_inputs([folder])
    assert not folder.exists() and (folder.parent / "projections.damaged" / "all" / "pca" / "summary.json").exists()


def test_benchmark_files_snakemake_writes_are_not_checked(tmp_path):
    bench = tmp_path / "results/benchmarks/train/x.tsv"
    bench.parent.mkdir(parents=True)
    bench.write_text("s\n1\n")
    verify_inputs([bench])


@pytest.mark.parametrize("code, why", [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "the file system is read-only"),
                                       (errno.EACCES, "the folder is not writable")])
def test_a_failed_write_says_why_in_plain_words_and_keeps_the_previous_output(tmp_path, monkeypatch, code, why):
    target = results_file(tmp_path)

    def refuse(*a, **k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteFailed, match=re.escape(f"cannot write {target}: {why}") + ".*rerun the same snakemake"):
        with atomic_path(target) as tmp:
            tmp.write_text("new")
    monkeypatch.undo()
    assert target.read_text() == "a,b\n1,2\n"
    verify_inputs([target])  # the old output and its digest still agree


def test_a_file_too_large_for_the_size_limit_is_named(tmp_path):
    import resource

    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, old[1]))
    try:
        with pytest.raises(WriteFailed, match="larger than this system allows"):
            with atomic_path(tmp_path / "big.bin") as tmp:
                with open(tmp, "wb") as f:
                    f.write(b"x" * 5000)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)
    assert not (tmp_path / "big.bin").exists()
