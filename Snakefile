# norank: no-rank tensor decomposition by metric learning - reproduction workflow.
# Stages: data (download / synthesize / prepare), training and baselines, metrics, data
# efficiency, tables, figures, provenance. See README.md.
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from norank.cluster import slurm_gpu_problem
from norank.config import explain_validation_error, read_dataset_sheet
from norank.errors import NorankError
from norank.logs import error_banner, failed_job_messages
from norank.plan import select_datasets

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


try:
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
    config.update(select_datasets(config))  # builtin_datasets: false runs only your own
except NorankError as e:
    raise WorkflowError(str(e)) from None


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/official.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/efficiency.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/studies.smk"


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
