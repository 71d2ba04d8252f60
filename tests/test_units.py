"""One money and date format on every surface, in the unit of ``units: {money: …}`` in
``parameters/defaults.yaml``: each setting formats hand-computed values."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO

from kpilib.errors import ParameterFileError
from kpilib.present.formatting import (
    format_date,
    format_datetime,
    format_iso_date,
    format_money,
    format_money_value,
    money_heading,
    money_in_unit,
    money_unit,
)
from kpilib.present.tables import Column, export_table, render_table
from kpilib.report.params import load_parameter_set

# 1,234,567,890 rupees = 1,234.56789 million = 1.23456789 billion = 123.456789 crore.
RUPEES = 1_234_567_890


@pytest.mark.parametrize(
    ("unit", "prose", "cell", "heading"),
    [
        ("million", "Rs 1,234.6 m", "1,234.6", "Revised (Rs m)"),
        ("billion", "Rs 1.2 bn", "1.2", "Revised (Rs bn)"),
        ("lakh_crore", "Rs 123.5 crore", "123.5", "Revised (Rs crore)"),
    ],
)
def test_each_unit_formats_hand_computed_values(unit, prose, cell, heading):
    assert format_money(RUPEES, 1, unit) == prose
    assert format_money_value(RUPEES, 1, unit) == cell
    assert money_heading("Revised", unit) == heading
    assert money_in_unit(RUPEES, unit) == pytest.approx({"million": 1234.56789,
        "billion": 1.23456789, "lakh_crore": 123.456789}[unit])  # fmt: skip


def test_lakh_crore_groups_the_indian_way_and_shows_lakh_under_a_crore():
    # 12,34,56,78,90,12,345 rupees = 1,23,45,678.9012345 crore
    assert format_money_value(123_456_789_012_345, 1, "lakh_crore") == "1,23,45,678.9"
    assert format_money(-123_456_789_012_345, 0, "lakh_crore") == "Rs -1,23,45,679 crore"
    assert format_money(4_500_000, 1, "lakh_crore") == "Rs 45.0 lakh"  # 45 lakh = 4.5 million
    assert format_money(0, 1, "lakh_crore") == "Rs 0.0 lakh"


def test_million_is_the_default_and_missing_money_is_a_dash():
    assert format_money(233_389_000_000, 0, "million") == "Rs 233,389 m"
    for missing in (None, float("nan"), pd.NA):
        assert format_money(missing, 1, "million") == format_money_value(missing) == "–"
        assert money_in_unit(missing, "million") is None


def test_dates_read_one_way():
    assert format_date(date(2026, 2, 15)) == "15 Feb 2026"
    assert format_date(date(2026, 2, 5)) == "5 Feb 2026"
    assert format_datetime(datetime(2026, 2, 15, 14, 5)) == "15 Feb 2026 14:05"
    assert format_iso_date("2026-02-15") == "15 Feb 2026" and format_iso_date(None) == ""
    assert format_date(None) == "–"


def _parameters(tmp_path: Path, units: str) -> Path:
    folder = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", folder)
    path = folder / "defaults.yaml"
    text = path.read_text().replace("units:\n  money: million\n", units)
    path.write_text(text)
    return folder


@pytest.mark.parametrize("unit", ["million", "billion", "lakh_crore"])
def test_the_setting_is_read_from_the_parameter_files_and_validated(tmp_path, unit):
    folder = _parameters(tmp_path, f"units:\n  money: {unit}\n")
    assert load_parameter_set(folder).defaults.units.money == unit
    assert money_unit(folder) == unit


def test_an_unknown_unit_is_a_parameter_problem(tmp_path):
    folder = _parameters(tmp_path, "units:\n  money: thousands\n")
    with pytest.raises(ParameterFileError) as caught:
        load_parameter_set(folder)
    assert any(p.where.key and p.where.key.startswith("units") for p in caught.value.problems)
    with pytest.raises(ParameterFileError, match="not a money unit"):
        money_unit(folder)


def test_the_project_parameters_say_million():
    assert money_unit(REPO / "parameters") == "million"


def test_a_money_column_shows_its_unit_in_html_and_in_the_download():
    frame = pd.DataFrame({"amount": [RUPEES]})
    columns = [Column("amount", "Revised budget", "money")]
    html = render_table(frame, columns)
    assert "Revised budget (Rs m)" in html and ">1,234.6<" in html
    exported = export_table(frame, columns)
    assert list(exported.columns) == ["Revised budget (Rs m)"]
    assert exported.iloc[0, 0] == pytest.approx(1234.56789)


def test_a_dashboard_and_its_excel_download_follow_the_setting(
    tmp_path, monkeypatch, demo_sqlite_url
):
    """With ``units: {money: billion}`` the department page's budget table and its Excel
    download both speak of Rs bn, and the same figure reads the same in both."""
    import base64
    import re
    from io import BytesIO

    from openpyxl import load_workbook

    from kpilib.dashboards.department import build_department_dashboard
    from kpilib.dashboards.page import start_dashboard
    from kpilib.parameter_files import ENV_PARAMETERS_DIR
    from kpilib.present.xlsx import HEADER_ROW

    monkeypatch.setenv(ENV_PARAMETERS_DIR, str(_parameters(tmp_path, "units:\n  money: billion\n")))
    page = build_department_dashboard(start_dashboard(url=demo_sqlite_url), department="HLT")
    page.select(department="HLT", fiscal_year="2024-25", period="FY")
    html = page.execution_table.value
    assert "Revised budget (Rs bn)" in html and "(Rs m)" not in html
    payload = re.search(r'href="data:[^;]+sheet;base64,([^"]+)"', html).group(1)
    sheet = load_workbook(BytesIO(base64.b64decode(payload))).active
    headings = [cell.value for cell in sheet[HEADER_ROW]]
    column = headings.index("Revised budget (Rs bn)")
    current = next(r for r in sheet.iter_rows(min_row=HEADER_ROW + 1) if r[0].value == "Current")
    row = re.search(r"<tr><td>Current</td>(.*?)</tr>", html).group(1)
    shown = re.findall(r"<td[^>]*>(.*?)</td>", row)[column - 1]
    assert f"{current[column].value:,.0f}" == shown
    assert "money in Rs bn" in sheet["A2"].value


def test_changing_the_unit_rebuilds_the_reports(tmp_path, demo_sqlite_url):
    """The unit is part of each report's input key (a batch does not keep a report in the old
    unit), not of the status thresholds' fingerprint."""
    from conftest import plan_demo_batch

    million = plan_demo_batch(
        demo_sqlite_url,
        tmp_path / "a",
        ["HLT"],
        formats="html",
        parameters=_parameters(tmp_path / "m", "units:\n  money: million\n"),
    )
    billion = plan_demo_batch(
        demo_sqlite_url,
        tmp_path / "b",
        ["HLT"],
        formats="html",
        parameters=_parameters(tmp_path / "b", "units:\n  money: billion\n"),
    )
    assert million.status_rules == billion.status_rules
    assert [j.input_key for j in million.jobs] != [j.input_key for j in billion.jobs]
