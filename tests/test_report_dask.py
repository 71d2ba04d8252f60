"""The "dask" executor: the same batch on a Dask distributed cluster gives the same outputs.

A real ``dask.distributed.LocalCluster`` with two worker processes (one thread each) runs the
reports; a local run of the same plan is the reference. Manifest records must agree in everything
but timestamps, durations and worker numbers; the notebooks' cell outputs and the HTML pages
must be equal (the HTML's "generated" minute, Papermill's random id of the cell it
injects and the notebooks' run metadata aside).
"""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from conftest import plan_demo_batch

from kpilib.report.batch import BatchOptions, run_batch

pytestmark = pytest.mark.slow

VOLATILE = {"started_at", "finished_at", "duration_seconds", "worker"}


def _records(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    return {
        r["report_id"]: {k: v for k, v in r.items() if k not in VOLATILE}
        for r in manifest["reports"]
    }


def _cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.get("outputs")) for c in notebook.cells]


def _html(path):
    # The page says when it was generated (to the minute), and Papermill gives the parameters
    # cell it injects a random id (two local runs differ there too): nothing else may differ.
    stamp = r"(\d{4}-\d{2}-\d{2}|\d{1,2} [A-Z][a-z]{2} \d{4}) \d{2}:\d{2}"  # ISO or "6 Dec 2026"
    text = re.sub(stamp, "<time>", path.read_text())
    return re.sub(r"cell-id=[0-9a-f-]+", "cell-id", text)


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
        host="127.0.0.1",
    ) as local_cluster:  # fmt: skip
        yield local_cluster


def test_a_dask_run_makes_the_same_reports_as_a_local_run(demo_sqlite_url, tmp_path, cluster):
    departments = ["HLT", "FIN"]
    local = plan_demo_batch(demo_sqlite_url, tmp_path / "local", departments)
    on_dask = plan_demo_batch(demo_sqlite_url, tmp_path / "dask", departments)
    local_result = run_batch(local, BatchOptions(workers=2, timeout=300))
    events = []
    dask_result = run_batch(
        on_dask,
        BatchOptions(timeout=300, executor="dask", scheduler=cluster.scheduler_address),
        on_event=lambda e: events.append((e.kind, e.report_id)),
    )
    # Progress: a report is "started" once a worker runs it, not when it is queued; two
    # workers of one thread never run more than two at a time.
    running, most = set(), 0
    for kind, report_id in events:
        if kind == "started":
            assert report_id not in running
            running.add(report_id)
        else:
            running.remove(report_id)  # every "finished" follows its "started"
        most = max(most, len(running))
    assert most <= 2 and not running
    assert sorted(r for kind, r in events if kind == "finished") == sorted(
        r for kind, r in events if kind == "started"
    )
    assert local_result.succeeded, [r.error for r in local_result.failed]
    assert dask_result.succeeded, [r.error for r in dask_result.failed]
    assert dask_result.manifest.batch.counts["built"] == 4
    assert _records(on_dask.folder) == _records(local.folder)
    workers = {r.worker for r in dask_result.manifest.reports}
    assert workers <= {0, 1}
    for record in dask_result.manifest.reports:
        stem = record.outputs["html"].removesuffix(".html")
        assert _html(on_dask.folder / f"{stem}.html") == _html(local.folder / f"{stem}.html")
        assert _cells(on_dask.folder / f"{stem}.ipynb") == _cells(local.folder / f"{stem}.ipynb")
    # A second run finds everything unchanged, as a local run would.
    again = run_batch(
        on_dask, BatchOptions(timeout=300, executor="dask", scheduler=cluster.scheduler_address)
    )
    assert again.manifest.batch.counts["unchanged"] == 4


def test_a_failing_report_on_dask_is_recorded_and_the_others_are_made(
    demo_sqlite_url, tmp_path, cluster
):
    from conftest import REPO

    folder = tmp_path / "notebooks"
    folder.mkdir()
    source = nbformat.read(REPO / "notebooks" / "department_report.ipynb", as_version=4)
    source.cells.append(
        nbformat.v4.new_code_cell("if department == 'FIN':\n    raise ValueError('planted')")
    )
    nbformat.write(source, folder / "department_report.ipynb")
    (folder / "provincial_summary.ipynb").write_text(
        (REPO / "notebooks" / "provincial_summary.ipynb").read_text()
    )
    plan = plan_demo_batch(
        demo_sqlite_url, tmp_path / "out", ["FIN", "HLT"], formats="html", notebooks=folder,
        include_summary=False,
    )  # fmt: skip
    result = run_batch(
        plan, BatchOptions(timeout=300, executor="dask", scheduler=cluster.scheduler_address)
    )
    statuses = {r.department: r.status for r in result.manifest.reports}
    assert statuses == {"FIN": "failed", "HLT": "built"}
    failed = next(r for r in result.manifest.reports if r.department == "FIN")
    assert "planted" in failed.error
    assert (plan.folder / "failed" / "FIN.ipynb").exists()
    assert not (plan.folder / "FIN.html").exists()


def test_no_scheduler_is_a_clear_error(demo_sqlite_url, tmp_path, monkeypatch):
    from conftest import free_port

    from kpilib.errors import ReportBatchError

    monkeypatch.setattr("kpilib.report.executors.dask.CONNECT_TIMEOUT", 2)
    plan = plan_demo_batch(demo_sqlite_url, tmp_path, ["HLT"], formats="html")
    options = BatchOptions(executor="dask", scheduler=f"tcp://127.0.0.1:{free_port()}", timeout=60)
    with pytest.raises(ReportBatchError, match="no Dask scheduler answered"):
        run_batch(plan, options)
