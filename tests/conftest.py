"""Shared fixtures: a fresh SQLite file or a fresh PostgreSQL database per test, and a demo.

PostgreSQL tests use the real server named by ``KPI_TEST_POSTGRES_URL`` (default: the local
server, database ``test``). Each test gets its own database, dropped afterwards. Without a server
they are skipped — unless ``KPI_REQUIRE_POSTGRES=1`` (as in CI), which makes them fail instead.

``KPI_TEST_BACKEND=postgresql`` runs the suite on PostgreSQL alone: ``database_url`` and
``demo_url`` take only their PostgreSQL variant, and ``demo_sqlite_url`` (the session demo that the
report batch, CLI and dashboard tests read) is the PostgreSQL demo. ``sqlite_url`` stays SQLite:
tests that ask for it test SQLite itself.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

# pytest-xdist's workers get COLUMNS=80, and rich's console (made when kpilib.cli is imported) would
# keep that width for good: the CLI tests set their own COLUMNS per call, as in a terminal.
os.environ.pop("COLUMNS", None)

from kpilib.demo import build_demo
from kpilib.store.database import connect

POSTGRES_ADMIN_URL = sa.make_url(
    os.environ.get("KPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
).set(drivername="postgresql+psycopg")
REQUIRE_POSTGRES = os.environ.get("KPI_REQUIRE_POSTGRES") == "1"
TEST_BACKEND = os.environ.get("KPI_TEST_BACKEND", "sqlite").lower()
if TEST_BACKEND not in ("sqlite", "postgresql"):
    raise ValueError(f"KPI_TEST_BACKEND={TEST_BACKEND!r}: use sqlite or postgresql")
ON_POSTGRES = TEST_BACKEND == "postgresql"
#: The backends that ``database_url`` and ``demo_url`` run each test on.
BACKENDS = (
    [pytest.param("postgres", marks=pytest.mark.postgres)]
    if ON_POSTGRES
    else ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)

# No test measures time: Hypothesis' per-example deadline only makes a busy machine flaky.
settings.register_profile(
    "kpi", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("kpi")


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[sa.Engine]:
    """An autocommit engine on the PostgreSQL server, to create and drop test databases."""
    engine = sa.create_engine(
        POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (KPI_REQUIRE_POSTGRES=1 makes this a failure)")
        pytest.skip(message)
    yield engine
    engine.dispose()


def _new_postgres_database(admin: sa.Engine) -> str:
    name = f"kpi_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return POSTGRES_ADMIN_URL.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin: sa.Engine, url: str) -> None:
    name = sa.make_url(url).database
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def postgres_url(postgres_admin: sa.Engine) -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    url = _new_postgres_database(postgres_admin)
    yield url
    _drop_postgres_database(postgres_admin, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a new SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'kpi.sqlite'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database: the test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def demo_sqlite_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> str:
    """A demo province (default seed, scale 1) on SQLite, built once for the whole session.

    Tests must only read it. With ``KPI_TEST_BACKEND=postgresql`` it is the PostgreSQL demo.
    """
    if ON_POSTGRES:
        return request.getfixturevalue("demo_postgres_url")
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}"
    build_demo(connect(url))
    return url


@pytest.fixture(scope="session")
def demo_postgres_url(postgres_admin: sa.Engine) -> Iterator[str]:
    """The same demo province on PostgreSQL, built once for the session; read only."""
    url = _new_postgres_database(postgres_admin)
    build_demo(connect(url))
    yield url
    _drop_postgres_database(postgres_admin, url)


@pytest.fixture(params=BACKENDS)
def demo_url(request: pytest.FixtureRequest) -> str:
    """The session's demo province, once on SQLite and once on PostgreSQL (read only)."""
    return request.getfixturevalue(f"demo_{request.param}_url")


# --- xdist: files that share a session fixture run on one worker ------------------------------

#: Test files that read the same costly session fixture. ``--dist loadfile`` sends each file to
#: whichever worker is free, so every worker that gets one of them builds the fixture again; the
#: scheduler below sends each group to one worker as one unit, and the fixture is built once.
SHARED_FIXTURE_GROUPS = {
    "dashboard_server": (
        "test_dashboards_browser.py", "test_dashboards_server.py",
        "test_dashboards_urdu_browser.py",
    ),
    "urdu_batch": ("test_report_urdu.py", "test_report_urdu_portfolio.py"),
    "demo_report_batch": (
        "test_delivery.py", "test_report_batch.py", "test_report_browser.py",
        "test_report_pdf_pages.py", "test_report_workbook.py",
    ),
}  # fmt: skip
_GROUP_OF_FILE = {name: group for group, names in SHARED_FIXTURE_GROUPS.items() for name in names}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadfile`` with the files of :data:`SHARED_FIXTURE_GROUPS` kept together."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFixtureScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return _GROUP_OF_FILE.get(Path(path).name, path)

    return SharedFixtureScheduling(config, log)


# --- reports (issue 5) -------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium for PDF and browser tests: missing fails in CI, skips locally."""
    from kpilib.errors import ChromiumNotFoundError
    from kpilib.report.pdf import find_chromium

    try:
        return find_chromium()
    except ChromiumNotFoundError as exc:
        if IN_CI:
            pytest.fail(f"{exc} (CI must install it: .ci/run does)")
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Headless Chromium through Playwright (one per test module), started as the PDFs start it."""
    from playwright.sync_api import sync_playwright

    from kpilib.report.pdf import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(chromium_path), args=list(CHROMIUM_ARGS)
        )
        yield chromium
        chromium.close()


def plan_demo_batch(
    url: str,
    output_dir: Path,
    departments: list[str] | None,
    *,
    formats: str = "ipynb,html",
    notebooks: Path | None = None,
    parameters: Path | None = None,
    include_summary: bool = True,
):
    """A batch plan on a demo database with the repository's parameters and notebooks."""
    from kpilib.report.params import load_parameter_set
    from kpilib.report.plan import NotebookPaths, plan_batch

    return plan_batch(
        connect(url, read_only=True),
        load_parameter_set(parameters or REPO / "parameters"),
        notebooks=NotebookPaths.in_folder(notebooks or REPO / "notebooks"),
        output_dir=output_dir,
        departments=departments,
        fiscal_year="2024-25",
        formats=formats,
        include_summary=include_summary,
    )


@pytest.fixture(scope="session")
def demo_report_batch(demo_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory):
    """One real batch on the demo: Health and Finance reports plus the provincial summary
    (two warm-kernel workers), as ipynb and HTML, and PDF when Chromium is there (the PDF tests
    ask for ``chromium_path`` themselves). Built once for the session; tests only read it."""
    from kpilib.errors import ChromiumNotFoundError
    from kpilib.report.batch import BatchOptions, run_batch
    from kpilib.report.pdf import find_chromium

    try:
        chromium, formats = find_chromium(), "ipynb,html,pdf"
    except ChromiumNotFoundError:
        chromium, formats = None, "ipynb,html"
    plan = plan_demo_batch(
        demo_sqlite_url, tmp_path_factory.mktemp("reports"), ["HLT", "FIN"], formats=formats
    )
    result = run_batch(plan, BatchOptions(workers=2, timeout=300, chromium=chromium))
    return plan, result


# --- dashboards (issue 6) ----------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServedDashboards:
    """A ``kpi serve`` process started by a test, and its address."""

    def __init__(self, process, url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def stop(self) -> None:
        import signal
        import subprocess

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Voilà shuts its kernels down
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_kpi_serve(database_url: str, log: Path, *args: str, env: dict | None = None,
                    ready_timeout: float = 120.0) -> ServedDashboards:  # fmt: skip
    """Run ``kpi serve`` on a free local port and wait until its landing page answers."""
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    port = free_port()
    environment = {**os.environ, "KPI_DATABASE_URL": database_url, **(env or {})}
    environment.pop("KPI_SERVE_TOKEN", None)
    environment.pop("KPI_SERVE_PASSWORD_HASH", None)
    environment.update(env or {})
    command = [sys.executable, "-m", "kpilib.cli", "serve", "--port", str(port), *args]
    handle = log.open("wb")
    process = subprocess.Popen(
        command, cwd=REPO, env=environment, stdout=handle, stderr=subprocess.STDOUT
    )
    served = ServedDashboards(process, f"http://127.0.0.1:{port}/", log)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kpi serve exited {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(served.url, timeout=5):
                return served
        except urllib.error.HTTPError:
            return served  # it answers (e.g. 403 without a token)
        except OSError:
            time.sleep(0.5)
    served.stop()
    raise RuntimeError(f"kpi serve did not answer within {ready_timeout} s: {log.read_text()}")


@pytest.fixture(scope="session")
def dashboard_server(demo_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory):
    """``kpi serve`` on the session's demo SQLite database (read only), for the whole session."""
    # A small province pool: the tests open a few pages, and the port opens once pools are warm.
    served = start_kpi_serve(demo_sqlite_url, tmp_path_factory.mktemp("serve") / "serve.log",
                             "--pool-size", "1", ready_timeout=300)  # fmt: skip
    yield served
    served.stop()


@pytest.fixture(scope="session")
def urdu_batch(demo_sqlite_url, chromium_path, tmp_path_factory):
    """One batch of the Urdu and English editions (HLT, the provincial summary, the PSE
    Portfolio Report), built once for the Urdu report tests (test_report_urdu*.py)."""
    from kpilib.report.batch import BatchOptions, run_batch
    from kpilib.report.params import load_parameter_set
    from kpilib.report.plan import NotebookPaths, plan_batch
    from kpilib.store.database import connect

    plan = plan_batch(
        connect(demo_sqlite_url, read_only=True),
        load_parameter_set(REPO / "parameters"),
        notebooks=NotebookPaths.in_folder(REPO / "notebooks"),
        output_dir=tmp_path_factory.mktemp("urdu"),
        departments=["HLT"],
        fiscal_year="2024-25",
        formats="ipynb,html,pdf",
        include_summary=True,
        languages=["ur", "en"],
    )
    # One worker: the English HLT runs in the kernel the Urdu reports ran in.
    result = run_batch(plan, BatchOptions(workers=1, timeout=300, chromium=chromium_path))
    assert result.succeeded, [(r.report_id, r.error) for r in result.failed]
    return plan
