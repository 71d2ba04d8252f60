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

from kpilib.i18n import N_, _, is_right_to_left, isolate, ngettext
from kpilib.present.formatting import format_date, format_money, format_number, format_share
from kpilib.present.governance_words import detail_words, rule_title_words
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
    Column("rule_id", N_("Rule")),
    Column("title", N_("What it asks")),
    Column("family_label", N_("Category")),
    Column("detail", N_("Found in the return")),
    Column("reason_text", N_("The PSE's reason")),
    Column("action_text", N_("Its line of action")),
]
RECONCILIATION_COLUMNS = [
    Column("instrument_label", N_("Instrument")),
    Column("budget", N_("Budget side"), "money", 1),
    Column("reported", N_("PSE's own account"), "money", 1),
    Column("difference", N_("Difference"), "money", 1),
    Column("status_colour", N_("Reconciliation"), "rag", label_key="status_label"),
]
SUSTAINABILITY_COLUMNS = [
    Column("fiscal_year_label", N_("Fiscal year")),
    Column("quarters", N_("Quarters"), "count"),
    Column("own_revenue", N_("Own-source revenue"), "money", 1),
    Column("total_expenditure", N_("Total expenditure"), "money", 1),
    Column("own_source_ratio", N_("Own-source revenue ÷ expenditure"), "share", 0),
    Column("own_source_change_pp", N_("Change (pp)"), "number", 1),
    Column("own_source_trend_status", N_("Trend"), "rag", label_key="own_source_trend_label"),
    Column("grants_subsidies", N_("Grants and subsidies"), "money", 1),
    Column("support_share", N_("Support ÷ total income"), "share", 0),
    Column("support_share_change_pp", N_("Change (pp)"), "number", 1),
    Column("support_share_trend_status", N_("Trend"), "rag", label_key="support_share_trend_label"),
]
GUARANTEE_COLUMNS = [
    Column("guarantee_ref", N_("Guarantee")),
    Column("lender", N_("Lender")),
    Column("issued_text", N_("Issued")),
    Column("expires_text", N_("Expires")),
    Column("amount_guaranteed", N_("Guaranteed"), "money", 1),
    Column("outstanding", N_("Outstanding"), "money", 1),
    Column("called_in_year", N_("Called in the year"), "money", 1),
    Column("status_colour", N_("At the year's end"), "rag", label_key="status_label"),
]
POSTS = {"ceo_in_post": ("CEO", "ceo_status", "ceo_since"),
         "cfo_in_post": ("CFO", "cfo_status", "cfo_since")}  # fmt: skip
#: A post's holder as the card says it (the return's words).
POST_STATUS = {"regular": N_("Regular"), "acting": N_("Acting"), "additional charge":
               N_("Additional charge"), "vacant": N_("Vacant")}  # fmt: skip
#: Audit opinions as the card says them.
OPINIONS = {"unqualified": N_("Unqualified"), "qualified": N_("Qualified"),
            "adverse": N_("Adverse"), "disclaimer": N_("Disclaimer")}  # fmt: skip


def _words(labels: pd.Series) -> pd.Series:
    """The labels of a view's column in the page's language (a missing one stays missing)."""
    return labels.map(lambda label: _(label) if isinstance(label, str) else label)


def _date(value: object) -> str:
    return isolate(format_date(value)) if isinstance(value, date) else "–"


def _verdict_card(label: str, value: str, gov: PseGovernance, check: str, note: str) -> KpiCard:
    """A card coloured by the verdict of the PSE's rule that runs ``check`` (none: no colour)."""
    verdict = gov.verdict(check)
    if verdict is None:
        return KpiCard(label, value, note=note)
    return KpiCard(label, value, VERDICT_STATUS[verdict], note, _(VERDICT_LABELS[verdict]))


def governance_heading(gov: PseGovernance) -> str:
    """The panel's lead: the return it reads, or that there is none."""
    year = isolate(gov.fiscal_year.label)
    if not gov.has_return:
        return _("No governance return for {year}: the PSE has not sent it.").format(year=year)
    category = str(gov.statement["category"].iloc[0]) if not gov.statement.empty else "*"
    rulebook = isolate(f"parameters/governance/{category}.yaml")
    return _("Governance return for {year}, as at {date}; each rule of its category's rulebook "
             "({rulebook}) with its verdict.").format(
                 year=year, date=_date(gov.as_at), rulebook=rulebook)  # fmt: skip


def governance_cards(gov: PseGovernance) -> list[KpiCard]:
    """Score, board, CEO and CFO, audit opinion; one grey card when the return is missing."""
    year = isolate(gov.fiscal_year.label)
    if gov.facts is None or gov.score is None:
        return [KpiCard(_("Governance return"), _("none"), "grey",
                        _("no governance return for {year}").format(year=year),
                        _("Missing"))]  # fmt: skip
    facts, score = gov.facts, gov.score
    applicable = int(score["applicable"])
    breaches = int(score["breaches"])
    return [
        KpiCard(_("Governance score"), isolate(f"{format_number(score['score'], 0)} / 100"),
                note=_("{complied} of {applicable} rules that apply complied with; return for "
                       "{year} as at {date}").format(
                    complied=int(score["complied"]), applicable=applicable, year=year,
                    date=_date(gov.as_at))),
        KpiCard(_("Breaches"), f"{breaches}", "red" if breaches else "green",
                _("{n} with a reason given").format(n=int(score["explained"])),
                _("Not complied") if breaches else _("None")),
        _verdict_card(_("Board seats"), f"{int(facts['board_size'])}", gov, "board_vacancies",
                      _("{n} vacant").format(n=int(facts["vacancies"]))),
        _verdict_card(_("Independent members"), f"{int(facts['independent_members'])}", gov,
                      "board_independence", _("of the members in office")),
        _verdict_card(_("Women on the board"), f"{int(facts['women_members'])}", gov,
                      "women_on_board", _("members in office")),
        *(_post_card(gov, check) for check in POSTS),
        _audit_card(gov),
    ]  # fmt: skip


def _post_card(gov: PseGovernance, check: str) -> KpiCard:
    post, status_key, since_key = POSTS[check]
    facts = gov.facts
    assert facts is not None
    status = str(facts[status_key])
    if status == "vacant":
        note = _("the {post}'s post is vacant").format(post=post)
        return _verdict_card(post, _("Vacant"), gov, check, note)
    word = _(POST_STATUS.get(status, status.capitalize()))
    note = _("{status} {post} since {date}").format(
        status=word if is_right_to_left() else status, post=post, date=_date(facts[since_key])
    )
    return _verdict_card(post, word, gov, check, note)


def _audit_card(gov: PseGovernance) -> KpiCard:
    facts = gov.facts
    assert facts is not None
    opinion = facts["audit_opinion"]
    if opinion is None or pd.isna(opinion):
        return _verdict_card(_("Audit opinion"), _("none"), gov, "audit_opinion",
                             _("no audited accounts reported"))  # fmt: skip
    accounts = facts["audited_accounts_year"]
    year = isolate(f"{int(accounts)}-{(int(accounts) + 1) % 100:02d}")
    auditor = facts["auditor"]
    dated = _date(facts["auditor_report_date"])
    if isinstance(auditor, str) and auditor:
        note = _("accounts of {year}; auditor's report dated {date} by {auditor}").format(
            year=year, date=dated, auditor=auditor
        )
    else:
        note = _("accounts of {year}; auditor's report dated {date}").format(year=year, date=dated)
    words = _(OPINIONS.get(str(opinion).lower(), str(opinion).capitalize()))
    return _verdict_card(_("Audit opinion"), words, gov, "audit_opinion", note)


def breach_rows(gov: PseGovernance) -> pd.DataFrame:
    """The breaches with the PSE's reason and line of action written out (blank: not given)."""
    breaches = gov.breaches
    return breaches.assign(
        title=[rule_title_words(title) for title in breaches["title"]],
        detail=[detail_words(detail) for detail in breaches["detail"]],
        family_label=[_(label) for label in breaches["family_label"]],
        reason_text=breaches["reason"].fillna(_("no reason given")),
        action_text=breaches["line_of_action"].fillna("–"),
    )


def support_heading(sup: PseSupport) -> str:
    """The panel's lead: the year, and whether the PSE sent its support return."""
    year = isolate(sup.fiscal_year.label)
    if sup.reported:
        return _("Support in {year}: the budget side (releases to the PSE and the guarantee "
                 "register) against its own account; guarantees at the end of {year}.").format(
                     year=year)  # fmt: skip
    return _("Support in {year}: the budget side (releases to the PSE and the guarantee "
             "register) against no support return from the PSE; guarantees at the end of "
             "{year}.").format(year=year)  # fmt: skip


def support_cards(sup: PseSupport) -> list[KpiCard]:
    """Direct support, the reconciliation verdict, the grant's utilisation report, the two
    self-sustainability ratios and the guarantees."""
    year = isolate(sup.fiscal_year.label)
    return [
        KpiCard(_("Direct support"), format_money(sup.direct_support),
                note=_("released in {year}: grants, subsidies, equity, loans, relief").format(
                    year=year)),
        _reconciliation_card(sup),
        _grant_card(sup),
        *_sustainability_cards(sup),
        _guarantee_card(sup),
    ]  # fmt: skip


def _reconciliation_card(sup: PseSupport) -> KpiCard:
    rows, flags = sup.reconciliation, sup.flags
    if rows.empty:
        return KpiCard(
            _("Reconciliation"),
            _("nothing to reconcile"),
            "grey",
            _("no support on either side in {year}").format(year=isolate(sup.fiscal_year.label)),
            _("No data"),
        )
    if flags.empty:
        return KpiCard(
            _("Reconciliation"),
            _("agrees"),
            "green",
            ngettext(
                "{n} instrument(s) within tolerance",
                "{n} instrument(s) within tolerance",
                len(rows),
            ).format(n=len(rows)),
            _("Matched"),
        )
    if not sup.reported:
        return KpiCard(
            _("Reconciliation"),
            _("not reported"),
            "red",
            _("the PSE sent no support return"),
            _(RECONCILIATION_LABELS["not reported"]),
        )
    instruments = _(", ").join(_(label) for label in flags["instrument_label"])
    return KpiCard(_("Reconciliation"), _("{n} of {total} differ").format(
                       n=len(flags), total=len(rows)), "red",
                   _("instruments beyond tolerance: {instruments}").format(
                       instruments=instruments),
                   _(RECONCILIATION_LABELS["mismatch"]))  # fmt: skip


def _grant_card(sup: PseSupport) -> KpiCard:
    grant = sup.grant
    if grant is None:
        return KpiCard(_("Grant-in-aid"), _("none"), note=_("no grant-in-aid in {year}").format(
            year=isolate(sup.fiscal_year.label)))  # fmt: skip
    amount = format_money(grant["grant"])
    if bool(grant["flagged"]):
        return KpiCard(_("Grant-in-aid"), amount, "red", _("no utilisation report received"),
                       _("No utilisation report"))  # fmt: skip
    received = _date(grant["utilisation_report_date"])
    return KpiCard(_("Grant-in-aid"), amount, "green",
                   _("utilisation report of {date}").format(date=received),
                   _("Utilisation reported"))  # fmt: skip


def _sustainability_cards(sup: PseSupport) -> list[KpiCard]:
    latest = sup.latest_sustainability
    if latest is None:
        return [KpiCard(_("Self-sustainability"), "–", "grey", _("no quarterly statement"),
                        _("No data"))]  # fmt: skip
    note = _sustainability_note(sup, latest)
    cards = []
    for key, label, trend in (
        ("own_source_ratio", N_("Own-source revenue ÷ expenditure"), "own_source"),
        ("support_share", N_("Support ÷ total income"), "support_share"),
    ):
        status = latest[f"{trend}_trend_status"]
        cards.append(
            KpiCard(
                _(label),
                format_share(latest[key], 0),
                None if pd.isna(status) else str(status),
                note,
                None if pd.isna(status) else _(str(latest[f"{trend}_trend_label"])),
            )
        )
    return cards  # fmt: skip


def _sustainability_note(sup: PseSupport, latest: pd.Series) -> str:
    """The year and quarters the ratios are of; stale when not of the selected year."""
    year = isolate(str(latest["fiscal_year_label"]))
    quarters = int(latest["quarters"])
    if int(latest["fiscal_year"]) != sup.fiscal_year.start_year:
        return ngettext(
            "stale: latest statements are of {year} ({n} quarter(s))",
            "stale: latest statements are of {year} ({n} quarter(s))",
            quarters,
        ).format(year=year, n=quarters)
    if quarters < sup.quarters_expected:
        return ngettext(
            "{year}: {n} of {expected} quarter(s) received",
            "{year}: {n} of {expected} quarter(s) received",
            sup.quarters_expected,
        ).format(year=year, n=quarters, expected=sup.quarters_expected)
    return ngettext(
        "{year}, {n} quarter(s); trend against the year before",
        "{year}, {n} quarter(s); trend against the year before",
        quarters,
    ).format(year=year, n=quarters)


def _guarantee_card(sup: PseSupport) -> KpiCard:
    rollup = sup.guarantees
    end = isolate(format_date(sup.fiscal_year.end_date))
    if rollup is None:
        note = _("no guarantee in the register at {date}").format(date=end)
        return KpiCard(_("Guarantees outstanding"), _("none"), note=note)
    called = int(rollup["called"])
    count = int(rollup["guarantees"])
    return KpiCard(
        _("Guarantees outstanding"), format_money(rollup["outstanding"]),
        "red" if called else None,
        ngettext(
            "{n} guarantee(s) at {date}; called in the year {called}; expiring within {months} "
            "months {expiring}",
            "{n} guarantee(s) at {date}; called in the year {called}; expiring within {months} "
            "months {expiring}",
            count,
        ).format(n=count, date=end, called=format_money(rollup["called_in_year"]),
                 months=sup.expiring_months,
                 expiring=format_money(rollup["expiring_outstanding"])),
        _("{n} called").format(n=called) if called else None,
    )  # fmt: skip


def guarantee_rows(sup: PseSupport) -> pd.DataFrame:
    """The PSE's guarantees with their dates written out."""
    register = sup.register
    return register.assign(
        status_label=_words(register["status_label"]),
        issued_text=register["issued_on"].map(_date),
        expires_text=register["expires_on"].map(_date),
    )


def reconciliation_rows(sup: PseSupport) -> pd.DataFrame:
    """The support by instrument, its instruments and statuses in words of the page."""
    rows = sup.reconciliation
    return rows.assign(
        instrument_label=[_(label) for label in rows["instrument_label"]],
        status_label=_words(rows["status_label"]),
    )


def sustainability_rows(sup: PseSupport) -> pd.DataFrame:
    """The self-sustainability years, latest first, their trends in words of the page."""
    rows = sup.sustainability.iloc[::-1]
    return rows.assign(
        own_source_trend_label=_words(rows["own_source_trend_label"]),
        support_share_trend_label=_words(rows["support_share_trend_label"]),
    )
