"""The "dask" executor: the report batch as tasks on a Dask distributed cluster.

The client (``kpi report --executor dask --scheduler tcp://HOST:8786``) plans the batch exactly
as for a local run, then submits one task per report. A task runs on a Dask worker: the worker
keeps warm kernels of its own (started on its first report, reused for the next ones, shut down
when the batch ends), executes the notebook with the same Papermill engine, renders the HTML (and
the PDF, with the worker's Chromium) and sends the files' bytes back. The client writes them
atomically into the batch folder, records the manifest and the index as a local run does, so the
outputs are the same; only the timestamps, durations and worker numbers differ.

Workers need kpi-suite installed (the same version: the code version is part of every report's
input key, and a worker with another one is refused) and the database reachable under the URL the
client uses; they do not need the client's files: the notebook travels with the task.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat

from kpilib.errors import KpiError, ReportBatchError
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
from kpilib.report.files import write_atomic
from kpilib.report.manifest import ReportRecord
from kpilib.report.naming import FORMATS
from kpilib.report.plan import BatchPlan, ReportJob

#: Seconds the client waits for the scheduler to answer.
CONNECT_TIMEOUT = 10


@dataclass
class TaskOutcome:
    """What a worker sends back for one report: files (bytes by format) or an error."""

    status: str
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    worker: str
    files: dict[str, bytes] = field(default_factory=dict)
    headline: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    failed_notebook: str | None = None


class _Runner:
    """One warm kernel (and a Chromium if PDFs are asked for) inside a Dask worker process."""

    def __init__(self, environment: dict[str, str]) -> None:
        from kpilib.report.kernels import WarmKernel, new_runtime_dir

        self.runtime_dir = new_runtime_dir()
        self.kernel = WarmKernel(environment, self.runtime_dir, "dask")
        self.kernel.start()
        self.printer: Any = None

    def close(self) -> None:
        import shutil

        with contextlib.suppress(Exception):
            self.kernel.shutdown()
        if self.printer is not None:
            with contextlib.suppress(Exception):
                self.printer.close()
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


# Per worker process: the idle runners of each kernel environment (database and parameters
# folder), handed out one task at a time.
_IDLE: dict[tuple[tuple[str, str], ...], list[_Runner]] = {}
_ALL: list[_Runner] = []
_LOCK = threading.Lock()


def _take_runner(environment: dict[str, str]) -> _Runner:
    with _LOCK:
        idle = _IDLE.setdefault(tuple(sorted(environment.items())), [])
        if idle:
            return idle.pop()
    runner = _Runner(environment)
    with _LOCK:
        _ALL.append(runner)
    return runner


def _give_back(environment: dict[str, str], runner: _Runner) -> None:
    with _LOCK:
        _IDLE.setdefault(tuple(sorted(environment.items())), []).append(runner)


def shutdown_runners() -> int:
    """Stop every warm kernel of this worker process (run on each worker when a batch ends)."""
    with _LOCK:
        runners = list(_ALL)
        _ALL.clear()
        _IDLE.clear()
    for runner in runners:
        runner.close()
    return len(runners)


def run_report_task(
    plan: BatchPlan, job: ReportJob, notebook_text: str, options: BatchOptions,
    progress_queue: str | None = None,
) -> TaskOutcome:  # fmt: skip
    """Run one report on a Dask worker; return its files or its error (never raises for a report
    that fails: the client records it, as a local worker would). With ``progress_queue``, puts
    ``("start", report_id)`` on that Dask queue as it begins and ``("end", report_id)`` as it
    ends, so that the client's progress follows what the workers really do, in their order."""
    if progress_queue is None:
        return _run_report(plan, job, notebook_text, options)
    from distributed import Queue

    queue = Queue(progress_queue)
    queue.put(("start", job.report_id))
    try:
        return _run_report(plan, job, notebook_text, options)
    finally:
        queue.put(("end", job.report_id))


def _run_report(
    plan: BatchPlan, job: ReportJob, notebook_text: str, options: BatchOptions
) -> TaskOutcome:
    from kpilib.report.kernels import ReportExecutionError
    from kpilib.report.provenance import compute_code_version

    started, clock = utc_now(), time.perf_counter()
    worker = _worker_name()

    def outcome(status: str, **values: Any) -> TaskOutcome:
        return TaskOutcome(
            status=status, started_at=started, finished_at=utc_now(), worker=worker,
            duration_seconds=round(time.perf_counter() - clock, 3), **values,
        )  # fmt: skip

    if compute_code_version() != plan.code_version:
        return outcome(
            "failed",
            error=f"worker {worker} runs another kpi-suite (code version "
            f"{compute_code_version()}, the batch needs {plan.code_version}): install the "
            "same version on every worker",
        )
    problem = _check_worker_parameters(plan)
    if problem:
        return outcome("failed", error=f"worker {worker}: {problem}")
    runner = _take_runner(plan.kernel_environment)
    try:
        notebook = nbformat.reads(notebook_text, as_version=4)
        try:
            executed = runner.kernel.execute(notebook, job.parameters, options.timeout)
        except ReportExecutionError as exc:
            if exc.timed_out or not runner.kernel.is_alive():
                runner.kernel.restart()
            failed = nbformat.writes(exc.notebook) if exc.notebook is not None else None
            return outcome("failed", error=str(exc), failed_notebook=failed)
        stamp_provenance(executed, job, plan)
        try:
            with use_language(job.language):  # the page, PDF and workbook in its language
                files = _render_files(runner, options, job, plan, executed)
        except Exception as exc:
            return outcome(
                "failed",
                error=f"conversion failed: {type(exc).__name__}: {exc}",
                failed_notebook=nbformat.writes(executed),
            )
        return outcome("built", files=files, headline=read_published_headline(executed))
    except Exception as exc:  # the kernel itself failed: replace it for the next report
        with contextlib.suppress(Exception):
            runner.kernel.restart()
        return outcome("failed", error=f"{type(exc).__name__}: {exc}")
    finally:
        _give_back(plan.kernel_environment, runner)


def _check_worker_parameters(plan: BatchPlan) -> str | None:
    """Why this worker cannot rate the statuses as the batch does (None: it can): its copy of
    the parameters folder must hold the same status thresholds."""
    from kpilib.views.status import load_status_rules

    try:
        found = load_status_rules(plan.parameters_dir).fingerprint
    except KpiError as exc:
        return f"its parameters folder {plan.parameters_dir} cannot be read: {exc}"
    if found != plan.status_rules:
        return (
            f"its parameters folder {plan.parameters_dir} holds other status thresholds than "
            "the batch's: copy the same parameters/ to every worker"
        )
    return None


def _render_files(
    runner: _Runner, options: BatchOptions, job: ReportJob, plan: BatchPlan, executed: Any
) -> dict[str, bytes]:
    """The report's files in the batch's formats, as bytes (the HTML offline-checked)."""
    from kpilib.report.html import find_external_references, render_report_html
    from kpilib.report.workbook import render_report_workbook

    files: dict[str, bytes] = {}
    if "ipynb" in plan.formats:
        files["ipynb"] = nbformat.writes(executed).encode("utf-8")
    html = render_report_html(executed, report_page(job, plan))
    external = find_external_references(html)
    if external:
        raise RuntimeError(f"the HTML refers to network resources: {external[:5]}")
    if "html" in plan.formats:
        files["html"] = html.encode("utf-8")
    if "xlsx" in plan.formats:
        files["xlsx"] = render_report_workbook(executed, job.title, plan.is_demo)
    if "pdf" in plan.formats:
        files["pdf"] = _print_pdf(runner, options, job, plan, html)
    return files


def _print_pdf(
    runner: _Runner, options: BatchOptions, job: ReportJob, plan: BatchPlan, html: str
) -> bytes:
    from kpilib.report.pdf import PdfPrinter, find_chromium

    if runner.printer is None:
        chromium = options.chromium
        if chromium is None or not Path(chromium).exists():
            chromium = find_chromium()  # this worker's own Chromium
        runner.printer = PdfPrinter(chromium)
    with tempfile.TemporaryDirectory(prefix="kpi-dask-pdf-") as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        runner.printer.print_pdf(page, pdf, title=job.title, is_demo=plan.is_demo)
        return pdf.read_bytes()


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except Exception:  # run outside a worker (tests of the task itself)
        return f"pid {os.getpid()}"


def connect_client(scheduler: str | None) -> Any:
    """A Dask client on ``scheduler`` (``tcp://host:8786``); a clear error when unreachable."""
    from distributed import Client

    if not scheduler:
        raise ReportBatchError("--executor dask needs --scheduler tcp://HOST:8786")
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ReportBatchError(
            f"no Dask scheduler answered at {scheduler}: {exc} (start one with `dask scheduler`, "
            "and workers with `dask worker " + scheduler + "`)"
        ) from exc


class DaskExecutor:
    """One task per report on a Dask cluster (see the module's docstring).

    ``batch.workers`` is ignored: the cluster's workers (and their threads) set the parallelism.
    """

    def run(self, batch: BatchRun) -> None:
        """Submit every report, record each as it ends; on Ctrl-C cancel the rest and re-raise."""
        from distributed import Queue

        client = connect_client(batch.options.scheduler)
        tracker: _TaskTracker | None = None
        try:
            progress = Queue(f"kpi-report-progress-{os.urandom(8).hex()}", client=client)
            tracker = _TaskTracker(batch, _submit_reports(client, batch, progress.name))
            with client.as_current():
                tracker.follow(progress)
        except KeyboardInterrupt:
            if tracker is not None:
                tracker.interrupt()
            batch.save()
            raise
        finally:
            with contextlib.suppress(Exception):
                client.run(shutdown_runners)
            client.close()


def _submit_reports(client: Any, batch: BatchRun, progress_queue: str) -> dict[Any, ReportJob]:
    """One task per report (the longest first), each reporting its start and end on the queue."""
    ordered = batch.jobs_longest_first()
    texts = {job.notebook: job.notebook.read_text(encoding="utf-8") for job in ordered}
    futures = {}
    for job in ordered:
        future = client.submit(
            run_report_task, batch.plan, job, texts[job.notebook], batch.options, progress_queue,
            key=f"kpi-report-{job.report_id}-{os.urandom(4).hex()}", pure=False,
        )  # fmt: skip
        futures[future] = job
    return futures


class _TaskTracker:
    """Follows the tasks of a batch: progress in the workers' order, records written once."""

    def __init__(self, batch: BatchRun, futures: dict[Any, ReportJob]) -> None:
        self.batch = batch
        self.futures = futures
        self.future_of = {job.report_id: future for future, job in futures.items()}
        self.started: set[str] = set()
        self.handled: set[str] = set()
        self.numbers: dict[str, int] = {}
        self.stopped = False

    def follow(self, progress: Any) -> None:
        """Until every task is done: replay the workers' starts and ends, then the stragglers."""
        from distributed import as_completed

        finished = as_completed(list(self.futures))
        while not finished.is_empty():
            # The workers' own order first: a report ends before the next one on its thread
            # starts, so "running" never counts more reports than there are worker threads.
            for kind, report_id in _drain(progress):
                if kind == "start" and report_id not in self.started:
                    self.started.add(report_id)
                    self.batch.emit(BatchEvent("started", report_id))
                elif kind == "end":
                    self.finish(self.future_of[report_id])
            if finished.has_ready():
                for future in finished.next_batch(block=False):
                    self.finish(future)  # a report the queue did not tell of (a lost worker)
            else:
                time.sleep(POLL_SECONDS)

    def finish(self, future: Any) -> None:
        """Record a finished task (once), as the local executor would."""
        job = self.futures[future]
        if job.report_id in self.handled:
            return
        self.handled.add(job.report_id)
        if job.report_id not in self.started:  # the task failed before it could say so
            self.started.add(job.report_id)
            self.batch.emit(BatchEvent("started", job.report_id))
        try:
            result: TaskOutcome = future.result()
            record = _commit(self.batch.plan, job, result, self.numbers)
            self.batch.records[job.report_id] = record
        except Exception as exc:  # the worker died or the task could not run
            record = self.batch.record(
                job, "failed", f"the Dask task failed: {type(exc).__name__}: {exc}"
            )
        if self.batch.options.stop_on_error and not record.ok and not self.stopped:
            self.stopped = True
            self.cancel_rest()
        self.batch.save()
        self.batch.emit(BatchEvent("finished", job.report_id, record))

    def cancel_rest(self) -> None:
        """--stop-on-error: cancel the tasks not yet done, recorded as not run."""
        for future, job in self.futures.items():
            if not future.done():
                future.cancel()
                self.handled.add(job.report_id)
                self.batch.record(
                    job,
                    "interrupted",
                    "not run: an earlier report failed and --stop-on-error was given",
                )

    def interrupt(self) -> None:
        """Ctrl-C: cancel what is running, record every unfinished report as interrupted."""
        for future, job in self.futures.items():
            if not future.done():
                future.cancel()
            record = self.batch.records.get(job.report_id)
            if record is None or record.finished_at is None:
                self.batch.record(
                    job, "interrupted", "the batch was stopped before this report finished"
                )


#: How often the client looks at what the workers have begun and ended (progress).
POLL_SECONDS = 0.5


def _drain(queue: Any) -> list[tuple[str, str]]:
    """Every ``(kind, report_id)`` the workers have put on ``queue`` since the last look."""
    if queue.qsize() == 0:
        return []
    return [tuple(item) for item in queue.get(batch=True)]


def _commit(
    plan: BatchPlan, job: ReportJob, result: TaskOutcome, numbers: dict[str, int]
) -> ReportRecord:
    """Write a finished task's files into the batch folder; its manifest record."""
    worker = numbers.setdefault(result.worker, len(numbers))
    base = {
        **base_record(job, plan),
        "started_at": result.started_at,
        "finished_at": result.finished_at,
        "duration_seconds": result.duration_seconds,
        "worker": worker,
    }
    failed_copy = failed_notebook_path(job, plan)
    if result.status != "built":
        remove_outputs(job, plan)
        if result.failed_notebook is not None:
            write_atomic(failed_copy, result.failed_notebook)
        return ReportRecord(**base, status="failed", error=result.error)
    outputs = {}
    for fmt in plan.formats:
        write_atomic(job.name.path(plan.output_dir, fmt), result.files[fmt])
        outputs[fmt] = job.name.file_name(fmt)
    remove_outputs(job, plan, tuple(f for f in FORMATS if f not in plan.formats))
    failed_copy.unlink(missing_ok=True)
    return ReportRecord(**base, status="built", outputs=outputs, headline=result.headline)
