"""What every executor of the report batch shares: the run it is handed, the records it writes.

An executor takes a :class:`BatchRun` -- the plan, the options, the reports to make, the
manifest records and the two callbacks -- and makes each report, putting its record in
``run.records``, calling ``run.save()`` after each one and ``run.emit`` for progress.
:mod:`kpilib.report.batch` does everything around it (resumption, the manifest, the index).
Executors are found by name in :data:`EXECUTORS` and imported only when asked for, so a local
batch never imports Dask.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from nbformat import NotebookNode

from kpilib.errors import ReportBatchError
from kpilib.present.formatting import format_datetime, format_iso_date
from kpilib.report.html import ReportPage
from kpilib.report.manifest import BatchManifest, ReportRecord, ReportStatus
from kpilib.report.naming import FORMATS
from kpilib.report.plan import DEFAULT_TIMEOUT, BatchPlan, ReportJob

#: Where the executed notebook of a failed report is kept, inside the batch folder.
FAILED_DIR = "failed"
#: Each executor's name and the ``module:class`` that implements it (imported on first use).
EXECUTORS = {
    "local": "kpilib.report.executors.local:LocalExecutor",
    "dask": "kpilib.report.executors.dask:DaskExecutor",
}
ExecutorName = Literal["local", "dask"]


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch."""

    workers: int = 2
    timeout: float = DEFAULT_TIMEOUT
    force: bool = False
    chromium: Path | None = None
    stop_on_error: bool = False
    #: "local": worker threads with warm kernels on this machine; "dask": the same reports as
    #: tasks on a Dask distributed cluster (``scheduler`` is its address, ``tcp://host:8786``).
    executor: ExecutorName = "local"
    scheduler: str | None = None


@dataclass(frozen=True)
class BatchEvent:
    """Progress: a report started or finished (``record`` set), or a worker could not start."""

    kind: Literal["started", "finished", "worker_failed"]
    report_id: str = ""
    record: ReportRecord | None = None
    message: str = ""


@dataclass
class BatchRun:
    """One executor's job: the reports ``to_run`` of ``plan``, with ``workers`` in parallel.

    ``records`` holds every report's manifest record by id (the executor fills in those it
    makes); ``save`` writes the manifest and index; ``emit`` reports progress.
    """

    plan: BatchPlan
    options: BatchOptions
    to_run: list[ReportJob]
    workers: int
    records: dict[str, ReportRecord]
    save: Callable[[], BatchManifest]
    emit: Callable[[BatchEvent], None]

    def jobs_longest_first(self) -> list[ReportJob]:
        """The reports to make, the provincial summary (the longest) first."""
        return sorted(self.to_run, key=lambda job: job.name.kind != "summary")

    def record(
        self, job: ReportJob, status: ReportStatus, error: str | None = None
    ) -> ReportRecord:
        """Record that ``job`` ended without running (``failed`` or ``interrupted``) and why."""
        record = ReportRecord(
            **base_record(job, self.plan), status=status, error=error, finished_at=utc_now()
        )
        self.records[job.report_id] = record
        return record


class Executor(Protocol):
    """Makes the reports of a :class:`BatchRun` (see the module's docstring for the contract).

    Raises ``KeyboardInterrupt`` after recording the unfinished reports as ``interrupted`` when
    the batch is stopped.
    """

    def run(self, batch: BatchRun) -> None: ...


def load_executor(name: str) -> Executor:
    """The executor registered as ``name`` in :data:`EXECUTORS`."""
    if name not in EXECUTORS:
        raise ReportBatchError(f"unknown executor {name!r}: use one of {', '.join(EXECUTORS)}")
    module_name, class_name = EXECUTORS[name].split(":")
    executor: Executor = getattr(importlib.import_module(module_name), class_name)()
    return executor


def utc_now() -> datetime:
    return datetime.now(UTC)


def base_record(job: ReportJob, plan: BatchPlan) -> dict[str, Any]:
    """The fields of a report's manifest record that its job and plan decide."""
    return {
        "report_id": job.report_id,
        "kind": job.name.kind,
        "language": job.language,
        "department": job.department,
        "title": job.title,
        "parameters": job.parameters,
        "notebook": job.notebook.name,
        "notebook_hash": job.notebook_hash,
        "data_fingerprint": plan.data_fingerprint,
        "code_version": plan.code_version,
        "input_key": job.input_key,
    }


def report_page(job: ReportJob, plan: BatchPlan) -> ReportPage:
    """What the HTML template shows about a report: title, demo flag, provenance."""
    return ReportPage(
        title=job.title,
        report_id=job.report_id,
        is_demo=plan.is_demo,
        generated_at=format_datetime(utc_now()),
        data_as_of=format_iso_date(plan.data_as_of),
        data_fingerprint=plan.data_fingerprint[:16],
        code_version=plan.code_version,
        workbook=job.name.stem + ".xlsx" if "xlsx" in plan.formats else "",
        language=job.language,
    )


def stamp_provenance(executed: NotebookNode, job: ReportJob, plan: BatchPlan) -> None:
    """Record in the executed notebook's metadata what it was made from."""
    executed.metadata["kpi_report"] = {
        "report_id": job.report_id,
        "title": job.title,
        "language": job.language,
        "parameters": job.parameters,
        "data_fingerprint": plan.data_fingerprint,
        "code_version": plan.code_version,
        "is_demo": plan.is_demo,
    }


def remove_outputs(job: ReportJob, plan: BatchPlan, formats: tuple[str, ...] = FORMATS) -> None:
    """Delete the report's files in ``formats`` (no stale report may sit beside a failure)."""
    for fmt in formats:
        job.name.path(plan.output_dir, fmt).unlink(missing_ok=True)


def failed_notebook_path(job: ReportJob, plan: BatchPlan) -> Path:
    """Where the executed notebook of a failed report is kept for diagnosis."""
    return plan.folder / FAILED_DIR / job.name.file_name("ipynb")
