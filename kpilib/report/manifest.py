"""The batch's record beside its reports: ``manifest.json`` (what was built, from what, how).

One manifest per batch folder (``outputs/<fiscal year>/<period>/manifest.json``). It holds the
last run's facts (times, code version, data fingerprint, database, options, outcome) and one
record per report in the folder: its parameters, notebook hash, data fingerprint, code version,
input key, start and end time, status and error. It is rewritten atomically after every report,
so an interrupted batch leaves a manifest that describes exactly the files on disk.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpilib.report.files import write_atomic

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
#: built: made in this run; unchanged: inputs identical to the recorded run, files kept;
#: failed: the notebook or its conversion failed (error says why); interrupted: the batch was
#: stopped before this report finished (no output under its final name).
ReportStatus = Literal["built", "unchanged", "failed", "interrupted"]
BatchStatus = Literal["running", "succeeded", "failed", "interrupted"]


class ReportRecord(BaseModel):
    """One report of the batch folder."""

    model_config = ConfigDict(extra="forbid")

    report_id: str
    kind: Literal["department", "summary", "portfolio"]
    #: The language the report is written in (``en``; ``ur``: the ``ur/`` subfolder).
    language: Literal["en", "ur"] = "en"
    department: str | None = None
    title: str
    status: ReportStatus
    error: str | None = None
    parameters: dict[str, Any]
    notebook: str
    notebook_hash: str
    data_fingerprint: str
    code_version: str
    input_key: str
    outputs: dict[str, str] = Field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    worker: int | None = None
    #: The headline figures the report published (what its e-mail writes).
    headline: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in ("built", "unchanged")


class BatchRecord(BaseModel):
    """The latest run of the batch."""

    model_config = ConfigDict(extra="forbid")

    fiscal_year: str
    period: str
    status: BatchStatus
    started_at: datetime
    finished_at: datetime | None = None
    code_version: str
    data_fingerprint: str
    database: str
    is_demo: bool
    data_as_of: str | None = None
    formats: list[str]
    workers: int
    timeout_seconds: float
    force: bool
    #: The editions this run made (``["en"]``, ``["en", "ur"]``).
    languages: list[str] = Field(default_factory=lambda: ["en"])
    counts: dict[str, int] = Field(default_factory=dict)


class BatchManifest(BaseModel):
    """``manifest.json``."""

    model_config = ConfigDict(extra="forbid")

    manifest_version: int = MANIFEST_VERSION
    batch: BatchRecord
    reports: list[ReportRecord]

    def record(self, report_id: str) -> ReportRecord | None:
        return next((r for r in self.reports if r.report_id == report_id), None)


def read_manifest(folder: Path) -> BatchManifest | None:
    """The batch folder's manifest, or None when there is none or it cannot be read.

    An unreadable manifest (hand-edited, from another version) only means nothing is reused:
    every report is rebuilt and the manifest rewritten.
    """
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        return None
    try:
        return BatchManifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, ValidationError):
        return None


def write_manifest(folder: Path, manifest: BatchManifest) -> Path:
    """Write ``manifest.json`` atomically; returns its path."""
    path = Path(folder) / MANIFEST_FILE
    write_atomic(path, manifest.model_dump_json(indent=2) + "\n")
    return path


def is_unchanged(
    previous: ReportRecord | None, input_key: str, formats: Sequence[str], folder: Path
) -> bool:
    """True when ``previous`` made the report from the same inputs and all its files are there.

    Same inputs means the same input key (parameters, notebook hash, data fingerprint, code
    version); every requested format must be among its outputs and exist in ``folder``.
    """
    if previous is None or not previous.ok or previous.input_key != input_key:
        return False
    return all(
        fmt in previous.outputs and (Path(folder) / previous.outputs[fmt]).is_file()
        for fmt in formats
    )


def count_statuses(records: list[ReportRecord]) -> dict[str, int]:
    """Number of reports per status (every status present, zero included)."""
    counts = dict.fromkeys(("built", "unchanged", "failed", "interrupted"), 0)
    for record in records:
        counts[record.status] += 1
    return counts
