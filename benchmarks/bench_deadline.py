"""Deadline day: every PSE sends its quarterly return to ``kpi serve --portal`` at once.

On a fresh demo province (183 PSEs; the data's as-of date moved to 20 April 2026 so that
2025-26Q3 is the quarter due and nobody has sent it yet), each PSE gets its own link, then:

1. **Deadline.** 183 officers sign in and open their page (the server's memory is read with all
   183 pages open), then all send their file at once (a scripted sender confirms at upload,
   ``confirm=yes``). Measured: refused uploads (anything but a receipt), receipt time (upload to
   receipt, p50/p95/max), time until every receipt is final, and the database afterwards: one
   return per PSE, one ``ingest`` audit entry each (0 lost, 0 doubled).
2. **Resend.** The same 183 files again at once: every receipt must say "unchanged".
3. **Crash.** 183 corrected files; once all have their receipt and some are loaded, the server
   is killed with SIGKILL and started again: every receipt must end final, each PSE with exactly
   one new version.
4. **Random links.** 500 requests with random keys: the server's memory before and after.
5. **Zip bomb.** An XLSX of a few MB that unpacks to ``--bomb-mb`` (950 MB) sent through the
   portal: the time until it is refused and the server's peak memory meanwhile.

The naive baseline, measured in the same run: the old page's way, each officer's request
checking and loading their file while they wait (:func:`kpilib.ingest.ingest_file`, 183 at
once, the next quarter's returns), without the kernel each page used to cost. Ratio: its wait
p95 over our receipt p95.

    .venv/bin/python benchmarks/bench_deadline.py                    # SQLite and PostgreSQL
    .venv/bin/python benchmarks/bench_deadline.py --backend sqlite --bomb-mb 95

PostgreSQL: a fresh database on ``--postgres`` (default the machine's 127.0.0.1:5432, user
postgres, trust), dropped at the end; the server keeps to PostgreSQL's default max_connections.
Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
QUARTER = "2025-26Q3"
AS_OF = "2026-04-20"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FINAL = ("accepted", "unchanged", "rejected", "cancelled")
#: Seconds the bench waits at most for the inbox to empty (a bound, not a goal).
WAIT_LIMIT = 600
#: One event loop for the whole run: the officers' clients live across the phases.
LOOP = asyncio.new_event_loop()


# --------------------------------------------------------------------------- the province


def make_database(backend: str, folder: Path, admin_url: str) -> tuple[str, callable]:
    """A fresh demo province; its URL and how to drop it."""
    from kpilib.demo import build_demo
    from kpilib.store.database import connect
    from kpilib.store.writes import write_dataset_info

    if backend == "sqlite":
        url = f"sqlite:///{folder / 'deadline.sqlite'}"
        drop = lambda: None  # noqa: E731
    else:
        name = f"kpi_deadline_{secrets.token_hex(4)}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = admin_url.rsplit("/", 1)[0] + f"/{name}"

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    engine = connect(url)
    build_demo(engine)
    with engine.begin() as connection:
        write_dataset_info(connection, {"data_as_of": AS_OF})
    engine.dispose()
    return url, drop


def grant_links(url: str) -> list[tuple[str, str]]:
    """A link for every PSE: ``(entity code, key)``."""
    from kpilib.portal.access import grant
    from kpilib.store.database import connect

    engine = connect(url)
    with engine.begin() as connection:
        codes = connection.execute(sa.text("SELECT code FROM entities ORDER BY code")).scalars()
        links = [(code, grant(connection, code, f"Officer {code}")[1]) for code in list(codes)]
    engine.dispose()
    return links


def return_file(code: str, revenue: int = 152_000_000) -> bytes:
    from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES

    rest = FINANCIAL_VALUES.split(",", 1)[1]
    return f"{FINANCIAL_HEADER}\n{code},{QUARTER},{revenue},{rest}\n".encode()


# --------------------------------------------------------------------------- the server


class Server:
    """``kpi serve --portal`` on a free port, its memory read with psutil."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        from conftest import free_port

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}/portal/"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "KPI_DATABASE_URL": self.url}
        env.pop("KPI_WRITER_DATABASE_URL", None)
        log = (self.folder / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kpilib.cli", "serve", "--portal", "--port", str(self.port)],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(600):
            try:
                httpx.get(self.base + "start", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("kpi serve --portal did not answer within 120 s")

    def rss_mb(self, with_kernels: bool = False) -> float:
        process = psutil.Process(self.process.pid)
        processes = [process, *process.children(recursive=True)] if with_kernels else [process]
        return sum(p.memory_info().rss for p in processes if p.is_running()) / 1e6

    def kill(self) -> None:
        """SIGKILL: no clean-up at all (its kernels are stopped after)."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        for child in children:
            child.kill()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


# --------------------------------------------------------------------------- officers


@dataclass
class Officer:
    code: str
    key: str
    client: httpx.AsyncClient | None = None
    csrf: str = ""
    receipts: list[int] = field(default_factory=list)


async def sign_in(officer: Officer, base: str) -> None:
    import re

    officer.client = httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False)
    answer = await officer.client.get("start", params={"key": officer.key})
    assert answer.status_code == 303, answer.status_code
    page = await officer.client.get("")
    officer.csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', page.text).group(1)


async def upload(officer: Officer, content: bytes) -> tuple[float, int | None]:
    """Send the file; seconds until the receipt and its number (None: refused)."""
    started = time.perf_counter()
    try:
        answer = await officer.client.post(
            "upload",
            data={"_csrf": officer.csrf, "return_type": "pse_financial", "period": QUARTER,
                  "confirm": "yes"},
            files={"file": (f"{officer.code}.csv", content, "text/csv")},
        )  # fmt: skip
    except httpx.TransportError:
        return time.perf_counter() - started, None
    elapsed = time.perf_counter() - started
    if answer.status_code != 303:
        return elapsed, None
    number = int(answer.headers["location"].rsplit("=", 1)[1])
    officer.receipts.append(number)
    return elapsed, number


def inbox_states(url: str, numbers: list[int]) -> dict[int, str]:
    from kpilib.store.database import connect

    engine = connect(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id, state FROM inbox WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": numbers},
        ).all()
    engine.dispose()
    return dict(rows)


def wait_final(url: str, numbers: list[int], started: float) -> tuple[float, dict[int, str]]:
    """Seconds from ``started`` until every receipt is final, and the final states."""
    for _ in range(WAIT_LIMIT * 5):
        states = inbox_states(url, numbers)
        if all(s in FINAL for s in states.values()) and len(states) == len(numbers):
            return time.perf_counter() - started, states
        time.sleep(0.2)
    raise RuntimeError(f"receipts still pending after {WAIT_LIMIT} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def send_all(officers: list[Officer], files: dict[str, bytes]):
    return await asyncio.gather(*(upload(o, files[o.code]) for o in officers))


# --------------------------------------------------------------------------- checks


def database_counts(url: str, quarter: str = QUARTER) -> dict[str, int]:
    """Returns, versions, PSEs, ingest audit entries of ``quarter``; inbox items tried again."""
    from kpilib.store.database import connect

    engine = connect(url)
    with engine.connect() as connection:
        q = lambda sql: connection.execute(sa.text(sql), {"p": quarter}).scalar_one()  # noqa: E731
        counts = {
            "returns": q("SELECT count(*) FROM submissions s JOIN periods p ON p.id = s.period_id "
                         "WHERE p.code = :p AND s.status = 'accepted'"),
            "versions": q("SELECT count(*) FROM submissions s JOIN periods p "
                          "ON p.id = s.period_id WHERE p.code = :p"),
            "pses": q("SELECT count(DISTINCT s.entity_id) FROM submissions s JOIN periods p "
                      "ON p.id = s.period_id WHERE p.code = :p AND s.status = 'accepted'"),
            "audited": q("SELECT count(*) FROM audit_log a JOIN submissions s "
                         "ON s.id = a.submission_id JOIN periods p ON p.id = s.period_id "
                         "WHERE p.code = :p AND a.action = 'ingest'"),
            "retried": q("SELECT count(*) FROM inbox WHERE attempts > 1"),
        }  # fmt: skip
    engine.dispose()
    return counts


def naive_waits(url: str, codes: list[str], folder: Path) -> tuple[list[float], int]:
    """The old page's way: each officer's request checks and loads their file while they wait,
    all at once (one thread per officer, the next quarter's returns). Seconds each waited and
    how many were refused."""
    from concurrent.futures import ThreadPoolExecutor

    from kpilib.ingest import IngestOptions, ingest_file
    from kpilib.store.database import connect

    engine = connect(url)
    quarter = "2025-26Q4"

    def one(code: str) -> tuple[float, bool]:
        path = folder / f"naive-{code}.csv"
        path.write_bytes(return_file(code).replace(QUARTER.encode(), quarter.encode()))
        started = time.perf_counter()
        try:
            outcome = ingest_file(engine, path, IngestOptions(
                return_type="pse_financial", entity=code, period=quarter))  # fmt: skip
            refused = outcome.status == "rejected"
        except Exception:  # what an officer would have seen as a traceback
            refused = True
        return time.perf_counter() - started, refused

    with ThreadPoolExecutor(len(codes)) as pool:
        results = list(pool.map(one, codes))
    engine.dispose()
    return [t for t, _ in results], sum(1 for _, r in results if r)


# --------------------------------------------------------------------------- phases


def phase_deadline(server: Server, officers: list[Officer], url: str) -> dict:
    files = {o.code: return_file(o.code) for o in officers}

    async def run():
        await asyncio.gather(*(sign_in(o, server.base) for o in officers))
        pages_open = server.rss_mb()
        pages_open_all = server.rss_mb(with_kernels=True)
        started = time.perf_counter()
        results = await send_all(officers, files)
        return pages_open, pages_open_all, started, results

    pages_open, pages_open_all, started, results = LOOP.run_until_complete(run())
    numbers = [n for _, n in results if n is not None]
    receipt_times = [t for t, n in results if n is not None]
    final, states = wait_final(url, numbers, started)
    return {
        "files": files, "refused": sum(1 for _, n in results if n is None),
        "receipt_p50": statistics.median(receipt_times), "receipt_p95":
        percentile(receipt_times, 0.95), "receipt_max": max(receipt_times), "final": final,
        "states": states, "rss_pages": pages_open, "rss_pages_all": pages_open_all,
        "counts": database_counts(url),
    }  # fmt: skip


def phase_resend(server: Server, officers: list[Officer], url: str, files: dict) -> dict:
    async def run():
        return await send_all(officers, files)

    started = time.perf_counter()
    results = LOOP.run_until_complete(run())
    numbers = [n for _, n in results if n is not None]
    final, states = wait_final(url, numbers, started)
    return {"refused": sum(1 for _, n in results if n is None), "final": final,
            "states": states, "counts": database_counts(url)}  # fmt: skip


def phase_crash(server: Server, officers: list[Officer], url: str) -> dict:
    files = {o.code: return_file(o.code, 152_000_001) for o in officers}

    async def run():
        return await send_all(officers, files)

    results = LOOP.run_until_complete(run())
    numbers = [n for _, n in results if n is not None]
    for _ in range(WAIT_LIMIT * 20):  # kill once a tenth is loaded
        done = sum(1 for s in inbox_states(url, numbers).values() if s in FINAL)
        if done >= len(numbers) // 10:
            break
        time.sleep(0.05)
    server.kill()
    killed_at = sum(1 for s in inbox_states(url, numbers).values() if s in FINAL)
    restarted = time.perf_counter()
    server.start()
    final, states = wait_final(url, numbers, restarted)
    return {"refused": sum(1 for _, n in results if n is None), "killed_after": killed_at,
            "final": final, "states": states, "counts": database_counts(url)}  # fmt: skip


def phase_random_keys(server: Server, requests: int = 500) -> dict:
    """``requests`` sign-ins with random keys, then as many pages asked with random session
    cookies: the server's memory before and after."""
    before = server.rss_mb()
    statuses: dict[int, int] = {}
    with httpx.Client(base_url=server.base, timeout=30) as client:
        for _ in range(requests):
            answer = client.get("start", params={"key": secrets.token_urlsafe(32)})
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        for _ in range(requests):
            client.cookies.set("kpi_portal", secrets.token_urlsafe(32))
            answer = client.get("")
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    return {"before": before, "after": server.rss_mb(), "statuses": statuses}


def phase_bomb(server: Server, officer: Officer, url: str, folder: Path, bomb_mb: float) -> dict:
    from ingest_helpers import write_xlsx_bomb

    bomb = write_xlsx_bomb(folder / "bomb.xlsx", int(bomb_mb * 1_000_000))
    peak = [server.rss_mb()]
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak.append(server.rss_mb())
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()

    async def run():
        officer.client = None
        await sign_in(officer, server.base)
        started = time.perf_counter()
        answer = await officer.client.post(
            "upload",
            data={"_csrf": officer.csrf, "return_type": "pse_financial", "period": QUARTER},
            files={"file": ("bomb.xlsx", bomb.read_bytes())},
        )
        return started, int(answer.headers["location"].rsplit("=", 1)[1])

    started, number = LOOP.run_until_complete(run())
    seconds, states = wait_final_or_checked(url, number, started)
    stop.set()
    watcher.join()
    return {"size_mb": bomb.stat().st_size / 1e6, "seconds": seconds, "state": states,
            "peak_mb": max(peak), "base_mb": peak[0]}  # fmt: skip


def wait_final_or_checked(url: str, number: int, started: float) -> tuple[float, str]:
    for _ in range(WAIT_LIMIT * 10):
        state = inbox_states(url, [number]).get(number)
        if state in (*FINAL, "checked"):
            return time.perf_counter() - started, state
        time.sleep(0.1)
    raise RuntimeError("the bomb was never decided")


# --------------------------------------------------------------------------- report


def show(backend: str, deadline: dict, resend: dict, crash: dict | None, keys: dict,
         bomb: dict | None, naive: tuple[list[float], int]) -> None:  # fmt: skip
    c = deadline["counts"]
    accepted = sum(1 for s in deadline["states"].values() if s == "accepted")
    print(f"\n== {backend}: {len(deadline['states'])} PSEs send {QUARTER} at once ==")
    print(
        f"deadline : refused {deadline['refused']}, accepted {accepted}, "
        f"receipt p50 {deadline['receipt_p50']:.2f} s, p95 {deadline['receipt_p95']:.2f} s, "
        f"max {deadline['receipt_max']:.2f} s; all final in {deadline['final']:.1f} s"
    )
    print(
        f"           database: {c['returns']} returns of {c['pses']} PSEs, {c['versions']} "
        f"versions, {c['audited']} ingest audit entries (0 lost, 0 doubled when all = PSEs)"
    )
    print(
        f"           server memory with every page open: {deadline['rss_pages']:.0f} MB "
        f"(with its dashboard kernels {deadline['rss_pages_all']:.0f} MB)"
    )
    unchanged = sum(1 for s in resend["states"].values() if s == "unchanged")
    print(
        f"resend   : refused {resend['refused']}, unchanged {unchanged} of "
        f"{len(resend['states'])}, returns still {resend['counts']['returns']}, all final in "
        f"{resend['final']:.1f} s"
    )
    if crash is not None:
        cc = crash["counts"]
        done = sum(1 for s in crash["states"].values() if s in ("accepted", "unchanged"))
        print(
            f"crash    : SIGKILL after {crash['killed_after']} of {len(crash['states'])} "
            f"loaded; after restart all final in {crash['final']:.1f} s, {done} accepted; "
            f"{cc['returns']} current returns of {cc['pses']} PSEs, {cc['versions']} versions "
            f"(2 per PSE expected), {cc['retried']} item(s) taken up again"
        )
    print(
        f"random   : 500 random keys {keys['statuses']}; server memory {keys['before']:.0f} → "
        f"{keys['after']:.0f} MB ({keys['after'] - keys['before']:+.0f} MB)"
    )
    if bomb is not None:
        print(
            f"bomb     : {bomb['size_mb']:.1f} MB XLSX → {bomb['state']} in "
            f"{bomb['seconds']:.1f} s; server memory peak {bomb['peak_mb']:.0f} MB "
            f"(from {bomb['base_mb']:.0f} MB)"
        )
    waits, refused = naive
    naive_p95 = percentile(waits, 0.95)
    print(
        f"naive    : each request checks and loads while its officer waits, {len(waits)} at "
        f"once: p50 {statistics.median(waits):.2f} s, p95 {naive_p95:.2f} s, "
        f"refused {refused}"
    )
    print(
        f"ratio    : naive wait p95 / our receipt p95 = {naive_p95 / deadline['receipt_p95']:.1f}×"
    )


def run_backend(backend: str, args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"kpi-deadline-{backend}-"))
    print(f"[{backend}] building the demo province …", flush=True)
    url, drop = make_database(backend, folder, args.postgres)
    server = Server(url, folder)
    try:
        links = grant_links(url)[: args.pses]
        officers = [Officer(code, key) for code, key in links]
        server.start()
        print(f"[{backend}] deadline: {len(officers)} officers …", flush=True)
        deadline = phase_deadline(server, officers, url)
        print(f"[{backend}] resend …", flush=True)
        resend = phase_resend(server, officers, url, deadline["files"])
        crash = None
        if not args.skip_crash:
            print(f"[{backend}] crash and restart …", flush=True)
            crash = phase_crash(server, officers, url)
        bomb = None
        if args.bomb_mb > 0:  # before the random keys: those get this visitor rate-limited
            print(f"[{backend}] zip bomb of {args.bomb_mb:g} MB …", flush=True)
            bomb = phase_bomb(server, Officer(*links[0]), url, folder, args.bomb_mb)
        keys = phase_random_keys(server)
        naive = naive_waits(url, [o.code for o in officers], folder)
        show(backend, deadline, resend, crash, keys, bomb, naive)
    finally:
        server.stop()
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pses", type=int, default=183, help="How many PSEs send (at most 183).")
    parser.add_argument("--bomb-mb", type=float, default=950.0,
                        help="Unpacked size of the zip bomb (0: skip it).")  # fmt: skip
    parser.add_argument("--skip-crash", action="store_true", help="Do not kill the server.")
    parser.add_argument("--postgres", default=POSTGRES, help="Admin URL of the PostgreSQL server.")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run_backend(backend, args)


if __name__ == "__main__":
    main()
