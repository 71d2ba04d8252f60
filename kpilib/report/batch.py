"""Run a planned batch: resumption, the manifest and index, and an executor for the reports.

* **Executors.** Where the reports run is an executor's job (:mod:`kpilib.report.executors`):
  ``local`` (the default) runs them in worker threads with warm kernels on this machine;
  ``dask`` runs the same reports as tasks on a Dask distributed cluster. Both record the
  manifest, the index and the files the same way.
* **Resumption.** A report whose input key (parameters, notebook hash, data fingerprint, code
  version) equals the one recorded for it, and whose files are all there, is ``unchanged`` and
  not run again, unless ``force``.
* **Interruption.** The manifest and index are rewritten after each report. Ctrl-C or SIGTERM
  stops the executor, which records the unfinished reports as ``interrupted``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kpilib.report.executors.base import (
    BatchEvent,
    BatchOptions,
    BatchRun,
    load_executor,
    utc_now,
)
from kpilib.report.files import remove_partials
from kpilib.report.index import write_index
from kpilib.report.manifest import (
    BatchManifest,
    BatchRecord,
    ReportRecord,
    count_statuses,
    is_unchanged,
    read_manifest,
    write_manifest,
)
from kpilib.report.pdf import find_chromium
from kpilib.report.plan import BatchPlan, ReportJob

__all__ = ["BatchEvent", "BatchOptions", "BatchResult", "run_batch"]


@dataclass
class BatchResult:
    """What a batch did: the manifest written and where."""

    folder: Path
    manifest: BatchManifest
    run_ids: list[str] = field(default_factory=list)
    #: Every report this run was asked for (run or found unchanged), of the editions it made.
    planned_ids: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Reports per status among those this run was asked for; the manifest's own counts also
        hold the other edition's reports kept in the folder from an earlier run."""
        planned = set(self.planned_ids)
        return count_statuses([r for r in self.manifest.reports if r.report_id in planned])

    @property
    def failed(self) -> list[ReportRecord]:
        return [r for r in self.manifest.reports if r.report_id in self.run_ids and not r.ok]

    @property
    def succeeded(self) -> bool:
        return self.manifest.batch.status == "succeeded"


def run_batch(
    plan: BatchPlan,
    options: BatchOptions | None = None,
    on_event: Callable[[BatchEvent], None] | None = None,
) -> BatchResult:
    """Make the planned reports; returns the manifest written to the batch folder.

    Raises ``KeyboardInterrupt`` after a clean stop when interrupted (Ctrl-C, SIGTERM).
    """
    options = options or BatchOptions()
    if "pdf" in plan.formats and options.chromium is None:
        options = dataclasses.replace(options, chromium=find_chromium())
    executor = load_executor(options.executor)
    folder = plan.folder
    folder.mkdir(parents=True, exist_ok=True)
    remove_partials(folder)
    records, to_run = _resume(plan, options)
    batch = BatchRecord(
        fiscal_year=plan.fiscal_year, period=plan.period, status="running", started_at=utc_now(),
        code_version=plan.code_version, data_fingerprint=plan.data_fingerprint,
        database=plan.database, is_demo=plan.is_demo, data_as_of=plan.data_as_of,
        formats=list(plan.formats), workers=max(1, min(options.workers, len(to_run) or 1)),
        timeout_seconds=options.timeout, force=options.force, languages=list(plan.languages),
    )  # fmt: skip

    def save() -> BatchManifest:
        ordered = sorted(
            records.values(), key=lambda r: (r.language != "en", r.kind != "summary", r.report_id)
        )
        batch.counts = count_statuses(ordered)
        manifest = BatchManifest(batch=batch, reports=ordered)
        write_manifest(folder, manifest)
        write_index(folder, manifest)
        return manifest

    save()
    emit = on_event or (lambda _event: None)
    run_ids = {job.report_id for job in to_run}
    for job in plan.jobs:
        if job.report_id not in run_ids:
            emit(BatchEvent("finished", job.report_id, records[job.report_id]))
    if to_run:
        executor.run(BatchRun(plan, options, to_run, batch.workers, records, save, emit))
    failed = any(not records[job.report_id].ok for job in to_run)
    batch.status = "failed" if failed else "succeeded"
    batch.finished_at = utc_now()
    manifest = save()
    return BatchResult(
        folder, manifest, [job.report_id for job in to_run], [job.report_id for job in plan.jobs]
    )


def _resume(
    plan: BatchPlan, options: BatchOptions
) -> tuple[dict[str, ReportRecord], list[ReportJob]]:
    """The records the batch starts from (unchanged reports kept) and the reports to make."""
    previous = read_manifest(plan.folder)
    planned_ids = {job.report_id for job in plan.jobs}
    earlier_records = previous.reports if previous else []
    records = {r.report_id: r for r in earlier_records if r.report_id not in planned_ids}
    to_run: list[ReportJob] = []
    for job in plan.jobs:
        earlier = previous.record(job.report_id) if previous else None
        if not options.force and is_unchanged(earlier, job.input_key, plan.formats, plan.folder):
            assert earlier is not None
            records[job.report_id] = earlier.model_copy(update={"status": "unchanged"})
        else:
            to_run.append(job)
    return records, to_run
