"""Names in Urdu (issue 18): the store's optional ``name_ur``, the names file that edits it
(``kpi names``), and the one fallback rule (:func:`kpilib.i18n.names.display_name`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.demo.urdu_names import DEPARTMENT_NAMES_UR
from kpilib.i18n import use_language
from kpilib.i18n.names import URDU_NAME_MAX, display_name, urdu_name_problem
from kpilib.ingest.names import export_names, load_names
from kpilib.store import migrate, queries
from kpilib.store.database import connect
from kpilib.store.writes import insert_rows, is_demo


@pytest.fixture
def small_url(database_url: str) -> str:
    """Two departments and two PSEs, no Urdu name yet."""
    engine = connect(database_url)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        insert_rows(connection, "departments", [
            {"id": 1, "code": "HLT", "name": "Health"},
            {"id": 2, "code": "FIN", "name": "Finance"},
        ])  # fmt: skip
        insert_rows(connection, "entities", [
            {"id": 1, "code": "MTI-001", "name": "Demo Peshawar Medical Teaching Institution",
             "category": "teaching_hospital", "department_id": 1},
            {"id": 2, "code": "PCO-001", "name": "Demo Pension Company",
             "category": "public_company", "department_id": 2},
        ])  # fmt: skip
    return database_url


def _names(url: str) -> dict[str, tuple[str, str | None]]:
    with connect(url).connect() as connection:
        frame = export_names(connection)
    return {r.code: (r.name, None if pd.isna(r.name_ur) else r.name_ur)
            for r in frame.itertuples()}  # fmt: skip


def _csv(tmp_path: Path, text: str, name: str = "names.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_display_name_falls_back_to_english():
    assert display_name("Health", "محکمہ صحت", "ur") == "محکمہ صحت"
    assert display_name("Health", "محکمہ صحت", "en") == "Health"
    for missing in (None, float("nan"), "", "  "):
        assert display_name("Demo Pension Company", missing, "ur") == "Demo Pension Company"
    with use_language("ur"):
        assert display_name("Health", "محکمہ صحت") == "محکمہ صحت"
    assert display_name("Health", "محکمہ صحت") == "Health"  # English is the default


@pytest.mark.parametrize(("value", "reason"), [
    ("Health Department", "not Urdu text"),
    ("محکمہ Health", "not Urdu text"),
    ("12345", "not Urdu text"),
    ("محكمه صحت", "Arabic letters where Urdu has its own"),
    ("محکمہ\u0007صحت", "control character"),
    ("ص" * (URDU_NAME_MAX + 1), f"at most {URDU_NAME_MAX}"),
])  # fmt: skip
def test_urdu_names_are_checked(value, reason):
    assert reason in (urdu_name_problem(value) or "")


def test_every_demo_name_in_urdu_is_acceptable():
    assert len(DEPARTMENT_NAMES_UR) == 32
    assert all(urdu_name_problem(v) is None for v in DEPARTMENT_NAMES_UR.values())


def test_names_file_with_urdu_sets_and_clears(small_url, tmp_path):
    path = _csv(tmp_path, "kind,code,name,name_ur\n"
                "department,HLT,Health,محکمہ صحت\n"
                "pse,mti-001,,ڈیمو پشاور میڈیکل ٹیچنگ انسٹی ٹیوشن\n")  # fmt: skip
    outcome = load_names(connect(small_url), path)
    assert outcome.errors == [] and outcome.changed == {"departments": 1, "entities": 1}
    names = _names(small_url)
    assert names["HLT"] == ("Health", "محکمہ صحت")
    assert names["MTI-001"] == ("Demo Peshawar Medical Teaching Institution",
                                "ڈیمو پشاور میڈیکل ٹیچنگ انسٹی ٹیوشن")  # fmt: skip
    assert names["FIN"] == ("Finance", None)
    # a blank Urdu cell removes the Urdu name: the English one is shown again
    load_names(connect(small_url), _csv(tmp_path, "code,name_ur\nHLT,\n", "clear.csv"))
    assert _names(small_url)["HLT"] == ("Health", None)


def test_names_file_without_urdu_column_keeps_urdu_names(small_url, tmp_path):
    load_names(connect(small_url), _csv(tmp_path, "code,name_ur\nFIN,محکمہ خزانہ\n", "ur.csv"))
    outcome = load_names(connect(small_url), _csv(tmp_path, "code,name\nFIN,Finance Dept\n"))
    assert outcome.errors == []
    assert _names(small_url)["FIN"] == ("Finance Dept", "محکمہ خزانہ")


def test_bad_names_file_changes_nothing_and_says_where(small_url, tmp_path):
    path = _csv(tmp_path, "code,name_ur\n"
                "HLT,محکمہ صحت\n"
                "FIN,Finance\n"
                "XYZ,محکمہ\n"
                "HLT,محکمہ صحت\n")  # fmt: skip
    outcome = load_names(connect(small_url), path)
    found = {(p.where.file, p.where.row, p.where.column, p.code) for p in outcome.errors}
    assert found == {
        ("names.csv", 3, "name_ur", "ingest.invalid-value"),
        ("names.csv", 4, "code", "ingest.unknown-code"),
        ("names.csv", 5, None, "ingest.duplicate-row"),
    }
    assert "names.csv: row 3, column name_ur: is not Urdu text" in outcome.errors[0].describe()
    assert _names(small_url)["HLT"] == ("Health", None)  # nothing written
    missing = load_names(connect(small_url), _csv(tmp_path, "code,label\nHLT,x\n", "m.csv"))
    assert [p.code for p in missing.errors] == ["ingest.missing-column"]


def test_views_carry_the_urdu_names_beside_the_english(small_url, tmp_path):
    load_names(connect(small_url), _csv(tmp_path, "code,name_ur\nHLT,محکمہ صحت\n"))
    with connect(small_url).connect() as connection:
        departments = queries.load_departments(connection)
        entities = queries.load_entities(connection)
    assert list(departments.columns) == ["department_id", "department_code", "department_name",
                                         "department_name_ur"]  # fmt: skip
    by_code = departments.set_index("department_code")
    assert by_code.loc["HLT", "department_name_ur"] == "محکمہ صحت"
    assert pd.isna(by_code.loc["FIN", "department_name_ur"])
    assert entities.set_index("entity_code").loc["MTI-001", "department_name_ur"] == "محکمہ صحت"
    assert pd.isna(entities.set_index("entity_code").loc["MTI-001", "entity_name_ur"])


def test_kpi_names_export_and_load(small_url, tmp_path):
    out = tmp_path / "names.csv"
    runner = CliRunner()
    exported = runner.invoke(app, ["--database-url", small_url, "names", "export", str(out)])
    assert exported.exit_code == 0, exported.output
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    frame.loc[frame["code"] == "FIN", "name_ur"] = "محکمہ خزانہ"
    frame.to_csv(out, index=False, encoding="utf-8")
    loaded = runner.invoke(app, ["--database-url", small_url, "names", "load", str(out)])
    assert loaded.exit_code == 0, loaded.output
    assert _names(small_url)["FIN"] == ("Finance", "محکمہ خزانہ")
    bad = _csv(tmp_path, "code,name_ur\nFIN,Finance\n", "bad.csv")
    refused = runner.invoke(app, ["--database-url", small_url, "names", "load", str(bad)])
    assert refused.exit_code == 1
    assert "bad.csv: row 2, column name_ur" in refused.output


def test_the_demo_has_urdu_names_for_departments_and_many_pses(demo_url):
    with connect(demo_url).connect() as connection:
        departments = queries.load_departments(connection)
        entities = queries.load_entities(connection)
        flagged = is_demo(connection)
    assert departments["department_name_ur"].notna().all()
    share = entities["entity_name_ur"].notna().mean()
    assert 0.4 < share < 1  # many PSEs in Urdu, the rest fall back to English
    assert flagged


def test_migration_0009_adds_and_removes_the_urdu_names(small_url, tmp_path):
    import sqlalchemy as sa

    engine = connect(small_url)
    load_names(engine, _csv(tmp_path, "code,name_ur\nHLT,محکمہ صحت\n"))
    migrate.downgrade(engine, "0008")
    for name in ("departments", "entities"):
        assert "name_ur" not in {c["name"] for c in sa.inspect(engine).get_columns(name)}
    assert _rows(engine) == [("FIN", "Finance"), ("HLT", "Health")]  # the rest is kept
    migrate.upgrade(engine)
    assert _names(small_url)["HLT"] == ("Health", None)


def _rows(engine):
    import sqlalchemy as sa

    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            sa.text("SELECT code, name FROM departments ORDER BY code"))]  # fmt: skip
