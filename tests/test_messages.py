"""The executive summary's comparisons and key messages, on hand-made figures and frames."""

import pandas as pd

from kpilib.present.headline import HeadlineFigure
from kpilib.present.html import render_change, render_key_messages
from kpilib.present.messages import (
    compare_figure,
    compare_headline,
    flags_message,
    gaps_message,
    key_messages,
    plan_gaps,
)

LAST_YEAR = "FY 2023-24"


def figure(key, value, text, status=None, note="", label=None):
    return HeadlineFigure(key, label or key, value, text, status, note, "")


def test_a_change_is_in_points_for_percentages_and_judged_by_direction():
    now, before = figure("returns_received", 76.0, "76 %"), figure("returns_received", 62.4, "62 %")
    change = compare_figure(now, before, LAST_YEAR)
    assert (change.text, change.trend, change.direction) == (
        "+13.6 points on FY 2023-24", "better", "up",
    )  # fmt: skip
    fewer = compare_figure(figure("pses_high_risk", 6.0, "6 of 22"),
                           figure("pses_high_risk", 7.0, "7 of 20"), LAST_YEAR)  # fmt: skip
    assert (fewer.text, fewer.trend, fewer.direction) == ("-1 on FY 2023-24", "better", "down")
    more_flags = compare_figure(figure("red_flags", 5.0, "5"), figure("red_flags", 3.0, "3"), "x")
    assert (more_flags.text, more_flags.trend) == ("+2 on x", "worse")
    # Budget used: the status judges it (under- and over-spending), the change only says how much.
    budget = compare_figure(figure("budget_used", 95.6, "95.6 %"),
                            figure("budget_used", 95.5, "95.5 %"), LAST_YEAR)  # fmt: skip
    assert (budget.text, budget.trend) == ("+0.1 points on FY 2023-24", "none")


def test_no_earlier_year_and_text_figures():
    assert compare_figure(figure("red_flags", 4.0, "4"), None, LAST_YEAR).text == (
        "no FY 2023-24 figure"
    )
    pefa = compare_figure(figure("pefa", None, "A · B · C"), figure("pefa", None, "B · B · C"), "y")
    assert (pefa.text, pefa.trend) == ("y: B · B · C", "none")
    same = compare_figure(figure("red_flags", 4.0, "4"), figure("red_flags", 4.0, "4"), "y")
    assert (same.text, same.trend) == ("same as y", "same")
    assert set(compare_headline([figure("red_flags", 1.0, "1")], None, "y")) == {"red_flags"}


def test_change_on_a_card_has_an_arrow_and_a_word_and_is_escaped():
    change = compare_figure(figure("pses_high_risk", 6.0, "6"), figure("pses_high_risk", 7.0, "7"),
                            "<b>FY</b>")  # fmt: skip
    html = render_change(change)
    assert "▼ -1 on &lt;b&gt;FY&lt;/b&gt;, better" in html and "kpi-change-better" in html
    assert 'class="rag' not in html  # a card's only status label stays its figure's
    assert render_change(None) == ""


def gaps():
    # plan to date and spending by hand: A 100 planned, 40 spent (gap 60, red); B 1,000 planned,
    # 990 spent (gap 10, green: not named); C 200 planned, 260 spent (gap -60, amber);
    # D 50 planned, 35 spent (gap 15, red).
    execution = pd.DataFrame({
        "plan_to_date": [100e6, 1000e6, 200e6, 50e6, 0.0],
        "expended": [40e6, 990e6, 260e6, 35e6, 5e6],
        "burn_vs_plan": [40.0, 99.0, 130.0, 70.0, None],
        "rag": ["red", "green", "amber", "red", "grey"],
    })  # fmt: skip
    return plan_gaps(execution, ["A", "B", "C", "D", "E"])


def test_largest_gaps_name_the_lines_off_track_furthest_from_plan_in_rupees():
    frame = gaps()
    assert list(frame["subject"]) == ["A", "B", "C", "D"]  # E has no plan
    assert list(frame["gap"]) == [60e6, 10e6, -60e6, 15e6]
    message = gaps_message(frame)
    assert message.status == "red"
    assert message.text == (
        "Furthest from plan: A Rs 60 m below plan (40 % of plan); C Rs 60 m above plan "
        "(130 % of plan); D Rs 15 m below plan (70 % of plan)."
    )
    on_track = gaps_message(frame[frame["subject"] == "B"])
    assert (on_track.text, on_track.status) == ("Every budget line is on track against plan.",
                                                "green")  # fmt: skip


def flags():
    return pd.DataFrame({
        "department_code": ["A", "B"], "department_name": ["Alpha", "Beta"],
        "severity": ["high", "low"], "subject": ["development budget", "X (P1)"],
        "message": ["spent 40 % of the straight-line plan", "off"],
    })  # fmt: skip


def test_flags_message_counts_the_high_and_names_the_most_severe():
    changes = {"red_flags": compare_figure(figure("red_flags", 2.0, "2"),
                                           figure("red_flags", 3.0, "3"), LAST_YEAR)}  # fmt: skip
    message = flags_message(flags(), changes)
    assert message.status == "red"
    assert message.text == (
        "2 red flags, 1 of high severity; -1 on FY 2023-24 (better). Most severe: Alpha: "
        "development budget, spent 40 % of the straight-line plan."
    )
    one_low = flags_message(flags().iloc[[1]], {})
    assert one_low.status == "amber" and one_low.text.startswith("1 red flag, none of high")
    assert "Beta" not in one_low.text  # one department: no department name
    assert flags_message(flags().iloc[[]], {}).status == "green"


def test_three_to_five_messages_in_order_each_omitted_without_data():
    figures = [
        figure("budget_used", 90.0, "90.0 %", "amber", "Rs 90 m of Rs 100 m revised; 90 % of plan"),
        figure("service_score", None, "–", "grey"),
        figure("pses_high_risk", 0.0, "0 of 0", "grey"),
        figure("returns_received", None, "–", "grey"),
        figure("red_flags", 2.0, "2"),
    ]
    messages = key_messages(figures, {}, gaps(), flags(), None, "The Alpha Department")
    assert [m.topic for m in messages] == ["Budget", "Largest gaps", "Red flags"]
    assert messages[0].text == (
        "The Alpha Department spent 90.0 % of the revised budget (Rs 90 m of Rs 100 m revised; "
        "90 % of plan)."
    )
    figures[1] = figure("service_score", 80.0, "80 / 100", "amber", "rank 2 of 3",
                        "Service delivery score")  # fmt: skip
    figures[3] = figure("returns_received", 50.0, "50 %", "red", "25 % on time, of 4 expected")
    worst = pd.Series({"indicator_code": "I1", "indicator_name": "Vaccination", "achievement": 61})
    messages = key_messages(figures, {}, gaps(), flags(), worst, "The Alpha Department")
    assert [m.topic for m in messages] == [
        "Budget", "Largest gaps", "Service delivery", "Public sector entities", "Red flags",
    ]  # fmt: skip
    assert messages[2].text == (
        "Service delivery score: 80 / 100 (rank 2 of 3). Furthest below target: Vaccination, "
        "61 % of target."
    )
    assert messages[3].text == (
        "No PSE statement for the latest quarter. Returns received: 50 % (25 % on time, of 4 "
        "expected)."
    )
    html = render_key_messages(messages)
    assert html.count('<li class="key-message">') == 5 and "rag-amber" in html


def test_the_follow_up_flags_of_support_grants_and_governance_are_worded_in_urdu():
    """The actions' own flags (kpilib.kpis.actions) are stored in English and shown in the
    reader's language on every surface (portal, reports, dashboards) by the same two functions."""
    from i18n_helpers import english_left

    from kpilib.i18n import use_language
    from kpilib.kpis.actions import (
        governance_candidates,
        reconciliation_candidates,
        utilisation_candidates,
    )
    from kpilib.present.messages import flag_message_words, flag_subject_words

    entities = pd.DataFrame({"entity_code": ["UNI-001"], "department_code": ["HED"]})
    support = reconciliation_candidates(pd.DataFrame({
        "entity_code": ["UNI-001"], "instrument": ["grant_in_aid"], "budget": [1_500_000],
        "reported": [1_200_000], "status": ["mismatch"]}), entities)  # fmt: skip
    grants = utilisation_candidates(
        pd.DataFrame({"entity_code": ["UNI-001"], "grant": [2_000_000], "flagged": [True]}),
        entities,
    )
    governance = governance_candidates(pd.DataFrame({
        "entity_code": ["UNI-001"], "department_code": ["HED"], "rule_id": ["board.woman"],
        "verdict": ["not complied"], "title": ["At least one woman on the board"],
        "detail": ["0 women members; at least 1"]}))  # fmt: skip
    flags = pd.concat([support, grants, governance], ignore_index=True)
    with use_language("en"):
        assert [flag_subject_words(s) for s in flags["subject"]] == list(flags["subject"])
        assert [flag_message_words(m) for m in flags["message"]] == list(flags["message"])
    with use_language("ur"):
        subjects = [flag_subject_words(s) for s in flags["subject"]]
        messages = [flag_message_words(m) for m in flags["message"]]
    assert subjects[0] == "موصولہ معاونت (امدادی گرانٹ) مطابقت نہیں رکھتی"
    assert messages[0] == (
        "بجٹ میں Rs \u20661,500,000\u2069 درج ہیں، ادارے کے اپنے حساب میں Rs \u20661,200,000\u2069۔"
    )
    assert subjects[1] == "امدادی گرانٹ، استعمال کی رپورٹ کے بغیر"
    assert "\u20662,000,000\u2069" in messages[1]
    for text in subjects + messages:
        assert english_left(text) == [], text
