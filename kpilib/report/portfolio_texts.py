"""The words of the PSE Portfolio Report: its cover, section headings, leads and notes, in the
reader's language (:mod:`kpilib.i18n`).

The notebook holds no sentence of its own: it asks for a section's heading or note by its key
(``texts.heading("finances")``, ``texts.note("finances")``), so every word a reader sees is
found by the message extractor and translated (``kpilib/i18n/catalogs/ur/portfolio.po``).
"""

from __future__ import annotations

from kpilib.i18n import N_, _
from kpilib.report.display import render_footnote, render_section_heading

SUBJECT = N_("Public sector entities of the province: size, finances, governance and audit")
OFFICER = N_("Corporate Governance Unit, Finance Department")

#: Each section's heading and lead (one line under it), by key.
HEADINGS: dict[str, tuple[str, str]] = {
    "glance": (
        N_("At a glance"),
        N_("Each figure names the PSEs it counts and the date it speaks of."),
    ),
    "composition": (
        N_("Size and composition"),
        N_("The PSEs in the register, by category and by department."),
    ),
    "finances": (
        N_("Revenue, profit or loss and net equity"),
        N_("By category, from each PSE's latest quarterly statement; flows over four quarters."),
    ),
    "loss_makers": (
        N_("The largest loss-makers"),
        N_("PSEs by annualised net loss, largest first."),
    ),
    "governance": (
        N_("Governance compliance"),
        N_("Statements of compliance from the governance returns, judged by the rulebook."),
    ),
    "audit": (
        N_("Audit opinions"),
        N_("The auditor's opinion on each PSE's latest audited accounts."),
    ),
    "support": (
        N_("Government support by instrument"),
        N_("What the province released to its PSEs in the year, by instrument and category."),
    ),
    "guarantees": (
        N_("Guarantees: the contingent-liabilities register"),
        N_("Guarantees given for the PSEs: outstanding, called and expiring within a year."),
    ),
    "stress": (
        N_("Stress results"),
        N_(
            "Each scenario of parameters/stress.yaml applied to every PSE's latest statements, "
            "rated by the same health check; the extra support the province would need."
        ),
    ),
    "actions": (
        N_("Open actions"),
        N_(
            "What became of the red flags on the PSEs: every flag is an action with an owner "
            "and a due date for the answer."
        ),
    ),
}

#: The notes under a section's tables, by key.
NOTES: dict[str, str] = {
    "finances": N_(
        "Revenue and net profit or loss: the trailing four quarters to the statement's quarter. "
        "Net equity: closing balance. Stale: the latest statement is of an earlier quarter than "
        "the period's last; its figures are older than the rest. Totals cover reporting PSEs."
    ),
    "governance": N_(
        "Governance score: 100 x rules complied with / rules that apply (weighted); PSEs without "
        "a return have no score. Rules and their sources: parameters/governance/."
    ),
    "yearly_returns": N_(
        "Yearly returns: the governance and the support return of every PSE, due 120 days after "
        "the fiscal year; received / expected and received by the due date / expected, by the "
        "rules of the quarterly reporting rate (which does not count them). A half-yearly "
        "report counts the year before's, its own not being due yet."
    ),
    "support": N_(
        "Direct support: grants-in-aid, subsidies, equity injections, loans disbursed and other "
        "relief; guarantees are contingent and counted apart. Expiring: outstanding on "
        "guarantees that expire within the horizon of parameters/support.yaml."
    ),
    "stress": N_(
        "Extra support: the funding gap the shock leaves after the PSE's cash, plus any "
        "guarantee called."
    ),
    "actions": N_(
        "Actions on the flags of the report's fiscal year and the year before, as of the data's "
        "date: the follow-up goes on after the period closes. Overdue: no answer by the due "
        "date. Resolved: closed / actions. Sources: finance (a PSE at very high risk), "
        "compliance (returns received rated red), governance breaches, support mismatches, "
        "grants without a utilisation report."
    ),
}

#: Chart titles, by key.
CHART_TITLES: dict[str, str] = {
    "stress": N_("PSEs at high risk after each shock, by category"),
}


def heading(key: str) -> str:
    """The rendered heading (and lead) of section ``key`` in the current language."""
    title, lead = HEADINGS[key]
    return render_section_heading(_(title), _(lead))


def note(key: str, *more: str) -> str:
    """The rendered note of ``key`` (``more``: sentences added after it, already translated)."""
    return render_footnote(" ".join([_(NOTES[key]), *[m for m in more if m]]))


def chart_title(key: str) -> str:
    """A chart's title in the current language."""
    return _(CHART_TITLES[key])


def subject() -> str:
    """The cover's subject line."""
    return _(SUBJECT)


def officer() -> str:
    """Who signs the portfolio report."""
    return _(OFFICER)
