"""Each validation rule, triggered by a small fixture file: a clear error (or warning) that
names file, row, column and value, and a database left exactly as it was."""

from __future__ import annotations

import pytest
from ingest_helpers import (
    BUDGET_HEADER,
    FINANCIAL_HEADER,
    FINANCIAL_VALUES,
    budget_file,
    build_reference,
    data_hash,
    financial_file,
    ingest,
    messages,
    write,
)


@pytest.fixture
def engine(sqlite_url):
    return build_reference(sqlite_url)


def rejected(engine, path, **options):
    """Ingest a bad file: it must be rejected and leave the database unchanged."""
    before = data_hash(engine)
    outcome = ingest(engine, path, **options)
    assert outcome.status == "rejected", messages(outcome)
    assert data_hash(engine) == before
    return outcome


def test_a_good_financial_return_loads(engine, tmp_path):
    outcome = ingest(engine, financial_file(tmp_path))
    assert outcome.status == "loaded", messages(outcome)
    assert outcome.scope == "UNI-001 2024-25Q1" and outcome.accepted_rows == 1


def test_missing_required_columns_are_named(engine, tmp_path):
    header = FINANCIAL_HEADER.replace(",cash", "").replace(",equity", "")
    values = FINANCIAL_VALUES.split(",")
    del values[12], values[6]  # equity, cash
    path = write(tmp_path, "f.csv", f"{header}\nUNI-001,2024-25Q1,{','.join(values)}\n")
    outcome = rejected(engine, path, return_type="pse_financial")
    (error,) = outcome.errors
    assert "missing required column(s)" in error.message and "cash, equity" in error.message
    assert error.where.file == "f.csv" and error.where.row == 1


def test_a_return_filled_in_the_xlsx_template_loads_without_a_warning(engine, tmp_path):
    from openpyxl import load_workbook

    from kpilib.ingest.templates import write_template

    path = write_template("pse_financial", "xlsx", tmp_path / "pse_financial.xlsx")
    workbook = load_workbook(path)
    sheet = workbook["pse_financial"]
    values = ["UNI-001", "2024-25Q1", *(int(v) for v in FINANCIAL_VALUES.split(","))]
    for column, value in enumerate(values, start=1):
        sheet.cell(row=2, column=column, value=value)
    workbook.save(path)
    outcome = ingest(engine, path)
    assert outcome.status == "loaded", messages(outcome)
    assert outcome.issues == [] and outcome.sheet == "pse_financial"


def test_extra_columns_are_a_warning_and_ignored(engine, tmp_path):
    path = write(tmp_path, "f.csv", f"{FINANCIAL_HEADER},remarks\nUNI-001,2024-25Q1,"
                                    f"{FINANCIAL_VALUES},=HYPERLINK(\"http://x\")\n")  # fmt: skip
    outcome = ingest(engine, path)
    assert outcome.status == "loaded"
    assert any("ignored: remarks" in w.message for w in outcome.warnings)


def test_wrong_types_and_negative_amounts_are_reported_per_cell(engine, tmp_path):
    rows = [
        "HLT00001,current,A01,2024-25M01,12.5,1000000,abc,800000",
        "HLT00001,current,A01,2024-25M02,-1000,1000000,=SUM(A1:A3),",
        "HLT00001,capital,A01,2024-25M03,1000,1000,,",
    ]
    outcome = rejected(engine, budget_file(tmp_path, rows=rows))
    found = {(i.where.row, i.where.column): i for i in outcome.errors}
    assert "not whole rupees" in found[(2, "original_budget")].message
    assert found[(2, "original_budget")].value == "12.5"
    assert "not an amount" in found[(2, "released")].message
    assert "negative" in found[(3, "original_budget")].message
    assert found[(3, "released")].value == "=SUM(A1:A3)"
    assert "current, development" in found[(4, "budget_type")].message
    assert outcome.rejected_rows == 3 and outcome.accepted_rows == 0


def test_duplicate_keys_inside_a_file(engine, tmp_path):
    rows = ["HLT00001,current,A01,2024-25M01,1,1,1,1", "HLT00001,current,A01,2024-25M01,2,2,2,2"]
    outcome = rejected(engine, budget_file(tmp_path, rows=rows))
    (error,) = outcome.errors
    assert error.where.row == 3 and "repeats row 2" in error.message


@pytest.mark.parametrize(
    ("rows", "column", "reason"),
    [
        (["HLT09999,current,A01,2024-25M01,1,1,1,1"], "cost_centre_code", "no cost centre"),
        (["HLT00001,current,Z99,2024-25M01,1,1,1,1"], "economic_class_code", "no economic"),
        (["HLT00001,current,A01,2024-25Q1,1,1,1,1"], "month", "not a fiscal month"),
        (["HLT00001,current,A01,2024-25M01,1,1,1,1", "HLT00001,current,A01,2023-24M12,1,1,1,1"],
         "month", "outside fiscal year 2024-25"),
        (["HLT00001,current,A01,2024-25M01,1,1,1,1", "HED00001,current,A01,2024-25M01,1,1,1,1"],
         "cost_centre_code", "belongs to department HED, not HLT"),
    ],
)  # fmt: skip
def test_unknown_or_misplaced_codes_in_a_budget_extract(engine, tmp_path, rows, column, reason):
    outcome = rejected(engine, budget_file(tmp_path, rows=rows))
    assert any(i.where.column == column and reason in i.message for i in outcome.errors), messages(
        outcome
    )


def test_period_must_match_the_declared_period(engine, tmp_path):
    outcome = rejected(engine, financial_file(tmp_path), period="2024-25Q2")
    expected = "is not 2024-25Q2, the fiscal quarter this return is sent for"
    assert any(expected in i.message for i in outcome.errors)
    outcome = rejected(engine, budget_file(tmp_path), period="2023-24")
    assert any("outside fiscal year 2023-24" in i.message for i in outcome.errors)
    outcome = rejected(engine, budget_file(tmp_path), period="2024-25Q1")
    assert any("covers a fiscal year" in i.message for i in outcome.errors)


def test_entity_must_agree_with_the_option_and_be_known(engine, tmp_path):
    outcome = rejected(engine, financial_file(tmp_path), entity="MTI-001")
    expected = "is not MTI-001, the PSE this return is sent for"
    assert any(expected in i.message for i in outcome.errors)
    outcome = rejected(engine, financial_file(tmp_path, entity="XYZ-404"))
    assert any(i.where.column == "entity_code" and "no PSE" in i.message for i in outcome.errors)


def test_missing_entity_and_period_are_named(engine, tmp_path):
    header = FINANCIAL_HEADER.replace("entity_code,period,", "")
    path = write(tmp_path, "f.csv", f"{header}\n{FINANCIAL_VALUES}\n")
    outcome = rejected(engine, path)
    text = messages(outcome)
    assert "does not say which PSE it is sent for" in text and "entity_code column" in text
    assert "does not say which quarter it covers" in text and "period column" in text
    assert "--" not in text  # no command-line option: the portal's officers type none
    assert ingest(engine, path, entity="UNI-001", period="2024-25Q1").status == "loaded"


def test_unbalanced_balance_sheet_is_an_error(engine, tmp_path):
    values = FINANCIAL_VALUES.replace("5000000000,2000000000", "5000000000,2500000000")
    outcome = rejected(engine, financial_file(tmp_path, values=values))
    (error,) = outcome.errors
    assert error.where.column == "total_assets" and "does not balance" in error.message
    assert "difference -500,000,000" in error.message


def test_balance_within_tolerance_loads(engine, tmp_path):
    values = FINANCIAL_VALUES.replace("5000000000,2000000000", "5000000999,2000000000")
    assert ingest(engine, financial_file(tmp_path, values=values)).status == "loaded"


def test_jump_against_the_previous_quarter_is_a_warning(engine, tmp_path):
    assert ingest(engine, financial_file(tmp_path, period="2024-25Q1")).status == "loaded"
    jumped = FINANCIAL_VALUES.replace("100000000,50000000", "800000000,50000000", 1)
    outcome = ingest(engine, financial_file(tmp_path, "q2.csv", period="2024-25Q2",
                                            values=jumped))  # fmt: skip
    assert outcome.status == "loaded"
    (warning,) = outcome.warnings
    assert (
        warning.where.column == "revenue" and "8.0 times the previous quarter's" in warning.message
    )


def test_expenditure_above_releases_is_a_warning_not_an_error(engine, tmp_path):
    rows = ["HLT00001,current,A01,2024-25M01,100,100,50,90"]
    outcome = ingest(engine, budget_file(tmp_path, rows=rows))
    assert outcome.status == "loaded"
    (warning,) = outcome.warnings
    assert warning.where.column == "expended" and "exceeds releases" in warning.message


def test_empty_files(engine, tmp_path):
    outcome = rejected(engine, write(tmp_path, "empty.csv", ""))
    assert "empty (0 bytes)" in messages(outcome)
    outcome = rejected(engine, write(tmp_path, "blank.csv", "\n \n"))
    assert "blank" in messages(outcome)
    outcome = rejected(engine, write(tmp_path, "header.csv", BUDGET_HEADER + "\n"))
    assert "no data rows" in messages(outcome)


def test_files_over_the_size_limit(engine, tmp_path, monkeypatch):
    path = budget_file(tmp_path)
    outcome = rejected(engine, path, max_mb=0.0001)
    assert [i.code for i in outcome.issues] == ["ingest.too-large"]
    assert "files over 100 bytes are not accepted" in messages(outcome)
    monkeypatch.setenv("KPI_INGEST_MAX_MB", "0.0001")
    assert "not accepted" in messages(rejected(engine, path))


def test_pse_kpi_rules(engine, tmp_path):
    header = "entity_code,period,indicator_code,target,actual"
    path = write(tmp_path, "k.csv", f"{header}\nMTI-001,2024-25Q1,MTI-BOR,80,180\n"
                                    "MTI-001,2024-25Q1,HLT-IMM,70,60\nMTI-001,2024-25Q1,NOPE,1,1\n"
                                    "MTI-001,2024-25Q1,MTI-BOR,,\n")  # fmt: skip
    outcome = rejected(engine, path)
    text = messages(outcome)
    assert "row 3, column indicator_code: is a province-level indicator" in text
    assert "row 4, column indicator_code: no indicator has this code" in text
    assert "row 5: repeats row 2" in text
    assert any(w.where.row == 2 and "above 100" in w.message for w in outcome.warnings)


def test_indicator_targets_rules_and_new_definitions_kept_as_text(engine, tmp_path):
    header = (
        "indicator_code,period,district_code,target,actual,indicator_name,unit,direction,frequency"
    )
    bad = write(tmp_path, "bad.csv", f"{header}\nHLT-IMM,2024-25,,70,60,,,,\n"
                                     "HLT-IMM,2024-25Q1,XXX,70,60,,,,\n"
                                     "HLT-NEW,2024-25,,1,1,,,,\n")  # fmt: skip
    text = messages(rejected(engine, bad, department="HLT"))
    assert "row 2, column period: is not a quarter code" in text
    assert "row 3, column district_code: no district has this code" in text
    assert "row 4, column indicator_code: no indicator has this code; to register" in text
    good = write(tmp_path, "good.csv", f"{header}\nHLT-IMM,2024-25Q1,PSH,70,60,,,,\n"
                                       'HLT-NEW,2024-25,,5,4,"=HYPERLINK(""http://x"")",'
                                       "number,higher_is_better,annual\n")  # fmt: skip
    outcome = ingest(engine, good)
    assert outcome.status == "loaded", messages(outcome)
    with engine.connect() as connection:
        name = connection.exec_driver_sql(
            "SELECT name FROM indicators WHERE code = 'HLT-NEW'"
        ).scalar()
    assert name == '=HYPERLINK("http://x")'  # stored as data, never evaluated


def test_revenue_needs_a_department(engine, tmp_path):
    header = "revenue_head_code,month,estimate,revised_estimate,receipts"
    path = write(tmp_path, "r.csv", f"{header}\nR-HFE,2024-25M01,10,10,9\nR-XXX,2024-25M02,1,1,\n")
    text = messages(rejected(engine, path))
    assert "does not say which department" in text and "no revenue head has this code" in text
    fixed = write(tmp_path, "r2.csv", f"{header}\nR-HFE,2024-25M01,10,10,9\n")
    assert ingest(engine, fixed, department="hlt").status == "loaded"


def test_all_errors_are_reported_at_once(engine, tmp_path):
    rows = [f"HLT0000{i},current,A01,2024-25M01,x,1,1,1" for i in range(1, 3)]
    rows.append("NOPE,current,A01,2024-25M01,1,1,1,1")
    outcome = rejected(engine, budget_file(tmp_path, rows=rows))
    assert outcome.rejected_rows == 3 and len(outcome.errors) == 3
