"""Send a job's output to its log file, and its error message to the terminal too."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from pathlib import Path
from typing import Iterator

from norank.errors import NorankError


MARKER = "NORANK ERROR: "


def error_banner(kind: str, log, message) -> str:
    """How a job's error is shown on the terminal: the kind, the log to open, the message."""
    return f"\n{kind} (full log: {log}):\n  {message}\n"


@contextlib.contextmanager
def log_to(path: str | Path | None, name: str = "norank") -> Iterator[logging.Logger]:
    """Within the block, stdout, stderr and the ``norank`` logger write to ``path``.

    If the block raises, the traceback goes to the log and the error message is printed to
    the original stderr as well (so the user sees it in the terminal without opening the log).
    A :class:`NorankError` (a message written for the user) then ends the job with exit status
    1 and no traceback on the terminal, which would bury it; any other exception is a bug and
    propagates with its traceback.
    """
    logger = logging.getLogger(name)
    if path is None:
        yield logger
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    out, err = sys.stdout, sys.stderr
    with open(path, "a", buffering=1) as f:
        handler = logging.StreamHandler(f)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        sys.stdout = sys.stderr = f
        try:
            yield logger
        except BaseException as e:
            traceback.print_exc(file=f)
            if isinstance(e, NorankError):
                print(f"{MARKER}{e}", file=f)  # for the summary of a cluster run (failed_job_messages)
            kind = "norank error" if isinstance(e, NorankError) else f"unexpected {type(e).__name__}"
            print(error_banner(kind, path, e), file=err)
            if isinstance(e, NorankError):
                raise SystemExit(1) from None
            raise
        finally:
            sys.stdout, sys.stderr = out, err
            logger.removeHandler(handler)


@contextlib.contextmanager
def job(smk) -> Iterator[logging.Logger]:
    """A rule script's job (``smk`` is the script's ``snakemake`` object): its output goes to its
    log (:func:`log_to`), and first every input that is one of the workflow's own outputs is
    checked against the digest written with it (:func:`norank.io.verify_inputs`), so a damaged,
    truncated or edited file stops the job with its name instead of giving a wrong result."""
    from norank.io import verify_inputs

    with log_to(smk.log[0] if smk.log else None) as logger:
        verify_inputs(list(smk.input), made_by=snakemake_rule)
        yield logger


def snakemake_rule(path: str | Path) -> str | None:
    """The rule that made ``path``, from Snakemake's record of it in the working folder (None when
    there is none)."""
    import base64
    import json

    record = Path(".snakemake") / "metadata" / base64.urlsafe_b64encode(str(path).encode()).decode()
    try:
        return json.loads(record.read_text()).get("rule")
    except (OSError, ValueError):
        return None


def failed_job_messages(main_logs) -> list[tuple[str, str]]:
    """``(job log, message)`` of every failed job of a Snakemake run whose log holds a norank error.

    ``main_logs`` is Snakemake's own log of the run (a path, or a list of paths as ``onerror``
    gets them); its error blocks name each failed job's log
    files (``log: a.log, b.log (check log file(s) ...)``). On a cluster a job's terminal output
    is a file of its own, so the Snakefile's ``onerror`` prints these messages.
    """
    import re

    found = []
    paths = [main_logs] if isinstance(main_logs, (str, Path)) else list(main_logs)
    text = "\n".join(Path(p).read_text(errors="replace") for p in paths if Path(p).is_file())
    for listed in re.findall(r"log: (.+?) \(check log file\(s\) for error details\)", text):
        for path in (p.strip() for p in listed.split(",")):
            log = Path(path)
            if path in (p for p, _ in found) or not log.is_file():
                continue
            body = log.read_text(errors="replace")
            if MARKER in body:
                found.append((path, body.rsplit(MARKER, 1)[1].strip()))
    return found
