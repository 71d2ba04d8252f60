"""Viewers arriving together (``bench_dashboards.py --viewers 5,10,25``, issue 20).

For each route (naive: plain ``voila``, a kernel started per visit; ours: ``kpi serve``) and each
crowd size N: N viewers open the province dashboard at the same moment; each viewer's time
from request to first chart is recorded (no chart within 180 s, or an error, is a failed page).
``--browsers K`` (default 2) of them are fresh Chromium contexts (first chart: the chart's SVG
drawn); the others are protocol clients (``crowd_client.py``: the requests a browser makes, in
its order; first chart: the kernel's answer to the chart's first message), because N Chromium
pages on the server's own two cores would measure Chromium rather than the server.
``--browsers all`` puts every viewer in Chromium. Meanwhile the memory of the server and its
kernels (RSS summed) is sampled every half second. Then every viewer leaves (its context or
WebSocket closed, as when a laptop lid shuts: no unload handler runs), and the memory is read
again one minute later. CPU per viewer is the CPU time of the server and all its kernels,
exited ones included, from the moment the crowd arrives until one minute after it left, divided
by N: it includes refilling the pool.

Also timed: the first viewer after a start (the department dashboard opened the moment the
server first answers), and the RSS of one warm kernel.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

import psutil
from crowd_client import configure_client, protocol_viewer, record_browser_visit

TIMEOUT_MS = 180_000
AFTER_LEAVING_SECONDS = 60.0
PROVINCE = "voila/render/province.ipynb"
#: Seconds to let the server start refilling its pool before waiting for it to be idle.
REFILL_SETTLE_SECONDS = 8.0


@dataclass
class CrowdResult:
    viewers: int
    first_chart: list[float] = field(default_factory=list)
    failed: int = 0
    idle_mb: float = 0.0
    peak_mb: float = 0.0
    after_mb: float = 0.0
    cpu_per_viewer: float = 0.0
    #: First charts of the viewers in Chromium (the rest are protocol clients).
    browser_chart: list[float] = field(default_factory=list)

    def quantile(self, q: float) -> float:
        times = sorted(self.first_chart)
        if not times:
            return float("nan")
        return times[min(len(times) - 1, round(q * (len(times) - 1)))]


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and its descendants, in MB."""
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total / 2**20


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process, its live descendants and the children it has reaped."""
    root = psutil.Process(pid)
    times = root.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for process in root.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            child = process.cpu_times()
            total += child.user + child.system
    return total


def kernel_rss_mb(pid: int) -> tuple[float, float]:
    """Median RSS and USS (memory of its own) of the server's kernels, in MB."""
    kernels = [p for p in psutil.Process(pid).children(recursive=True) if "ipykernel" in
               " ".join(p.cmdline())]  # fmt: skip
    if not kernels:
        return float("nan"), float("nan")
    rss = statistics.median(p.memory_info().rss for p in kernels) / 2**20
    uss = statistics.median(p.memory_full_info().uss for p in kernels) / 2**20
    return rss, uss


class PeakSampler:
    """The largest RSS of a process tree, sampled every half second in a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._stop.wait(0.5)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def _open_viewer(browser, base: str, path: str, chart: str) -> tuple[float | None, object]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()

    async def guard(route):
        if route.request.url.startswith((base, "data:", "blob:", "about:")):
            await route.continue_()
        else:
            await route.abort()

    await page.route("**/*", guard)
    started = time.perf_counter()
    try:
        await page.goto(base + path, wait_until="commit", timeout=TIMEOUT_MS)
        await page.locator(f".kpi-chart-{chart} .vega-embed svg").first.wait_for(timeout=TIMEOUT_MS)
    except Exception as error:  # a failed page: counted, not raised
        print(f"    failed page: {type(error).__name__}: {str(error)[:120]}", flush=True)
        return None, context
    return time.perf_counter() - started, context


async def _protocol(
    base: str, path: str, chart: str, assets: list[str]
) -> tuple[float | None, Any]:
    try:
        return await protocol_viewer(base, path, chart, assets)
    except Exception as error:  # a failed page: counted, not raised
        print(f"    failed page (protocol): {type(error).__name__}: {str(error)[:120]}", flush=True)
        return None, None


@dataclass
class Crowd:
    """First-chart seconds (None: failed) of a crowd's Chromium and protocol viewers."""

    browser: list[float | None]
    protocol: list[float | None]


async def _crowd(chromium: str, args: list[str], base: str, viewers: int, path: str,
                 chart: str, on_arrived, browsers: int | None = None,
                 assets: list[str] | None = None) -> Crowd:  # fmt: skip
    """``viewers`` arriving together: ``browsers`` of them in Chromium (all when None), the
    others protocol clients fetching ``assets`` (:mod:`crowd_client`)."""
    from playwright.async_api import async_playwright

    in_browser = viewers if browsers is None else min(browsers, viewers)
    configure_client()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=args)
        on_arrived()
        pages = asyncio.gather(*(_open_viewer(browser, base, path, chart)
                                 for _ in range(in_browser)))  # fmt: skip
        clients = asyncio.gather(*(_protocol(base, path, chart, assets or [])
                                   for _ in range(viewers - in_browser)))  # fmt: skip
        opened, connected = await asyncio.gather(pages, clients)
        for _time, context in opened:  # every viewer leaves
            await context.close()
        for _time, connection in connected:
            if connection is not None:
                connection.close()
        await browser.close()
    return Crowd([t for t, _ in opened], [t for t, _ in connected])


async def _record_assets(chromium: str, args: list[str], base: str) -> list[str]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=args)
        assets = await record_browser_visit(browser, base, PROVINCE, "ranking")
        await browser.close()
    return assets


def record_assets(chromium: str, args: list[str], base: str) -> list[str]:
    """What a Chromium visit of the province page fetches (the protocol viewers replay it)."""
    return asyncio.run(_record_assets(chromium, args, base))


def measure_crowd(pid: int, base: str, viewers: int, chromium: str, args: list[str],
                  wait_idle, browsers: int | None = None,
                  assets: list[str] | None = None) -> CrowdResult:  # fmt: skip
    """One crowd of ``viewers`` on the province dashboard; see the module's text."""
    result = CrowdResult(viewers=viewers, idle_mb=tree_rss_mb(pid))
    cpu_before: list[float] = []
    with PeakSampler(pid) as sampler:
        crowd = asyncio.run(
            _crowd(chromium, args, base, viewers, PROVINCE, "ranking",
                   lambda: cpu_before.append(tree_cpu_seconds(pid)), browsers, assets)
        )  # fmt: skip
        left = time.monotonic()
        time.sleep(max(0.0, left + AFTER_LEAVING_SECONDS - time.monotonic()))
    result.after_mb = tree_rss_mb(pid)
    result.peak_mb = sampler.peak
    result.cpu_per_viewer = (tree_cpu_seconds(pid) - cpu_before[0]) / viewers
    times = crowd.browser + crowd.protocol
    result.first_chart = [t for t in times if t is not None]
    result.browser_chart = [t for t in crowd.browser if t is not None]
    result.failed = sum(t is None for t in times)
    time.sleep(REFILL_SETTLE_SECONDS)
    wait_idle(pid)
    return result


def first_viewer_after_start(
    command: list[str], env: dict, cwd, base: str, chromium: str, args: list[str]
) -> tuple[subprocess.Popen, float | None, float]:
    """Start the server, open the department dashboard the moment it first answers; the
    server (left running), seconds to the first chart, and seconds until it answered."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    started = time.monotonic()
    while time.monotonic() - started < 600:
        try:
            with urllib.request.urlopen(base, timeout=5):
                break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.2)
    answered = time.monotonic() - started
    crowd = asyncio.run(_crowd(chromium, args, base, 1, "voila/render/department.ipynb",
                               "curve", lambda: None))  # fmt: skip
    return process, crowd.browser[0], answered


def print_crowd_table(naive: dict[int, CrowdResult], ours: dict[int, CrowdResult]) -> None:
    print("| Viewers together | route | first chart p50 | p95 | failed | peak memory "
          "| idle before | 1 min after leaving | CPU per viewer |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for n in ours:
        for route, results in (("naive", naive), ("kpi serve", ours)):
            r = results.get(n)
            if r is None:
                continue
            print(f"| {n} | {route} | {r.quantile(0.5):.1f} s | {r.quantile(0.95):.1f} s "
                  f"| {r.failed} | {r.peak_mb / 1024:.2f} GB | {r.idle_mb / 1024:.2f} GB "
                  f"| {r.after_mb / 1024:.2f} GB ({r.after_mb - r.idle_mb:+.0f} MB) "
                  f"| {r.cpu_per_viewer:.2f} s |")  # fmt: skip
        if n in naive:
            ratio = naive[n].quantile(0.95) / ours[n].quantile(0.95)
            print(f"|  | naive / ours, p95 | {ratio:.1f}× | | | | | | "
                  f"{naive[n].cpu_per_viewer / ours[n].cpu_per_viewer:.1f}× |")  # fmt: skip
