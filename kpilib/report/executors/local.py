"""The "local" executor: worker threads on this machine, each with its own warm kernel.

* **Workers.** Each worker thread owns one :class:`~kpilib.report.kernels.WarmKernel` (started
  once, modules imported) and, when PDFs are asked for, one headless Chromium; it takes reports
  from a shared queue (the provincial summary first: it is the longest).
* **Fault isolation.** A report that fails (error in a cell, timeout, dead kernel, failed
  conversion) gets a ``failed`` record with its error; its executed notebook is kept in
  ``failed/<stem>.ipynb`` for diagnosis and any older output of it is removed, so no stale
  report sits beside a failure. Every other report is still made. A kernel that timed out or
  died is replaced.
* **Interruption.** Outputs are written under partial names and renamed when complete. Ctrl-C
  or SIGTERM stops the workers, kills the kernels, records the unfinished reports as
  ``interrupted`` and removes partial files.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from kpilib.i18n import use_language
from kpilib.present.headline import read_published_headline
from kpilib.report.executors.base import (
    BatchEvent,
    BatchOptions,
    BatchRun,
    base_record,
    failed_notebook_path,
    remove_outputs,
    report_page,
    stamp_provenance,
    utc_now,
)
from kpilib.report.files import partial_path, remove_partials, write_atomic
from kpilib.report.html import find_external_references, render_report_html
from kpilib.report.index import write_index
from kpilib.report.kernels import ReportExecutionError, WarmKernel, new_runtime_dir
from kpilib.report.manifest import ReportRecord, ReportStatus, write_manifest
from kpilib.report.naming import FORMATS
from kpilib.report.pdf import PdfPrinter
from kpilib.report.plan import BatchPlan, ReportJob
from kpilib.report.workbook import render_report_workbook

#: Seconds a stopped batch waits for each worker thread once its kernel is killed.
INTERRUPT_GRACE = 5.0
#: Seconds a finished batch waits for each worker thread to shut its kernel down.
SHUTDOWN_GRACE = 60.0


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
        self.kernel = WarmKernel(plan.kernel_environment, runtime_dir, name=f"worker{index}")
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

        def finish(status: ReportStatus, **values: Any) -> ReportRecord:
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
            with use_language(job.language):  # the page, PDF and workbook in the report's language
                outputs = self._write_outputs(job, executed)
        except Exception as exc:
            if self.stop.is_set():
                return finish("interrupted")
            self._keep_failed_notebook(job, executed)
            return finish("failed", error=f"conversion failed: {type(exc).__name__}: {exc}")
        failed_notebook_path(job, self.plan).unlink(missing_ok=True)
        return finish("built", outputs=outputs, headline=read_published_headline(executed))

    def _recover_kernel(self, force_restart: bool) -> None:
        if force_restart or not self.kernel.is_alive():
            self.kernel.restart()

    def _keep_failed_notebook(self, job: ReportJob, notebook: NotebookNode | None) -> None:
        remove_outputs(job, self.plan)
        if notebook is not None:
            write_atomic(failed_notebook_path(job, self.plan), nbformat.writes(notebook))

    def _write_outputs(self, job: ReportJob, executed: NotebookNode) -> dict[str, str]:
        plan = self.plan
        page = report_page(job, plan)
        stamp_provenance(executed, job, plan)
        job.name.path(plan.output_dir, "html").parent.mkdir(parents=True, exist_ok=True)
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
            if "xlsx" in plan.formats:
                partials["xlsx"] = partial_path(job.name.path(plan.output_dir, "xlsx"))
                partials["xlsx"].write_bytes(
                    render_report_workbook(executed, job.title, plan.is_demo)
                )
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


class LocalExecutor:
    """Worker threads with warm kernels, fed from one queue (see the module's docstring)."""

    def run(self, batch: BatchRun) -> None:
        """Make the reports of ``batch``; on Ctrl-C or SIGTERM stop cleanly, then re-raise."""
        jobs: queue.Queue[ReportJob] = queue.Queue()
        for job in batch.jobs_longest_first():
            jobs.put(job)
        events: queue.Queue[BatchEvent] = queue.Queue()
        stop = threading.Event()
        runtime_dir = new_runtime_dir()
        pool = [
            _Worker(i, batch.plan, batch.options, jobs, events, stop, runtime_dir)
            for i in range(batch.workers)
        ]
        pending = {job.report_id: job for job in batch.to_run}
        grace = SHUTDOWN_GRACE
        try:
            with _sigterm_as_interrupt():
                try:
                    for worker in pool:
                        worker.start()
                    _follow_workers(batch, pool, jobs, events, pending)
                except KeyboardInterrupt:
                    grace = INTERRUPT_GRACE
                    _stop_workers(batch, pool, stop, events, pending)
                    raise
        finally:
            stop.set()
            for worker in pool:
                worker.join(timeout=grace)
            shutil.rmtree(runtime_dir, ignore_errors=True)


def _follow_workers(
    batch: BatchRun,
    pool: list[_Worker],
    jobs: queue.Queue[ReportJob],
    events: queue.Queue[BatchEvent],
    pending: dict[str, ReportJob],
) -> None:
    """Record the workers' events until every report is made or no worker is left."""
    alive = len(pool)
    while pending and alive:
        try:
            event = events.get(timeout=0.2)
        except queue.Empty:
            alive = sum(worker.is_alive() for worker in pool)
            continue
        if event.kind == "finished" and event.record is not None:
            batch.records[event.report_id] = event.record
            pending.pop(event.report_id, None)
            if batch.options.stop_on_error and not event.record.ok:
                _cancel_queued(batch, jobs, pending)
            batch.save()
        elif event.kind == "worker_failed":
            alive -= 1
        batch.emit(event)
        if event.kind == "worker_failed" and alive == 0:
            _fail_pending(batch, pending, event.message)
    _fail_pending(batch, pending, "no worker was left to run it")  # e.g. a kernel crash


def _fail_pending(batch: BatchRun, pending: dict[str, ReportJob], reason: str) -> None:
    """Record every report still pending as failed for ``reason``."""
    if not pending:
        return
    for job in pending.values():
        batch.record(job, "failed", reason)
    batch.save()
    for report_id in list(pending):
        batch.emit(BatchEvent("finished", report_id, batch.records[report_id]))
    pending.clear()


def _stop_workers(
    batch: BatchRun,
    pool: list[_Worker],
    stop: threading.Event,
    events: queue.Queue[BatchEvent],
    pending: dict[str, ReportJob],
) -> None:
    """Ctrl-C or SIGTERM: kill the kernels, record what finished and what did not."""
    stop.set()
    for worker in pool:
        worker.kernel.kill()
    # A worker caught between two reports may be waiting on its (now dead) kernel's reply: it
    # is a daemon thread, so wait briefly, never for its timeout.
    for worker in pool:
        worker.join(timeout=INTERRUPT_GRACE)
    _drain_events(events, batch.records, pending)
    for job in pending.values():
        batch.record(job, "interrupted", "the batch was stopped before this report finished")
    manifest = batch.save()
    manifest.batch.status = "interrupted"
    manifest.batch.finished_at = utc_now()
    write_manifest(batch.plan.folder, manifest)
    write_index(batch.plan.folder, manifest)
    remove_partials(batch.plan.folder)


def _cancel_queued(
    batch: BatchRun, jobs: queue.Queue[ReportJob], pending: dict[str, ReportJob]
) -> None:
    """--stop-on-error: take the reports not yet started off the queue, recorded as not run."""
    while True:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            return
        record = batch.record(
            job,
            "interrupted",
            "not run: an earlier report failed and --stop-on-error was given",
        )
        pending.pop(job.report_id, None)
        batch.emit(BatchEvent("finished", job.report_id, record))


def _drain_events(
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
