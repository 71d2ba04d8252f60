"""The words of the department report and the provincial summary: their titles, section headings,
leads and notes, in the reader's language (:mod:`kpilib.i18n`).

The notebooks hold no sentence of their own: they ask for a section's heading or note by its key
(``texts.heading("budget")``, ``texts.note("budget")``), so every word a reader sees is found by
the message extractor and translated (``kpilib/i18n/catalogs/ur/reports.po``).
"""

from __future__ import annotations

from kpilib.i18n import N_, _, is_right_to_left
from kpilib.report.display import render_footnote, render_section_heading

#: The reports' title (the cover's heading).
REPORT_TITLE = N_("Service Delivery Performance Monitoring Report")
ORGANISATION = N_("Government of Khyber Pakhtunkhwa, Finance Department")
SUMMARY_SUBJECT = N_("Provincial summary: all departments and public sector entities")
SUMMARY_OFFICER = N_("Secretary Finance, Government of Khyber Pakhtunkhwa")

#: Each section's heading and lead (one line under it), by key.
HEADINGS: dict[str, tuple[str, str]] = {
    "budget": (
        N_("Budget execution"),
        N_("Original and revised budget, releases and expenditure, Rs. million."),
    ),
    "pefa": (
        N_("Budget reliability (PEFA Pillar I)"),
        N_("Original approved budget against outturn over the last three completed years."),
    ),
    "indicators": (
        N_("Service delivery"),
        N_("Targets and actuals of the department's indicators; achievement of the latest period."),
    ),
    "pses": (
        N_("Public sector entities"),
        N_("Financial health (IMF SOE Health Check ratios, Altman Z'') and quarterly returns."),
    ),
    "quality": (
        N_("Data quality and red flags"),
        N_(
            "Checks on the data behind this report, and every red flag of the department, most "
            "severe first (severity rule: Methodology)."
        ),
    ),
    "actions": (
        N_("Actions on last period's flags"),
        N_(
            "Each red flag becomes an action its owner answers by a due date; the department "
            "closes or escalates it (Methodology)."
        ),
    ),
    "explain": (
        N_("How the headline figures are counted"),
        N_(
            "Each figure's formula, population and date, status rule, inputs and returns behind it."
        ),
    ),
    "methodology": (
        N_("Methodology"),
        N_("How the figures of this report are defined, rated, flagged and summarised."),
    ),
    "summary_methodology": (
        N_("Methodology"),
        N_("How the figures of this summary are defined, rated, ranked, flagged and summarised."),
    ),
    "ranked": (
        N_("Departments ranked"),
        N_("Every department on the same KPIs; each name links to the department's report."),
    ),
    "province_totals": (
        N_("Province totals"),
        N_("Budget execution of all departments together, Rs. million."),
    ),
    "pi10": (
        N_("PEFA PI-10: fiscal risk reporting"),
        N_(
            "Scored from the PSEs' governance returns by the PEFA 2016 criteria "
            "(parameters/pefa/pi10.yaml)."
        ),
    ),
    "portfolio": (
        N_("Public sector entity portfolio"),
        N_("Risk by category, loss-makers, subsidies and arrears in the latest quarter."),
    ),
    "compliance": (
        N_("Compliance league table"),
        N_(
            "Quarterly returns of each department's PSEs: received and on time (DHIS2 "
            "reporting rates)."
        ),
    ),
    "red_flags": (
        N_("Red flags"),
        N_(
            "The most severe red flags of the province, ranked; each links to its "
            "department's report."
        ),
    ),
}

#: The notes under a section's tables, by key.
NOTES: dict[str, str] = {
    "budget": N_(
        "Against plan: spending as % of a straight-line plan (revised budget × months ÷ 12). "
        "PEFA 2016: PI-1 outturn, PI-2.1 composition across the department's cost centres, "
        "PI-2.2 across economic heads; NA = not applicable, D* = insufficient information."
    ),
    "no_indicators": N_("No service-delivery indicators are monitored."),
    "indicators": N_(
        "Achievement = actual ÷ target (target ÷ actual where lower is better). A missing "
        "actual is shown as missing, never as zero. Definitions: Methodology, at the end of "
        "this report."
    ),
    "no_pses": N_("No PSE reports to this department."),
    "pses": N_(
        "Overall risk: weighted IMF SOE Health Check dimensions (profitability, liquidity, "
        "solvency, arrears). Z'' zones: safe above 2.60, distress below 1.10. Returns: received "
        "and on time as % of returns expected (due 30 days after each quarter)."
    ),
    "no_findings": N_("No data-quality finding for this department."),
    "no_flags": N_("No red flag."),
    "sources": N_(
        "Sources: IFMIS budget and expenditure lines; department indicator returns; PSE "
        "quarterly returns. Methods: PEFA 2016 (Pillar I), IMF SOE Health Check Tool, Altman "
        "Z'' (2000), DHIS2 reporting rates. Definitions: Methodology, below."
    ),
    "ranked": N_(
        "Execution rank: closeness of spending to the straight-line plan. Service score: mean "
        "achievement of the department's indicators, each capped at 100. Returns rank: share "
        "of its PSEs' returns received on time. PEFA scores over the last three completed "
        "years."
    ),
    "portfolio": N_(
        "Overall risk: IMF SOE Health Check dimensions; Z'' zones (Altman): safe above 2.60, "
        "distress below 1.10. Loss-makers: annualised net income below zero."
    ),
    "red_flags": N_("Rules and severity: Methodology, at the end."),
}

#: Chart titles, by key (``{name}``: the department's name).
CHART_TITLES: dict[str, str] = {
    "department_spending": N_("{name}: cumulative spending against a straight-line plan"),
    "province_spending": N_("Province: cumulative spending against a straight-line plan"),
    "department_scores": N_("Service-delivery score by department"),
}


def heading(key: str) -> str:
    """The rendered heading (and lead) of section ``key`` in the current language."""
    title, lead = HEADINGS[key]
    return render_section_heading(_(title), _(lead))


def note_text(key: str) -> str:
    """The note of ``key`` as text, in the current language."""
    return _(NOTES[key])


def note(key: str, *more: str) -> str:
    """The rendered note of ``key`` (``more``: sentences added after it, already translated)."""
    return render_footnote(" ".join([note_text(key), *[m for m in more if m]]))


def chart_title(key: str, **values: str) -> str:
    """A chart's title in the current language."""
    return _(CHART_TITLES[key]).format(**values)


def report_title() -> str:
    """The reports' title in the current language."""
    return _(REPORT_TITLE)


def organisation() -> str:
    """Who publishes the reports (the cover's first line)."""
    return _(ORGANISATION)


def department_subject(name: str, name_ur: str | None = None) -> str:
    """The cover's subject of a department report: ``Health Department`` (in Urdu, the
    department's own Urdu name where the reference data has one: ``محکمہ صحت``)."""
    if name_ur and is_right_to_left():
        return name_ur
    return _("{name} Department").format(name=name)


def summary_subject() -> str:
    """The cover's subject of the provincial summary."""
    return _(SUMMARY_SUBJECT)


def summary_officer() -> str:
    """Who signs the provincial summary."""
    return _(SUMMARY_OFFICER)


def officer(title: str, department_name: str, name_ur: str | None = None) -> str:
    """The officer who signs a department report: the parameter files' title, in the current
    language when it is the default one (``Secretary, Health Department``; in Urdu with the
    department's Urdu name where there is one)."""
    default = f"Secretary, {department_name} Department"
    if title != default:
        return title
    if name_ur and is_right_to_left():
        return _("Secretary, {department}").format(department=name_ur)
    return _("Secretary, {name} Department").format(name=department_name)
