"""What a PSE officer's page holds: the returns due, the returns and periods they may send, the
template of each (pre-filled with their PSE and the period), and their latest uploads.

A quarterly return is sent for one of the last quarters ended; a yearly return (governance, its
notes, support) for one of the last fiscal years ended or for the year under way (a governance
return sent again when the board changes: a new version of that year's return).

Every choice offered here is also the rule an upload is checked against
(:func:`check_upload`): a return the PSE does not send, a period not offered or of the wrong kind
(a quarter for a yearly return, a year for a quarterly one), a file that is not CSV or XLSX is
refused with a sentence in the officer's words, before anything is stored.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.fiscal import FiscalYear, Period, pakistan_today
from kpilib.i18n import _, isolate
from kpilib.ingest.templates import TemplateFor, write_template
from kpilib.kpis.returns import (
    COMPANION_RETURNS,
    RETURN_SCHEDULES,
    YEARLY_RETURN_SCHEDULES,
    ReturnSchedule,
    companion_schedule,
)
from kpilib.portal.access import Access
from kpilib.portal.due import ended_quarters, ended_years, returns_due
from kpilib.portal.inbox import Receipt, list_receipts
from kpilib.store.writes import table

ALLOWED_SUFFIXES = (".csv", ".xlsx")
TEMPLATE_FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
#: Quarters an officer may send a return for: the newest ones ended by the as-of date.
QUARTERS_OFFERED = 4
#: Fiscal years ended that an officer may send a yearly return for (the year under way too).
YEARS_OFFERED = 2
#: Every yearly return the portal takes, in the order offered (companions after their return).
YEARLY_RETURNS: tuple[ReturnSchedule, ...] = (
    YEARLY_RETURN_SCHEDULES[0],
    *(companion_schedule(kind) for kind in COMPANION_RETURNS),
    *YEARLY_RETURN_SCHEDULES[1:],
)
#: The titles of every return the portal takes.
RETURN_TITLES = {s.return_type: s.title for s in (*RETURN_SCHEDULES, *YEARLY_RETURNS)}


def is_yearly(return_type: str) -> bool:
    """Whether ``return_type`` is one of the yearly returns (:data:`YEARLY_RETURNS`)."""
    return return_type in {s.return_type for s in YEARLY_RETURNS}


@dataclass(frozen=True)
class TemplateLink:
    """A pre-filled template offered on the page: a return for one period."""

    return_type: str
    title: str
    period: str
    #: Why this period: "owed" (the oldest one owed), "latest" or "on change" (the year under way).
    note: str


@dataclass(frozen=True)
class OfficerHome:
    """The officer's page."""

    due: pd.DataFrame
    #: The returns the PSE sends: quarterly, then yearly.
    schedules: list[ReturnSchedule]
    quarters: list[str]
    #: The fiscal years a yearly return may be sent for: the year under way, then those ended.
    years: list[str]
    #: The fiscal year under way, if it is offered (a governance return sent on a change).
    year_under_way: str | None
    #: For each return, the period its template is filled in for: the oldest one still owed
    #: (missing, due, or sent back for correction), else the newest ended; and the governance
    #: return for the year under way (sent again when the board changes).
    templates: list[TemplateLink]
    #: The quarter chosen at first on the form: the oldest one owed of any return.
    default_quarter: str | None
    receipts: list[Receipt]


OWED = ("missing", "due", "returned for correction", "reopened for correction")


def schedules_for(connection: Connection, access: Access) -> list[ReturnSchedule]:
    """The returns this PSE sends (by its category): quarterly, then yearly."""
    entities = table("entities")
    category = connection.execute(
        sa.select(entities.c.category).where(entities.c.id == access.entity_id)
    ).scalar_one()
    return [s for s in (*RETURN_SCHEDULES, *YEARLY_RETURNS) if s.applies_to(category)]


def offered_years(connection: Connection, as_of: date) -> list[str]:
    """The fiscal years a yearly return may be sent for on ``as_of``: the year under way (when
    it has started, Pakistan time), then the :data:`YEARS_OFFERED` newest ended."""
    current = FiscalYear.containing(as_of)
    ended = ended_years(connection, as_of, YEARS_OFFERED)
    started = [current] if current.start_date <= pakistan_today() else []
    return [Period(y).code for y in dict.fromkeys([*started, *ended])]


def officer_home(connection: Connection, access: Access, as_of: date) -> OfficerHome:
    """The officer's page on ``as_of`` (the one as-of date)."""
    due = returns_due(connection, access.entity_code or "", as_of,
                      received_by=max(as_of, pakistan_today()))  # fmt: skip
    quarters = [q.code for q in ended_quarters(connection, as_of, QUARTERS_OFFERED)]
    years = offered_years(connection, as_of)
    ended = [y for y in years if Period.parse(y).end_date <= as_of]
    owed = due[due["status"].isin(OWED) & due["period_code"].isin(quarters + ended)]
    schedules = schedules_for(connection, access)
    templates = []
    for schedule in schedules:
        kind = schedule.return_type
        periods = ended if is_yearly(kind) else quarters
        owed_by = COMPANION_RETURNS.get(kind, (kind,))[0]  # notes: owed with governance
        mine = owed.loc[owed["return_type"] == owed_by, "period_code"]
        if len(mine):
            oldest = max(mine, key=periods.index)  # newest first
            templates.append(TemplateLink(kind, schedule.title, oldest, "owed"))
        elif periods:
            templates.append(TemplateLink(kind, schedule.title, periods[0], "latest"))
        if kind == "pse_governance" and years and years[0] not in ended:
            templates.append(TemplateLink(kind, schedule.title, years[0], "on change"))
    owed_quarters = owed[owed["period_code"].isin(quarters)]
    owed_any = sorted(set(owed_quarters["period_code"]), key=quarters.index)
    return OfficerHome(
        due=due, schedules=schedules, quarters=quarters, years=years, templates=templates,
        year_under_way=next((y for y in years if y not in ended), None),
        default_quarter=owed_any[-1] if owed_any else (quarters[0] if quarters else None),
        receipts=list_receipts(connection, access.entity_id or 0),
    )  # fmt: skip


def check_upload(
    connection: Connection,
    access: Access,
    as_of: date,
    return_type: str | None,
    period: str | None,
    file_name: str | None,
    size: int,
) -> list[str]:
    """Why an upload cannot be taken, in the officer's words and language (empty: it can)."""
    problems = []
    if not file_name or size == 0:
        problems.append(_("Choose the filled file first: no file was sent."))
    elif Path(file_name).suffix.lower() not in ALLOWED_SUFFIXES:
        problems.append(
            _("“{name}” is not a CSV or Excel (.xlsx) file: fill in the template and send "
              "it.").format(name=isolate(file_name))
        )  # fmt: skip
    schedules = {s.return_type: s for s in schedules_for(connection, access)}
    if return_type not in schedules:
        problems.append(_("Choose one of the returns listed: this one is not sent by your PSE."))
    quarters = [q.code for q in ended_quarters(connection, as_of, QUARTERS_OFFERED)]
    years = offered_years(connection, as_of)
    yearly = is_yearly(return_type or "")
    title = _(schedules[return_type].title) if return_type in schedules else ""
    example_year = isolate(years[0] if years else "2024-25")
    example_quarter = isolate(quarters[0] if quarters else "2024-25Q1")
    if return_type in schedules and yearly and period in quarters:
        text = _("The {title} covers a whole fiscal year, not a quarter: choose a fiscal year "
                 "(e.g. {example}).")  # fmt: skip
        problems.append(text.format(title=title.lower(), example=example_year))
    elif return_type in schedules and not yearly and period in years:
        text = _("The {title} covers a quarter, not a fiscal year: choose a quarter "
                 "(e.g. {example}).")  # fmt: skip
        problems.append(text.format(title=title.lower(), example=example_quarter))
    elif period not in (years if yearly else quarters):
        problems.append(_("Choose one of the fiscal years listed.") if yearly
                        else _("Choose one of the quarters listed."))  # fmt: skip
    return problems


def template_file(access: Access, return_type: str, period: str, file_format: str) -> bytes:
    """The template of ``return_type`` pre-filled with the officer's PSE and ``period`` (amounts
    left empty), as bytes."""
    if return_type not in RETURN_TITLES:
        raise KeyError(return_type)  # not a return the portal takes
    if file_format not in TEMPLATE_FORMATS:
        raise ValueError(f"format {file_format!r}")
    with tempfile.TemporaryDirectory(prefix="kpi-template-") as folder:
        path = Path(folder) / f"{return_type}.{file_format}"
        write_template(return_type, file_format, path, TemplateFor(access.entity_code, period))
        return path.read_bytes()


def template_name(access: Access, return_type: str, period: str, file_format: str) -> str:
    """``UNI-004_pse_financial_2025-26Q2.xlsx``."""
    return f"{access.entity_code}_{return_type}_{period}.{file_format}"
