"""Benchmark: all-department budget-execution KPIs, pushed into SQL vs the naive pandas way.

For each database (SQLite and PostgreSQL), two ways compute the same KPIs of one fiscal year for
every department × budget type (kpilib.kpis.budget_execution.compute_execution):

- naive: read the whole ``budget_lines`` table into pandas, then group by department, budget
  type, head and month in pandas;
- kpilib: ``kpilib.store.queries.load_budget_rollup`` (GROUP BY in SQL over the covering index) and
the
  same KPI code on the few thousand summed rows.

Each run is a fresh child process, so its peak memory (max RSS) is its own. Both must give the
same KPI table (checked). Prints seconds, peak MB and the ratios.

Usage (the databases must hold the demo at the wanted scale; --build makes them):

    python benchmarks/bench_kpis.py --build            # kpi demo --scale 50 into both first
    python benchmarks/bench_kpis.py --sqlite-url sqlite:///data/bench.sqlite \\
        --postgres-url postgresql://postgres@127.0.0.1:5432/kpi_bench --repeat 3
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

DEFAULT_SQLITE = "sqlite:///data/bench_scale50.sqlite"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/kpi_bench"


def run_child(variant: str, url: str, fiscal_year: int) -> None:
    """Compute the KPIs one way and print timing, peak memory and a checksum as JSON."""
    import pandas as pd

    from kpilib.kpis.budget_execution import compute_execution
    from kpilib.store.database import connect
    from kpilib.store.queries import BUDGET_AMOUNTS, load_budget_rollup

    engine = connect(url, read_only=True)
    started = time.perf_counter()
    with engine.connect() as connection:
        if variant == "kpilib":
            rollup = load_budget_rollup(connection, [fiscal_year])
        else:
            lines = pd.read_sql("SELECT * FROM budget_lines", connection)
            departments = pd.read_sql("SELECT id, code FROM departments", connection)
            classes = pd.read_sql("SELECT id, code, kind FROM economic_classes", connection)
            lines = lines[lines["fiscal_year"] == fiscal_year]
            keys = ["fiscal_year", "department_id", "budget_type", "economic_class_id", "month"]
            rollup = lines.groupby(keys)[list(BUDGET_AMOUNTS)].sum(min_count=1).reset_index()
            rollup = rollup.merge(
                departments.rename(columns={"id": "department_id", "code": "department_code"})
            ).merge(
                classes.rename(columns={"id": "economic_class_id", "code": "economic_class_code",
                                        "kind": "economic_class_kind"})
            )  # fmt: skip
            for column in BUDGET_AMOUNTS:
                rollup[column] = rollup[column].astype("Int64")
    kpis = compute_execution(rollup, fiscal_year)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    checksum = kpis[["department_code", "budget_type", "expended", "released", "revised_budget"]]
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": len(kpis),
                      "checksum": checksum.astype(str).values.tolist()}))  # fmt: skip


def measure(variant: str, url: str, fiscal_year: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", variant, "--url", url,
         "--fiscal-year-start", str(fiscal_year)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def build(url: str, scale: int) -> None:
    print(f"building the demo at scale {scale} into {url} …", flush=True)
    subprocess.run(
        [sys.executable, "-m", "kpilib.cli", "--database-url", url, "demo", "--scale", str(scale),
         "--if-empty"],
        check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite-url", default=DEFAULT_SQLITE)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--fiscal-year-start", type=int, default=2024, help="2024 = 2024-25")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each way (median kept)")
    parser.add_argument("--build", action="store_true", help="build missing demo databases first")
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", choices=["naive", "kpilib"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.url, args.fiscal_year_start)
        return

    targets = [("SQLite", args.sqlite_url)]
    if not args.skip_postgres:
        targets.append(("PostgreSQL", args.postgres_url))
    if args.build:
        for _, url in targets:
            if url.startswith("postgresql"):
                _ensure_postgres_database(url)
            build(url, args.scale)
    print(f"{'database':<11} {'way':<7} {'median s':>9} {'peak MB':>8}")
    for name, url in targets:
        results = {}
        for variant in ("naive", "kpilib"):
            runs = [measure(variant, url, args.fiscal_year_start) for _ in range(args.repeat)]
            results[variant] = {
                "seconds": statistics.median(r["seconds"] for r in runs),
                "peak_mb": max(r["peak_mb"] for r in runs),
                "checksum": runs[0]["checksum"],
            }
            print(f"{name:<11} {variant:<7} {results[variant]['seconds']:>9.2f} "
                  f"{results[variant]['peak_mb']:>8.0f}")  # fmt: skip
        same = results["naive"]["checksum"] == results["kpilib"]["checksum"]
        speed = results["naive"]["seconds"] / results["kpilib"]["seconds"]
        memory = results["naive"]["peak_mb"] / results["kpilib"]["peak_mb"]
        print(f"{name:<11} ratio   {speed:>8.1f}× faster, {memory:.1f}× less memory; "
              f"identical KPIs: {same}")  # fmt: skip
        if not same:
            raise SystemExit("the two ways disagree: a bug")


def _ensure_postgres_database(url: str) -> None:
    import sqlalchemy as sa

    parsed = sa.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        ).scalar()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))


if __name__ == "__main__":
    main()
