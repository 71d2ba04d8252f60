"""Formula-injection-safe CSV and XLSX writing, and output paths that stay in their folder."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from kpilib.present.export import (
    FORMULA_TRIGGERS,
    neutralise_cell,
    safe_output_path,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x","click")', '\'=HYPERLINK("http://x","click")'),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-12.5", "-12.5"),
        ("Health", "Health"),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


@given(st.text())
def test_no_neutralised_text_can_start_a_formula(text):
    safe = neutralise_cell(text)
    assert (
        not safe.startswith(FORMULA_TRIGGERS)
        or safe.lstrip("+-")
        .replace(".", "", 1)
        .replace("e", "", 1)
        .replace("E", "", 1)
        .lstrip("+-")
        .isdigit()
    )


FRAME = pd.DataFrame(
    {"name": ["=1+1", "@x", "ok"], "amount": pd.array([-12, 5, None], dtype="Int64")}
)


def test_csv_keeps_numbers_and_neutralises_text(tmp_path):
    path = write_csv(FRAME, tmp_path / "out.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert rows == [["name", "amount"], ["'=1+1", "-12"], ["'@x", "5"], ["ok", ""]]


def test_xlsx_writes_text_as_text_and_numbers_as_numbers(tmp_path):
    path = write_xlsx(FRAME, tmp_path / "out.xlsx")
    sheet = load_workbook(path)["Data"]
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -12 and sheet["B2"].data_type == "n"
    assert sheet["B4"].value is None


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/x.csv", "a/../../b", "..", ""])
def test_output_paths_stay_in_their_folder(tmp_path, name):
    path = safe_output_path(tmp_path, name)
    assert path.parent == tmp_path.resolve()
