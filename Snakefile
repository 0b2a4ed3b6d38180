# norank: no-rank tensor decomposition by metric learning - reproduction workflow.
# Stages: data (download / synthesize / prepare), training and baselines, metrics, data
# efficiency, tables, figures, provenance. See README.md.
import sys
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from norank.cluster import slurm_gpu_problem
from norank.config import (
    absolute_paths,
    explain_validation_error,
    path_base,
    read_dataset_sheet,
    run_folder,
)
from norank.errors import NorankError
from norank.logs import error_banner, failed_job_messages
from norank.plan import select_datasets

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


LAUNCH, CHECKOUT = Path.cwd(), Path(workflow.basedir)
try:
    # relative paths are the launch folder's; the run may then move to its run_dir
    absolute_paths(config, path_base(config, launch=LAUNCH, checkout=CHECKOUT))
    if config.get("dataset_sheet"):
        config.setdefault("datasets", {}).update(
            read_dataset_sheet(
                config["dataset_sheet"],
                existing=config["datasets"],
            )
        )
except NorankError as e:
    raise WorkflowError(str(e)) from None
try:
    validate(config, "workflow/schemas/config.schema.yaml")
except WorkflowError as e:
    raise WorkflowError(explain_validation_error(e)) from None
try:
    _default = yaml.safe_load(Path(CHECKOUT, "config", "config.yaml").read_text())
    validate(_default, "workflow/schemas/config.schema.yaml")
    # only the default configuration writes the checkout's committed results/ (config key run_dir)
    RUN_FOLDER = run_folder(config, _default, launch=LAUNCH, checkout=CHECKOUT)
    config.update(select_datasets(config))  # builtin_datasets: false runs only your own
except NorankError as e:
    raise WorkflowError(str(e)) from None
if RUN_FOLDER is not None:

    workdir: str(RUN_FOLDER)


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/official.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/efficiency.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/studies.smk"
include: "workflow/rules/bridge.smk"


onstart:
    # before the first sbatch: a GPU request a GPU-less cluster would refuse (norank.cluster)
    if workflow.executor_plugin.name == "slurm":
        problem = slurm_gpu_problem(COMPUTE["train_gpus"])
        if problem:
            raise WorkflowError(problem)


onerror:
    # on a cluster a job's own output is a file of its own: repeat its norank message here
    if workflow.executor_plugin.name not in ("local", "dryrun", "touch"):
        for job_log, message in failed_job_messages(log):
            print(error_banner("norank error", job_log, message), file=sys.stderr)


rule all:
    default_target: True
    input:
        targets(),
