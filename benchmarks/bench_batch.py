"""Time the report batch against the naive route, in one run on the same demo data.

Naive (the issue's baseline): for every report, the ``papermill`` CLI, then the
``jupyter nbconvert --to html --no-input`` CLI, one after the other. Ours: ``kpi report --all
--format html,ipynb --force`` (warm kernels, in-process HTML, parallel workers), which makes the
same files plus the index and manifest. Both start as fresh processes, so imports count on both
sides. Prints seconds and the ratio naive / ours; optionally the cost of adding PDFs.

    .venv/bin/python benchmarks/bench_batch.py                 # every department + summary
    .venv/bin/python benchmarks/bench_batch.py --departments 6 # a quicker sample
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def build_demo(folder: Path) -> str:
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    subprocess.run([BIN / "kpi", "--database-url", url, "demo"], check=True, capture_output=True)
    return url


def plan_jobs(url: str, departments: int | None):
    from kpilib.report.params import load_parameter_set
    from kpilib.report.plan import NotebookPaths, plan_batch
    from kpilib.store.database import connect

    plan = plan_batch(
        connect(url, read_only=True),
        load_parameter_set(REPO / "parameters"),
        notebooks=NotebookPaths.in_folder(REPO / "notebooks"),
        output_dir=Path(tempfile.mkdtemp()),
        formats="html,ipynb",
    )
    jobs = list(plan.jobs)
    summary, rest = jobs[:1], jobs[1:]
    return summary + (rest[:departments] if departments else rest)


def run_naive(jobs, url: str, folder: Path) -> float:
    env = {**os.environ, "KPI_DATABASE_URL": url, "PATH": f"{BIN}:{os.environ['PATH']}"}
    started = time.perf_counter()
    for job in jobs:
        params = folder / f"{job.name.stem}.yaml"
        params.write_text(yaml.safe_dump(job.parameters))
        executed = folder / f"{job.name.stem}.ipynb"
        subprocess.run(
            [BIN / "papermill", str(job.notebook), str(executed), "-f", str(params),
             "--no-progress-bar"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        subprocess.run(
            [BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
    return time.perf_counter() - started


def run_ours(jobs, url: str, folder: Path, workers: int, formats: str) -> float:
    departments = [arg for job in jobs if job.department for arg in ("-d", job.department)]
    all_of_them = len(departments) // 2 == 32
    selection = ["--all"] if all_of_them else departments
    started = time.perf_counter()
    subprocess.run(
        [BIN / "kpi", "--database-url", url, "report", *selection, "--fiscal-year", "2024-25",
         "--format", formats, "--workers", str(workers), "--force", "--output-dir", str(folder),
         "--parameters-dir", str(REPO / "parameters"), "--notebooks-dir", str(REPO / "notebooks")],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--departments", type=int, default=None, help="first N (default all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--pdf", action="store_true", help="also time --format html,ipynb,pdf")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url = build_demo(root)
        jobs = plan_jobs(url, args.departments)
        if args.departments:  # a sample: ours runs the same departments without the summary
            jobs = jobs[1:]
        (root / "naive").mkdir()
        naive = run_naive(jobs, url, root / "naive")
        ours = run_ours(jobs, url, root / "ours", args.workers, "html,ipynb")
        scope = "sample" if args.departments else "all departments + summary"
        print(f"reports: {len(jobs)} ({scope})")
        print(f"naive  papermill CLI + nbconvert CLI, sequential: {naive:7.1f} s "
              f"({naive / len(jobs):.2f} s a report)")  # fmt: skip
        print(f"ours   kpi report, {args.workers} warm workers:            {ours:7.1f} s "
              f"({ours / len(jobs):.2f} s a report)")  # fmt: skip
        print(f"ratio  naive / ours: {naive / ours:.1f}x")
        if args.pdf:
            with_pdf = run_ours(jobs, url, root / "pdf", args.workers, "html,ipynb,pdf")
            print(f"ours with PDF as well:                        {with_pdf:7.1f} s "
                  f"(ratio {naive / with_pdf:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
