"""The methodology of the KPIs a report shows, as an appendix of the report itself.

A PDF or an e-mailed HTML file cannot open ``docs/methodology.md``, so each report prints the
definitions of what it shows: the executive summary's rules, the statuses and the thresholds it
was rated with, the red flags and their severity (from the view's rules, so the appendix says
what was actually applied), then one block per section shown. ``docs/methodology.md`` holds the
same definitions with their sources at length, for analysts.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from kpilib.i18n import N_, _, current_language
from kpilib.kpis.flags import EXCEPTION_RULES, GAP_MEASURES, SeverityBand, SeverityRules
from kpilib.present.headline import describe_rules
from kpilib.present.messages import AREA_LABELS, MESSAGE_RULES, TOPICS
from kpilib.views.province import ProvinceView

Term = tuple[str, str]

# fmt: off
#: The definitions of each report section's KPIs (term, definition with formula and source).
SECTION_METHODS: dict[str, tuple[str, list[Term]]] = {
    "budget": (N_("Budget execution and budget reliability"), [
        (N_("Release rate"),
         N_("releases to date ÷ revised budget × 100.")),
        (N_("Spent % of revised (utilisation)"),
         N_("expenditure to date ÷ revised budget × 100, over the months reported (a month not "
            "yet reported is never counted as zero).")),
        (N_("Plan to date, spent % of plan"),
         N_("plan = revised budget × months reported ÷ 12 (a straight line); spent % of plan = "
         "expenditure ÷ plan × 100. Under- and over-spending both count against the status.")),
        (N_("Apr–Jun and June share"),
         N_("April–June (June) expenditure ÷ the year's expenditure × 100; an even year is 25 % "
            "(8.3 %).")),
        (N_("PEFA PI-1"),
         N_("aggregate expenditure outturn: total expenditure ÷ original budget; A within "
            "95–105 % in at least two of the last three completed years, B 90–110 %, "
            "C 85–115 %, else D (PEFA 2016).")),
        (N_("PEFA PI-2"),
         N_("composition variance by administrative head (2.1) and economic type (2.2): A "
            "below 5 % in two of three years, B 10 %, C 15 %; contingency (2.3): A below 3 % on "
            "average; combined by the weakest link (M1). NA = not applicable, D* = insufficient "
            "information.")),
        (N_("PEFA PI-3"),
         N_("revenue outturn: receipts ÷ original estimate, A within 97–106 % in two of three "
            "years, B 94–112 %, C 92–116 % (3.1), and the composition variance over revenue "
            "heads (3.2); combined by averaging (M2).")),
    ]),
    "indicators": (N_("Service delivery"), [
        (N_("Achievement"),
         N_("actual ÷ target × 100; target ÷ actual × 100 where lower is better, so more is always "
         "better. A missing actual is shown as missing, never as zero.")),
        (N_("Service delivery score"),
         N_("mean achievement of the department's indicators with a value, each capped at 100 so "
         "over-achievement cannot hide a failure; ranked highest first.")),
        (N_("On a year earlier"),
         N_("the indicator's change against the same period a year earlier, in its unit; better or "
         "worse follows the indicator's direction.")),
    ]),
    "pses": (N_("Public sector entities"), [
        (N_("Overall risk"),
         N_("IMF SOE Health Check Tool: profitability, liquidity, solvency, government dependence "
         "and arrears ratios, each rated low / moderate / high / very high on the tool's "
         "thresholds and combined; flows are annualised over the last four quarters.")),
        (N_("Altman Z''"),
         N_("6.56·X1 + 3.26·X2 + 6.72·X3 + 1.05·X4 (working capital, retained earnings, EBIT over "
         "total assets; equity over liabilities): safe above 2.60, distress below 1.10 (Altman "
         "2000).")),
        (N_("Latest statement"),
         N_("a PSE's most recent quarterly statement; one older than the report's reference "
            "quarter is marked stale and not counted in the headline figures.")),
        (N_("Returns received, on time"),
         N_("returns received ÷ returns expected (completeness) and received by the due date, 30 "
         "days after the quarter ÷ expected (timeliness), as DHIS2 reporting rates; a correction "
         "sent later keeps the first arrival's time.")),
    ]),
    "quality": (N_("Data quality"), [
        (N_("Errors"),
         N_("data that break an accounting or budget rule: a balance sheet that does not balance, "
         "expenditure above releases on a budget line (by more than 1 %), a negative budget.")),
        (N_("Warnings"),
         N_("implausible data to look at: achievement outside 25–400 %, a PSE's revenue four times "
         "(or a quarter of) the previous quarter, outliers by modified z-score (|M| > 3.5 and "
         "more than 50 % from the series median).")),
    ]),
}
#: The provincial summary's own rankings.
RANKINGS: list[Term] = [
    (N_("Budget execution rank"),
     N_("by |spent % of plan − 100|, closest to the plan first.")),
    (N_("Service rank"),
     N_("by the service delivery score, highest first.")),
    (N_("Returns rank"),
     N_("by the share of the department's PSEs' returns received on time.")),
    (N_("Order of the departments' table"),
     N_("budget execution rank, ties by service rank, departments without a rank last.")),
]
# fmt: on


def summary_terms(label: str) -> list[Term]:
    """How the executive summary is made (``label``: the period compared with)."""
    return [
        (_("Change on last year"), _(
            "each headline figure against the same figure for {period}, computed the same way "
            "from the same data; percentages change in points. Better or worse is said only "
            "where the direction is clear (the budget's status already judges spending against "
            "plan).").format(period=label)),
        *[(_("Key message: {topic}").format(topic=_(TOPICS[topic])), _(rule))
          for topic, rule in MESSAGE_RULES.items()],
    ]  # fmt: skip


def flag_terms(severity: SeverityRules) -> list[Term]:
    """What raises a red flag, and its severity by the rule applied (with its rationale)."""
    terms = [(_("Red flag: {area}").format(area=_area(area)), _(rule))
             for area, rule in EXCEPTION_RULES.items()]  # fmt: skip
    for area, text in severity.describe_all().items():
        gap = ""
        if area in GAP_MEASURES:
            gap = " " + _("Gap: {measure}.").format(measure=_(GAP_MEASURES[area]))
        band = getattr(severity, area)
        terms.append((_("Severity: {area}").format(area=_area(area)),
                      f"{severity_words(band, text)}.{gap} {_(band.why)}".strip()))  # fmt: skip
    terms.append((_("Order of the flags"), _("high, medium, low; within a severity the larger "
                  "gap first, then by area, department and subject.")))  # fmt: skip
    return terms


#: The rationale of each severity band as ``parameters/defaults.yaml`` ships it (``why``): a file
#: that keeps these words is printed in the reader's language, one that changes them as written.
DEFAULT_RATIONALES = (
    N_("Half of the planned spending not made (or half as much again spent) cannot be caught up "
       "or absorbed in the months left without re-appropriation; 35 points is halfway between "
       "the red line (20) and that."),
    N_("A service delivered at half its target or less reaches half the people planned; the "
       "same bands as the budget, so one reading serves both."),
    N_("With half the returns missing the department cannot see its PSEs' finances at all; "
       "below that some oversight remains."),
    N_("PI-1 scored D is structural (the last three completed years): it calls for better "
       "budgeting, not action within the period."),
    N_("A PSE at very high risk needs attention; one that also owes more than it owns "
       "(negative equity) may soon need the province to absorb its debts, so it is high."),
    N_("A data error makes a figure unreliable until the sender corrects it; it says nothing "
       "yet about performance."),
)  # fmt: skip


def _area(area: str) -> str:
    """A flag's area as the appendix names it: its code in English, its words in Urdu."""
    return area if current_language() == "en" else _(AREA_LABELS[area])


def severity_words(band: SeverityBand, english: str) -> str:
    """A severity band in words (:meth:`SeverityBand.describe`), in the current language."""
    if current_language() == "en":
        return english
    levels = {"high": _("high"), "medium": _("medium"), "low": _("low")}
    if band.level is not None:
        text = _("always {level}").format(level=levels.get(band.level, band.level))
        if band.negative_equity:
            text += " " + _("({level} with negative equity)").format(
                level=levels.get(band.negative_equity, band.negative_equity)
            )
        return text
    return _("high from a gap of {high} points, medium from {medium}, else low").format(
        high=f"{band.high:g}", medium=f"{band.medium:g}"
    )


def methodology_blocks(
    view: ProvinceView, label: str, sections: Sequence[str], department: str | None = None
) -> list[tuple[str, list[Term]]]:
    """The appendix's blocks: executive summary, statuses, red flags, then each of
    ``sections`` shown (and, for the provincial summary, the rankings)."""
    statuses = [(line.split(":", 1)[0], line.split(":", 1)[1].strip())
                for line in describe_rules(view.rules, department)]  # fmt: skip
    blocks = [
        (_("Executive summary"), summary_terms(label)),
        (_("Statuses (On track, At risk, Off track)"), statuses),
        (_("Red flags and their severity"), flag_terms(view.rules.severity)),
    ]
    blocks += [_translated(*SECTION_METHODS[s]) for s in sections if s in SECTION_METHODS]
    if department is None:
        blocks.append(_translated(_("Rankings of departments"), RANKINGS))
    return blocks


def _translated(title: str, terms: Sequence[Term]) -> tuple[str, list[Term]]:
    return _(title), [(_(term), _(text)) for term, text in terms]


def render_methodology(blocks: Sequence[tuple[str, Sequence[Term]]]) -> str:
    """The blocks as the report's appendix (``.report-methodology``): a heading and a
    definition list each; every text escaped."""
    parts = []
    for title, terms in blocks:
        items = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in terms)
        parts.append(f'<div class="report-methodology-block"><h3>{escape(title)}</h3>'
                     f"<dl>{items}</dl></div>")  # fmt: skip
    return f'<div class="report-methodology" id="methodology">{"".join(parts)}</div>'
