# Figures 1-8 of the paper and the diagnostic figures, from the embeddings, histories and metrics.
# norank.figure_plan decides which figures the config makes, what each reads and its options;
# this one definition makes a rule per figure, named after it, so changing a figure's script or
# options reruns that figure only. On a cluster they run in the `report` job group.


for _fig in FIGURES:

    rule:
        """A figure of the plan (norank.figure_plan): PNG in the report, PDF beside it."""
        name:
            _fig.name
        input:
            **_fig.inputs,
        output:
            png=report(
                _fig.png,
                caption=f"../report/figures/{_fig.caption}.rst",
                category=_fig.category,
                subcategory=_fig.subcategory,
                labels={"figure": _fig.label, **_fig.labels},
            ),
            pdf=_fig.pdf,
        log:
            f"logs/figures/{_fig.name}.log",
        benchmark:
            f"results/benchmarks/figures/{_fig.name}.tsv"
        group:
            "report"
        conda:
            "../../envs/report.yaml"
        resources:
            mem_mb=_fig.mem_mb,
            runtime=_fig.runtime,
        params:
            **_fig.params,
            code=library_code(f"{_fig.script}.py"),
            script=_fig.script,  # the script path is read when the job runs, when _fig is the last figure
        script:
            "../scripts/{params.script}.py"
