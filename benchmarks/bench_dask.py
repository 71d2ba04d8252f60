"""Time the report batch on a Dask LocalCluster against the local pool, on the same plan.

Both run the same reports (every department and the provincial summary, or a sample) from the
same demo database as ``html,ipynb``: the local pool with ``--workers`` warm-kernel threads, the
Dask executor on a ``LocalCluster`` of as many worker processes (one thread each). The cluster is
started before the clock starts (a real cluster is already running when the nightly batch
begins). Checks that both made the same reports (manifest records equal, timestamps aside) and
prints seconds and the ratio Dask / local.

    .venv/bin/python benchmarks/bench_dask.py                  # all 33 reports, 2 workers
    .venv/bin/python benchmarks/bench_dask.py --departments 6  # a quicker sample
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
VOLATILE = {"started_at", "finished_at", "duration_seconds", "worker"}


def plan(url: str, output: Path, departments: int | None):
    from kpilib.report.params import load_parameter_set
    from kpilib.report.plan import NotebookPaths, plan_batch
    from kpilib.store.database import connect

    engine = connect(url, read_only=True)
    codes = None
    if departments:
        from kpilib.store import queries

        with engine.connect() as connection:
            codes = list(queries.load_departments(connection)["department_code"])[:departments]
    return plan_batch(
        engine,
        load_parameter_set(REPO / "parameters"),
        notebooks=NotebookPaths.in_folder(REPO / "notebooks"),
        output_dir=output,
        departments=codes,
        formats="html,ipynb",
        include_summary=True,
    )


def records(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text())
    return {
        r["report_id"]: {k: v for k, v in r.items() if k not in VOLATILE}
        for r in manifest["reports"]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=None, help="a sample of N departments")
    parser.add_argument("--workers", type=int, default=2, help="local threads = Dask processes")
    parser.add_argument("--database-url", default=None, help="default: a fresh demo (SQLite)")
    args = parser.parse_args()

    from distributed import LocalCluster

    from kpilib.report.batch import BatchOptions, run_batch

    folder = Path(tempfile.mkdtemp(prefix="kpi-bench-dask-"))
    url = args.database_url
    if url is None:
        url = f"sqlite:///{folder / 'demo.sqlite'}"
        subprocess.run([BIN / "kpi", "--database-url", url, "demo"], check=True)

    local_plan = plan(url, folder / "local", args.departments)
    dask_plan = plan(url, folder / "dask", args.departments)
    print(f"{len(local_plan.jobs)} reports, {args.workers} workers each way")

    started = time.perf_counter()
    local = run_batch(local_plan, BatchOptions(workers=args.workers, force=True))
    local_seconds = time.perf_counter() - started
    print(f"local pool: {local_seconds:.1f} s")

    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True,
        dashboard_address=":0", host="127.0.0.1",
    ) as cluster:  # fmt: skip
        options = BatchOptions(force=True, executor="dask", scheduler=cluster.scheduler_address)
        started = time.perf_counter()
        on_dask = run_batch(dask_plan, options)
        dask_seconds = time.perf_counter() - started
    print(f"Dask LocalCluster: {dask_seconds:.1f} s")

    assert local.succeeded and on_dask.succeeded, "a report failed"
    assert records(local_plan.folder) == records(dask_plan.folder), "the runs differ"
    print("same reports both ways (manifest records equal, timestamps aside)")
    print(f"ratio Dask / local: {dask_seconds / local_seconds:.2f}")


if __name__ == "__main__":
    main()
