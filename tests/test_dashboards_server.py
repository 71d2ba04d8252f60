"""`kpi serve`: safe by default (localhost, or a token / password), offline pages, read-only
kernels of the project's Python; the Voilà settings it uses."""

import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, start_kpi_serve
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.dashboards import DASHBOARDS
from kpilib.dashboards.server import (
    JUPYTER_DATA,
    TEMPLATE,
    ServeParams,
    absolute_database_url,
    build_kernel_environment,
    build_voila_argv,
    check_serve_params,
    is_loopback,
)
from kpilib.errors import ServeError

TEMPLATE_DIR = JUPYTER_DATA / "voila" / "templates" / TEMPLATE
DASHBOARDS_DIR = REPO / "notebooks" / "dashboards"
TOKEN = "0123456789abcdef0123"


def params(**values) -> ServeParams:
    return ServeParams(dashboards_dir=DASHBOARDS_DIR, database_url="sqlite:////x.sqlite",
                       **values)  # fmt: skip


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "10.0.0.5", "::", "example.org"))


def test_serving_beyond_localhost_needs_a_token_or_password():
    check_serve_params(params())
    with pytest.raises(ServeError, match="without protection"):
        check_serve_params(params(host="0.0.0.0"))
    check_serve_params(params(host="0.0.0.0", token=TOKEN))
    check_serve_params(params(host="0.0.0.0", password_hash="argon2:$argon2id$v=19$abc"))
    with pytest.raises(ServeError, match="at least 16"):
        check_serve_params(params(host="0.0.0.0", token="short"))
    with pytest.raises(ServeError, match="not a plain password"):
        check_serve_params(params(password_hash="secret"))
    with pytest.raises(ServeError, match="base-url"):
        check_serve_params(params(base_url="dashboards"))
    with pytest.raises(ServeError, match="no dashboard notebooks"):
        check_serve_params(
            ServeParams(dashboards_dir=REPO / "docs", database_url="sqlite:////x.sqlite")
        )


def test_cli_refuses_an_open_address_before_starting_anything(demo_sqlite_url):
    result = CliRunner().invoke(
        app, ["--database-url", demo_sqlite_url, "serve", "--host", "0.0.0.0"],
        env={"KPI_SERVE_TOKEN": "", "KPI_SERVE_PASSWORD_HASH": ""},
    )  # fmt: skip
    assert result.exit_code == 1
    assert "refusing to serve the dashboards on '0.0.0.0' without protection" in str(
        result.exception
    )


def test_voila_runs_stripped_preheated_on_our_template_with_no_secret_on_its_command_line():
    argv = build_voila_argv(params(token=TOKEN, password_hash="argon2:x"))
    assert argv[0] == str(DASHBOARDS_DIR)
    for setting in ("--template=kpi_dashboard", "--strip_sources=True", "--preheat_kernel=True",
                    "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", "--show_tracebacks=False",
                    "--VoilaConfiguration.allow_template_override=NO",
                    "--VoilaConfiguration.allow_theme_override=NO",
                    "--VoilaConfiguration.kernel_spec_manager_class="
                    "kpilib.report.kernels.ProjectKernelSpecManager"):  # fmt: skip
        assert setting in argv
    assert not any(TOKEN in a or "argon2" in a for a in argv)


def test_kernels_get_the_database_and_template_but_not_the_secrets(tmp_path, monkeypatch):
    env = build_kernel_environment(
        params(),
        {"KPI_SERVE_TOKEN": TOKEN, "KPI_SERVE_PASSWORD_HASH": "h", "JUPYTER_PATH": "/a"},
    )
    assert "KPI_SERVE_TOKEN" not in env and "KPI_SERVE_PASSWORD_HASH" not in env
    assert env["KPI_DATABASE_URL"] == "sqlite:////x.sqlite"
    assert env["JUPYTER_PATH"].split(":") == [str(JUPYTER_DATA), "/a"]
    monkeypatch.chdir(tmp_path)
    assert absolute_database_url("sqlite:///data/k.sqlite") == f"sqlite:///{tmp_path}/data/k.sqlite"
    assert absolute_database_url("postgresql://u@h/db").startswith("postgresql+psycopg://u@h/db")


def test_template_files_name_no_remote_resource():
    texts = {p.name: p.read_text() for p in TEMPLATE_DIR.rglob("*") if p.is_file()}
    assert {"index.html.j2", "page.html", "tree.html", "conf.json", "kpi-dashboard.css"} <= set(
        texts
    )
    for name, text in texts.items():
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
        assert not re.search(r"url\(\s*[^)\s]", text) and "@import" not in text, name
    assert json.loads(texts["conf.json"])["base_template"] == "lab"


def test_landing_page_titles_match_the_registry():
    text = (TEMPLATE_DIR / "tree.html").read_text()
    for dashboard in DASHBOARDS:
        assert f'"{dashboard.notebook}": ("{dashboard.title}",' in text
        assert " ".join(dashboard.description.split()) in " ".join(text.split())


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


REMOTE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//(?!127\.0\.0\.1|localhost)""", re.I)


@pytest.mark.slow
def test_served_pages_link_nothing_remote_and_the_template_cannot_be_switched(dashboard_server):
    for path in ("", "voila/render/province.ipynb?template=lab&theme=dark", "voila/nothing"):
        status, body = fetch(dashboard_server.url + path)
        assert status in (200, 404), (path, status)
        assert not REMOTE.search(body), path
        assert "fontawesome" not in body.lower() and "cdn." not in body.lower(), path
    status, body = fetch(dashboard_server.url + "voila/render/province.ipynb?template=lab")
    assert "kpi-suite dashboard stylesheet" in body  # still our template, not Voilà's lab
    status, _ = fetch(dashboard_server.url + "voila/files/province.ipynb")
    assert status in (403, 404)  # notebooks are not downloadable


def write_tiny_dashboards(folder: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}  # fmt: skip
    notebook.cells = [nbformat.v4.new_code_cell("x = 1  # parameters")]
    folder.mkdir()
    nbformat.write(notebook, folder / "tiny.ipynb")
    return folder


@pytest.mark.slow
@pytest.mark.any_backend  # the server and its pools, not the data
def test_a_token_protects_every_page(demo_sqlite_url, tmp_path):
    folder = write_tiny_dashboards(tmp_path / "dashboards")
    served = start_kpi_serve(
        demo_sqlite_url, tmp_path / "serve.log", "--dashboards-dir", str(folder),
        env={"KPI_SERVE_TOKEN": TOKEN},
    )  # fmt: skip
    try:
        for path in ("", "voila/render/tiny.ipynb"):
            status, body = fetch(served.url + path)
            assert status == 403 or "login" in body.lower(), (path, status)
            assert "x = 1" not in body
        status, body = fetch(served.url + f"voila/render/tiny.ipynb?token={TOKEN}")
        assert status == 200 and "jupyter-config-data" in body
        assert TOKEN not in served.log.read_text()
    finally:
        served.stop()
    assert served.process.returncode is not None
    assert sys.executable  # kernels ran this interpreter (see ProjectKernelSpecManager)


# --- many viewers at once (issue 20) -----------------------------------------------------------

NOTEBOOKS = ["department.ipynb", "province.ipynb", "pse_monitor.ipynb"]


def test_pools_are_planned_from_the_memory_available():
    from kpilib.dashboards.pool import DEFAULT_POOL_CAP, HEADROOM_MB, KERNEL_MB, plan_pools

    plenty = plan_pools(NOTEBOOKS, 64 * 1024)
    assert plenty == {
        "department.ipynb": 2,
        "pse_monitor.ipynb": 2,
        "province.ipynb": DEFAULT_POOL_CAP,
    }
    ten_kernels = plan_pools(NOTEBOOKS, HEADROOM_MB + 10 * KERNEL_MB)
    assert ten_kernels == {"department.ipynb": 1, "pse_monitor.ipynb": 1, "province.ipynb": 8}
    assert sum(ten_kernels.values()) * KERNEL_MB <= 10 * KERNEL_MB  # the headroom is kept
    starved = plan_pools(NOTEBOOKS, 512)
    assert starved == {"department.ipynb": 1, "pse_monitor.ipynb": 1, "province.ipynb": 1}
    assert plan_pools(NOTEBOOKS, 64 * 1024, main_pool=5)["province.ipynb"] == 5
    # one kernel asked for the province page: one for each page (a small machine, the tests)
    assert set(plan_pools(NOTEBOOKS, 64 * 1024, main_pool=1).values()) == {1}
    assert plan_pools(["tiny.ipynb"], 64 * 1024) == {"tiny.ipynb": 2}


def test_closed_pages_kernels_are_culled_within_a_minute_and_pools_sized_per_notebook():
    from kpilib.dashboards.server import (
        CULL_IDLE_SECONDS,
        CULL_INTERVAL_SECONDS,
        build_voila_config,
    )

    assert CULL_IDLE_SECONDS + CULL_INTERVAL_SECONDS <= 60
    argv = build_voila_argv(params())
    assert f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}" in argv
    assert "--MappingKernelManager.cull_connected=False" in argv  # an open page keeps its kernel
    assert "--MappingKernelManager.cull_busy=False" in argv
    config = build_voila_config({"province.ipynb": 25, "department.ipynb": 2})
    pools = config.VoilaKernelManager.kernel_pools_config
    assert pools["province.ipynb"] == {"pool_size": 25} and pools["default"] == {"pool_size": 1}
    with pytest.raises(ServeError, match="--pool-size"):
        check_serve_params(params(pool_size=0))


def test_the_public_port_refuses_connections_until_it_is_opened():
    import socket

    from conftest import free_port

    from kpilib.dashboards.voila_app import reserve_port

    port = free_port()
    reserved = reserve_port("127.0.0.1", port)
    try:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        reserved.listen(8)
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with pytest.raises(ServeError, match="already in use"):  # a server listens there
            reserve_port("127.0.0.1", port)
    finally:
        reserved.close()


def test_a_kernel_whose_browser_has_not_connected_yet_is_not_culled():
    """A crowd can starve a browser for over a minute before it opens its WebSocket: its kernel
    waits for it (within the grace); a kernel whose browser came and left is culled as usual."""
    import asyncio
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from kpilib.dashboards.pool import FIRST_CONNECT_GRACE_SECONDS, PacedPoolMixin

    class Server:  # what the mixin sits on: the server's own cull, recorded
        def __init__(self, **_: object) -> None:
            self._kernels: dict = {}
            self.culled: list[str] = []

        def notify_connect(self, kernel_id: str) -> None:
            pass

        async def cull_kernel_if_idle(self, kernel_id: str) -> None:
            self.culled.append(kernel_id)
            self._kernels.pop(kernel_id)

    async def scenario() -> list[str]:
        manager = type("Manager", (PacedPoolMixin, Server), {})()
        now = datetime.now(UTC)
        for name, idle in (("waiting", 90), ("came-and-left", 90),
                           ("abandoned", FIRST_CONNECT_GRACE_SECONDS + 1)):  # fmt: skip
            manager._kernels[name] = SimpleNamespace(
                last_activity=now - timedelta(seconds=idle), execution_state="idle"
            )
        manager.notify_connect("came-and-left")
        for name in list(manager._kernels):
            await manager.cull_kernel_if_idle(name)
        assert manager._ever_connected == set()  # forgotten once culled
        return manager.culled

    assert asyncio.run(scenario()) == ["came-and-left", "abandoned"]


class _RecordingServer:
    """What :class:`PacedPoolMixin` sits on: the server's cull and shutdown, recorded."""

    def __init__(self, **_: object) -> None:
        self._kernels: dict = {}
        self._pools: dict = {}
        self.stopped: list[tuple[str, bool]] = []
        self.running = self.most_at_once = 0

    def notify_connect(self, kernel_id: str) -> None:
        pass

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        await self.shutdown_kernel(kernel_id)  # the server's cull: a plain shutdown

    async def shutdown_kernel(self, kernel_id: str, now: bool = False) -> None:
        import asyncio

        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(0.01)  # a shutdown takes a while
        self.running -= 1
        self.stopped.append((kernel_id, now))
        self._kernels.pop(kernel_id)


def _manager():
    from kpilib.dashboards.pool import PacedPoolMixin

    return type("Manager", (PacedPoolMixin, _RecordingServer), {})()


def test_a_crowd_that_left_is_culled_in_one_pass_each_kernel_stopped_at_once():
    """Twenty-five kernels whose pages closed are stopped together, without the graceful exit
    (seconds each on a busy machine); a shutdown that is not a cull stays graceful."""
    import asyncio
    from types import SimpleNamespace

    async def scenario():
        manager = _manager()
        for number in range(25):
            name = f"viewer-{number}"
            manager._kernels[name] = SimpleNamespace(last_activity=None, execution_state="idle")
            manager.notify_connect(name)
        await manager.cull_kernels()
        manager._kernels["closed-by-page"] = SimpleNamespace(execution_state="idle")
        await manager.shutdown_kernel("closed-by-page")
        return manager

    manager = asyncio.run(scenario())
    assert sorted(manager.stopped[:-1]) == sorted((f"viewer-{n}", True) for n in range(25))
    assert manager.most_at_once == 25
    assert manager.stopped[-1] == ("closed-by-page", False)


def test_the_pool_refills_only_while_no_viewer_kernel_runs_code():
    """Refills wait for the viewers' kernels to be idle; a pool kernel waiting for its request
    (its notebook still running) or one warming does not hold them back."""
    import asyncio
    from types import SimpleNamespace

    async def scenario() -> list[bool]:
        manager = _manager()
        warm = asyncio.get_running_loop().create_future()
        warm.set_result({"kernel_id": "pooled"})
        manager._pools = {"province.ipynb": [warm]}
        manager._warming_ids.add("warming")
        for name in ("pooled", "warming", "viewer"):
            manager._kernels[name] = SimpleNamespace(execution_state="busy")
        busy = [manager._viewers_busy()]
        manager._kernels["viewer"].execution_state = "idle"
        return [*busy, manager._viewers_busy()]

    assert asyncio.run(scenario()) == [True, False]


# --- a fast start: the port opens on a launch quota, the pools grow in the background ----------


class _StartingServer:
    """What :class:`PacedPoolMixin` sits on at a start: Voilà's pools, filled as Voilà fills
    them (every kernel's task created at once), each kernel start recorded."""

    def __init__(self, pools: dict[str, int], **_: object) -> None:
        import asyncio

        self._kernels: dict = {}
        self._pools = {
            name: [asyncio.ensure_future(self._initialize(name)) for _ in range(size)]
            for name, size in pools.items()
        }
        self.started: list[str] = []
        self.running = self.most_at_once = 0

    async def _initialize(self, notebook_path: str, kernel_id=None, **_: object) -> dict:
        import asyncio

        self.started.append(notebook_path)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(0.01)  # the kernel warms
        self.running -= 1
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)  # its notebook has run: warm
        return {"kernel_id": f"{notebook_path}-{len(self.started)}", "task": done}


def _start(monkeypatch, pools: dict[str, int], cores: int):
    """Start a pool manager on ``cores`` cores, nobody viewing: sizes when the port opens,
    sizes once grown, the progress lines, and the most kernels that ever warmed at once."""
    import asyncio

    from kpilib.dashboards import pool

    monkeypatch.setattr(pool.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(pool, "REFILL_QUIET_SECONDS", 0.0)  # no viewer: grow at once
    monkeypatch.setattr(pool, "memory_allows_kernel", lambda: True)  # memory aside

    async def scenario():
        manager = type("Manager", (pool.PacedPoolMixin, _StartingServer), {})(pools=pools)
        lines: list[str] = []
        manager.progress = lines.append
        await manager.wait_until_warm()  # then the port opens
        at_open = manager.pool_sizes()
        launched = list(manager.started)
        await manager.wait_until_grown()
        return at_open, launched, manager, lines

    return asyncio.run(scenario())


def test_the_port_opens_once_each_notebook_has_its_launch_quota_warm(monkeypatch):
    """The port opens on a kernel or two per notebook (the province page's two first); the
    other kernels have not started by then, and grow the pools to their plan afterwards."""
    from kpilib.dashboards.pool import LAUNCH_QUOTA, MAIN_LAUNCH_QUOTA

    plan = {"department.ipynb": 2, "province.ipynb": 12, "pse_monitor.ipynb": 2}
    at_open, launched, manager, lines = _start(monkeypatch, plan, cores=2)
    quota = {"department.ipynb": LAUNCH_QUOTA, "province.ipynb": MAIN_LAUNCH_QUOTA,
             "pse_monitor.ipynb": LAUNCH_QUOTA}  # fmt: skip
    assert at_open == quota and sorted(launched) == sorted(
        n for n in quota for _ in range(quota[n])
    )
    assert manager.pool_sizes() == plan
    count = sum(quota.values())
    assert lines[:count] == [f"Warming dashboards: {n} of {count} kernels ready."
                             for n in range(1, count + 1)]  # fmt: skip
    assert lines[-1].startswith("Dashboards fully warmed in the background (department 2, "
                                "province 12, pse_monitor 2 kernels ready)")  # fmt: skip


def test_kernels_warm_in_waves_of_at_most_one_per_core(monkeypatch):
    for cores in (1, 2, 4):
        _, _, manager, _ = _start(monkeypatch, {"province.ipynb": 9, "tiny.ipynb": 2}, cores)
        assert manager.most_at_once == manager.most_warming == cores
        assert manager.pool_sizes() == {"province.ipynb": 9, "tiny.ipynb": 2}


def test_a_pool_no_larger_than_its_quota_opens_fully_warm(monkeypatch):
    at_open, _, manager, lines = _start(monkeypatch, {"province.ipynb": 1, "tiny.ipynb": 1}, 2)
    assert at_open == manager.pool_sizes() == {"province.ipynb": 1, "tiny.ipynb": 1}
    assert lines == [f"Warming dashboards: {n} of 2 kernels ready." for n in (1, 2)]


@pytest.mark.slow
@pytest.mark.any_backend  # the server and its pools, not the data
def test_kpi_serve_says_how_warming_goes_and_when_the_pools_have_grown(demo_sqlite_url, tmp_path):
    import time

    folder = write_tiny_dashboards(tmp_path / "dashboards")
    served = start_kpi_serve(demo_sqlite_url, tmp_path / "serve.log", "--dashboards-dir",
                             str(folder))  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "fully warmed" not in served.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        log = served.log.read_text()
    finally:
        served.stop()
    steps = ("Warming kernels: tiny 2", "the port opens once 1 of them are ready",
             "Warming dashboards: 1 of 1 kernels ready.", "Ready: kernels warm (tiny 1)",
             "Dashboards fully warmed in the background (tiny 2 kernels ready)")  # fmt: skip
    positions = [log.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), log
