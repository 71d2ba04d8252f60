"""Report content: number formats, escaped tables, cards and tables built from the views."""

import pandas as pd
import pytest

from kpilib.present.formatting import (
    format_money_value,
    format_number,
    format_percent,
    format_share,
    format_times,
    pefa_rag,
)
from kpilib.present.headline import weakest_pefa
from kpilib.present.tables import Column, render_table
from kpilib.report import content
from kpilib.store.database import connect
from kpilib.views import clear_view_cache, load_province_view, select_department


def test_number_formats():
    assert format_money_value(1_234_567_890, unit="million") == "1,234.6"
    assert format_money_value(1_234_567_890, 0, "million") == "1,235"
    assert format_percent(87.44) == "87.4 %"
    assert format_share(0.753) == "75 %"
    assert format_number(10850.0) == "10,850"
    assert format_number(2.345, 2) == "2.35"
    assert format_times(1.234) == "1.23×"
    # a change that rounds to nothing has no minus sign
    assert format_number(-0.04) == "0.0" and format_percent(-0.01) == "0.0 %"
    assert format_times(-0.001) == "0.00×" and format_number(-0.06) == "-0.1"
    for missing in (None, float("nan"), pd.NA):
        assert format_money_value(missing) == format_percent(missing) == "–"
    assert [pefa_rag(s) for s in ("A", "B+", "C", "D*", "NA", None)] == [
        "green", "green", "amber", "red", "grey", "grey",
    ]  # fmt: skip


def test_pefa_cards_take_the_weakest_scored_indicator():
    """NA and NR indicators do not colour a card: a D beside an unrated indicator is red."""
    assert weakest_pefa(["D", "NR"]) == "D"
    assert weakest_pefa(["B+", "NA", "B"]) == "B"
    assert weakest_pefa(["C+", "A", "D+"]) == "D+"
    assert weakest_pefa(["NA", "NR"]) is None
    assert pefa_rag(weakest_pefa(["A", "NR"])) == "green"
    assert pefa_rag(weakest_pefa(["NA", "NR"])) == "grey"


def test_tables_escape_data_and_label_every_colour():
    frame = pd.DataFrame(
        {
            "name": ["<script>alert(1)</script>", '=HYPERLINK("http://x")'],
            "amount": [2_500_000, None],
            "rag": ["red", None],
            "rating": ["very high", None],
            "zone": ["distress", "safe"],
            "score": ["D*", "NA"],
        }
    )
    html = render_table(
        frame,
        (
            Column("name", "Name"),
            Column("amount", "Rs m", "money"),
            Column("rag", "Status", "rag"),
            Column("rating", "Risk", "rating"),
            Column("zone", "Zone", "zone"),
            Column("score", "PEFA", "pefa"),
        ),
        caption="<b>caption</b>",
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;caption" in html
    assert '<td class="num">2.5</td>' in html and '<td class="num">–</td>' in html
    for label in ("Off track", "No data", "Very high", "Not rated", "Distress", "Safe", "D*"):
        assert label in html


def test_links_stay_inside_the_batch():
    frame = pd.DataFrame({"name": ["x"], "href": ["http://evil.example/x.html"]})
    with pytest.raises(ValueError, match="not a page of this folder"):
        render_table(frame, (Column("name", "Name", "link", href_key="href"),))


@pytest.fixture(scope="module")
def province(demo_sqlite_url):
    clear_view_cache()
    return load_province_view(connect(demo_sqlite_url, read_only=True), "2024-25")


def test_department_cards_show_the_views_numbers(province):
    health = select_department(province, "HLT")
    cards = {card.label: card for card in content.department_cards(health)}
    assert cards["Budget used (all)"].value == format_percent(health.summary["utilisation"])
    pefa = health.pefa.indicator_scores
    assert cards["PEFA PI-1 · PI-2 · PI-3"].value == " · ".join(
        pefa[pi] for pi in ("PI-1", "PI-2", "PI-3")
    )
    assert cards["Red flags"].value == str(len(health.exceptions))
    assert all(card.rag in (None, "green", "amber", "red", "grey") for card in cards.values())


def test_tables_from_the_views(province):
    league = content.league_table(province)
    assert len(league.frame) == 32
    ranks = league.frame["execution_rank"].dropna().tolist()
    assert ranks == sorted(ranks) and league.frame["execution_rank"].iloc[0] == 1  # not A–Z
    assert set(league.frame["href"]) == {f"{c}.html" for c in province.departments.department_code}
    html = league.render()
    assert 'href="HLT.html"' in html and "Health" in html
    pefa = content.pefa_table(select_department(province, "HLT").pefa).frame.set_index("dimension")
    not_applicable = pefa[pefa["score"] == "NA"]
    assert not_applicable.drop(columns="score").isna().all().all()
    exceptions = content.exceptions_table(province.exceptions, link=True)
    assert len(exceptions.frame) == len(province.exceptions)
    amounts, rates = content.province_execution_tables(province)
    assert list(amounts.frame["budget_type"]) == ["current", "development", "total"]
    assert "Spent % of plan" in rates.render()


def test_indicator_series_covers_three_years_up_to_the_report(province):
    health = select_department(province, "HLT")
    series = content.indicator_series(health, "HLT-IMM")
    assert series["fiscal_year"].min() == 2022 and series["fiscal_year"].max() == 2024
    assert list(series["period_end"]) == sorted(series["period_end"])


def test_flags_are_ranked_with_severity_and_owner_and_the_summary_lists_the_high(province):
    flags = province.exceptions
    assert list(flags["rank"]) == list(range(1, len(flags) + 1))
    levels = flags["severity"].map({"high": 0, "medium": 1, "low": 2})
    assert levels.is_monotonic_increasing  # most severe first
    assert (
        not flags["subject"].str.contains(r"[A-Z]{3}\d{5}/", regex=True).any()
    )  # names, not codes
    table = content.exceptions_table(select_department(province, "HLT").exceptions)
    html = table.render()
    assert "Severity" in html and "Owner" in html and "Department</th>" not in html
    summary = content.summary_flags(flags)
    assert set(summary["severity"]) == {"high"}
    note = content.summary_flags_note(flags)
    assert f"the {len(summary)} red flags of high severity" in note


def test_the_executive_summary_compares_with_the_same_period_last_year(province, demo_sqlite_url):
    engine = connect(demo_sqlite_url, read_only=True)
    health = select_department(province, "HLT")
    summary = content.department_summary(engine, health)
    assert summary.compared_with == "FY 2023-24"
    assert 3 <= len(summary.messages) <= 5 and summary.messages[0].topic == "Budget"
    before = load_province_view(engine, "2023-24")
    budget = next(f for f in content.department_figures(select_department(before, "HLT"))
                  if f.key == "budget_used")  # fmt: skip
    now = next(f for f in summary.figures if f.key == "budget_used")
    assert summary.changes["budget_used"].text == (
        f"{now.value - budget.value:+,.1f} points on FY 2023-24"
    )
    province_summary = content.province_summary(engine, province)
    assert [m.topic for m in province_summary.messages][-1] == "Red flags"


def test_the_period_compared_with_is_the_same_period_of_the_previous_year():
    from types import SimpleNamespace

    from kpilib.fiscal import resolve_report_period

    def view(period):
        resolved = resolve_report_period("2024-25", period)
        return SimpleNamespace(fiscal_year=resolved.fiscal_year, period=resolved)

    assert content.previous_label(view("FY")) == "FY 2023-24"
    assert content.previous_label(view("Q2")) == "2023-24 through Q2"


def test_the_compliance_league_shows_the_departments_own_rank_in_order(province):
    league = content.compliance_league(province).frame
    ranks = dict(zip(province.department_summary["department_code"],
                     province.department_summary["compliance_rank"], strict=True))  # fmt: skip
    assert all(ranks[code] == rank for code, rank in zip(league["department_code"],
                                                         league["rank"], strict=True))  # fmt: skip
    assert league["rank"].dropna().is_monotonic_increasing
