"""``kpi remind``: e-mail each PSE whose return falls due within N days or is late.

The returns and their due dates are :func:`kpilib.portal.due.returns_due`'s — the same schedule
(:mod:`kpilib.kpis.returns`) and received list (:func:`kpilib.ingest.status.load_received`) as the
PSE's page, ``kpi submissions --outstanding`` and the compliance KPIs. A return is reminded
*due* when it has not arrived and its due date is between the as-of date and N days later, and
*late* when its due date has passed and nothing arrived (within the quarters the PSE's page
shows), or when the department returned it for correction. The addresses are the e-mails of the
PSE's active access links (``kpi access grant --email``).

Each reminder (return × kind × address) is sent once: a rerun sends nothing new; a failed one is
tried again on the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.delivery.smtp import SmtpSettings, send_mail
from kpilib.portal.due import returns_due
from kpilib.store.writes import record_audit, table, utc_now

if TYPE_CHECKING:
    from pandas.api.typing import NAType

DEFAULT_DAYS = 7


@dataclass(frozen=True)
class ReminderMail:
    """One reminder to send."""

    entity_id: int
    entity_code: str
    entity_name: str
    return_type: str
    title: str
    period_code: str
    due_date: date
    kind: str  # due | late
    recipient: str
    comment: str | None = None

    @property
    def subject(self) -> str:
        what = f"{self.title} {self.period_code} of {self.entity_code}"
        if self.kind == "due":
            return f"Reminder: {what} is due on {self.due_date:%d %B %Y}"
        return f"Overdue: {what} was due on {self.due_date:%d %B %Y}"


def _addresses(engine: Engine, as_of: date) -> pd.DataFrame:
    t, e = table("access_tokens"), table("entities")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(e.c.id, e.c.code, e.c.name, t.c.email)
            .join(e, e.c.id == t.c.entity_id)
            .where(
                t.c.kind == "pse", t.c.email.is_not(None), t.c.revoked_at.is_(None),
                sa.or_(t.c.expires_on.is_(None), t.c.expires_on >= as_of),
            )
            .order_by(e.c.code, t.c.email)
        ).fetchall()  # fmt: skip
    return pd.DataFrame(rows, columns=["entity_id", "entity_code", "entity_name", "email"])


def plan_reminders(engine: Engine, as_of: date, days: int = DEFAULT_DAYS) -> list[ReminderMail]:
    """Every reminder owed on ``as_of`` (see the module's docstring)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    addresses = _addresses(engine, as_of)
    horizon = as_of + timedelta(days=days)
    mails = []
    for keys, group in addresses.groupby(["entity_id", "entity_code", "entity_name"]):
        entity_id, code, name = cast("tuple[int, str, str]", keys)
        # Quarters that end before the horizon can fall due within it.
        with engine.connect() as connection:
            due = returns_due(connection, code, horizon)
        for row in due.itertuples(index=False):
            # The types of returns_due's columns (submission_id is Int64: NA when none arrived).
            submission_id = cast("int | NAType", row.submission_id)
            due_date = cast(date, row.due_date)
            if row.status == "returned for correction":
                kind = "late"
            elif pd.isna(submission_id) and as_of <= due_date <= horizon:
                kind = "due"
            elif pd.isna(submission_id) and due_date < as_of:
                kind = "late"
            else:
                continue
            for email in group["email"]:
                mails.append(
                    ReminderMail(int(entity_id), code, name, str(row.return_type), str(row.title),
                                 str(row.period_code), due_date, kind, email,
                                 cast("str | None", row.comment))
                )  # fmt: skip
    return mails


def build_reminder(mail: ReminderMail, sender: str) -> EmailMessage:
    """The reminder e-mail."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.recipient
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    if mail.comment:
        body = (
            f"The department returned {mail.title} {mail.period_code} of {mail.entity_name} for "
            f"correction:\n\n    {mail.comment}\n\nPlease upload a corrected file"
        )
    elif mail.kind == "due":
        body = (
            f"{mail.title} {mail.period_code} of {mail.entity_name} is due on "
            f"{mail.due_date:%d %B %Y}. Please upload it"
        )
    else:
        body = (
            f"{mail.title} {mail.period_code} of {mail.entity_name} was due on "
            f"{mail.due_date:%d %B %Y} and has not been received. Please upload it"
        )
    message.set_content(
        body + " through your personal portal link (kpi-suite, Finance Department).\n"
    )
    return message


def _already_sent(engine: Engine, mail: ReminderMail) -> bool:
    r, p = table("reminders"), table("periods")
    with engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count())
            .select_from(r.join(p, p.c.id == r.c.period_id))
            .where(
                r.c.entity_id == mail.entity_id, r.c.return_type == mail.return_type,
                p.c.code == mail.period_code, r.c.kind == mail.kind,
                r.c.recipient == mail.recipient, r.c.result == "sent",
            )
        ).scalar_one()  # fmt: skip
    return count > 0


def send_reminders(
    engine: Engine,
    mails: list[ReminderMail],
    settings: SmtpSettings | None,
    as_of: date,
    *,
    dry_run: bool = False,
    send: Callable[[SmtpSettings, EmailMessage], None] = send_mail,
) -> list[dict[str, str]]:
    """Send each reminder not sent before; record every attempt. Returns one row per reminder
    (``entity, return, period, kind, recipient, result, error``)."""
    rows = []
    for mail in mails:
        row = {"entity": mail.entity_code, "return": mail.return_type,
               "period": mail.period_code, "kind": mail.kind, "recipient": mail.recipient,
               "error": ""}  # fmt: skip
        if _already_sent(engine, mail):
            rows.append({**row, "result": "already sent"})
            continue
        if dry_run or settings is None:
            rows.append({**row, "result": "would send"})
            continue
        try:
            send(settings, build_reminder(mail, settings.sender))
            outcome, error = "sent", None
        except (OSError, ValueError) as exc:
            outcome, error = "failed", (str(exc).strip() or type(exc).__name__)[:2000]
        _record(engine, mail, as_of, outcome, error)
        rows.append({**row, "result": outcome, "error": error or ""})
    return rows


def _record(engine: Engine, mail: ReminderMail, as_of: date, outcome: str,
            error: str | None) -> None:  # fmt: skip
    reminders, periods = table("reminders"), table("periods")
    with engine.begin() as connection:
        period_id = connection.execute(
            sa.select(periods.c.id).where(periods.c.code == mail.period_code)
        ).scalar_one()
        connection.execute(
            reminders.insert(),
            {
                "entity_id": mail.entity_id, "return_type": mail.return_type,
                "period_id": period_id, "due_date": mail.due_date, "kind": mail.kind,
                "as_of": as_of, "recipient": mail.recipient, "attempted_at": utc_now(),
                "result": outcome, "error": error,
            },
        )  # fmt: skip
        record_audit(
            connection, f"remind_{outcome}", table_name="reminders", row_count=1,
            details={"entity": mail.entity_code, "return_type": mail.return_type,
                     "period": mail.period_code, "kind": mail.kind,
                     "recipient": mail.recipient},
        )  # fmt: skip
