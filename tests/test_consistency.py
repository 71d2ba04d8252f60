"""One number, one status: for every department and the province, every headline figure and its
status are the same in the built report, on the dashboard, in the analysts' API and in the
delivery e-mail (all departments, not a sample), on SQLite. On PostgreSQL the same surfaces read
the same views: `test_views.py` (in the PostgreSQL pass) checks the views there against the KPI
functions, and `test_report_batch.py` checks that a report built from PostgreSQL is the one built
from SQLite; this file is not run again there.
"""

import re
import shutil
from html.parser import HTMLParser

import pytest
from conftest import REPO, plan_demo_batch

from kpilib.dashboards.department import build_department_dashboard
from kpilib.dashboards.page import start_dashboard
from kpilib.dashboards.province import build_province_dashboard
from kpilib.dashboards.pse_monitor import build_pse_monitor
from kpilib.delivery.reports import build_message, plan_mails
from kpilib.present.headline import describe_headline, headline
from kpilib.report.batch import BatchOptions, run_batch
from kpilib.report.manifest import read_manifest
from kpilib.report.params import load_parameter_set
from kpilib.store.database import connect
from kpilib.views import load_province_view


class _Cards(HTMLParser):
    """Each ``.kpi-card``'s figure key, value text and status colour."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, list] = {}
        self.key: str | None = None
        self.field: str | None = None
        self.depth = 0  # open <div>s inside the current card

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "div" and self.key:
            self.depth += 1
        if "kpi-card" in classes and (values.get("id") or "").startswith("card-"):
            self.key, self.depth = values["id"][5:], 1
            self.cards[self.key] = ["", None]
        elif self.key and "kpi-card-value" in classes:
            self.field = "value"
        elif self.key and "rag" in classes:
            status = next(c[4:] for c in classes if c.startswith("rag-"))
            self.cards[self.key][1] = status

    def handle_data(self, data: str) -> None:
        if self.key and self.field == "value":
            self.cards[self.key][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.key:
            self.field = None
            self.depth -= 1
            if self.depth == 0:
                self.key = None


def cards_of(html: str) -> dict[str, tuple[str, str | None]]:
    parser = _Cards()
    parser.feed(html)
    return {key: (text.strip(), status) for key, (text, status) in parser.cards.items()}


def api_cards(view, department=None) -> dict[str, tuple[str, str | None]]:
    frame = headline(view, department)
    return {
        row.key: (row.text, row.status if isinstance(row.status, str) else None)
        for row in frame.itertuples()
    }


@pytest.fixture(scope="module")
def all_reports(demo_sqlite_url, tmp_path_factory):
    """Every department's report and the provincial summary (HTML), built by the batch."""
    plan = plan_demo_batch(demo_sqlite_url, tmp_path_factory.mktemp("all"), None, formats="html")
    result = run_batch(plan, BatchOptions(workers=2, timeout=300))
    assert result.succeeded, [r.error for r in result.failed]
    return plan


@pytest.fixture(scope="module")
def view(demo_sqlite_url):
    return load_province_view(connect(demo_sqlite_url, read_only=True), "2024-25")


@pytest.fixture(scope="module")
def mails(all_reports, tmp_path_factory):
    """The delivery e-mails of every report, to a recipient set in a copy of the parameters."""
    folder = tmp_path_factory.mktemp("parameters")
    shutil.copytree(REPO / "parameters", folder, dirs_exist_ok=True)
    for path in [folder / "defaults.yaml", *sorted((folder / "departments").glob("*.yaml"))]:
        path.write_text(path.read_text() + "\nrecipients: [officer@finance.example.gov.pk]\n")
    planned = plan_mails(all_reports.output_dir, load_parameter_set(folder), "2024-25", "FY")
    return {
        mail.department: build_message(mail, "kpi@example.gov.pk", mail.recipients[0]).get_body()
        for mail in planned
    }


def mail_lines(message) -> list[str]:
    text = message.get_content()
    return [line[4:] for line in text.splitlines() if line.startswith("  - ")]


def test_the_report_the_dashboard_the_api_and_the_email_agree_for_every_department(
    all_reports, view, mails, demo_sqlite_url
):
    codes = list(view.departments["department_code"])
    assert len(codes) == 32
    page = build_department_dashboard(start_dashboard(url=demo_sqlite_url), department=codes[0])
    manifest = read_manifest(all_reports.folder)
    disagreements = []
    for code in codes:
        expected = api_cards(view, code)
        report = cards_of((all_reports.folder / f"{code}.html").read_text())
        page.select(department=code, fiscal_year="2024-25", period="FY")
        dashboard = cards_of(page.cards.value)
        record = manifest.record(f"2024-25/FY/{code}")
        for surface, shown in (("report", report), ("dashboard", dashboard)):
            if shown != expected:
                disagreements.append((code, surface, shown, expected))
        written = describe_headline(record.headline)
        if mail_lines(mails[code]) != written or [f["text"] for f in record.headline] != [
            text for text, _ in expected.values()
        ]:
            disagreements.append((code, "e-mail", mail_lines(mails[code]), expected))
    assert disagreements == []


def test_the_province_figures_agree_everywhere(all_reports, view, mails, demo_sqlite_url):
    expected = api_cards(view)
    summary = cards_of((all_reports.folder / "provincial_summary.html").read_text())
    page = build_province_dashboard(start_dashboard(url=demo_sqlite_url))
    page.select(fiscal_year="2024-25", period="FY")
    assert summary == expected
    assert cards_of(page.cards.value) == expected
    lines = mail_lines(mails[None])
    assert [line.split(": ", 1)[1].split(" — ")[0].split(" (")[0] for line in lines] == [
        text for text, _ in expected.values()
    ]


def test_every_status_shown_names_the_rule_it_was_rated_with(all_reports, view):
    """Health's own threshold (green at 97 %) is in its report's footnote and on its cards."""
    html = (all_reports.folder / "HLT.html").read_text()
    assert "green within 97–103 % of plan" in html
    assert "parameters/departments/HLT.yaml" in html
    finance = (all_reports.folder / "FIN.html").read_text()
    assert "green within 95–105 % of plan" in finance
    assert re.search(r"green within 9[57]", finance) and "HLT.yaml" not in finance


def test_the_pse_headline_names_its_population_on_every_surface(all_reports, view, demo_sqlite_url):
    """Province and PSE monitor count PSEs at high risk on one population, named."""
    quarter = view.reference_quarter.code
    summary = (all_reports.folder / "provincial_summary.html").read_text()
    assert f"PSEs with a {quarter} statement" in summary
    current = int(view.pse_latest["current"].sum())
    high = int(
        view.pse_latest.loc[view.pse_latest["current"], "overall_rating"]
        .isin(["high", "very high"])
        .sum()
    )
    assert cards_of(summary)["pses_high_risk"][0] == f"{high} of {current}"
    monitor = build_pse_monitor(start_dashboard(url=demo_sqlite_url))
    monitor.select(fiscal_year="2024-25", period="FY")
    assert f"{high} of {current}" in monitor.cards.value
    assert f"PSEs with a {quarter} statement" in monitor.cards.value


class _Tables(HTMLParser):
    """Every ``<table>``: its headings and the text of each row's cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.cell: list[str] | None = None
        self.row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append({"headings": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            table = self.tables[-1]
            key = "rows" if table["headings"] else "headings"
            table[key].append(self.row) if key == "rows" else table.update(headings=self.row)
            self.row = None


def html_figure(html: str, heading: str, first_cell: str) -> str:
    """The text of the ``heading`` column in the row that starts with ``first_cell``."""
    parser = _Tables()
    parser.feed(html)
    for table in parser.tables:
        if heading in table["headings"]:
            column = table["headings"].index(heading)
            for row in table["rows"]:
                if row and row[0] == first_cell:
                    return row[column]
    raise AssertionError(f"no {heading!r} for {first_cell!r}")


def xlsx_figure(path, heading: str, first_cell: str) -> str:
    """The same figure in the report's workbook, as Excel shows it with its number format."""
    from openpyxl import load_workbook

    from kpilib.present.xlsx import HEADER_ROW

    for sheet in load_workbook(path).worksheets:
        headings = [cell.value for cell in sheet[HEADER_ROW]]
        if heading not in headings:
            continue
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            if row[0].value == first_cell:
                cell = row[headings.index(heading)]
                fmt = cell.number_format
                digits = fmt.split(".")[1].count("0") if "." in fmt else 0
                if fmt.endswith("%"):
                    return f"{cell.value * 100:,.{digits}f} %"
                return f"{cell.value:,.{digits}f}"
    raise AssertionError(f"no {heading!r} for {first_cell!r} in {path}")


def test_the_same_figure_reads_the_same_in_the_report_the_dashboard_and_excel(
    all_reports, view, demo_sqlite_url
):
    """A department's revised budget and spending rate: report HTML, dashboard, workbook."""
    codes = list(view.departments["department_code"])
    page = build_department_dashboard(start_dashboard(url=demo_sqlite_url), department=codes[0])
    differences = []
    for code in codes:
        report = (all_reports.folder / f"{code}.html").read_text()
        page.select(department=code, fiscal_year="2024-25", period="FY")
        workbook = all_reports.folder / f"{code}.xlsx"
        for report_heading, page_heading in (
            ("Revised budget (Rs m)", "Revised budget (Rs m)"),
            ("Spent % of revised", "Utilisation (% of revised)"),
        ):
            shown = (
                html_figure(report, report_heading, "Current"),
                html_figure(page.execution_table.value, page_heading, "Current"),
                xlsx_figure(workbook, report_heading, "Current"),
            )
            if len(set(shown)) != 1:
                differences.append((code, report_heading, shown))
    assert differences == []
