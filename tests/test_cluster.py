"""Checks of the cluster before submission (norank.cluster)."""

from norank.cluster import slurm_gpu_problem


def test_a_gpu_request_on_a_cluster_without_gpus_is_named():
    problem = slurm_gpu_problem(1, ["(null)", "(null)"])
    assert "compute.train_gpus is 1" in problem and "['(null)']" in problem and "train_gpus: 0" in problem
    assert slurm_gpu_problem(1, ["gpu:a100:4", "(null)"]) is None  # one GPU partition is enough
    assert slurm_gpu_problem(0, ["(null)"]) is None  # CPU training asks for nothing
