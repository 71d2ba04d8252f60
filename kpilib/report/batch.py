"""Run a planned batch: warm-kernel workers in parallel, fault isolation, resumption, atomic files.

* **Executors.** ``local`` (the default, below) runs the reports in worker threads on this
  machine; ``dask`` (:mod:`kpilib.report.executors.dask`) runs the same reports as tasks on a
  Dask distributed cluster. Both record the manifest, the index and the files the same way.
* **Workers.** Each worker thread owns one :class:`~kpilib.report.kernels.WarmKernel` (started
  once, modules imported) and, when PDFs are asked for, one headless Chromium; it takes reports
  from a shared queue (the provincial summary first: it is the longest).
* **Fault isolation.** A report that fails (error in a cell, timeout, dead kernel, failed
  conversion) gets a ``failed`` record with its error; its executed notebook is kept in
  ``failed/<stem>.ipynb`` for diagnosis and any older output of it is removed, so no stale
  report sits beside a failure. Every other report is still made. A kernel that timed out or
  died is replaced.
* **Resumption.** A report whose input key (parameters, notebook hash, data fingerprint, code
  version) equals the one recorded for it, and whose files are all there, is ``unchanged`` and
  not run again, unless ``force``.
* **Interruption.** Outputs are written under partial names and renamed when complete; the
  manifest and index are rewritten after each report. Ctrl-C or SIGTERM stops the workers, kills
  the kernels, records the unfinished reports as ``interrupted`` and removes partial files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import queue
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import nbformat
from nbformat import NotebookNode

from kpilib.report.files import partial_path, remove_partials, write_atomic
from kpilib.report.html import ReportPage, find_external_references, render_report_html
from kpilib.report.index import write_index
from kpilib.report.kernels import ReportExecutionError, WarmKernel, new_runtime_dir
from kpilib.report.manifest import (
    BatchManifest,
    BatchRecord,
    ReportRecord,
    count_statuses,
    is_unchanged,
    read_manifest,
    write_manifest,
)
from kpilib.report.naming import FORMATS
from kpilib.report.pdf import PdfPrinter, find_chromium
from kpilib.report.plan import DEFAULT_TIMEOUT, BatchPlan, ReportJob

FAILED_DIR = "failed"
#: Seconds a stopped batch waits for each worker thread once its kernel is killed.
INTERRUPT_GRACE = 5.0


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
    executor: Literal["local", "dask"] = "local"
    scheduler: str | None = None


@dataclass(frozen=True)
class BatchEvent:
    """Progress: a report started or finished (``record`` set), or a worker could not start."""

    kind: Literal["started", "finished", "worker_failed"]
    report_id: str = ""
    record: ReportRecord | None = None
    message: str = ""


@dataclass
class BatchResult:
    """What a batch did: the manifest written and where."""

    folder: Path
    manifest: BatchManifest
    run_ids: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ReportRecord]:
        return [r for r in self.manifest.reports if r.report_id in self.run_ids and not r.ok]

    @property
    def succeeded(self) -> bool:
        return self.manifest.batch.status == "succeeded"


def utc_now() -> datetime:
    return datetime.now(UTC)


def base_record(job: ReportJob, plan: BatchPlan) -> dict[str, Any]:
    return {
        "report_id": job.report_id,
        "kind": job.name.kind,
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
        generated_at=utc_now().strftime("%Y-%m-%d %H:%M"),
        data_as_of=plan.data_as_of or "",
        data_fingerprint=plan.data_fingerprint[:16],
        code_version=plan.code_version,
    )


def stamp_provenance(executed: NotebookNode, job: ReportJob, plan: BatchPlan) -> None:
    """Record in the executed notebook's metadata what it was made from."""
    executed.metadata["kpi_report"] = {
        "report_id": job.report_id,
        "title": job.title,
        "parameters": job.parameters,
        "data_fingerprint": plan.data_fingerprint,
        "code_version": plan.code_version,
        "is_demo": plan.is_demo,
    }


def remove_outputs(job: ReportJob, plan: BatchPlan, formats: tuple[str, ...] = FORMATS) -> None:
    for fmt in formats:
        job.name.path(plan.output_dir, fmt).unlink(missing_ok=True)


class _Worker(threading.Thread):
    """One worker: a warm kernel (and a Chromium if needed) running reports from the queue."""

    def __init__(
        self,
        index: int,
        plan: BatchPlan,
        options: BatchOptions,
        jobs: queue.Queue[ReportJob],
        events: queue.Queue[BatchEvent],
        stop: threading.Event,
        runtime_dir: Path,
    ) -> None:
        super().__init__(name=f"kpi-report-worker-{index}", daemon=True)
        self.index = index
        self.plan = plan
        self.options = options
        self.jobs = jobs
        self.events = events
        self.stop = stop
        self.kernel = WarmKernel(
            {"KPI_DATABASE_URL": plan.database_url}, runtime_dir, name=f"worker{index}"
        )
        self.printer: PdfPrinter | None = None
        self._notebooks: dict[Path, NotebookNode] = {}

    def run(self) -> None:
        try:
            try:
                self.kernel.start()
            except Exception as exc:
                self.events.put(BatchEvent("worker_failed", message=f"kernel did not start: {exc}"))
                return
            while not self.stop.is_set():
                try:
                    job = self.jobs.get_nowait()
                except queue.Empty:
                    break
                self.events.put(BatchEvent("started", job.report_id))
                record = self._run_job(job)
                self.events.put(BatchEvent("finished", job.report_id, record))
        finally:
            with contextlib.suppress(Exception):
                self.kernel.shutdown()
            if self.printer is not None:
                with contextlib.suppress(Exception):
                    self.printer.close()

    def _notebook(self, path: Path) -> NotebookNode:
        if path not in self._notebooks:
            self._notebooks[path] = nbformat.read(path, as_version=4)
        return self._notebooks[path]

    def _run_job(self, job: ReportJob) -> ReportRecord:
        started, clock = utc_now(), time.perf_counter()
        base = {**base_record(job, self.plan), "started_at": started, "worker": self.index}

        def finish(status: str, **values: Any) -> ReportRecord:
            return ReportRecord(
                **base, **values, status=status, finished_at=utc_now(),
                duration_seconds=round(time.perf_counter() - clock, 3),
            )  # fmt: skip

        try:
            executed = self.kernel.execute(
                self._notebook(job.notebook), job.parameters, self.options.timeout
            )
        except ReportExecutionError as exc:
            if self.stop.is_set():
                return finish("interrupted")
            self._keep_failed_notebook(job, exc.notebook)
            self._recover_kernel(exc.timed_out)
            return finish("failed", error=str(exc))
        except Exception as exc:  # the kernel setup itself failed: replace the kernel
            if self.stop.is_set():
                return finish("interrupted")
            self._recover_kernel(True)
            return finish("failed", error=f"{type(exc).__name__}: {exc}")
        try:
            outputs = self._write_outputs(job, executed)
        except Exception as exc:
            if self.stop.is_set():
                return finish("interrupted")
            self._keep_failed_notebook(job, executed)
            return finish("failed", error=f"conversion failed: {type(exc).__name__}: {exc}")
        (self.plan.folder / FAILED_DIR / job.name.file_name("ipynb")).unlink(missing_ok=True)
        return finish("built", outputs=outputs)

    def _recover_kernel(self, force_restart: bool) -> None:
        if force_restart or not self.kernel.is_alive():
            self.kernel.restart()

    def _keep_failed_notebook(self, job: ReportJob, notebook: NotebookNode | None) -> None:
        remove_outputs(job, self.plan)
        if notebook is not None:
            target = self.plan.folder / FAILED_DIR / job.name.file_name("ipynb")
            write_atomic(target, nbformat.writes(notebook))

    def _write_outputs(self, job: ReportJob, executed: NotebookNode) -> dict[str, str]:
        plan = self.plan
        page = report_page(job, plan)
        stamp_provenance(executed, job, plan)
        partials: dict[str, Path] = {}
        try:
            if "ipynb" in plan.formats:
                partials["ipynb"] = partial_path(job.name.path(plan.output_dir, "ipynb"))
                partials["ipynb"].write_text(nbformat.writes(executed), encoding="utf-8")
            html = render_report_html(executed, page)
            external = find_external_references(html)
            if external:
                raise RuntimeError(f"the HTML refers to network resources: {external[:5]}")
            partials["html"] = partial_path(job.name.path(plan.output_dir, "html"))
            partials["html"].write_text(html, encoding="utf-8")
            if "pdf" in plan.formats:
                if self.printer is None:
                    self.printer = PdfPrinter(self.options.chromium)
                partials["pdf"] = partial_path(job.name.path(plan.output_dir, "pdf"))
                self.printer.print_pdf(
                    partials["html"], partials["pdf"], title=job.title, is_demo=plan.is_demo
                )
            if self.stop.is_set():
                raise InterruptedError("batch stopped")
            outputs = {}
            for fmt in plan.formats:
                os.replace(partials.pop(fmt), job.name.path(plan.output_dir, fmt))
                outputs[fmt] = job.name.file_name(fmt)
            remove_outputs(job, plan, tuple(f for f in FORMATS if f not in plan.formats))
            return outputs
        finally:
            for path in partials.values():
                path.unlink(missing_ok=True)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """In the main thread, turn SIGTERM (``kill``) into KeyboardInterrupt for a clean stop."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
    folder = plan.folder
    folder.mkdir(parents=True, exist_ok=True)
    remove_partials(folder)
    previous = read_manifest(folder)
    planned_ids = {job.report_id for job in plan.jobs}
    earlier_records = previous.reports if previous else []
    records = {r.report_id: r for r in earlier_records if r.report_id not in planned_ids}
    to_run: list[ReportJob] = []
    for job in plan.jobs:
        earlier = previous.record(job.report_id) if previous else None
        if not options.force and is_unchanged(earlier, job.input_key, plan.formats, folder):
            assert earlier is not None
            records[job.report_id] = earlier.model_copy(update={"status": "unchanged"})
        else:
            to_run.append(job)
    batch = BatchRecord(
        fiscal_year=plan.fiscal_year, period=plan.period, status="running", started_at=utc_now(),
        code_version=plan.code_version, data_fingerprint=plan.data_fingerprint,
        database=plan.database, is_demo=plan.is_demo, data_as_of=plan.data_as_of,
        formats=list(plan.formats), workers=max(1, min(options.workers, len(to_run) or 1)),
        timeout_seconds=options.timeout, force=options.force,
    )  # fmt: skip

    def save() -> BatchManifest:
        ordered = sorted(records.values(), key=lambda r: (r.kind != "summary", r.report_id))
        batch.counts = count_statuses(ordered)
        manifest = BatchManifest(batch=batch, reports=ordered)
        write_manifest(folder, manifest)
        write_index(folder, manifest)
        return manifest

    save()
    emit = on_event or (lambda _event: None)
    for job in plan.jobs:
        if job.report_id not in {j.report_id for j in to_run}:
            emit(BatchEvent("finished", job.report_id, records[job.report_id]))
    if to_run:
        run_jobs = _run_jobs
        if options.executor == "dask":
            from kpilib.report.executors.dask import run_jobs_on_dask as run_jobs
        run_jobs(plan, options, to_run, batch.workers, records, save, emit, folder)
    failed = any(not records[job.report_id].ok for job in to_run)
    batch.status = "failed" if failed else "succeeded"
    batch.finished_at = utc_now()
    manifest = save()
    return BatchResult(folder, manifest, [job.report_id for job in to_run])


def _run_jobs(  # the "local" executor
    plan: BatchPlan,
    options: BatchOptions,
    to_run: list[ReportJob],
    workers: int,
    records: dict[str, ReportRecord],
    save: Callable[[], BatchManifest],
    emit: Callable[[BatchEvent], None],
    folder: Path,
) -> None:
    jobs: queue.Queue[ReportJob] = queue.Queue()
    for job in sorted(to_run, key=lambda j: j.name.kind != "summary"):
        jobs.put(job)
    events: queue.Queue[BatchEvent] = queue.Queue()
    stop = threading.Event()
    runtime_dir = new_runtime_dir()
    pool = [_Worker(i, plan, options, jobs, events, stop, runtime_dir) for i in range(workers)]
    pending = {job.report_id: job for job in to_run}
    alive = len(pool)
    interrupted = False
    try:
        with _sigterm_as_interrupt():
            try:
                for worker in pool:
                    worker.start()
                while pending and alive:
                    try:
                        event = events.get(timeout=0.2)
                    except queue.Empty:
                        alive = sum(worker.is_alive() for worker in pool)
                        continue
                    if event.kind == "finished" and event.record is not None:
                        records[event.report_id] = event.record
                        pending.pop(event.report_id, None)
                        if options.stop_on_error and not event.record.ok:
                            _cancel_queued(plan, jobs, pending, records, emit)
                        save()
                    elif event.kind == "worker_failed":
                        alive -= 1
                    emit(event)
                    if event.kind == "worker_failed" and alive == 0:
                        fail_remaining(plan, pending, records, event.message)
                        save()
                        for report_id in list(pending):
                            emit(BatchEvent("finished", report_id, records[report_id]))
                        pending.clear()
                for report_id in list(pending):  # workers ended early (e.g. a kernel crash)
                    fail_remaining(plan, {report_id: pending[report_id]}, records,
                                    "no worker was left to run it")  # fmt: skip
                    emit(BatchEvent("finished", report_id, records[report_id]))
            except KeyboardInterrupt:
                interrupted = True
                stop.set()
                for worker in pool:
                    worker.kernel.kill()
                # A worker caught between two reports may be waiting on its (now dead) kernel's
                # reply: it is a daemon thread, so wait briefly, never for its timeout.
                for worker in pool:
                    worker.join(timeout=INTERRUPT_GRACE)
                drain_events(events, records, pending)
                now = utc_now()
                for report_id, job in pending.items():
                    records[report_id] = ReportRecord(
                        **base_record(job, plan), status="interrupted", finished_at=now,
                        error="the batch was stopped before this report finished",
                    )  # fmt: skip
                batch_manifest = save()
                batch_manifest.batch.status = "interrupted"
                batch_manifest.batch.finished_at = now
                write_manifest(folder, batch_manifest)
                write_index(folder, batch_manifest)
                remove_partials(folder)
                raise
    finally:
        stop.set()
        for worker in pool:
            worker.join(timeout=INTERRUPT_GRACE if interrupted else 60)
        shutil.rmtree(runtime_dir, ignore_errors=True)


def _cancel_queued(
    plan: BatchPlan,
    jobs: queue.Queue[ReportJob],
    pending: dict[str, ReportJob],
    records: dict[str, ReportRecord],
    emit: Callable[[BatchEvent], None],
) -> None:
    """--stop-on-error: take the reports not yet started off the queue, recorded as not run."""
    while True:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            return
        records[job.report_id] = ReportRecord(
            **base_record(job, plan), status="interrupted", finished_at=utc_now(),
            error="not run: an earlier report failed and --stop-on-error was given",
        )  # fmt: skip
        pending.pop(job.report_id, None)
        emit(BatchEvent("finished", job.report_id, records[job.report_id]))


def drain_events(
    events: queue.Queue[BatchEvent], records: dict[str, ReportRecord], pending: dict[str, Any]
) -> None:
    """Record the reports that finished while the batch was being stopped."""
    while True:
        try:
            event = events.get_nowait()
        except queue.Empty:
            return
        if event.kind == "finished" and event.record is not None:
            records[event.report_id] = event.record
            pending.pop(event.report_id, None)


def fail_remaining(
    plan: BatchPlan, pending: dict[str, ReportJob], records: dict[str, ReportRecord], reason: str
) -> None:
    now = utc_now()
    for report_id, job in pending.items():
        records[report_id] = ReportRecord(
            **base_record(job, plan), status="failed", error=reason, finished_at=now
        )
