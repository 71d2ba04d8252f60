"""Kernel pools that fit the machine, warm before the first viewer, refilled without starving
the viewers already there (issue 20: twenty-five officials open the dashboards at once).

Voilà keeps a pool of preheated kernels per notebook; a viewer takes one and the page is drawn
already. Voilà's own pool has five habits that hurt when many viewers arrive together, and
:func:`pooled_kernel_manager` changes each:

* **Size.** One size for every notebook, chosen by hand. Here the pools are planned from the
  memory available (:func:`plan_pools`): the province page, where officials land, gets what the
  memory allows (up to :data:`DEFAULT_POOL_CAP`, or ``--pool-size`` up to :data:`MAX_POOL`),
  the other pages a couple each.
* **Warming all at once.** Voilà starts every pool kernel at the same moment (36 kernels on two
  cores: the first is warm only near the end). Here kernels warm in waves of at most one per
  core, each notebook's launch quota first (:data:`LAUNCH_QUOTA`, :data:`MAIN_LAUNCH_QUOTA`),
  so the first warm kernels arrive within seconds.
* **Handing out a cold kernel.** Voilà gives a viewer the oldest pool entry even while it is
  still starting, and refills one second after each take, so refills compete with the viewers'
  own pages. Here a viewer gets a kernel that is ready, or (none ready) a fresh one as if there
  were no pool; refills start once no viewer has taken a kernel for a few seconds and no
  viewer's kernel runs code, one per core, and only while the memory allows another kernel.
* **Slow to give memory back.** The server's idle cull stops kernels one after another, each
  with a graceful exit (seconds on a busy machine: a crowd of 25 that left took minutes).
  Here every idle kernel is culled in the same pass and stopped at once (:meth:`cull_kernels`).
* **No sign of readiness.** :meth:`wait_until_warm` says when every notebook has its launch
  quota warm; ``kpi serve`` opens its port then (:mod:`kpilib.dashboards.server`), so no viewer
  meets a cold pool, and the pools grow to their planned size in the background with the
  refills' pacing (:meth:`wait_until_grown` says when). Progress goes to :attr:`progress`.

A kernel counts as warm once its notebook has run up to ``get_query_string()``: it has then
imported everything, computed its view and drawn the page, and waits for a request. It learns
its request through a WebSocket to the server's ``/voila/query`` route; :attr:`query_port` is a
loopback port the server listens on from the start, so that kernels can warm before the public
port is open.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import psutil

#: RSS of a warm dashboard kernel (measured: README, "Many viewers at once"), with a margin.
KERNEL_MB = 230
#: Memory left to the server, the database and everything else on the machine.
HEADROOM_MB = 1024
#: Largest pool of one notebook: past this a second machine helps more (docs/deployment.md).
MAX_POOL = 32
#: The province pool when nobody sets it (memory allowing): a crowd of 25 arriving together
#: each takes a warm kernel, and no viewer waits for a kernel to start (README, "Many viewers at
#: once": a viewer on a warm kernel costs the server 0.1-0.3 s of CPU, a kernel start about
#: 2.3 s). Each kernel holds ~210 MB and ~1.2 s of warming on two cores, done in the background
#: once the port is open (only the launch quota warms before).
DEFAULT_POOL_CAP = 32
#: The notebook officials open first, which gets the large pool.
MAIN_NOTEBOOK = "province.ipynb"
#: Kernels each notebook has warm before the port opens (its pool permitting); the rest of
#: the pool grows in the background. The main notebook gets two: the first officials land
#: there, and two kernels warm together on two cores (README, "How a page comes up fast").
LAUNCH_QUOTA = 1
MAIN_LAUNCH_QUOTA = 2
#: Seconds without a viewer taking a kernel before refills start (they would slow the pages
#: of a crowd still arriving), and the longest a kernel may take to warm.
REFILL_QUIET_SECONDS = 5.0
WARM_TIMEOUT_SECONDS = 240.0
#: How long a viewer's kernel waits for its browser's first connection before the idle cull may
#: take it: a browser starved of CPU by a crowd can take over a minute to open its WebSocket,
#: and culling its kernel then leaves a page that never draws. Once a browser has connected and
#: left, the server's short idle cull applies (:mod:`kpilib.dashboards.server`).
FIRST_CONNECT_GRACE_SECONDS = 300.0
POLL_SECONDS = 0.25


def available_mb() -> int:
    """Memory the system can give without swapping, in MB."""
    return int(psutil.virtual_memory().available / 2**20)


def plan_pools(
    notebooks: Sequence[str], free_mb: int, main_pool: int | None = None
) -> dict[str, int]:
    """Pool size per notebook: kernels of :data:`KERNEL_MB` in ``free_mb`` minus
    :data:`HEADROOM_MB`; two each for the side pages (one when memory is short), the rest for
    :data:`MAIN_NOTEBOOK`, between 1 and :data:`DEFAULT_POOL_CAP`. ``main_pool`` sets the main
    pool instead (``kpi serve --pool-size``, up to :data:`MAX_POOL`), and the side pages keep at
    most as many (``--pool-size 1``: one kernel per page)."""
    budget = max(len(notebooks), (free_mb - HEADROOM_MB) // KERNEL_MB)
    side = 2 if budget >= 12 else 1
    if main_pool is not None:
        side = min(side, main_pool)
    others = [name for name in notebooks if name != MAIN_NOTEBOOK]
    main = main_pool or min(DEFAULT_POOL_CAP, max(1, budget - side * len(others)))
    sizes = {name: side for name in others}
    if MAIN_NOTEBOOK in notebooks:
        sizes[MAIN_NOTEBOOK] = main
    return sizes


def launch_quota(notebook_name: str, pool_size: int) -> int:
    """Kernels of ``notebook_name`` warm before the port opens (see :data:`LAUNCH_QUOTA`)."""
    quota = MAIN_LAUNCH_QUOTA if notebook_name == MAIN_NOTEBOOK else LAUNCH_QUOTA
    return min(quota, pool_size)


def _seconds_since_start() -> float:
    """Seconds since this process (``kpi serve``) started."""
    return time.time() - psutil.Process().create_time()


def memory_allows_kernel() -> bool:
    """True while another kernel leaves :data:`HEADROOM_MB` free."""
    return available_mb() >= HEADROOM_MB + KERNEL_MB


def _is_ready(task: asyncio.Future) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


def pooled_kernel_manager(voila_class: type) -> type:
    """Voilà's pooling kernel manager class with the changes above (see the module's text)."""
    return type("KpiKernelManager", (PacedPoolMixin, voila_class), {})


class PacedPoolMixin:
    """What :func:`pooled_kernel_manager` puts in front of Voilà's ``VoilaKernelManager``."""

    #: Loopback port kernels ask for their request on (set before the loop runs).
    query_port: int | None = None
    #: Where the progress lines go (``kpi serve``: its console); None: this module's log.
    progress: Callable[[str], Any] | None = None
    _pools: dict[str, list[asyncio.Future]]
    _kernels: dict[str, Any]

    def __init__(self, **kwargs: Any) -> None:
        self._warming = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        self._warming_ids: set[str] = set()
        #: Kernels warming at this moment, and the most there ever were (at most one per core).
        self.warming_now = self.most_warming = 0
        self._launched: dict[str, int] = {}
        self._open = asyncio.Event()  # the port is open: the pools may grow
        self._grown: asyncio.Future | None = None
        self._culling: set[str] = set()
        self._stopping = False
        self._last_take = 0.0
        self._ever_connected: set[str] = set()
        super().__init__(**kwargs)

    def notify_connect(self, kernel_id: str) -> None:
        self._ever_connected.add(kernel_id)
        super().notify_connect(kernel_id)  # type: ignore[misc]

    async def cull_kernels(self) -> None:
        """The server's idle cull, every kernel at once: a crowd that leaves frees its memory
        in one pass, not one shutdown after another."""
        await asyncio.gather(*(self._cull_one(kernel_id) for kernel_id in list(self._kernels)))

    async def _cull_one(self, kernel_id: str) -> None:
        try:
            await self.cull_kernel_if_idle(kernel_id)
        except Exception:  # one kernel that fails to stop must not keep the others
            logging.getLogger(__name__).exception("culling kernel %s failed", kernel_id)

    async def shutdown_kernel(self, kernel_id: str, now: bool = False, **kwargs: Any) -> Any:
        """A culled kernel is stopped at once: an idle dashboard with no browser holds nothing
        worth a graceful exit (seconds each when the CPU is busy)."""
        now = now or kernel_id in self._culling
        return await super().shutdown_kernel(kernel_id, now=now, **kwargs)  # type: ignore[misc]

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """The server's idle cull, except for a kernel whose browser has not connected yet
        (within :data:`FIRST_CONNECT_GRACE_SECONDS` of its last activity)."""
        kernel = self._kernels.get(kernel_id)
        last = getattr(kernel, "last_activity", None)
        waiting = (
            kernel_id not in self._ever_connected
            and last is not None
            and getattr(kernel, "execution_state", None) != "dead"
            and (datetime.now(UTC) - last).total_seconds() < FIRST_CONNECT_GRACE_SECONDS
        )
        if waiting:
            return
        self._culling.add(kernel_id)
        try:
            await super().cull_kernel_if_idle(kernel_id)  # type: ignore[misc]
        finally:
            self._culling.discard(kernel_id)
        if kernel_id not in self._kernels:
            self._ever_connected.discard(kernel_id)

    def get_pool_size(self, notebook_name: str) -> int:
        """Warm kernels only: with none, Voilà starts a fresh kernel for the viewer."""
        return sum(_is_ready(task) for task in self._pools.get(notebook_name, ()))

    async def get_rendered_notebook(self, notebook_name: str, *args: Any, **kwargs: Any) -> Any:
        pool = self._pools.get(notebook_name, [])
        pool.sort(key=lambda task: not _is_ready(task))  # warm first, in age order
        self._last_take = time.monotonic()
        return await super().get_rendered_notebook(  # type: ignore[misc]
            notebook_name, *args, **kwargs
        )

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None,
                          **kwargs: Any) -> dict:  # fmt: skip
        if kernel_id is not None:  # a restart: nothing to pace
            return await super()._initialize(  # type: ignore[misc]
                notebook_path, kernel_id, **kwargs
            )
        if self._is_launch_kernel(notebook_path):  # warm before the port opens
            return await self._start_warm(notebook_path, **kwargs)
        await self._open.wait()  # the pool's growth, and refills: once the viewers are served
        return await self._start_warm(notebook_path, paced=True, **kwargs)

    def _is_launch_kernel(self, notebook_name: str) -> bool:
        """True for the first :func:`launch_quota` kernels of a notebook, before the port
        opens (Voilà starts a pool's kernels in order: they are the pool's first entries)."""
        started = self._launched.get(notebook_name, 0)
        if self._open.is_set() or started >= launch_quota(notebook_name, MAX_POOL):
            return False
        self._launched[notebook_name] = started + 1
        return True

    async def _wait_for_quiet_and_memory(self) -> None:
        while not self._stopping and (
            time.monotonic() - self._last_take < REFILL_QUIET_SECONDS
            or self._viewers_busy()
            or not memory_allows_kernel()
        ):
            await asyncio.sleep(1.0)

    def _viewers_busy(self) -> bool:
        """True while a viewer's kernel runs code (a pool kernel, warming or waiting for its
        request, counts as busy too, and is not a viewer's)."""
        pooled = {task.result()["kernel_id"] for pool in self._pools.values() for task in pool
                  if _is_ready(task)}  # fmt: skip
        return any(
            getattr(kernel, "execution_state", None) == "busy"
            for kernel_id, kernel in list(self._kernels.items())
            if kernel_id not in self._warming_ids and kernel_id not in pooled
        )

    async def _start_warm(self, notebook_path: str, paced: bool = False, **kwargs: Any) -> dict:
        """Start a kernel and wait until it is warm, at most one per core at a time; ``paced``
        (growth, refills): once no viewer needs the cores and the memory allows it."""
        async with self._warming:
            if paced:
                await self._wait_for_quiet_and_memory()
            if self._stopping:
                raise RuntimeError("the server is stopping")
            self.warming_now += 1
            self.most_warming = max(self.most_warming, self.warming_now)
            try:
                return await self._warm_one(notebook_path, **kwargs)
            finally:
                self.warming_now -= 1

    async def _warm_one(self, notebook_path: str, **kwargs: Any) -> dict:
        from voila.utils import ENV_VARIABLE

        env = dict(kwargs.get("env") or {})
        if self.query_port is not None:
            env[ENV_VARIABLE.VOILA_APP_PORT] = str(self.query_port)
            env[ENV_VARIABLE.VOILA_APP_IP] = "127.0.0.1"
        kwargs["env"] = env
        content: dict = await super()._initialize(  # type: ignore[misc]
            notebook_path, None, **kwargs
        )
        self._warming_ids.add(content["kernel_id"])
        try:
            await _until_warm(content)
        finally:
            self._warming_ids.discard(content["kernel_id"])
        return content

    async def wait_until_warm(self) -> None:
        """Until every notebook has its launch quota warm (or failed), saying how many are;
        then the pools grow to their planned size in the background, paced like refills, the
        first viewers having the cores to themselves for :data:`REFILL_QUIET_SECONDS`."""
        launch = [task for name, pool in self._pools.items()
                  for task in pool[: launch_quota(name, len(pool))]]  # fmt: skip
        planned = [task for pool in self._pools.values() for task in pool]
        ready = 0
        for finished in asyncio.as_completed(launch):
            try:
                await finished
            except Exception:  # Voilà logs why; the other dashboards still open
                self._say("A dashboard kernel failed to start (see the log above).")
                continue
            ready += 1
            self._say(f"Warming dashboards: {ready} of {len(launch)} kernels ready.")
        self._last_take = time.monotonic()
        self._open.set()
        self._grown = asyncio.ensure_future(self._report_growth(planned))

    async def _report_growth(self, planned: list[asyncio.Future]) -> None:
        if len(planned) > sum(_is_ready(task) for task in planned):
            await asyncio.gather(*planned, return_exceptions=True)
            if not self._stopping:
                sizes = ", ".join(f"{name.removesuffix('.ipynb')} {size}"
                                  for name, size in self.pool_sizes().items())  # fmt: skip
                self._say(f"Dashboards fully warmed in the background ({sizes} kernels ready), "
                          f"{_seconds_since_start():.0f} s after the start.")  # fmt: skip

    async def wait_until_grown(self) -> None:
        """Until the pools have grown to their planned size (after :meth:`wait_until_warm`)."""
        await self._open.wait()
        if self._grown is not None:
            await self._grown

    def _say(self, line: str) -> None:
        (self.progress or logging.getLogger(__name__).info)(line)

    def pool_sizes(self) -> dict[str, int]:
        """Warm kernels per notebook, now."""
        return {name: self.get_pool_size(name) for name in self._pools}

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:
        self._stopping = True
        await super().shutdown_all(*args, **kwargs)  # type: ignore[misc]


async def _until_warm(content: dict) -> None:
    """Until the kernel waits for its request (or its notebook stopped, or too long)."""
    from voila.request_info_handler import RequestInfoSocketHandler

    deadline = time.monotonic() + WARM_TIMEOUT_SECONDS
    while time.monotonic() < deadline and not content["task"].done():
        if content["kernel_id"] in RequestInfoSocketHandler._waiters:
            return
        await asyncio.sleep(POLL_SECONDS)
