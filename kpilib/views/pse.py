"""One PSE's or one PSE category's slice of the province view, for the PSE monitor dashboard.

Nothing is recomputed here: the ratios, Z'', ratings and return statuses are the province view's
(:func:`kpilib.views.load_province_view`), so the monitor and the reports agree. This module adds
what only the monitor shows: a PSE's submission history as on time / late / missing
(:func:`compute_submission_history`) and its alerts (:func:`list_pse_alerts`, rules in
:data:`PSE_ALERT_RULES` and ``docs/methodology.md``, "PSE alerts").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from kpilib.errors import KpiError
from kpilib.i18n import N_
from kpilib.kpis.frames import require_columns
from kpilib.kpis.portfolio import summarise_portfolio
from kpilib.kpis.pse_finance import DIMENSIONS, Z2_ZONES
from kpilib.kpis.returns import RETURN_SCHEDULES
from kpilib.store.models import ENTITY_CATEGORIES
from kpilib.units import format_money
from kpilib.views.province import ProvinceView

#: The category selection that means every PSE of the province.
ALL_CATEGORIES = "all"
CATEGORY_LABELS = {
    ALL_CATEGORIES: N_("All categories"),
    "autonomous_body": N_("Autonomous bodies"),
    "university": N_("Universities"),
    "teaching_hospital": N_("Medical teaching institutions"),
    "water_sanitation_company": N_("Water and sanitation companies"),
    "public_company": N_("Public companies"),
    "other": N_("Other PSEs"),
}
DIMENSION_LABELS = {
    "profitability": N_("Profitability"),
    "liquidity": N_("Liquidity"),
    "solvency": N_("Solvency"),
    "government_dependence": N_("Government dependence"),
    "arrears": N_("Arrears"),
}
#: A submission's state and the text shown with its colour.
SUBMISSION_STATES = {"on_time": N_("On time"), "late": N_("Late"), "missing": N_("Missing")}
RETURN_TITLES = {schedule.return_type: schedule.title for schedule in RETURN_SCHEDULES}
ALERT_SEVERITIES = {"critical": N_("Critical"), "warning": N_("Warning")}
#: What raises an alert on a PSE (the text is shown in the methodology and on the dashboard).
PSE_ALERT_RULES = {
    "overall_risk": "overall risk rated very high (critical) or high (warning) in the latest "
    "statement",
    "z2_distress": "Altman Z'' in the distress zone in the latest statement (critical)",
    "z2_worsened": "Z'' zone worse than in the same quarter a year earlier (warning)",
    "negative_equity": "equity below zero in the latest statement (critical)",
    "loss_maker": "a loss over the last four quarters (annualised net income below zero; warning)",
    "subsidy_dependence": "government dependence rated very high in the latest statement (warning)",
    "arrears": "arrears rated very high (critical) or high (warning) in the latest statement",
    "missing_return": "a return of the last four quarters, due by the as-of date, not received "
    "(critical; older gaps stay in the submission history)",
    "late_return": "the return of the latest quarter due arrived after its due date (warning)",
    "data_quality": "a data-quality finding about the PSE (critical for an error, else warning)",
}
ALERT_COLUMNS = ["entity_code", "severity", "rule", "period_code", "message"]


class UnknownPseError(KpiError):
    """A PSE code or category that is not in the database."""

    def __init__(self, what: str, value: str, known: list[str]) -> None:
        shown = ", ".join(sorted(known)[:12]) + (" …" if len(known) > 12 else "")
        super().__init__(f"No {what} is called {value!r}; known: {shown}")


@dataclass(frozen=True)
class PseView:
    """One PSE as the PSE monitor shows it, cut from the :class:`ProvinceView` it came from."""

    province: ProvinceView
    code: str
    name: str
    category: str
    department_code: str
    department_name: str
    history: pd.DataFrame  # every quarter up to the period: ratios, Z'', ratings (time order)
    latest: pd.Series | None  # the latest statement by the period's end (None: never reported)
    ratings: pd.DataFrame  # dimension, label, score, rating of the latest statement
    submissions: pd.DataFrame  # every return expected of it: on time / late / missing
    alerts: pd.DataFrame


@dataclass(frozen=True)
class CategoryView:
    """The PSEs of one category (or of all categories) as the PSE monitor shows them."""

    province: ProvinceView
    category: str
    label: str
    pses: pd.DataFrame  # every PSE of the category with its latest statement (if any)
    portfolio: pd.DataFrame  # loss makers, subsidies, arrears … per quarter
    compliance: pd.DataFrame  # reporting rates per PSE in the view's fiscal year
    alerts: pd.DataFrame


def compute_submission_history(status: pd.DataFrame) -> pd.DataFrame:
    """Each expected return as ``on_time``, ``late`` or ``missing``.

    ``status`` is :func:`kpilib.kpis.compliance.compute_return_status`'s frame (e.g. the province
    view's ``return_history``). ``state`` = ``on_time`` when received by the due date, ``late``
    when received after it, ``missing`` when not received by the status date (returns not yet
    due are not in ``status``). Adds ``state_label`` (:data:`SUBMISSION_STATES`) and
    ``return_title``; ordered by entity, period and return type.
    """
    require_columns(
        status,
        "return status",
        ["entity_code", "return_type", "period_code", "fiscal_year", "quarter", "received",
         "on_time", "due_date", "received_date", "days_late", "days_overdue"],
    )  # fmt: skip
    history = status.copy()
    history["state"] = np.select(
        [history["on_time"].astype(bool), history["received"].astype(bool)],
        ["on_time", "late"],
        "missing",
    )
    history["state_label"] = history["state"].map(SUBMISSION_STATES)
    history["return_title"] = (
        history["return_type"].map(RETURN_TITLES).fillna(history["return_type"])
    )
    return history.sort_values(
        ["entity_code", "fiscal_year", "quarter", "return_type"], kind="stable"
    ).reset_index(drop=True)


def _rupees(value: float) -> str:
    return format_money(value)


def _latest_alerts(latest: pd.DataFrame) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for r in latest.itertuples(index=False):
        code, period = str(r.entity_code), str(r.period_code)
        if r.overall_rating in ("very high", "high"):
            rating = cast(str, r.overall_rating)
            severity = "critical" if rating == "very high" else "warning"
            rows.append((code, severity, "overall_risk", period,
                         f"Overall risk {rating} in {period}"))  # fmt: skip
        if r.z2_zone == "distress":
            rows.append((code, "critical", "z2_distress", period,
                         f"Z'' {r.z2:.2f}: distress zone in {period}"))  # fmt: skip
        if r.negative_equity:
            rows.append((code, "critical", "negative_equity", period,
                         f"Liabilities exceed assets: negative equity in {period}"))  # fmt: skip
        if r.loss_maker:
            rows.append((code, "warning", "loss_maker", period,
                         f"Loss of {_rupees(-cast(float, r.annual_net_income))} a year "
                         f"(four quarters to {period})"))  # fmt: skip
        if r.government_dependence_rating == "very high":
            rows.append((code, "warning", "subsidy_dependence", period,
                         f"Grants and subsidies {r.government_dependence:.0%} of income "
                         f"in {period}"))  # fmt: skip
        if r.arrears_rating in ("very high", "high"):
            severity = "critical" if r.arrears_rating == "very high" else "warning"
            share = f"{r.arrears_ratio:.1%} of a year's expenditure"
            rows.append((code, severity, "arrears", period,
                         f"Overdue payables {_rupees(cast(float, r.overdue_payables))}, {share}, "
                         f"in {period}"))  # fmt: skip
    return rows


def _worsened_alerts(history: pd.DataFrame, latest: pd.DataFrame) -> list[tuple]:
    order = {zone: i for i, zone in enumerate(Z2_ZONES)}
    earlier = history[["entity_code", "fiscal_year", "quarter", "period_code", "z2_zone"]].copy()
    earlier["fiscal_year"] = earlier["fiscal_year"] + 1
    pairs = latest[["entity_code", "fiscal_year", "quarter", "period_code", "z2_zone"]].merge(
        earlier, on=["entity_code", "fiscal_year", "quarter"], suffixes=("", "_before")
    )
    rows = []
    for r in pairs.itertuples(index=False):
        now, before = order.get(str(r.z2_zone)), order.get(str(r.z2_zone_before))
        if now is not None and before is not None and now > before:
            rows.append((r.entity_code, "warning", "z2_worsened", r.period_code,
                         f"Z'' zone {r.z2_zone} in {r.period_code}, "
                         f"{r.z2_zone_before} in {r.period_code_before}"))  # fmt: skip
    return rows


def _return_alerts(submissions: pd.DataFrame) -> list[tuple]:
    rows = []
    order = submissions["fiscal_year"] * 4 + submissions["quarter"]
    recent: pd.DataFrame = (
        submissions[order > order.max() - 4] if not submissions.empty else submissions
    )
    for r in recent[recent["state"] == "missing"].itertuples(index=False):
        rows.append((r.entity_code, "critical", "missing_return", r.period_code,
                     f"{r.return_title} for {r.period_code} not received, "
                     f"{int(cast(float, r.days_overdue))} days overdue"))  # fmt: skip
    if not submissions.empty:
        order = submissions["fiscal_year"] * 4 + submissions["quarter"]
        last = submissions[order == order.groupby(submissions["entity_code"]).transform("max")]
        for r in last[last["state"] == "late"].itertuples(index=False):
            rows.append((r.entity_code, "warning", "late_return", r.period_code,
                         f"{r.return_title} for {r.period_code} arrived "
                         f"{int(cast(float, r.days_late))} days late"))  # fmt: skip
    return rows


def list_pse_alerts(
    latest: pd.DataFrame,
    history: pd.DataFrame,
    submissions: pd.DataFrame,
    findings: pd.DataFrame,
) -> pd.DataFrame:
    """Every alert on the given PSEs (rules: :data:`PSE_ALERT_RULES`), critical ones first.

    "The last four quarters" are the four latest quarters among the returns in
    ``submissions`` (the view's period and the three before it).

    Parameters
    ----------
    latest
        Each PSE's latest statement (rows of the view's ``pse_latest``).
    history
        Their statements over time (rows of the view's ``pse_health``), for the year-on-year Z''.
    submissions
        :func:`compute_submission_history` of their returns.
    findings
        Data-quality findings (the view's ``findings``); those whose subject is one of the PSEs
        are kept.

    Returns
    -------
    DataFrame
        ``entity_code, severity, rule, period_code, message`` plus ``severity_label``
        (:data:`ALERT_SEVERITIES`), ordered critical first, then by rule (in the order of
        :data:`PSE_ALERT_RULES`), PSE and period.
    """
    rows = _latest_alerts(latest) + _worsened_alerts(history, latest)
    rows += _return_alerts(submissions)
    codes = set(latest["entity_code"]) | set(submissions["entity_code"])
    subject = findings["subject_code"].astype(str).str.split("/").str[0]
    for r, code in zip(findings.itertuples(index=False), subject, strict=True):
        if code in codes:
            severity = "critical" if r.severity == "error" else "warning"
            rows.append((code, severity, "data_quality", str(r.period_code), str(r.message)))
    alerts = pd.DataFrame(rows, columns=ALERT_COLUMNS)
    rule_order = {rule: i for i, rule in enumerate(PSE_ALERT_RULES)}
    alerts["_s"] = alerts["severity"].map({"critical": 0, "warning": 1})
    alerts["_r"] = alerts["rule"].map(rule_order)
    alerts = alerts.sort_values(["_s", "_r", "entity_code", "period_code"], kind="stable")
    alerts = alerts.drop(columns=["_s", "_r"]).reset_index(drop=True)
    alerts["severity_label"] = alerts["severity"].map(ALERT_SEVERITIES)
    return alerts


def _ratings_of(latest: pd.Series | None) -> pd.DataFrame:
    rows = []
    for dimension in DIMENSIONS:
        score = latest.get(f"{dimension}_score") if latest is not None else None
        rating = latest.get(f"{dimension}_rating") if latest is not None else None
        rows.append(
            {
                "dimension": dimension,
                "label": DIMENSION_LABELS[dimension],
                "score": score,
                "rating": None if rating is None or pd.isna(rating) else str(rating),
            }
        )
    return pd.DataFrame(rows)


def describe_statement(period_code: object, approval: object, current: object = True) -> str | None:
    """A PSE's statement as tables show it: ``2024-25Q4``; ``2024-25Q4, unapproved`` while its
    department has not approved the return that carried it (with ``KPI_COUNT_RETURNS`` at its
    default, ``accepted``, such a statement counts all the same; see the portal); ``from
    2023-24Q4, stale`` when it is older than the view's reference quarter (``current`` false:
    its ratings describe an earlier quarter). None when there is no statement."""
    if period_code is None or (isinstance(period_code, float) and np.isnan(period_code)):
        return None
    label = str(period_code) if current is not False else f"from {period_code}, stale"
    return f"{label}, unapproved" if approval == "unapproved" else label


def statement_labels(frame: pd.DataFrame) -> list[str | None]:
    """:func:`describe_statement` for each row of ``frame`` (``period_code`` and, when the
    frame has them, ``approval`` and ``current``)."""
    approvals = frame["approval"] if "approval" in frame else [None] * len(frame)
    current = frame["current"].astype(bool) if "current" in frame else [True] * len(frame)
    return [
        describe_statement(p, a, c)
        for p, a, c in zip(frame["period_code"], approvals, current, strict=True)
    ]


def select_pse(view: ProvinceView, code: str) -> PseView:
    """The PSE ``code``'s history, ratings, submissions and alerts; a clear error for an
    unknown code."""
    entities = view.entities.set_index("entity_code")
    if code not in entities.index:
        raise UnknownPseError("PSE", code, list(entities.index))
    entity = entities.loc[code]
    history = view.pse_health[view.pse_health["entity_code"] == code]
    history = history.sort_values(["fiscal_year", "quarter"]).reset_index(drop=True)
    latest_rows = view.pse_latest[view.pse_latest["entity_code"] == code]
    latest = latest_rows.iloc[0] if not latest_rows.empty else None
    submissions = compute_submission_history(
        view.return_history[view.return_history["entity_code"] == code]
    )
    return PseView(
        province=view,
        code=code,
        name=str(entity["entity_name"]),
        category=str(entity["category"]),
        department_code=str(entity["department_code"]),
        department_name=str(entity["department_name"]),
        history=history,
        latest=latest,
        ratings=_ratings_of(latest),
        submissions=submissions,
        alerts=list_pse_alerts(latest_rows, history, submissions, view.findings),
    )


def select_category(view: ProvinceView, category: str = ALL_CATEGORIES) -> CategoryView:
    """The PSEs of ``category`` (one of :data:`kpilib.store.models.ENTITY_CATEGORIES`, or
    :data:`ALL_CATEGORIES`) with their latest statements, portfolio over time and alerts."""
    if category != ALL_CATEGORIES and category not in ENTITY_CATEGORIES:
        raise UnknownPseError("PSE category", category, [ALL_CATEGORIES, *ENTITY_CATEGORIES])
    entities = view.entities
    if category != ALL_CATEGORIES:
        entities = entities[entities["category"] == category]
    codes = set(entities["entity_code"])
    latest = view.pse_latest[view.pse_latest["entity_code"].isin(codes)]
    names = entities[["entity_code", "entity_name", "category", "department_code",
                      "department_name"]]  # fmt: skip
    pses = names.merge(
        latest.drop(columns=["entity_name", "category", "department_code"]),
        on="entity_code",
        how="left",
    )
    history = view.pse_health[view.pse_health["entity_code"].isin(codes)]
    by = "category" if category != ALL_CATEGORIES else None
    portfolio = (
        summarise_portfolio(history, view.entities, by=by) if not history.empty else pd.DataFrame()
    )
    if by is not None and not portfolio.empty:
        portfolio = portfolio[portfolio["category"] == category].reset_index(drop=True)
    submissions = compute_submission_history(
        view.return_history[view.return_history["entity_code"].isin(codes)]
    )
    compliance = view.compliance_by_entity[view.compliance_by_entity["entity_code"].isin(codes)]
    return CategoryView(
        province=view,
        category=category,
        label=CATEGORY_LABELS[category],
        pses=pses.sort_values("entity_code").reset_index(drop=True),
        portfolio=portfolio,
        compliance=compliance.reset_index(drop=True),
        alerts=list_pse_alerts(latest, history, submissions, view.findings),
    )
