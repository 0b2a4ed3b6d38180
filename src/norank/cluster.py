"""Checks of the cluster a run is submitted to, before any job goes out."""

from __future__ import annotations

import subprocess


def slurm_gpu_problem(train_gpus: int, gres: list[str] | None = None) -> str | None:
    """Why a SLURM run that asks for ``train_gpus`` GPUs per training job cannot get them, or None.

    ``gres`` are the generic resources of the cluster's nodes (``sinfo -h -o %G``, one line per
    node group; queried when None). A cluster none of whose nodes lists a ``gpu`` refuses every
    training job. Submitted in job groups, Snakemake 9 reports that refusal as a bare "Error in
    group train" (GroupJob.log_error drops the executor's message), so this names it first.
    When sinfo cannot be asked, says nothing (sbatch will decide).
    """
    if train_gpus <= 0:
        return None
    if gres is None:
        try:
            proc = subprocess.run(["sinfo", "-h", "-o", "%G"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode:
            return None
        gres = proc.stdout.split()
    if any("gpu" in g for g in gres):
        return None
    return (f"config compute.train_gpus is {train_gpus}, but no node of this SLURM cluster has a GPU (sinfo lists "
            f"generic resources {sorted(set(gres)) or 'none'}), so SLURM would refuse every training job. Set "
            "compute.train_gpus: 0 (training then runs on the nodes' CPUs), or point the training rules at a GPU "
            "partition in profiles/slurm/config.yaml.")
