"""A job's error reaches the terminal once: a norank message without a traceback, a bug with one."""

import subprocess
import sys
import textwrap

from norank.logs import failed_job_messages


def run_job(tmp_path, body):
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(f"""
        from norank.errors import DataError
        from norank.logs import log_to
        with log_to({str(tmp_path / 'job.log')!r}) as log:
            log.info("working")
            {body}
    """))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True)


def test_a_norank_error_prints_its_message_once_and_keeps_the_traceback_in_the_log(tmp_path):
    proc = run_job(tmp_path, "raise DataError('labels.csv has 13 labels for 12 samples')")
    assert proc.returncode == 1
    assert proc.stderr.count("labels.csv has 13 labels for 12 samples") == 1
    assert "Traceback" not in proc.stderr and f"full log: {tmp_path / 'job.log'}" in proc.stderr
    log = (tmp_path / "job.log").read_text()
    assert "working" in log and "Traceback" in log and "DataError: labels.csv has 13 labels" in log


def test_a_bug_keeps_its_traceback_on_the_terminal(tmp_path):
    proc = run_job(tmp_path, "raise KeyError('oops')")
    assert proc.returncode == 1
    assert "unexpected KeyError" in proc.stderr and "Traceback" in proc.stderr


def test_the_failed_jobs_norank_messages_are_found_from_snakemakes_log(tmp_path):
    run_job(tmp_path, "raise DataError('first line\\nsecond line')")
    other = tmp_path / "other.log"
    other.write_text("Traceback ...\nKeyError: 'oops'\n")  # a bug: nothing to repeat
    main = tmp_path / "snakemake.log"
    main.write_text(f"Error in rule a:\n    log: {tmp_path / 'job.log'}, {other} (check log file(s) for error details)\n"
                    f"Error in group g:\n    log: {tmp_path / 'job.log'} (check log file(s) for error details)\n")
    assert failed_job_messages([main]) == [(str(tmp_path / "job.log"), "first line\nsecond line")]
    assert failed_job_messages(tmp_path / "missing.log") == []
