"""183 ``kpi ingest`` processes at once, one quarterly return per PSE: none refused for load.

On a fresh demo province (see ``bench_deadline.py``), every PSE's officer runs ``kpi ingest`` on
its own return at the same moment. Measured per backend: how many were refused (a non-zero exit),
tracebacks, each process's time (p50/p95/max), the time until the last one finished, and the
database afterwards (one return, one version and one audit entry per PSE; the audit chain
intact). Then the same 183 files again at once: all must say "unchanged".

The naive baseline, measured in the same run on the next quarter's returns: the same 183
processes with no waiting for a busy database (``KPI_DB_BUSY_SECONDS=0.001``: no SQLite busy
timeout to speak of, no retry, no waiting for a PostgreSQL connection slot) — what a load does
without this issue's retries. The ratio is its refusals over ours.

    .venv/bin/python benchmarks/bench_ingest_concurrency.py                  # both backends
    .venv/bin/python benchmarks/bench_ingest_concurrency.py --backend sqlite --pses 40

PostgreSQL keeps its default max_connections (100): 183 processes cannot all hold a connection,
so they queue for a slot. Only 127.0.0.1 is contacted; every process has a timeout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_deadline import (
    POSTGRES,
    QUARTER,
    database_counts,
    make_database,
    percentile,
    return_file,
)

#: Seconds one process may take at most (a bound, not a goal).
PROCESS_TIMEOUT = 900
NEXT_QUARTER = "2025-26Q4"


def send_all(url: str, files: list[Path], busy_seconds: str | None) -> dict:
    """Start one ``kpi ingest`` per file at once; their exit codes, output and times."""
    env = {**os.environ, "COLUMNS": "200"}
    if busy_seconds is not None:
        env["KPI_DB_BUSY_SECONDS"] = busy_seconds
    start = threading.Barrier(len(files))

    def one(path: Path) -> tuple[int, str, str, float]:
        start.wait()  # every officer presses Enter at the same moment
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kpilib.cli", "--database-url", url, "ingest", str(path)],
            capture_output=True, text=True, env=env, timeout=PROCESS_TIMEOUT,
        )  # fmt: skip
        return done.returncode, done.stdout, done.stderr, time.perf_counter() - began

    started = time.perf_counter()
    with ThreadPoolExecutor(len(files)) as pool:
        results = list(pool.map(one, files))
    wall = time.perf_counter() - started
    times = [t for *_, t in results]
    return {
        "refused": sum(1 for code, *_ in results if code != 0),
        "busy": sum(1 for code, *_ in results if code == 75),
        "tracebacks": sum(1 for _, _, err, _ in results if "Traceback" in err),
        "unchanged": sum(1 for _, out, *_ in results if "unchanged" in out),
        "p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "max": max(times),
        "wall": wall,
        "reasons": Counter(_reason(out, err) for code, out, err, _ in results if code != 0),
    }  # fmt: skip


def _reason(out: str, err: str) -> str:
    """The first line of an error a refused process printed (its exception, or its message)."""
    lines = [line.strip() for line in (err + out).splitlines() if line.strip()]
    error = [line for line in lines if line.startswith(("Error:", "psycopg", "sqlalchemy"))]
    return (error or lines or ["(nothing printed)"])[-1][:140]


def counts(url: str, quarter: str) -> dict[str, int | bool]:
    """What ``bench_deadline`` counts for ``quarter``, and whether the audit chain is intact."""
    from kpilib.store.audit import verify_audit_chain
    from kpilib.store.database import connect

    engine = connect(url)
    with engine.connect() as connection:
        intact = verify_audit_chain(connection).intact
    engine.dispose()
    return {**database_counts(url, quarter), "chain intact": intact}


def write_files(url: str, folder: Path, quarter: str, limit: int) -> list[Path]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        codes = list(connection.execute(sa.text("SELECT code FROM entities ORDER BY code"))
                     .scalars())[:limit]  # fmt: skip
    engine.dispose()
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for code in codes:
        path = folder / f"{code}-{quarter}.csv"
        path.write_bytes(return_file(code).replace(QUARTER.encode(), quarter.encode()))
        files.append(path)
    return files


def show(backend: str, n: int, ours: dict, found: dict, again: dict, naive: dict,
         naive_found: dict) -> None:  # fmt: skip
    print(f"\n[{backend}] {n} concurrent kpi ingest, one return per PSE")
    print(f"  refused {ours['refused']} (busy {ours['busy']}), tracebacks {ours['tracebacks']}; "
          f"each process p50/p95/max {ours['p50']:.1f}/{ours['p95']:.1f}/{ours['max']:.1f} s; "
          f"all done in {ours['wall']:.1f} s")  # fmt: skip
    print(
        f"  database: {found['returns']} returns, {found['versions']} versions, "
        f"{found['audited']} audit entries, chain intact: {found['chain intact']}"
    )
    print(f"  the same {n} again at once: {again['unchanged']} unchanged, {again['refused']} "
          f"refused, all done in {again['wall']:.1f} s")  # fmt: skip
    print(f"  naive (no waiting for a busy database): refused {naive['refused']} of {n}, "
          f"tracebacks {naive['tracebacks']}, {naive_found['returns']} loaded, all done in "
          f"{naive['wall']:.1f} s")  # fmt: skip
    for label, run in (("ours", ours), ("again", again), ("naive", naive)):
        for reason, count in run["reasons"].most_common(3):
            print(f"    {label}: {count} × {reason}")
    ratio = naive["refused"] / max(ours["refused"], 1)
    print(f"  refusals, naive over ours: {naive['refused']} / {ours['refused']} (≥ {ratio:.0f}×)")


def run_backend(backend: str, args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"kpi-ingest-conc-{backend}-"))
    print(f"[{backend}] building the demo province …", flush=True)
    url, drop = make_database(backend, folder, args.postgres)
    try:
        files = write_files(url, folder / "q3", QUARTER, args.pses)
        print(f"[{backend}] {len(files)} kpi ingest at once …", flush=True)
        ours = send_all(url, files, None)
        found = counts(url, QUARTER)
        print(f"[{backend}] the same files again …", flush=True)
        again = send_all(url, files, None)
        print(f"[{backend}] naive: no waiting for a busy database …", flush=True)
        naive_files = write_files(url, folder / "q4", NEXT_QUARTER, args.pses)
        naive = send_all(url, naive_files, "0.001")
        show(backend, len(files), ours, found, again, naive, counts(url, NEXT_QUARTER))
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--pses", type=int, default=183, help="How many PSEs send (at most 183).")
    parser.add_argument("--postgres", default=POSTGRES, help="Admin URL of the PostgreSQL server.")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run_backend(backend, args)


if __name__ == "__main__":
    main()
