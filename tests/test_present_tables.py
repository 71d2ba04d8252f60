"""The one table model of reports, dashboards and the portal: formats, statuses, escaping."""

from datetime import date

import pandas as pd
import pytest

from kpilib.present.formatting import is_missing
from kpilib.present.tables import Column, check_relative_link, export_table, render_table

EVIL = '<script>alert("x")</script>'


def test_cells_captions_links_and_status_texts_are_escaped():
    frame = pd.DataFrame(
        {"name": [EVIL], "status": ["red"], "label": ["<b>Off</b>"], "link": ['x" onclick="y']}
    )
    columns = [
        Column("name", "Name", "link", href_key="link"),
        Column("status", "Status", "rag", label_key="label"),
    ]
    page = render_table(frame, columns, caption=EVIL)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and 'href="x&quot; onclick=&quot;y"' in page
    assert '<span class="rag rag-red">&lt;b&gt;Off&lt;/b&gt;</span>' in page


@pytest.mark.parametrize(
    ("kind", "digits", "value", "text"),
    [
        ("money", 1, 1_234_567_000, "1,234.6"),
        ("money", 0, -1_500_000, "-2"),
        ("share", 0, 0.456, "46 %"),
        ("percent", 1, 95.25, "95.2 %"),
        ("number", 2, 1.234, "1.23"),
        ("number", 1, 2500.0, "2,500"),
        ("number", 1, "B+ (rank 3)", "B+ (rank 3)"),
        ("times", 2, 1.234, "1.23×"),
        ("count", 1, 1234, "1,234"),
        ("text", 1, date(2025, 1, 30), "30 Jan 2025"),
    ],
)
def test_values_read_the_same_on_every_surface(kind, digits, value, text):
    assert Column("v", "V", kind, digits).format(value) == text


@pytest.mark.parametrize("missing", [None, pd.NA, pd.NaT, float("nan"), "", "<NA>", "nan"])
@pytest.mark.parametrize("kind", ["money", "percent", "share", "number", "count", "text"])
def test_one_rule_for_missing_values(missing, kind):
    assert is_missing(missing)
    assert Column("v", "V", kind).format(missing) == "–"


def test_statuses_are_text_and_colour():
    frame = pd.DataFrame(
        {
            "rag": ["green", None],
            "rag_label": ["On track", None],
            "rating": ["very high", None],
            "zone": ["distress", None],
            "pefa": ["B+", None],
        }
    )
    page = render_table(
        frame,
        [
            Column("rag", "Status", "rag", label_key="rag_label"),
            Column("rating", "Risk", "rating"),
            Column("zone", "Zone", "zone"),
            Column("pefa", "Score", "pefa"),
        ],
    )
    assert '<span class="rag rag-green">On track</span>' in page
    assert '<span class="rag rag-red">Very high</span>' in page
    assert '<span class="rag rag-red">Distress</span>' in page
    assert '<span class="rag rag-green">B+</span>' in page
    assert '<span class="rag rag-grey">No data</span>' in page
    assert '<span class="rag rag-grey">Not rated</span>' in page


def test_numbers_are_right_aligned_and_headings_scoped():
    page = render_table(pd.DataFrame({"n": [1]}), [Column("n", "N", "count")])
    assert '<th class="num" scope="col">N</th>' in page and '<td class="num">1</td>' in page


@pytest.mark.parametrize("href", ["https://x.org", "../HLT.html", "/etc/passwd", "a:b", ""])
def test_links_only_to_pages_of_the_same_folder(href):
    with pytest.raises(ValueError):
        check_relative_link(href)
    with pytest.raises(ValueError):
        render_table(
            pd.DataFrame({"t": ["x"], "h": [href or "x/y"]}),
            [Column("t", "T", "link", href_key="h")],
        )


def test_export_keeps_numbers_and_shows_status_texts():
    frame = pd.DataFrame(
        {"budget": [2_500_000], "share": [0.25], "rag": ["red"], "label": ["Off track"],
         "zone": ["grey"]}
    )  # fmt: skip
    exported = export_table(
        frame,
        [
            Column("budget", "Budget", "money"),
            Column("share", "Share", "share"),
            Column("rag", "Status", "rag", label_key="label"),
            Column("zone", "Zone", "zone"),
        ],
    )
    assert list(exported.columns) == ["Budget (Rs m)", "Share", "Status", "Zone"]
    assert exported.iloc[0].tolist() == [2.5, 25.0, "Off track", "Grey zone"]
