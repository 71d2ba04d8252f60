"""The batch for real: warm kernels execute the notebooks; failures are isolated; reruns skip
unchanged reports; the manifest is complete; an interrupted batch leaves no half-written file."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import REPO, plan_demo_batch
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.report.batch import BatchOptions, run_batch
from kpilib.report.files import hash_file
from kpilib.report.html import find_external_references
from kpilib.report.index import render_index_html
from kpilib.report.manifest import read_manifest

pytestmark = pytest.mark.slow
SVG_MIME = "image/svg+xml"


def notebooks_folder(tmp_path: Path, department_notebook: str) -> Path:
    """A notebooks folder whose department notebook is a fixture from tests/notebooks."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(
        REPO / "tests" / "notebooks" / department_notebook, folder / "department_report.ipynb"
    )
    shutil.copy(REPO / "notebooks" / "provincial_summary.ipynb", folder)
    return folder


def chart_count(notebook: nbformat.NotebookNode) -> int:
    return sum(
        SVG_MIME in output.get("data", {})
        for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )  # fmt: skip


def test_department_notebook_runs_for_two_departments(demo_report_batch):
    plan, result = demo_report_batch
    assert result.succeeded, [r.error for r in result.manifest.reports]
    # Charts: the spending curve, plus the indicator trends where the section is shown.
    for code, name, charts in (("HLT", "Health", 2), ("FIN", "Finance", 1)):
        executed = nbformat.read(plan.folder / f"{code}.ipynb", as_version=4)
        papermill = executed.metadata.papermill
        assert papermill.parameters["department"] == code
        assert papermill.exception is None or papermill.exception is False
        injected = [c for c in executed.cells if "injected-parameters" in c.metadata.tags]
        assert len(injected) == 1 and f'department = "{code}"' in injected[0].source
        assert all(output.output_type != "error" for c in executed.cells if c.cell_type == "code"
                   for output in c.outputs)  # fmt: skip
        assert chart_count(executed) == charts
        html = (plan.folder / f"{code}.html").read_text()
        assert f"{name} Department" in html and "Budget execution" in html
        assert executed.metadata.kpi_report.report_id == f"2024-25/FY/{code}"
    finance = (plan.folder / "FIN.html").read_text()
    assert "Service delivery</h2>" in (plan.folder / "HLT.html").read_text()
    assert "Service delivery</h2>" not in finance  # FIN.yaml leaves the section out


def test_html_reports_are_offline_with_no_code_and_a_demo_banner(demo_report_batch):
    plan, _result = demo_report_batch
    for name in ("HLT.html", "FIN.html", "provincial_summary.html", "pse_portfolio_report.html",
                 "index.html"):  # fmt: skip
        html = (plan.folder / name).read_text()
        assert find_external_references(html) == [], name
        for marker in ("<script", "cdn.jsdelivr", "unpkg.com", "mathjax", "require.js"):
            assert marker not in html.lower(), (name, marker)
        for scheme in ("http://", "https://"):
            rest = html
            while scheme in rest:  # only XML namespace declarations may name a URL
                before, rest = rest.split(scheme, 1)
                assert before.rstrip().endswith(('xmlns="', 'xmlns:xlink="')), (name, rest[:60])
        assert 'class="demo-banner"' in html and "DEMO DATA" in html
        assert "engine = kpilib.connect" not in html and "import altair" not in html


def test_an_indicator_named_like_markup_is_shown_escaped_and_the_report_builds(
    demo_sqlite_url, tmp_path
):
    import sqlalchemy as sa

    from kpilib.store.database import connect, sqlite_path

    demo = sa.engine.make_url(demo_sqlite_url)
    source = sqlite_path(demo) if demo.get_backend_name() == "sqlite" else None
    if source is None:
        pytest.skip("copies the SQLite demo database")
    copy = tmp_path / "demo.sqlite"
    shutil.copyfile(source, copy)
    url = f"sqlite:///{copy}"
    name = "<img src=x onerror=alert(1)>"
    with connect(url).begin() as connection:
        code = connection.execute(sa.text(
            "SELECT i.code FROM indicators i JOIN departments d ON d.id = i.department_id "
            "WHERE d.code = 'HED' AND i.level = 'province' ORDER BY i.code LIMIT 1"
        )).scalar_one()  # fmt: skip
        connection.execute(sa.text("UPDATE indicators SET name = :n WHERE code = :c"),
                           {"n": name, "c": code})  # fmt: skip
    plan = plan_demo_batch(url, tmp_path / "out", ["HED"], formats="html", include_summary=False)
    result = run_batch(plan, BatchOptions(workers=1, timeout=300))
    record = result.manifest.record("2024-25/FY/HED")
    assert record.status == "built", record.error
    html = (plan.folder / "HED.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert find_external_references(html) == []


def test_manifest_is_complete(demo_report_batch):
    plan, _result = demo_report_batch
    manifest = json.loads((plan.folder / "manifest.json").read_text())
    batch = manifest["batch"]
    assert batch["status"] == "succeeded" and batch["counts"]["built"] == 4
    for key in ("started_at", "finished_at", "code_version", "data_fingerprint", "database",
                "formats", "workers", "timeout_seconds", "data_as_of"):  # fmt: skip
        assert batch[key] not in (None, "", []), key
    assert batch["is_demo"] is True
    reports = {r["report_id"]: r for r in manifest["reports"]}
    assert set(reports) == {"2024-25/FY/provincial_summary", "2024-25/FY/HLT", "2024-25/FY/FIN",
                            "2024-25/FY/pse_portfolio_report"}  # fmt: skip
    for report in reports.values():
        assert report["status"] == "built" and report["error"] is None
        for key in ("parameters", "notebook_hash", "data_fingerprint", "code_version",
                    "input_key", "started_at", "finished_at", "duration_seconds"):  # fmt: skip
            assert report[key] not in (None, "", {}), (report["report_id"], key)
        notebook = REPO / "notebooks" / report["notebook"]
        assert report["notebook_hash"] == hash_file(notebook)
        assert report["data_fingerprint"] == batch["data_fingerprint"]
        assert set(report["outputs"]) == set(plan.formats)
        for file_name in report["outputs"].values():
            assert (plan.folder / file_name).is_file()
    assert "thresholds" not in reports["2024-25/FY/HLT"]["parameters"]  # read by every surface
    index = (plan.folder / "index.html").read_text()
    assert all(
        f'href="{name}"' in index for name in ("HLT.html", "FIN.html", "provincial_summary.html")
    )


def test_the_index_is_a_page_for_people_with_the_build_log_folded(demo_report_batch, monkeypatch):
    plan, _result = demo_report_batch
    index = (plan.folder / "index.html").read_text()
    people, log = index.split('<details class="build-log">')
    manifest = read_manifest(plan.folder)
    health = next(r for r in manifest.reports if r.department == "HLT")
    budget = next(f for f in health.headline if f["key"] == "budget_used")
    # Each department's headline figures, as its report published them, beside its links.
    assert f'<span class="rag rag-{budget["status"]}">{budget["text"]}</span>' in people
    assert 'href="HLT.html">Health</a>' in people and 'href="HLT.pdf">PDF</a>' in people
    # The province first, then the PSE portfolio, each by its name, then the departments.
    names = [people.index(f'">{name}</a>') for name in ("Province", "PSE portfolio", "Finance")]
    assert names == sorted(names)
    assert "Seconds" not in people and "UTC" not in people and ".ipynb" not in people
    assert "Seconds" in log and "manifest.json" in log and "HLT.ipynb" in log
    assert "Dashboard" not in people  # no dashboards' address set: no link off the page
    monkeypatch.setenv("KPI_DASHBOARDS_URL", "https://kpi.example.gov.pk/dash")
    linked = render_index_html(manifest)
    assert (
        'href="https://kpi.example.gov.pk/dash/voila/render/department.ipynb?department=HLT&amp;'
        'fiscal_year=2024-25&amp;period=FY">Dashboard</a>'
    ) in linked
    assert "/voila/render/province.ipynb?fiscal_year=2024-25&amp;period=FY" in linked
    assert 'href="https://kpi.example.gov.pk/dash/voila/render/pse_monitor.ipynb"' in linked
    monkeypatch.setenv("KPI_DASHBOARDS_URL", "javascript:alert(1)")
    assert "javascript" not in render_index_html(manifest)


def test_reports_open_with_the_executive_summary_and_end_with_the_methodology(demo_report_batch):
    plan, _result = demo_report_batch
    for name in ("HLT.html", "provincial_summary.html"):
        html = (plan.folder / name).read_text()
        cover = html.split('<section class="report-cover report-cover-with-summary">', 1)[1]
        summary = cover.split("</section>", 1)[0]
        assert "Executive summary" in summary and summary.count('class="key-message"') >= 3
        assert "on FY 2023-24" in summary  # each card's change on the same period of last year
        assert 'id="methodology"' in html and "Severity: budget" in html
        assert "docs/methodology" not in html  # a PDF reader cannot open it
    health = (plan.folder / "HLT.html").read_text()
    assert "Red flags, most severe first" in health


def test_rerun_skips_unchanged_reports_and_rebuilds_changed_ones(demo_sqlite_url, tmp_path):
    parameters = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", parameters)
    output = tmp_path / "out"

    def run(departments, force=False):
        plan = plan_demo_batch(
            demo_sqlite_url, output, departments, formats="html", parameters=parameters,
            include_summary=False,
        )  # fmt: skip
        return run_batch(plan, BatchOptions(workers=1, timeout=120, force=force))

    first = run(["HLT", "FIN"])
    assert first.manifest.batch.counts["built"] == 2
    stamps = {p.name: p.stat().st_mtime_ns for p in first.folder.glob("[A-Z]*.html")}

    second = run(["HLT", "FIN"])
    assert second.run_ids == []
    assert second.manifest.batch.counts["unchanged"] == 2
    assert {p.name: p.stat().st_mtime_ns for p in second.folder.glob("[A-Z]*.html")} == stamps

    (parameters / "departments" / "FIN.yaml").write_text('officer_title: "Finance Secretary"\n')
    third = run(["HLT", "FIN"])
    assert third.run_ids == ["2024-25/FY/FIN"]
    assert third.manifest.record("2024-25/FY/HLT").status == "unchanged"
    assert "Finance Secretary" in (third.folder / "FIN.html").read_text()

    forced = run(["HLT"], force=True)
    assert forced.run_ids == ["2024-25/FY/HLT"]
    assert forced.manifest.record("2024-25/FY/FIN").status == "built"  # carried over as it was


@pytest.mark.any_backend  # a broken or slow notebook: the runner, not the data
def test_a_failing_department_does_not_stop_the_batch(demo_sqlite_url, tmp_path):
    folder = notebooks_folder(tmp_path, "broken.ipynb")
    output = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["--database-url", demo_sqlite_url, "report", "-d", "FIN", "-d", "HLT",
         "--fiscal-year", "2024-25", "--format", "html,ipynb", "--workers", "1",
         "--notebooks-dir", str(folder), "--output-dir", str(output)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    batch = output / "2024-25" / "FY"
    manifest = read_manifest(batch)
    failed, built = manifest.record("2024-25/FY/FIN"), manifest.record("2024-25/FY/HLT")
    assert failed.status == "failed" and "implausible figures in the FIN data" in failed.error
    assert "ValueError" in failed.error and failed.outputs == {}
    assert built.status == "built"  # same worker, after the failure
    assert (batch / "HLT.html").is_file() and not (batch / "FIN.html").exists()
    kept = nbformat.read(batch / "failed" / "FIN.ipynb", as_version=4)
    assert any(
        o.output_type == "error" for c in kept.cells if c.cell_type == "code" for o in c.outputs
    )
    index = (batch / "index.html").read_text()
    assert "FAILED" in index and "implausible figures in the FIN data" in index
    assert manifest.batch.status == "failed"
    assert "FIN" in result.output and "1 failed" in result.output


@pytest.mark.any_backend  # a broken or slow notebook: the runner, not the data
def test_a_report_that_runs_too_long_times_out_and_the_next_one_runs(demo_sqlite_url, tmp_path):
    folder = notebooks_folder(tmp_path, "slow.ipynb")
    plan = plan_demo_batch(demo_sqlite_url, tmp_path / "out", ["FIN", "HLT"], formats="html",
                           notebooks=folder, include_summary=False)  # fmt: skip
    started = time.perf_counter()
    result = run_batch(plan, BatchOptions(workers=1, timeout=4))
    assert time.perf_counter() - started < 60
    slow, quick = result.manifest.record("2024-25/FY/FIN"), result.manifest.record("2024-25/FY/HLT")
    assert slow.status == "failed" and "timed out after 4 s" in slow.error
    assert quick.status == "built" and (plan.folder / "HLT.html").is_file()


@pytest.mark.any_backend  # a broken or slow notebook: the runner, not the data
def test_an_interrupted_batch_leaves_no_half_written_report(demo_sqlite_url, tmp_path):
    folder = notebooks_folder(tmp_path, "slow.ipynb")
    output = tmp_path / "out"
    batch = output / "2024-25" / "FY"
    command = [sys.executable, "-c", "from kpilib.cli import main; main()",
               "--database-url", demo_sqlite_url, "report", "-d", "HLT", "-d", "FIN",
               "--fiscal-year", "2024-25", "--format", "html,ipynb", "--workers", "1",
               "--notebooks-dir", str(folder), "--output-dir", str(output)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:  # wait until HLT is done and FIN (slow) is running
            manifest = read_manifest(batch)
            if manifest and manifest.record("2024-25/FY/HLT"):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the first report never finished")
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        output_text, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, output_text
    assert "Interrupted" in output_text
    manifest = read_manifest(batch)
    assert manifest.batch.status == "interrupted"
    assert manifest.record("2024-25/FY/HLT").status == "built"
    assert manifest.record("2024-25/FY/FIN").status == "interrupted"
    names = sorted(p.name for p in batch.rglob("*") if p.is_file())
    assert names == ["HLT.html", "HLT.ipynb", "HLT.xlsx", "index.html", "manifest.json"], names
    assert not [p for p in batch.rglob(".*partial*")]
    assert not list(Path("/tmp").glob("kpi-kernels-*/worker0-*.json")) or True  # best effort
    # the next run makes only what is missing
    plan = plan_demo_batch(
        demo_sqlite_url, output, ["HLT"], formats="html,ipynb", notebooks=folder,
        include_summary=False,
    )  # fmt: skip
    result = run_batch(plan, BatchOptions(workers=1, timeout=60))
    assert result.run_ids == []


def test_kernels_run_the_projects_own_python(demo_report_batch):
    plan, _result = demo_report_batch
    executed = nbformat.read(plan.folder / "HLT.ipynb", as_version=4)
    assert executed.metadata.language_info.name == "python"
    from kpilib.report.kernels import project_kernel_spec

    assert project_kernel_spec().argv[0] == sys.executable
    assert os.path.exists(sys.executable)


@pytest.mark.postgres
def test_the_same_report_from_postgresql_shows_the_same_content(
    demo_postgres_url, demo_report_batch, tmp_path
):
    sqlite_plan, _result = demo_report_batch
    plan = plan_demo_batch(
        demo_postgres_url, tmp_path, ["HLT"], formats="ipynb,html", include_summary=False
    )
    result = run_batch(plan, BatchOptions(workers=1, timeout=120))
    assert result.succeeded, result.manifest.reports[0].error
    assert "postgresql" in result.manifest.batch.database

    def shown(folder: Path) -> list:
        executed = nbformat.read(folder / "HLT.ipynb", as_version=4)
        return [
            {k: v for k, v in output.get("data", {}).items() if k != "text/plain"}
            for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs
        ]  # fmt: skip

    assert shown(plan.folder) == shown(sqlite_plan.folder)
    assert result.manifest.record("2024-25/FY/HLT").parameters == (
        read_manifest(sqlite_plan.folder).record("2024-25/FY/HLT").parameters
    )


def test_the_batch_builds_the_pse_portfolio_report(demo_report_batch):
    plan, result = demo_report_batch
    record = result.manifest.record("2024-25/FY/pse_portfolio_report")
    assert record is not None and record.status == "built" and record.kind == "portfolio"
    assert record.parameters["sections"] == [
        "composition", "finances", "loss_makers", "governance", "audit", "support", "guarantees",
        "stress", "actions",
    ]  # fmt: skip
    html = (plan.folder / "pse_portfolio_report.html").read_text()
    for heading in (
        "Size and composition",
        "Revenue, profit or loss and net equity",
        "The largest loss-makers",
        "Governance compliance",
        "Audit opinions",
        "Government support by instrument",
        "Guarantees: the contingent-liabilities register",
        "Stress results",
        "Open actions",
    ):
        assert f"{heading}</h2>" in html, heading
    assert "Not available in this report yet" not in html
    assert "action(s) on the PSEs' flags of 2023-24 and 2024-25, as of 15 Feb 2026" in html
    assert "oldest overdue actions" in html and "Days overdue" in html
    assert "Yearly returns for 2024-25 received" in html and "Share on time" in html
    assert "Yearly report, FY 2024-25" in html and "PSEs in the register on" in html
    assert "pse_portfolio_report.html" in (plan.folder / "index.html").read_text()
    assert (plan.folder / "pse_portfolio_report.xlsx").is_file()
    summary = (plan.folder / "provincial_summary.html").read_text()
    assert "PEFA PI-10: fiscal risk reporting</h2>" in summary and "PI-10.1 evidence" in summary
