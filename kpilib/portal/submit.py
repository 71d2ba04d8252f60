"""A PSE's upload from the portal page, through the very pipeline ``kpi ingest`` uses.

:func:`submit_upload` writes the uploaded bytes to a private temporary folder under a safe name
and calls :func:`kpilib.ingest.pipeline.ingest_file` with the PSE of the access token as the
declared entity (a file naming another PSE is refused by the pipeline's own rule), the return
type and quarter chosen on the page, and the officer as the actor of the audit log. There is no
second code path: validation, the transaction and the error report are ``kpi ingest``'s.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import Engine

from kpilib.ingest.pipeline import IngestOptions, ingest_file
from kpilib.ingest.report import FileOutcome, issues_frame
from kpilib.ingest.templates import write_template
from kpilib.kpis.returns import RETURN_SCHEDULES
from kpilib.portal.access import Access
from kpilib.present.export import safe_file_name
from kpilib.problems import Problem, Where

#: Return types a PSE may send from its page.
PSE_RETURN_TYPES = tuple(s.return_type for s in RETURN_SCHEDULES)
ALLOWED_SUFFIXES = (".csv", ".xlsx")
#: Columns of the error table shown on the page and downloaded.
ERROR_COLUMNS = ("row", "column", "value", "severity", "reason")


def submit_upload(
    engine: Engine,
    access: Access,
    file_name: str,
    content: bytes,
    return_type: str,
    period: str,
    max_mb: float | None = None,
) -> FileOutcome:
    """Validate and load one uploaded file for the token's PSE (see the module's docstring).

    Bad input is never an exception: the outcome is ``rejected`` with its issues."""
    name = safe_file_name(Path(file_name or "upload").name, "upload.csv")
    if access.kind != "pse" or access.entity_code is None:
        return _refused(name, "this link does not allow submitting returns")
    if return_type not in PSE_RETURN_TYPES:
        return _refused(name, f"{return_type!r} is not a return a PSE submits here")
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        return _refused(name, "send a .csv or .xlsx file (use the template)")
    options = IngestOptions(
        return_type=return_type, entity=access.entity_code, period=period, max_mb=max_mb,
        actor=access.actor,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kpi-portal-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        return ingest_file(engine, path, options)


def _refused(name: str, reason: str) -> FileOutcome:
    outcome = FileOutcome(file=name)
    outcome.issues.append(Problem("ingest.refused-upload", "error", reason, Where(file=name)))
    return outcome


def error_table(outcome: FileOutcome) -> pd.DataFrame:
    """The outcome's problems as the page shows and downloads them: ``row`` (as the sender sees
    it), ``column``, ``value``, ``severity``, ``reason``; errors first."""
    return issues_frame(outcome.issues)[list(ERROR_COLUMNS)]


def template_bytes(return_type: str, file_format: str = "xlsx") -> bytes:
    """The blank template of a PSE return (``kpi template``'s file) as bytes."""
    if return_type not in PSE_RETURN_TYPES:
        raise ValueError(f"{return_type!r} is not a PSE return")
    with tempfile.TemporaryDirectory(prefix="kpi-template-") as folder:
        path = Path(folder) / f"{return_type}.{file_format}"
        write_template(return_type, file_format, path)
        return path.read_bytes()


def data_uri(content: bytes, media_type: str) -> str:
    """A ``data:`` URI of ``content`` for a download link that needs no server call."""
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"
