"""Warm kernels: started once per batch worker, reused for every report that worker runs.

A kernel start plus the imports of pandas, SQLAlchemy, Altair and kpilib costs seconds; running
a parameterized notebook in a kernel that has them costs a fraction of a second. Each report is
still a real Papermill run: Papermill injects the parameters cell, records its metadata and
raises on errors; nbclient executes the cells in the warm kernel (a Papermill engine of ours
hands it the running kernel instead of starting one).

Kernels use the IPC transport (no TCP port races between workers), this interpreter
(``sys.executable``, whatever ``python3`` a kernelspec names) and no ``cwd`` change; they are
shut down immediately. Everything here is called from the worker thread that owns the kernel.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import signal
import sys
import tempfile
import threading
import uuid
from pathlib import Path
from typing import IO, Any

from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_core.utils import run_sync
from nbformat import NotebookNode

ENGINE_NAME = "kpi-warm-kernel"
#: Seconds nbclient waits beyond a report's timeout before giving up on a cell itself.
TIMEOUT_GRACE = 15.0
STARTUP_TIMEOUT = 120.0


class ReportExecutionError(Exception):
    """A report notebook failed (an error in a cell, a timeout or a dead kernel)."""

    def __init__(self, message: str, notebook: NotebookNode | None, *, timed_out: bool = False):
        super().__init__(message)
        self.notebook = notebook
        self.timed_out = timed_out


def project_kernel_spec() -> KernelSpec:
    """A kernelspec that runs ipykernel in this very interpreter (the project's venv)."""
    return KernelSpec(
        argv=[
            sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
            "-f", "{connection_file}", "--HistoryManager.hist_file=:memory:",
        ],
        display_name=f"kpi-suite ({sys.executable})",
        language="python",
    )  # fmt: skip


class ProjectKernelSpecManager(KernelSpecManager):
    """Resolves every kernel name to :func:`project_kernel_spec`."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return project_kernel_spec()


def _register_engine() -> None:
    # Papermill logs each run (and warns about parameter lines it cannot parse) through the
    # "papermill" logger; the batch reports through its own records, so keep it quiet.
    logging.getLogger("papermill").addHandler(logging.NullHandler())
    logging.getLogger("papermill").propagate = False

    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmKernelEngine(NBClientEngine):
        """Papermill engine that executes in an already running :class:`WarmKernel`."""

        @classmethod
        def execute_managed_notebook(
            cls, nb_man: Any, kernel_name: str, *, warm_kernel: WarmKernel,
            execution_timeout: float | None = None, **_ignored: Any,
        ) -> NotebookNode:  # fmt: skip
            client = PapermillNotebookClient(
                nb_man, km=warm_kernel.manager, timeout=execution_timeout,
                kernel_name=kernel_name, log=logger, shutdown_kernel="immediate",
            )  # fmt: skip
            client.kc = warm_kernel.client
            warm_kernel.last_notebook = nb_man.nb
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)


class WarmKernel:
    """One IPython kernel with the report modules imported, reused report after report."""

    def __init__(self, env: dict[str, str], runtime_dir: Path, name: str = "kernel") -> None:
        self.env = dict(env)
        self.runtime_dir = Path(runtime_dir)
        self.name = name
        self.manager: AsyncKernelManager | None = None
        self.client: Any = None
        self.last_notebook: NotebookNode | None = None
        self._log: IO[bytes] | None = None

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the kernel and import the report modules in it (seconds; once per worker)."""
        _register_engine()
        key = uuid.uuid4().hex[:12]
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        stem = self.runtime_dir / f"{self.name}-{key}"
        self.manager = AsyncKernelManager(
            kernel_name="python3",
            kernel_spec_manager=ProjectKernelSpecManager(),
            transport="ipc",
            connection_file=f"{stem}.json",
            ip=f"{stem}-ipc",
        )
        env = {**os.environ, **self.env, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        self._log = open(f"{stem}.log", "ab")  # noqa: SIM115 (closed in shutdown)
        run_sync(self.manager.start_kernel)(env=env, stdout=self._log, stderr=self._log)
        self.client = self.manager.client()
        self.client.start_channels()
        run_sync(self.client.wait_for_ready)(timeout=STARTUP_TIMEOUT)
        self.run_code("from kpilib.report import inkernel; inkernel.prepare_kernel()")

    def shutdown(self) -> None:
        """Stop the kernel at once and remove its connection and IPC files."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.manager is not None:
            try:
                if run_sync(self.manager.is_alive)():
                    run_sync(self.manager.shutdown_kernel)(now=True)
            finally:
                run_sync(self.manager.cleanup_resources)()
                self.manager = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> None:
        """A fresh kernel in place of this one (after a timeout or a crash)."""
        self.shutdown()
        self.start()

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.manager, "provisioner", None)
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def is_alive(self) -> bool:
        return self.manager is not None and bool(run_sync(self.manager.is_alive)())

    def interrupt(self) -> None:
        """Send SIGINT to the kernel process (safe from any thread)."""
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)

    def kill(self) -> None:
        """Kill the kernel process at once (safe from any thread; used when a batch is stopped)."""
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    # -- running code --------------------------------------------------------------------------

    def run_code(self, code: str, timeout: float = STARTUP_TIMEOUT) -> None:
        """Run setup code silently; raise with the kernel's error message when it fails."""
        errors: list[str] = []

        def collect(message: dict[str, Any]) -> None:
            if message["msg_type"] == "error":
                errors.append(f"{message['content']['ename']}: {message['content']['evalue']}")

        reply = run_sync(self.client.execute_interactive)(
            code, timeout=timeout, output_hook=collect, store_history=False
        )
        if reply["content"]["status"] != "ok":
            detail = "; ".join(errors) or reply["content"].get("evalue", "unknown error")
            raise RuntimeError(f"kernel setup failed: {detail}")

    def execute(
        self, notebook: NotebookNode, parameters: dict[str, Any], timeout: float
    ) -> NotebookNode:
        """Run one report: reset the namespace, then Papermill with ``parameters`` in this kernel.

        ``timeout`` bounds the whole report (seconds): when it passes the kernel is interrupted
        and the report fails as timed out. Raises :class:`ReportExecutionError`.
        """
        import papermill
        from papermill.exceptions import PapermillExecutionError

        self.run_code("from kpilib.report import inkernel; inkernel.reset_kernel()")
        self.last_notebook = None
        fired = threading.Event()

        def on_deadline() -> None:
            fired.set()
            self.interrupt()

        timer = threading.Timer(timeout, on_deadline)
        timer.daemon = True
        timer.start()
        try:
            return papermill.execute_notebook(
                copy.deepcopy(notebook), None, parameters=parameters, engine_name=ENGINE_NAME,
                warm_kernel=self, execution_timeout=timeout + TIMEOUT_GRACE,
                progress_bar=False, request_save_on_cell_execute=False,
            )  # fmt: skip
        except PapermillExecutionError as exc:
            if fired.is_set():
                raise ReportExecutionError(
                    f"timed out after {timeout:g} s (in cell {exc.cell_index})",
                    self.last_notebook, timed_out=True,
                ) from exc  # fmt: skip
            raise ReportExecutionError(
                f"{exc.ename}: {exc.evalue} (in cell {exc.cell_index})".strip(), self.last_notebook
            ) from exc
        except Exception as exc:  # nbclient: dead kernel, cell timeout, protocol errors
            timed_out = fired.is_set() or "timeout" in type(exc).__name__.lower()
            reason = f"timed out after {timeout:g} s" if timed_out else f"{type(exc).__name__}: "
            if not timed_out:
                reason += str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail"
            raise ReportExecutionError(reason, self.last_notebook, timed_out=timed_out) from exc
        finally:
            timer.cancel()


def new_runtime_dir() -> Path:
    """A private folder for the kernels' connection files, IPC sockets and logs."""
    return Path(tempfile.mkdtemp(prefix="kpi-kernels-"))
