"""Benchmark: what bad input costs ingestion (time and peak memory), one fresh process per file.

Three files, made here:

- ``bomb``: an XLSX of a few MB whose one data sheet unpacks to ``--bomb-mb`` (950 MB by
  default) of repeated ``pse_financial`` rows (a zip bomb, built by
  ``tests/ingest_helpers.write_xlsx_bomb``);
- ``wide``: a ``pse_financial`` CSV whose header has ``--columns`` (10⁶) more columns;
- ``good``: a correct one-row ``pse_financial`` CSV (the baseline).

Each file goes through :func:`kpilib.ingest.ingest_file` as a dry run on the tests' small
reference province (SQLite), in a child process, so the peak memory (max RSS, the imports'
~200 MB included) is the file's own. Prints wall and CPU seconds, peak MB, the outcome's status
and the first problem (shortened) as JSON lines.

    .venv/bin/python benchmarks/bench_ingest_limits.py                 # all three
    .venv/bin/python benchmarks/bench_ingest_limits.py --bomb-mb 140   # under the widest limit
    .venv/bin/python benchmarks/bench_ingest_limits.py --return-type pse_financial
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_child(path: str, url: str, return_type: str | None) -> None:
    """Ingest one file (dry run) and print seconds, status and problems as JSON."""
    from kpilib.ingest import IngestOptions, ingest_file
    from kpilib.store.database import connect

    engine = connect(url)
    started, cpu = time.perf_counter(), time.process_time()
    outcome = ingest_file(engine, Path(path), IngestOptions(return_type, dry_run=True))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    longest = max((len(i.message) for i in outcome.issues), default=0)
    first = outcome.issues[0].message[:200] if outcome.issues else ""
    codes = sorted({i.code for i in outcome.issues})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                      "peak_mb": round(peak), "status":
                      outcome.status, "problems": len(outcome.issues), "codes": codes,
                      "longest_message": longest, "first": first}))  # fmt: skip


def make_files(folder: Path, bomb_mb: float, columns: int) -> dict[str, Path]:
    sys.path.insert(0, str(REPO / "tests"))
    from ingest_helpers import FINANCIAL_HEADER, FINANCIAL_VALUES, write_xlsx_bomb

    bomb = write_xlsx_bomb(folder / "bomb.xlsx", int(bomb_mb * 1_000_000))
    wide = folder / "wide.csv"
    extra = "".join(f",column_{i}" for i in range(columns))
    wide.write_text(f"{FINANCIAL_HEADER}{extra}\nUNI-001,2024-25Q1,{FINANCIAL_VALUES}\n")
    good = folder / "good.csv"
    good.write_text(f"{FINANCIAL_HEADER}\nUNI-001,2024-25Q1,{FINANCIAL_VALUES}\n")
    return {"good": good, "wide": wide, "bomb": bomb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bomb-mb", type=float, default=950.0)
    parser.add_argument("--columns", type=int, default=1_000_000)
    parser.add_argument("--only", choices=("good", "wide", "bomb"), action="append")
    parser.add_argument(
        "--return-type", help="declare the return type (as the portal does); default: told"
    )
    parser.add_argument("--child", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(*args.child, args.return_type)
        return
    with tempfile.TemporaryDirectory(prefix="kpi-bench-ingest-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder / 'empty.sqlite'}"
        files = make_files(folder, args.bomb_mb, args.columns)
        from ingest_helpers import build_reference

        build_reference(url)
        for label, path in files.items():
            if args.only and label not in args.only:
                continue
            size = path.stat().st_size / 1e6
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(path), url,
                 *(["--return-type", args.return_type] if args.return_type else [])],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "{}"
            record = {"file": label, "file_mb": round(size, 1)} | json.loads(line)
            if result.returncode:
                record["failed"] = result.stderr.strip().splitlines()[-1:]
            print(json.dumps(record, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
