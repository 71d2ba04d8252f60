"""The executive summary: what changed since last year, and three to five key messages.

Every report opens with it (the department report and the provincial summary; the rules are in
``docs/methodology.md``, "Executive summary", and in each report's methodology appendix). The
numbers are those of the headline figures (:mod:`kpilib.present.headline`) of this period and of
the same period of the previous fiscal year (:func:`kpilib.views.province.load_previous_year`),
the ranked red flags (:func:`kpilib.kpis.flags.rank_flags`) and the gaps to plan of the view;
this module only compares and words them. :data:`MESSAGE_RULES` says when each message is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from kpilib.i18n import N_, _, current_language, isolate, ngettext
from kpilib.kpis.flags import SEVERITY_LABELS
from kpilib.present.findings import finding_words
from kpilib.present.formatting import format_money, format_percent
from kpilib.present.governance_words import detail_words, rule_title_words
from kpilib.present.headline import HeadlineFigure

#: For each figure with a number: +1 when more is better, -1 when less is better, 0 when neither
#: (budget used: under- and over-spending both count, so only its status judges it).
DIRECTIONS = {
    "budget_used": 0,
    "development_used": 0,
    "service_score": 1,
    "indicators_on_track": 1,
    "pses_high_risk": -1,
    "returns_received": 1,
    "red_flags": -1,
}
#: Figures whose value is a percentage (a change in them is in percentage points).
PERCENT_FIGURES = ("budget_used", "development_used", "returns_received")
#: The key messages, in order, and when each is given (the methodology prints these).
MESSAGE_RULES = {
    "Budget": N_("always: the share of the revised budget spent, against the straight-line "
                 "plan, and its change on the same period of last year"),
    "Largest gaps": N_("always: of the budget lines rated amber or red against the "
                       "straight-line plan, the (up to) three furthest from it in rupees "
                       "(department report: economic heads by budget type; provincial summary: "
                       "departments)"),
    "Service delivery": N_("when indicators are monitored: the score or the indicators on "
                           "track, the change on last year, and the indicator furthest below its "
                           "target"),
    "Public sector entities": N_("when the department (or province) has PSEs: PSEs at high or "
                                 "very high risk (or that none has a statement for the latest "
                                 "quarter) and returns received, with their change on last "
                                 "year"),
    "Red flags": N_("always: how many, how many of high severity, and the most severe"),
}  # fmt: skip
#: A red flag's severity as a status colour, shown with its word (High, Medium, Low).
#: Each area of a red flag (:data:`kpilib.kpis.flags.EXCEPTION_RULES`) in words: the flags
#: tables of reports and dashboards.
AREA_LABELS = {
    "budget": N_("Budget execution"),
    "pefa": N_("PEFA"),
    "indicator": N_("Service delivery"),
    "pse": N_("PSE risk"),
    "returns": N_("PSE returns"),
    "data": N_("Data quality"),
}
#: The topics of the key messages (:data:`MESSAGE_RULES`' keys), as a report shows them.
TOPICS = {
    "Budget": N_("Budget"),
    "Largest gaps": N_("Largest gaps"),
    "Service delivery": N_("Service delivery"),
    "Public sector entities": N_("Public sector entities"),
    "Red flags": N_("Red flags"),
}


def _topic(name: str) -> str:
    return _(TOPICS[name])


SEVERITY_RAG = {"high": "red", "medium": "amber", "low": "grey"}


#: A flag's message and subject as :mod:`kpilib.kpis.flags` writes them (English, in the
#: views shared by both languages), and the same words to translate (Urdu edition only).
_FLAG_MESSAGES = (
    (re.compile(r"spent (?P<plan>[-\d.,]+) % of the straight-line plan \((?P<revised>[-\d.,]+) % "
                r"of the revised budget\)$"),
     N_("spent {plan} % of the straight-line plan ({revised} % of the revised budget)")),
    (re.compile(r"scored (?P<score>\S+): spending far from the original budget$"),
     N_("scored {score}: spending far from the original budget")),
    (re.compile(r"(?P<received>[-\d.,]+) % of expected returns received \((?P<on_time>[-\d.,]+) % "
                r"on time\)$"),
     N_("{received} % of expected returns received ({on_time} % on time)")),
    (re.compile(r"achievement (?P<share>[-\d.,]+) % of target in (?P<period>\S+)$"),
     N_("achievement {share} % of target in {period}")),
    (re.compile(r"very high overall risk \((?P<period>[^;]+); Z'' zone (?P<zone>[a-z ]+)\)$"),
     N_("very high overall risk ({period}; Z'' zone {zone})")),
    # the follow-up actions' own flags (kpilib.kpis.actions: support and grant utilisation)
    (re.compile(r"The budget records Rs (?P<budget>[\d,]+), the PSE's own account "
                r"Rs (?P<reported>[\d,]+)\.$"),
     N_("The budget records Rs {budget}, the PSE's own account Rs {reported}.")),
    (re.compile(r"A grant of Rs (?P<grant>[\d,]+) was given; no report on its use has been "
                r"received\.$"),
     N_("A grant of Rs {grant} was given; no report on its use has been received.")),
    (re.compile(r"very high overall risk \((?P<period>[^;]+); Z'' zone (?P<zone>[a-z ]+); "
                r"negative equity\)$"),
     N_("very high overall risk ({period}; Z'' zone {zone}; negative equity)")),
)  # fmt: skip
_FLAG_SUBJECTS = {
    "current budget": N_("current budget"),
    "development budget": N_("development budget"),
    "PSE returns": N_("PSE returns"),
    "PI-1 aggregate expenditure outturn": N_("PI-1 aggregate expenditure outturn"),
    "Grant-in-aid without a utilisation report": N_("Grant-in-aid without a utilisation report"),
}
_ZONES = {"safe": N_("Safe"), "grey": N_("Grey zone"), "distress": N_("Distress"),
          "not rated": N_("Not rated")}  # fmt: skip


def flag_message_words(message: str) -> str:
    """A red flag's "why" (:mod:`kpilib.kpis.flags`) in the current language; a message of
    another kind (a data-quality finding's own words) stays as written."""
    if current_language() == "en":
        return message
    for pattern, words in _FLAG_MESSAGES:
        match = pattern.match(message)
        if match:
            values = {k: isolate(v) for k, v in match.groupdict().items()}
            if "zone" in values:
                values["zone"] = _(_ZONES.get(match["zone"], match["zone"]))
            return _(words).format(**values)
    shown = finding_words(message)  # a data-quality finding (kpilib.present.findings)
    return shown if shown != message else detail_words(message)  # a governance finding


#: A data-quality flag's subject when it is a budget line (:func:`kpilib.kpis.flags.
#: describe_subject`): its cost centre, its budget and its economic head.
_BUDGET_LINE = re.compile(r"(?P<centre>.+), (?P<budget>current budget|development budget), "
                          r"(?P<head>.+)$")  # fmt: skip


#: A support mismatch's subject (:func:`kpilib.kpis.actions.reconciliation_candidates`).
_SUPPORT_SUBJECT = re.compile(r"Support received \((?P<instrument>[^)]*)\) does not match$")
#: The government-support instruments as the support subjects name them.
INSTRUMENT_WORDS = {
    "grant in aid": N_("grant in aid"), "subsidy": N_("subsidy"),
    "equity injection": N_("equity injection"), "loan disbursed": N_("loan disbursed"),
    "other relief": N_("other relief"), "guarantee": N_("guarantee"),
}  # fmt: skip


def flag_subject_words(subject: str) -> str:
    """A red flag's subject in the current language where it is the suite's words (``current
    budget``, a budget line, a support mismatch, a shipped governance rule's title), else as
    written (a PSE's or an indicator's name)."""
    if subject in _FLAG_SUBJECTS:
        return _(_FLAG_SUBJECTS[subject])
    if current_language() == "en":
        return subject
    line, support = _BUDGET_LINE.match(subject), _SUPPORT_SUBJECT.match(subject)
    if line:
        return _("{centre}, {budget}, {head}").format(
            centre=line["centre"], budget=_(_FLAG_SUBJECTS[line["budget"]]), head=line["head"]
        )
    if support:
        instrument = support["instrument"]
        return _("Support received ({instrument}) does not match").format(
            instrument=_(INSTRUMENT_WORDS.get(instrument, instrument))
        )
    return rule_title_words(subject)


def translate_flags(flags: pd.DataFrame) -> pd.DataFrame:
    """``flags`` with their subjects and messages in the current language (a copy)."""
    if current_language() == "en" or flags.empty:
        return flags
    return flags.assign(
        subject=[flag_subject_words(str(s)) for s in flags["subject"]],
        message=[flag_message_words(str(m)) for m in flags["message"]],
    )


def label_severity(flags: pd.DataFrame) -> pd.DataFrame:
    """``flags`` with ``severity_rag`` and ``severity_label`` for a table's status column."""
    return flags.assign(
        severity_rag=flags["severity"].map(SEVERITY_RAG),
        severity_label=flags["severity"].map({k: _(v) for k, v in SEVERITY_LABELS.items()}),
    )


#: How many gaps the "Largest gaps" message names.
GAPS_NAMED = 3


@dataclass(frozen=True)
class FigureChange:
    """A headline figure against the same period of last year: ``text`` as a card shows it
    (``+2.1 points on FY 2023-24``), ``trend`` better / worse / same / none (no judgement)."""

    key: str
    text: str
    trend: str
    previous: str
    direction: str = ""  # up / down: which way the number moved ("" when it did not)


@dataclass(frozen=True)
class KeyMessage:
    """One key message: its topic, its sentence and the status that colours it (or None)."""

    topic: str
    text: str
    status: str | None


def compare_figure(
    current: HeadlineFigure, previous: HeadlineFigure | None, label: str
) -> FigureChange:
    """``current`` against ``previous`` (the same figure ``label``, e.g. ``FY 2023-24``)."""
    if previous is None or previous.text in ("–", ""):
        return FigureChange(current.key, _("no {period} figure").format(period=label), "none", "")
    if current.value is None or previous.value is None or current.key not in DIRECTIONS:
        same = current.text == previous.text
        text = (
            _("same as {period}").format(period=label)
            if same
            else _("{period}: {value}").format(period=label, value=previous.text)
        )
        return FigureChange(current.key, text, "same" if same else "none", previous.text)
    delta = current.value - previous.value
    points = current.key in PERCENT_FIGURES or current.key == "service_score"
    if round(delta, 1) == 0:
        return FigureChange(
            current.key, _("same as {period}").format(period=label), "same", previous.text
        )
    shown = isolate(f"{delta:+,.1f}" if points else f"{delta:+,.0f}")
    direction = DIRECTIONS[current.key] * (1 if delta > 0 else -1)
    trend = {1: "better", -1: "worse"}.get(direction, "none")
    text = (_("{change} points on {period}") if points else _("{change} on {period}")).format(
        change=shown, period=label
    )
    return FigureChange(current.key, text, trend, previous.text, "up" if delta > 0 else "down")


def compare_headline(
    current: Sequence[HeadlineFigure], previous: Sequence[HeadlineFigure] | None, label: str
) -> dict[str, FigureChange]:
    """Every figure of ``current`` against the same figure of ``previous`` (None: no such
    year in the database), by key."""
    earlier = {figure.key: figure for figure in previous or ()}
    return {f.key: compare_figure(f, earlier.get(f.key), label) for f in current}


def _change(changes: Mapping[str, FigureChange], key: str) -> str:
    change = changes.get(key)
    if change is None or (change.trend == "none" and not change.previous):
        return ""
    words = {"better": _("better"), "worse": _("worse")}
    judged = f" ({words[change.trend]})" if change.trend in words else ""
    separator = _("; ")
    return f"{separator}{change.text}{judged}"


def budget_message(
    figure: HeadlineFigure, changes: Mapping[str, FigureChange], scope: str
) -> KeyMessage:
    """``{scope} spent 95.6 % of the revised budget (Rs … of Rs … revised; 96 % of plan):
    At risk; +2.1 points on FY 2023-24.``"""
    if figure.value is None:
        text = _("{scope} has no budget figures for the period.").format(scope=scope)
        return KeyMessage(_topic("Budget"), text, "grey")
    text = _("{scope} spent {value} of the revised budget ({note}){change}.").format(
        scope=scope, value=isolate(figure.text), note=figure.note,
        change=_change(changes, figure.key),
    )  # fmt: skip
    return KeyMessage(_topic("Budget"), text, figure.status)


def gaps_message(gaps: pd.DataFrame) -> KeyMessage:
    """The largest gaps to plan: ``gaps`` has ``subject``, ``gap`` (rupees: plan − spent, below
    plan positive), ``burn_vs_plan`` and ``rag``; of the lines rated amber or red, the
    :data:`GAPS_NAMED` largest in absolute value are named, coloured by the worst status."""
    topic = _topic("Largest gaps")
    if gaps.empty:
        return KeyMessage(topic, _("No budget line has a plan to compare with."), "grey")
    off = gaps[gaps["rag"].isin(["amber", "red"])]
    if off.empty:
        return KeyMessage(topic, _("Every budget line is on track against plan."), "green")
    top = off.assign(_size=off["gap"].abs()).nlargest(GAPS_NAMED, "_size")
    below, above = (
        _("{subject} {amount} below plan ({share} of plan)"),
        _("{subject} {amount} above plan ({share} of plan)"),
    )
    parts = [
        (below if gap > 0 else above).format(
            subject=subject, amount=isolate(format_money(abs(gap), 0)),
            share=isolate(format_percent(burn, 0)),
        )
        for subject, gap, burn in zip(
            top["subject"], top["gap"].astype(float), top["burn_vs_plan"], strict=True
        )
    ]  # fmt: skip
    worst = next((s for s in ("red", "amber", "green") if s in set(top["rag"])), "grey")
    text = _("Furthest from plan: {gaps}.").format(gaps=_("; ").join(parts))
    return KeyMessage(topic, text, worst)


def service_message(
    figure: HeadlineFigure, changes: Mapping[str, FigureChange], worst: pd.Series | None
) -> KeyMessage | None:
    """The service-delivery score (or the indicators on track) with its change, and ``worst``:
    the indicator furthest below target (``indicator_code``, ``indicator_name``,
    ``achievement``). None when no indicator is monitored."""
    if figure.value is None:
        return None
    text = _("{label}: {value} ({note}){change}.").format(
        label=figure.label, value=isolate(figure.text), note=figure.note,
        change=_change(changes, figure.key),
    )  # fmt: skip
    if worst is not None:
        text += " " + _("Furthest below target: {name}, {share} of target.").format(
            name=worst["indicator_name"], share=isolate(format_percent(worst["achievement"], 0))
        )
    return KeyMessage(_topic("Service delivery"), text, figure.status)


def pse_message(
    risk: HeadlineFigure, returns: HeadlineFigure, changes: Mapping[str, FigureChange]
) -> KeyMessage | None:
    """PSEs at high or very high risk and returns received, each with its change; None when
    there is no PSE statement and no return was expected."""
    if risk.status == "grey" and returns.value is None:
        return None
    if risk.status == "grey":  # no PSE has a statement for the reference quarter
        text = _("No PSE statement for the latest quarter") + (
            f" ({risk.stale})." if risk.stale else "."
        )
    else:
        text = _("{count} PSEs at high or very high risk{change}.").format(
            count=risk.text, change=_change(changes, risk.key)
        )
    if returns.value is not None:
        text += " " + _("Returns received: {value} ({note}){change}.").format(
            value=isolate(returns.text), note=returns.note, change=_change(changes, returns.key)
        )
    return KeyMessage(_topic("Public sector entities"), text, returns.status)


def flags_message(flags: pd.DataFrame, changes: Mapping[str, FigureChange]) -> KeyMessage:
    """How many red flags (``flags``: ranked, most severe first, with ``severity``, ``subject``,
    ``message``), how many high, and the most severe; red with any high, amber with any,
    green with none."""
    topic = _topic("Red flags")
    if flags.empty:
        return KeyMessage(topic, _("No red flag") + _change(changes, "red_flags") + ".", "green")
    high = int((flags["severity"] == "high").sum())
    count = ngettext("{n} red flag", "{n} red flags", len(flags)).format(n=len(flags))
    first = translate_flags(flags.head(1)).iloc[0]
    several = "department_name" in flags and flags["department_code"].nunique() > 1
    where = f"{first['department_name']}: " if several else ""
    text = _("{count}, {high} of high severity{change}. Most severe: {where}{subject}, "
             "{message}.").format(
        count=count, high=high or _("none"), change=_change(changes, "red_flags"),
        where=where, subject=first["subject"], message=first["message"],
    )  # fmt: skip
    return KeyMessage(topic, text, "red" if high else "amber")


def plan_gaps(execution: pd.DataFrame, subjects: Sequence[str]) -> pd.DataFrame:
    """Budget lines' gaps to the straight-line plan in rupees: ``execution`` with
    ``plan_to_date``, ``expended``, ``burn_vs_plan`` and ``rag`` (a frame of the province
    view), ``subjects`` their names; ``gap`` = plan to date − spent (below plan: positive)."""
    frame = execution.assign(subject=list(subjects))
    frame["gap"] = frame["plan_to_date"].astype(float) - frame["expended"].astype(float)
    frame = frame[frame["plan_to_date"].astype(float) > 0]
    return frame[["subject", "gap", "burn_vs_plan", "rag"]].reset_index(drop=True)


def key_messages(
    figures: Sequence[HeadlineFigure],
    changes: Mapping[str, FigureChange],
    gaps: pd.DataFrame,
    flags: pd.DataFrame,
    worst_indicator: pd.Series | None,
    scope: str,
) -> list[KeyMessage]:
    """The three to five key messages of :data:`MESSAGE_RULES`, in that order."""
    by_key = {figure.key: figure for figure in figures}
    service = by_key.get("service_score") or by_key.get("indicators_on_track")
    messages: list[KeyMessage | None] = [
        budget_message(by_key["budget_used"], changes, scope),
        gaps_message(gaps),
        service_message(service, changes, worst_indicator) if service else None,
        pse_message(by_key["pses_high_risk"], by_key["returns_received"], changes),
        flags_message(flags, changes),
    ]
    return [message for message in messages if message is not None]
