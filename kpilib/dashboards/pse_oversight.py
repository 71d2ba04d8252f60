"""The PSE monitor's governance and government support panels for one PSE (issue 17).

Cards and table columns only: every figure, verdict and status comes from
:mod:`kpilib.views.pse_oversight` (which takes them from :mod:`kpilib.kpis.governance`,
:mod:`kpilib.kpis.support`, :mod:`kpilib.kpis.guarantees` and
:mod:`kpilib.kpis.sustainability`). The governance score has no status colour: the rulebook sets
no threshold for it. Every text is escaped by :func:`kpilib.present.html.render_cards` and the
tables.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpilib.present.formatting import format_date, format_money, format_number, format_share
from kpilib.present.html import KpiCard
from kpilib.present.tables import Column
from kpilib.views.pse_oversight import (
    RECONCILIATION_LABELS,
    VERDICT_LABELS,
    VERDICT_STATUS,
    PseGovernance,
    PseSupport,
)

BREACH_COLUMNS = [
    Column("rule_id", "Rule"),
    Column("title", "What it asks"),
    Column("family_label", "Category"),
    Column("detail", "Found in the return"),
    Column("reason_text", "The PSE's reason"),
    Column("action_text", "Its line of action"),
]
RECONCILIATION_COLUMNS = [
    Column("instrument_label", "Instrument"),
    Column("budget", "Budget side", "money", 1),
    Column("reported", "PSE's own account", "money", 1),
    Column("difference", "Difference", "money", 1),
    Column("status_colour", "Reconciliation", "rag", label_key="status_label"),
]
SUSTAINABILITY_COLUMNS = [
    Column("fiscal_year_label", "Fiscal year"),
    Column("quarters", "Quarters", "count"),
    Column("own_revenue", "Own-source revenue", "money", 1),
    Column("total_expenditure", "Total expenditure", "money", 1),
    Column("own_source_ratio", "Own-source revenue ÷ expenditure", "share", 0),
    Column("own_source_change_pp", "Change (pp)", "number", 1),
    Column("own_source_trend_status", "Trend", "rag", label_key="own_source_trend_label"),
    Column("grants_subsidies", "Grants and subsidies", "money", 1),
    Column("support_share", "Support ÷ total income", "share", 0),
    Column("support_share_change_pp", "Change (pp)", "number", 1),
    Column("support_share_trend_status", "Trend", "rag", label_key="support_share_trend_label"),
]
GUARANTEE_COLUMNS = [
    Column("guarantee_ref", "Guarantee"),
    Column("lender", "Lender"),
    Column("issued_text", "Issued"),
    Column("expires_text", "Expires"),
    Column("amount_guaranteed", "Guaranteed", "money", 1),
    Column("outstanding", "Outstanding", "money", 1),
    Column("called_in_year", "Called in the year", "money", 1),
    Column("status_colour", "At the year's end", "rag", label_key="status_label"),
]
POSTS = {"ceo_in_post": ("CEO", "ceo_status", "ceo_since"),
         "cfo_in_post": ("CFO", "cfo_status", "cfo_since")}  # fmt: skip


def _date(value: object) -> str:
    return format_date(value) if isinstance(value, date) else "–"


def _verdict_card(label: str, value: str, gov: PseGovernance, check: str, note: str) -> KpiCard:
    """A card coloured by the verdict of the PSE's rule that runs ``check`` (none: no colour)."""
    verdict = gov.verdict(check)
    if verdict is None:
        return KpiCard(label, value, note=note)
    return KpiCard(label, value, VERDICT_STATUS[verdict], note, VERDICT_LABELS[verdict])


def governance_heading(gov: PseGovernance) -> str:
    """The panel's lead: the return it reads, or that there is none."""
    year = gov.fiscal_year.label
    if not gov.has_return:
        return f"No governance return for {year}: the PSE has not sent it."
    return (f"Governance return for {year}, as at {_date(gov.as_at)}; each rule of its "
            "category's rulebook (parameters/governance) with its verdict.")  # fmt: skip


def governance_cards(gov: PseGovernance) -> list[KpiCard]:
    """Score, board, CEO and CFO, audit opinion; one grey card when the return is missing."""
    year = gov.fiscal_year.label
    if gov.facts is None or gov.score is None:
        return [KpiCard("Governance return", "none", "grey",
                        f"no governance return for {year}", "Missing")]  # fmt: skip
    facts, score = gov.facts, gov.score
    applicable = int(score["applicable"])
    breaches = int(score["breaches"])
    return [
        KpiCard("Governance score", f"{format_number(score['score'], 0)} / 100",
                note=f"{int(score['complied'])} of {applicable} rules that apply complied "
                     f"with; return for {year} as at {_date(gov.as_at)}"),
        KpiCard("Breaches", f"{breaches}", "red" if breaches else "green",
                f"{int(score['explained'])} with a reason given",
                "Not complied" if breaches else "None"),
        _verdict_card("Board seats", f"{int(facts['board_size'])}", gov, "board_vacancies",
                      f"{int(facts['vacancies'])} vacant"),
        _verdict_card("Independent members", f"{int(facts['independent_members'])}", gov,
                      "board_independence", "of the members in office"),
        _verdict_card("Women on the board", f"{int(facts['women_members'])}", gov,
                      "women_on_board", "members in office"),
        *(_post_card(gov, check) for check in POSTS),
        _audit_card(gov),
    ]  # fmt: skip


def _post_card(gov: PseGovernance, check: str) -> KpiCard:
    post, status_key, since_key = POSTS[check]
    facts = gov.facts
    assert facts is not None
    status = str(facts[status_key])
    if status == "vacant":
        return _verdict_card(post, "Vacant", gov, check, f"the {post}'s post is vacant")
    since = f"since {_date(facts[since_key])}"
    return _verdict_card(post, status.capitalize(), gov, check, f"{status} {post} {since}")


def _audit_card(gov: PseGovernance) -> KpiCard:
    facts = gov.facts
    assert facts is not None
    opinion = facts["audit_opinion"]
    if opinion is None or pd.isna(opinion):
        return _verdict_card("Audit opinion", "none", gov, "audit_opinion",
                             "no audited accounts reported")  # fmt: skip
    accounts = facts["audited_accounts_year"]
    of = f"accounts of {int(accounts)}-{(int(accounts) + 1) % 100:02d}"
    auditor = facts["auditor"]
    by = f" by {auditor}" if isinstance(auditor, str) and auditor else ""
    note = f"{of}; auditor's report dated {_date(facts['auditor_report_date'])}{by}"
    return _verdict_card("Audit opinion", str(opinion).capitalize(), gov, "audit_opinion", note)


def breach_rows(gov: PseGovernance) -> pd.DataFrame:
    """The breaches with the PSE's reason and line of action written out (blank: not given)."""
    breaches = gov.breaches
    return breaches.assign(
        reason_text=breaches["reason"].fillna("no reason given"),
        action_text=breaches["line_of_action"].fillna("–"),
    )


def support_heading(sup: PseSupport) -> str:
    """The panel's lead: the year, and whether the PSE sent its support return."""
    year = sup.fiscal_year.label
    own = "its own account" if sup.reported else "no support return from the PSE"
    return (f"Support in {year}: the budget side (releases to the PSE and the guarantee "
            f"register) against {own}; guarantees at the end of {year}.")  # fmt: skip


def support_cards(sup: PseSupport) -> list[KpiCard]:
    """Direct support, the reconciliation verdict, the grant's utilisation report, the two
    self-sustainability ratios and the guarantees."""
    year = sup.fiscal_year.label
    return [
        KpiCard("Direct support", format_money(sup.direct_support),
                note=f"released in {year}: grants, subsidies, equity, loans, relief"),
        _reconciliation_card(sup),
        _grant_card(sup),
        *_sustainability_cards(sup),
        _guarantee_card(sup),
    ]  # fmt: skip


def _reconciliation_card(sup: PseSupport) -> KpiCard:
    rows, flags = sup.reconciliation, sup.flags
    if rows.empty:
        return KpiCard(
            "Reconciliation",
            "nothing to reconcile",
            "grey",
            f"no support on either side in {sup.fiscal_year.label}",
            "No data",
        )
    if flags.empty:
        return KpiCard(
            "Reconciliation",
            "agrees",
            "green",
            f"{len(rows)} instrument(s) within tolerance",
            "Matched",
        )
    if not sup.reported:
        return KpiCard(
            "Reconciliation",
            "not reported",
            "red",
            "the PSE sent no support return",
            RECONCILIATION_LABELS["not reported"],
        )
    return KpiCard("Reconciliation", f"{len(flags)} of {len(rows)} differ", "red",
                   "instruments beyond tolerance: " + ", ".join(flags["instrument_label"]),
                   RECONCILIATION_LABELS["mismatch"])  # fmt: skip


def _grant_card(sup: PseSupport) -> KpiCard:
    grant = sup.grant
    if grant is None:
        return KpiCard("Grant-in-aid", "none", note=f"no grant-in-aid in {sup.fiscal_year.label}")
    amount = format_money(grant["grant"])
    if bool(grant["flagged"]):
        return KpiCard("Grant-in-aid", amount, "red", "no utilisation report received",
                       "No utilisation report")  # fmt: skip
    received = _date(grant["utilisation_report_date"])
    return KpiCard("Grant-in-aid", amount, "green", f"utilisation report of {received}",
                   "Utilisation reported")  # fmt: skip


def _sustainability_cards(sup: PseSupport) -> list[KpiCard]:
    latest = sup.latest_sustainability
    if latest is None:
        return [KpiCard("Self-sustainability", "–", "grey", "no quarterly statement", "No data")]
    note = _sustainability_note(sup, latest)
    cards = []
    for key, label, trend in (
        ("own_source_ratio", "Own-source revenue ÷ expenditure", "own_source"),
        ("support_share", "Support ÷ total income", "support_share"),
    ):
        status = latest[f"{trend}_trend_status"]
        cards.append(
            KpiCard(
                label,
                format_share(latest[key], 0),
                None if pd.isna(status) else str(status),
                note,
                None if pd.isna(status) else str(latest[f"{trend}_trend_label"]),
            )
        )
    return cards  # fmt: skip


def _sustainability_note(sup: PseSupport, latest: pd.Series) -> str:
    """The year and quarters the ratios are of; stale when not of the selected year."""
    year = str(latest["fiscal_year_label"])
    quarters = int(latest["quarters"])
    if int(latest["fiscal_year"]) != sup.fiscal_year.start_year:
        return f"stale: latest statements are of {year} ({quarters} quarter(s))"
    if quarters < sup.quarters_expected:
        return f"{year}: {quarters} of {sup.quarters_expected} quarter(s) received"
    return f"{year}, {quarters} quarter(s); trend against the year before"


def _guarantee_card(sup: PseSupport) -> KpiCard:
    rollup = sup.guarantees
    end = format_date(sup.fiscal_year.end_date)
    if rollup is None:
        return KpiCard("Guarantees outstanding", "none",
                       note=f"no guarantee in the register at {end}")  # fmt: skip
    called = int(rollup["called"])
    return KpiCard(
        "Guarantees outstanding", format_money(rollup["outstanding"]),
        "red" if called else None,
        f"{int(rollup['guarantees'])} guarantee(s) at {end}; called in the year "
        f"{format_money(rollup['called_in_year'])}; expiring within {sup.expiring_months} "
        f"months "
        f"{format_money(rollup['expiring_outstanding'])}",
        f"{called} called" if called else None,
    )  # fmt: skip


def guarantee_rows(sup: PseSupport) -> pd.DataFrame:
    """The PSE's guarantees with their dates written out."""
    register = sup.register
    return register.assign(
        issued_text=register["issued_on"].map(_date),
        expires_text=register["expires_on"].map(_date),
    )
