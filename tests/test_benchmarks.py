"""The benchmark scripts that read a finished run's records (issue 23's cost figures come from them)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from norank.data import Dataset, save_dataset
from norank.methods import Method

REPO = Path(__file__).resolve().parents[1]


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def console_log(*jobs: tuple[str, str]) -> str:
    """A Snakemake console log: each job a timestamped start block and a timestamped finish."""
    lines = ["Building DAG of jobs...", "Job stats:", "total   3", ""]
    for start, end in jobs:
        lines += [f"[{start}]", "rule train:", "    jobid: 1", "", f"[{end}]", "Finished jobid: 1 (Rule: train)",
                  "1 of 3 steps (33%) done"]
    return "\n".join(lines) + "\n"


def test_run_wall_sums_each_session_from_its_first_to_its_last_stamp(tmp_path, capsys, monkeypatch):
    run_wall = load("run_wall")
    (tmp_path / "run1.log").write_text(console_log(("Tue Dec  1 02:37:42 2026", "Tue Dec  1 03:07:42 2026"),
                                                   ("Tue Dec  1 03:07:45 2026", "Tue Dec  1 04:37:42 2026")))
    # a second session a day later: the night between is not counted
    (tmp_path / "run2.log").write_text(console_log(("Wed Dec  2 10:00:00 2026", "Wed Dec  2 10:30:00 2026")))
    (tmp_path / "empty.log").write_text("Building DAG of jobs...\nNothing to be done.\n")

    first, last, done = run_wall.session(tmp_path / "run1.log")
    assert (last - first).total_seconds() == 2 * 3600 and done == 2
    assert run_wall.session(tmp_path / "empty.log") is None

    monkeypatch.setattr(sys, "argv", ["run_wall.py", *map(str, sorted(tmp_path.glob("*.log")))])
    run_wall.main()
    total = capsys.readouterr().out.splitlines()[-1].split()
    assert total == ["total", "2.50", "3"]


def test_run_wall_refuses_logs_without_job_stamps(tmp_path, monkeypatch):
    run_wall = load("run_wall")
    (tmp_path / "run1.log").write_text("Building DAG of jobs...\n")
    monkeypatch.setattr(sys, "argv", ["run_wall.py", str(tmp_path / "run1.log")])
    with pytest.raises(SystemExit, match="no Snakemake job timestamps in .*run1.log"):
        run_wall.main()


def baseline_run(results: Path, dataset: str, kind: str, fits: dict[str, float], job_seconds: float) -> None:
    """One baseline job's records: a summary.json per fit and the job's Snakemake benchmark file."""
    for method, seconds in fits.items():
        d = results / "baselines" / dataset / "paper" / "seed0" / kind / "all" / method
        d.mkdir(parents=True)
        (d / "summary.json").write_text(json.dumps(dict(dataset=dataset, method=method, fit_seconds=seconds)))
    bench = results / "benchmarks" / "baselines" / dataset / "paper" / "seed0" / f"{kind}.tsv"
    bench.parent.mkdir(parents=True, exist_ok=True)
    bench.write_text(f"s\th:m:s\tmax_rss\n{job_seconds}\t0:00:10\t321.5\n")


def test_baseline_grid_sums_fits_per_family_and_the_start_up_is_the_rest(tmp_path, capsys, monkeypatch):
    grid = load("baseline_grid")
    baseline_run(tmp_path, "lfw", "decompositions", {"cp-5": 2.0, "cp-10": 3.0, "tucker-5": 1.0}, 10.0)
    baseline_run(tmp_path, "lfw", "embeddings", {"pca-5": 0.5, "umap-5": 4.5}, 7.0)

    fits = grid.fits(tmp_path, "paper")
    assert fits.groupby("family").seconds.sum().to_dict() == {"cp": 5.0, "pca": 0.5, "tucker": 1.0, "umap": 4.5}
    jobs = grid.jobs(tmp_path, "paper")
    assert sorted(jobs.kind) == ["decompositions", "embeddings"] and jobs.seconds.sum() == 17.0

    monkeypatch.setattr(sys, "argv", ["baseline_grid.py", "--results", str(tmp_path)])
    grid.main()
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("lfw"))
    # fits 11 s of 17 s job time: start-up share 1 - 11/17 = 0.35
    assert row.split()[-3:] == ["11.0", "17.0", "0.35"]
    assert "2 jobs, 5 fits" in out and "peak memory of one job 322 MB" in out


def test_baseline_grid_names_a_summary_written_before_fits_were_timed(tmp_path, monkeypatch):
    grid = load("baseline_grid")
    d = tmp_path / "baselines" / "lfw" / "paper" / "seed0" / "embeddings" / "all" / "pca-5"
    d.mkdir(parents=True)
    (d / "summary.json").write_text(json.dumps(dict(dataset="lfw", method="pca-5")))
    with pytest.raises(SystemExit, match=r"pca-5/summary.json has no fit_seconds.*--forcerun baseline"):
        grid.fits(tmp_path, "paper")


def test_baseline_inputs_normalisations_do_what_their_names_say():
    made = load("baseline_inputs").variants(np.random.default_rng(0).uniform(-0.9, 0.9, (6, 4, 4)))
    z = made["zscore_per_sample"]().reshape(6, -1)
    assert np.allclose(z.mean(1), 0, atol=1e-6) and np.allclose(z.std(1), 1, atol=1e-5)
    f = made["feature_standardised"]().reshape(6, -1)
    assert np.allclose(f.mean(0), 0) and np.allclose(f.std(0), 1)
    assert np.allclose(np.linalg.norm(made["l2_per_sample"]().reshape(6, -1), axis=1), 1)
    assert np.allclose(np.tanh(made["fisher_z"]()), made["as_is"]())


def test_baseline_inputs_prints_one_row_per_variant_method_and_seed(tmp_path, capsys, monkeypatch):
    baseline_inputs = load("baseline_inputs")
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.normal(size=(40, 5, 5)) + 3 * y[:, None, None]
    save_dataset(tmp_path / "toy.npz", Dataset("toy", X, y, ("a", "b"), np.arange(40).astype(str)))
    argv = ["baseline_inputs.py", str(tmp_path / "toy.npz"), "--methods", "pca", "--variants", "as_is", "l2_per_sample",
            "--seeds", "0", "1"]
    monkeypatch.setattr(sys, "argv", argv)
    fitted = []
    fit = baseline_inputs.fit_baseline
    monkeypatch.setattr(baseline_inputs, "fit_baseline",
                        lambda method, V, **kw: fitted.append((method, kw["seed"])) or fit(method, V, **kw))
    baseline_inputs.main()
    assert fitted == [(Method("pca"), 0), (Method("pca"), 1)] * 2  # each seed reaches the fit, the method parsed
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    assert [(r[0], r[1], r[3]) for r in rows] == [("as_is", "pca", "0"), ("as_is", "pca", "1"),
                                                 ("l2_per_sample", "pca", "0"), ("l2_per_sample", "pca", "1")]
    ari = float(rows[0][rows[0].index("ari_kmeans") + 1])
    assert ari == 1.0  # two classes 3 sd apart on every entry: PCA + k-means recovers them
    monkeypatch.setattr(sys, "argv", argv[:2] + ["--variants", "raw"])
    with pytest.raises(SystemExit, match=r"unknown variant\(s\) \['raw'\]"):
        baseline_inputs.main()


def test_compare_runs_sees_a_changed_array_pixel_or_byte_and_applies_an_intended_rename(tmp_path):
    from PIL import Image

    compare_runs = load("compare_runs")
    before, after = tmp_path / "before", tmp_path / "after"
    for root, loss in ((before, "paper"), (after, "eq13")):
        (root / "losses" / loss).mkdir(parents=True)
        np.savez(root / "losses" / loss / "embeddings.npz", Z=np.arange(6, dtype=np.float32).reshape(3, 2))
        (root / "table.csv").write_text(f"method,value\nloss-{loss},0.5\n")
        Image.fromarray(np.zeros((4, 4, 3), dtype=np.uint8)).save(root / "fig.png")
        (root / "fig.pdf").write_bytes(root.name.encode())  # a PDF holds its creation date: not compared
        (root / "curve.csv").write_text(f"n,accuracy,seconds\n16,0.5,{len(root.name)}\n")  # nor a duration
    renames = ["--rename", "/paper/=/eq13/", "--rename", "loss-paper=loss-eq13"]
    assert compare_runs.main([str(before), str(after), *renames]) == 0
    assert compare_runs.main([str(before), str(after)]) == 1  # without the rename, the study's files differ
    np.savez(after / "losses" / "eq13" / "embeddings.npz", Z=np.arange(6, dtype=np.float32).reshape(3, 2) + 1e-7)
    pixel = np.zeros((4, 4, 3), dtype=np.uint8)
    pixel[0, 0, 0] = 1
    Image.fromarray(pixel).save(after / "fig.png")
    (after / "table.csv").write_text("method,value\nloss-eq13,0.50\n")
    result = compare_runs.compare(before, after, [("/paper/", "/eq13/"), ("loss-paper", "loss-eq13")])
    differ = {kind.split(" ")[0]: paths for kind, paths in result.items() if kind.endswith("DIFFER")}
    assert differ == {"npz": ["losses/eq13/embeddings.npz"], "png": ["fig.png"], "text": ["table.csv"]}


def test_step_peak_counts_a_linear_steps_flop_as_forward_plus_twice_backward():
    import torch

    step_peak = load("step_peak")
    model = torch.nn.Linear(20, 8, bias=False)
    x = torch.randn(16, 20, requires_grad=False)
    # forward 2·B·in·out; backward: the weight's gradient 2·B·in·out (x needs none)
    assert step_peak.flop_per_step(model, x) == 2 * (2 * 16 * 20 * 8)
    assert model.weight.grad is None  # the count leaves no gradient behind
    assert step_peak.gemm_peak(1, n=64, repeats=2) > 0


def test_compile_check_reads_the_eager_run_of_the_same_seed_and_names_the_summarys_method(tmp_path):
    compile_check = load("compile_check")
    folder = tmp_path / "olivetti" / "all" / "official" / "seed1"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 10)
    Z = rng.normal(size=(20, 4)) + 5 * y[:, None]  # two far-apart classes
    np.savez(folder / "embeddings.npz", Z=Z, y=y)
    got = compile_check.eager_metrics(tmp_path, "olivetti", "official", 1)
    assert got["silhouette_true_labels"] > 0.5 and got["separation_ratio"] > 2
    assert compile_check.method_of("eq13") == "metric_learning"
    assert compile_check.method_of("official") == "metric_learning-official"
