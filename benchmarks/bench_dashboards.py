"""Time the dashboards in headless Chromium: page opened → first chart drawn, and selector
changed → charts redrawn, against a naive baseline measured in the same run on the same demo data.

Naive: plain ``voila notebooks/dashboards`` (Voilà's defaults: a kernel started and the notebook
run for each visit, no preheating, every chart carrying its own copy of the Vega bundle).
Ours: ``kpi serve`` (preheated kernels with the imports, database and default view ready and the
page drawn before anyone asks; one shared chart bundle; the offline template).

Each visit is a fresh browser context (nothing cached), every non-local request blocked. Between
visits the script waits until the server and its kernels are idle, so a visit never competes with
the refilling of Voilà's kernel pool. Prints medians and the ratio naive / ours.

    .venv/bin/python benchmarks/bench_dashboards.py            # 3 visits per dashboard and route
    .venv/bin/python benchmarks/bench_dashboards.py --loads 5
    .venv/bin/python benchmarks/bench_dashboards.py --busy 1   # one core kept busy throughout
    .venv/bin/python benchmarks/bench_dashboards.py --viewers 5,10,25   # crowds arriving together

``--viewers`` measures crowds instead (``dashboard_crowd.py`` beside this script says how): the
first chart of N viewers arriving together, failed pages, peak memory and memory one minute
after they left, CPU per viewer, RSS per kernel, and the first viewer after a start.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage"]  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    """A dashboard, the chart that proves it drew, and one selector change to time."""

    notebook: str
    first_chart: str  # CSS class of the chart waited for
    select: str  # selector name (kpi-select-<name>)
    choices: tuple[str, str]  # two option labels, alternated
    expects: tuple[str, str]  # text the chart shows once redrawn for each choice
    chart: str  # chart class whose text is checked


SCENARIOS = (
    Scenario("province.ipynb", "ranking", "rank-by",
             ("PEFA budget reliability", "Budget utilisation"),
             ("PEFA budget reliability, 2024-25 FY", "Budget utilisation, 2024-25 FY"), "ranking"),
    Scenario("department.ipynb", "curve", "department", ("Finance", "Health"),
             ("Finance: spending against plan", "Health: spending against plan"), "curve"),
    Scenario("pse_monitor.ipynb", "z2-by-pse", "category", ("Universities", "Public companies"),
             ("Universities: latest", "Public companies: latest"), "z2-by-pse"),
)  # fmt: skip
#: Changes that need a view not yet computed, timed separately: another period of the year
#: on the page (its year's data already read), and another fiscal year (read and computed).
COLD_CHANGES = {
    "province (period)": Scenario("province.ipynb", "ranking", "period",
                                  ("To December (Q1–Q2)", "To March (Q1–Q3)"),
                                  ("2024-25 Q2", "2024-25 Q3"), "ranking"),
    "province (fiscal year)": Scenario("province.ipynb", "ranking", "fiscal-year",
                                       ("2023-24", "2022-23"), ("2023-24 FY", "2022-23 FY"),
                                       "ranking"),
}  # fmt: skip


@dataclass
class Timings:
    first_chart: list[float] = field(default_factory=list)
    round_trip: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_idle(pid: int, timeout: float = 240.0, threshold: float = 15.0) -> None:
    """Wait until the server and its kernels use under ``threshold`` % CPU for two seconds."""
    deadline = time.monotonic() + timeout
    quiet = 0
    root = psutil.Process(pid)
    while time.monotonic() < deadline:
        processes = [root, *root.children(recursive=True)]
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.cpu_percent(None)
        time.sleep(1.0)
        busy = 0.0
        for process in processes:
            with contextlib.suppress(psutil.NoSuchProcess):
                busy += process.cpu_percent(None)
        quiet = quiet + 1 if busy < threshold else 0
        if quiet >= 2:
            return


def start_server(command: list[str], env: dict[str, str], url: str) -> subprocess.Popen:
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.5)
    wait_idle(process.pid)
    return process


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def visit(browser, base: str, scenario: Scenario, round_trips: int) -> tuple[float, list[float]]:
    """One visit: seconds to the first chart, and the selector round trips."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked: list[str] = []

    def guard(route):
        if route.request.url.startswith((base, "data:", "blob:", "about:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    started = time.perf_counter()
    page.goto(base + "voila/render/" + scenario.notebook, wait_until="commit", timeout=180_000)
    page.locator(f".kpi-chart-{scenario.first_chart} .vega-embed svg").first.wait_for(
        timeout=180_000
    )
    first = time.perf_counter() - started
    trips = []
    for i in range(round_trips):
        choice, expected = scenario.choices[i % 2], scenario.expects[i % 2]
        began = time.perf_counter()
        page.locator(f".kpi-select-{scenario.select} select").select_option(label=choice)
        page.wait_for_function(
            """([name, text]) => {
                const svg = document.querySelector(`.kpi-chart-${name} .vega-embed svg`);
                return svg !== null && svg.textContent.includes(text);
            }""",
            arg=[scenario.chart, expected],
            timeout=120_000,
        )
        trips.append(time.perf_counter() - began)
    context.close()
    return first, trips


def measure(route: str, command: list[str], env: dict[str, str], loads: int,
            chromium: str) -> dict[str, Timings]:  # fmt: skip
    from playwright.sync_api import sync_playwright

    port = int(command[command.index("--port") + 1]) if "--port" in command else 0
    base = f"http://127.0.0.1:{port}/"
    process = start_server(command, env, base)
    results: dict[str, Timings] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            plan = [(s.notebook, s, loads, 3) for s in SCENARIOS]
            plan += [(key, s, 1, 2) for key, s in COLD_CHANGES.items()]
            for key, scenario, visits, round_trips in plan:
                timings = results.setdefault(key, Timings())
                for _ in range(visits):
                    first, trips = visit(browser, base, scenario, round_trips)
                    timings.first_chart.append(first)
                    timings.round_trip.extend(trips)
                    print(f"  {route:5} {key:20} first chart {first:5.2f} s, round trips "
                          + ", ".join(f"{t:.2f}" for t in trips), flush=True)  # fmt: skip
                    wait_idle(process.pid)
            browser.close()
    finally:
        stop_server(process)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=3, help="visits per dashboard and route")
    parser.add_argument("--chromium", default=os.environ.get("KPI_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="processes that keep a core busy for the whole run (a server doing other work)",
    )
    parser.add_argument(
        "--viewers", default="", help="crowd sizes, e.g. 5,10,25: viewers arriving together"
    )
    parser.add_argument("--routes", default="naive,ours", help="with --viewers: which routes")
    parser.add_argument(
        "--browsers",
        default="2",
        help="with --viewers: viewers of each crowd in Chromium, the others protocol clients "
        "(crowd_client.py); 'all': every viewer in Chromium on the server's cores",
    )
    args = parser.parse_args()
    with keep_cores_busy(args.busy):
        if args.viewers:
            run_crowds(args, [int(n) for n in args.viewers.split(",")])
        else:
            run(args)


def build_demo() -> dict[str, str]:
    """A fresh demo database; the servers' environment pointing at it."""
    folder = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    subprocess.run([BIN / "kpi", "--database-url", url, "demo"], check=True, capture_output=True)
    env = {**os.environ, "KPI_DATABASE_URL": url, "PATH": f"{BIN}:{os.environ['PATH']}"}
    env.pop("KPI_SERVE_TOKEN", None)
    return env


def run_crowds(args: argparse.Namespace, crowds: list[int]) -> None:
    from dashboard_crowd import (
        AFTER_LEAVING_SECONDS,
        first_viewer_after_start,
        kernel_rss_mb,
        measure_crowd,
        print_crowd_table,
        record_assets,
    )

    browsers = None if args.browsers == "all" else int(args.browsers)

    env = build_demo()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores, shared)", flush=True)
    results: dict[str, dict] = {"naive": {}, "ours": {}}
    for route in args.routes.split(","):
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        command = (
            [str(BIN / "voila"), "notebooks/dashboards", "--no-browser", "--port", str(port),
             "--Voila.port_retries=0"] if route == "naive"
            else [str(BIN / "kpi"), "serve", "--port", str(port)]
        )  # fmt: skip
        process, first, answered = first_viewer_after_start(
            command, env, REPO, base, args.chromium, CHROMIUM_ARGS
        )
        first_text = f"{first:.2f} s" if first is not None else "failed"
        print(f"{route}: first viewer after a start: department first chart {first_text} "
              f"(the server answered {answered:.1f} s after its start)", flush=True)  # fmt: skip
        try:
            in_chromium = browsers is None
            assets = [] if in_chromium else record_assets(args.chromium, CHROMIUM_ARGS, base)
            time.sleep(AFTER_LEAVING_SECONDS)  # the start-up visits' kernels culled: a true idle
            wait_idle(process.pid)
            rss, uss = kernel_rss_mb(process.pid)
            print(f"{route}: warm kernel RSS {rss:.0f} MB (own memory, USS, {uss:.0f} MB)",
                  flush=True)  # fmt: skip
            for n in crowds:
                result = measure_crowd(process.pid, base, n, args.chromium, CHROMIUM_ARGS,
                                       wait_idle, browsers, assets)  # fmt: skip
                results[route][n] = result
                print(
                    "    first charts: " + " ".join(f"{t:.1f}" for t in sorted(result.first_chart))
                )
                print(f"  {route} {n:3} viewers: p50 {result.quantile(0.5):.1f} s, "
                      f"p95 {result.quantile(0.95):.1f} s, failed {result.failed}, "
                      f"peak {result.peak_mb:.0f} MB, idle {result.idle_mb:.0f} MB, "
                      f"1 min after {result.after_mb:.0f} MB, "
                      f"CPU/viewer {result.cpu_per_viewer:.2f} s; in Chromium: "
                      + ", ".join(f"{t:.1f} s" for t in result.browser_chart),
                      flush=True)  # fmt: skip
        finally:
            stop_server(process)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print_crowd_table(results["naive"], results["ours"])


@contextlib.contextmanager
def keep_cores_busy(count: int):
    """``count`` processes spinning on a core each until the block ends."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-dash-"))
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    subprocess.run([BIN / "kpi", "--database-url", url, "demo"], check=True, capture_output=True)
    env = {**os.environ, "KPI_DATABASE_URL": url, "PATH": f"{BIN}:{os.environ['PATH']}"}
    env.pop("KPI_SERVE_TOKEN", None)
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores, shared); "
          f"{args.busy} core(s) kept busy")  # fmt: skip
    naive_port, ours_port = free_port(), free_port()
    naive = measure(
        "naive",
        [str(BIN / "voila"), "notebooks/dashboards", "--no-browser", "--port", str(naive_port),
         "--Voila.port_retries=0"],
        env, args.loads, args.chromium,
    )  # fmt: skip
    ours = measure(
        "ours", [str(BIN / "kpi"), "serve", "--port", str(ours_port)], env, args.loads,
        args.chromium,
    )  # fmt: skip
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    print("| Dashboard | naive first chart | ours first chart | vs naive | naive round trip "
          "| ours round trip |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for key in ours:
        n_first = statistics.median(naive[key].first_chart)
        o_first = statistics.median(ours[key].first_chart)
        n_trip = statistics.median(naive[key].round_trip)
        o_trip = statistics.median(ours[key].round_trip)
        print(f"| {key} | {n_first:.2f} s | {o_first:.2f} s | {n_first / o_first:.1f}× "
              f"| {n_trip:.2f} s | {o_trip:.2f} s |")  # fmt: skip


if __name__ == "__main__":
    main()
