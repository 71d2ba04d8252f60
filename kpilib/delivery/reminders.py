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

``kpi remind --reviewers`` e-mails instead each department reviewer (the e-mails of the active
reviewer links) whose queue (:func:`kpilib.portal.workbench.review_queue`) holds returns waiting
more than N days: how many, and the age of the oldest. At most one such e-mail per address and
day.

A reminder is written in the language ``mail_languages:`` of ``parameters/defaults.yaml`` gives
its address (English by default): an Urdu reminder has an Urdu subject and body, the PSE's or
department's Urdu name when the reference data has one, and an HTML part right to left.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING, TypeVar, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.delivery.language import language_of, new_message, set_body
from kpilib.delivery.smtp import SmtpSettings, send_mail
from kpilib.i18n import N_, _, isolate, ngettext, use_language
from kpilib.i18n.names import display_name
from kpilib.portal.due import returns_due
from kpilib.portal.review import department_returns
from kpilib.portal.workbench import age_in_days
from kpilib.present.formatting import format_date
from kpilib.store.writes import record_audit, table, utc_now

M = TypeVar("M")

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
    language: str = "en"
    entity_name_ur: str | None = None

    @property
    def subject(self) -> str:
        if self.language != "en":
            with use_language(self.language):
                return _reminder_subject(self)
        what = f"{self.title} {self.period_code} of {self.entity_code}"
        if self.kind == "due":
            return f"Reminder: {what} is due on {format_date(self.due_date)}"
        return f"Overdue: {what} was due on {format_date(self.due_date)}"


#: The returns' titles as e-mails name them (translated where shown).
RETURN_TITLES = {
    "pse_financial": N_("Quarterly financial return"),
    "pse_kpi": N_("Quarterly operational KPI return"),
    "pse_governance": N_("Yearly governance return"),
    "pse_support": N_("Yearly support return"),
}


def _words(mail: ReminderMail) -> dict[str, str]:
    """The parts of a reminder's sentences, in the current language."""
    return {
        "title": _(RETURN_TITLES[mail.return_type]) if mail.return_type in RETURN_TITLES
        else mail.title,
        "period": isolate(mail.period_code), "code": isolate(mail.entity_code),
        "entity": display_name(mail.entity_name, mail.entity_name_ur),
        "date": isolate(format_date(mail.due_date)),
    }  # fmt: skip


def _reminder_subject(mail: ReminderMail) -> str:
    if mail.kind == "due":
        return _("Reminder: {title} {period} of {code} is due on {date}").format(**_words(mail))
    return _("Overdue: {title} {period} of {code} was due on {date}").format(**_words(mail))


def _reminder_paragraphs(mail: ReminderMail) -> list[str]:
    words = _words(mail)
    if mail.comment:
        return [
            _("The department returned {title} {period} of {entity} for correction:")
            .format(**words),
            mail.comment,
            _("Please upload a corrected file through your personal portal link (kpi-suite, "
              "Finance Department)."),
        ]  # fmt: skip
    if mail.kind == "due":
        first = _("{title} {period} of {entity} is due on {date}.").format(**words)
    else:
        first = _("{title} {period} of {entity} was due on {date} and has not been received.")
        first = first.format(**words)
    return [first, _("Please upload it through your personal portal link (kpi-suite, Finance "
                     "Department).")]  # fmt: skip


def _addresses(engine: Engine, as_of: date) -> pd.DataFrame:
    t, e = table("access_tokens"), table("entities")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(e.c.id, e.c.code, e.c.name, t.c.email, e.c.name_ur)
            .join(e, e.c.id == t.c.entity_id)
            .where(
                t.c.kind == "pse", t.c.email.is_not(None), t.c.revoked_at.is_(None),
                sa.or_(t.c.expires_on.is_(None), t.c.expires_on >= as_of),
            )
            .order_by(e.c.code, t.c.email)
        ).fetchall()  # fmt: skip
    return pd.DataFrame(rows, columns=["entity_id", "entity_code", "entity_name", "email",
                                       "entity_name_ur"])  # fmt: skip


def plan_reminders(engine: Engine, as_of: date, days: int = DEFAULT_DAYS,
                   languages: Mapping[str, str] | None = None) -> list[ReminderMail]:  # fmt: skip
    """Every reminder owed on ``as_of`` (see the module's docstring); ``languages``: the
    language of each address that does not read English (``mail_languages:``)."""
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
            urdu = group["entity_name_ur"].iloc[0]
            for email in group["email"]:
                mails.append(
                    ReminderMail(int(entity_id), code, name, str(row.return_type), str(row.title),
                                 str(row.period_code), due_date, kind, email,
                                 cast("str | None", row.comment),
                                 language_of(email, languages or {}),
                                 None if pd.isna(urdu) else str(urdu))
                )  # fmt: skip
    return mails


def build_reminder(mail: ReminderMail, sender: str) -> EmailMessage:
    """The reminder e-mail (in the reader's language)."""
    message = new_message(mail.language)
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.recipient
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    if mail.language != "en":
        with use_language(mail.language):
            set_body(message, _reminder_paragraphs(mail), mail.language)
        return message
    if mail.comment:
        body = (
            f"The department returned {mail.title} {mail.period_code} of {mail.entity_name} for "
            f"correction:\n\n    {mail.comment}\n\nPlease upload a corrected file"
        )
    elif mail.kind == "due":
        body = (
            f"{mail.title} {mail.period_code} of {mail.entity_name} is due on "
            f"{format_date(mail.due_date)}. Please upload it"
        )
    else:
        body = (
            f"{mail.title} {mail.period_code} of {mail.entity_name} was due on "
            f"{format_date(mail.due_date)} and has not been received. Please upload it"
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

    def row(mail: ReminderMail) -> dict[str, str]:
        return {"entity": mail.entity_code, "return": mail.return_type,
                "period": mail.period_code, "kind": mail.kind,
                "recipient": mail.recipient}  # fmt: skip

    return _send_each(
        mails, row, lambda mail: _already_sent(engine, mail), build_reminder,
        lambda mail, outcome, error: _record(engine, mail, as_of, outcome, error),
        settings, dry_run=dry_run, send=send,
    )  # fmt: skip


def _send_each(
    mails: Sequence[M],
    row_of: Callable[[M], dict[str, str]],
    already_sent: Callable[[M], bool],
    build: Callable[[M, str], EmailMessage],
    record: Callable[[M, str, str | None], None],
    settings: SmtpSettings | None,
    *,
    dry_run: bool,
    send: Callable[[SmtpSettings, EmailMessage], None],
) -> list[dict[str, str]]:
    """The one sending loop of both kinds of reminder: skip what was sent, send (unless a dry
    run or no mail server), record every attempt; one row per mail with its result and error."""
    rows = []
    for mail in mails:
        row = {**row_of(mail), "error": ""}
        if already_sent(mail):
            rows.append({**row, "result": "already sent"})
            continue
        if dry_run or settings is None:
            rows.append({**row, "result": "would send"})
            continue
        try:
            send(settings, build(mail, settings.sender))
            outcome, error = "sent", None
        except (OSError, ValueError) as exc:
            outcome, error = "failed", (str(exc).strip() or type(exc).__name__)[:2000]
        record(mail, outcome, error)
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


# --------------------------------------------------------------------------- reviewers


@dataclass(frozen=True)
class ReviewerMail:
    """One reminder to a department's reviewer about its queue."""

    department_id: int
    department_code: str
    department_name: str
    recipient: str
    #: Returns waiting more than the reminder's days, all returns waiting, the oldest's age.
    overdue: int
    waiting: int
    oldest_days: int
    days: int
    language: str = "en"
    department_name_ur: str | None = None

    @property
    def subject(self) -> str:
        if self.language != "en":
            with use_language(self.language):
                return ngettext(
                    "{n} PSE return of {code} has waited more than {days} days for your review",
                    "{n} PSE returns of {code} have waited more than {days} days for your review",
                    self.overdue,
                ).format(n=self.overdue, code=isolate(self.department_code), days=self.days)
        return (
            f"{self.overdue} PSE return(s) of {self.department_code} have waited more than "
            f"{self.days} days for your review"
        )


def _reviewer_addresses(engine: Engine, as_of: date) -> pd.DataFrame:
    t, d = table("access_tokens"), table("departments")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(d.c.id, d.c.code, d.c.name, t.c.email, d.c.name_ur)
            .join(d, d.c.id == t.c.department_id)
            .where(
                t.c.kind == "reviewer", t.c.email.is_not(None), t.c.revoked_at.is_(None),
                sa.or_(t.c.expires_on.is_(None), t.c.expires_on >= as_of),
            )
            .order_by(d.c.code, t.c.email)
        ).fetchall()  # fmt: skip
    columns = ["department_id", "code", "name", "email", "name_ur"]
    return pd.DataFrame(rows, columns=columns).drop_duplicates()


def plan_reviewer_reminders(
    engine: Engine,
    as_of: date,
    days: int = DEFAULT_DAYS,
    languages: Mapping[str, str] | None = None,
) -> list[ReviewerMail]:
    """A reminder to every reviewer address of each department whose queue holds returns
    waiting more than ``days`` days on ``as_of`` (in each address's language)."""
    if days < 0:
        raise ValueError("days must be zero or more")
    mails = []
    addresses = _reviewer_addresses(engine, as_of)
    for keys, group in addresses.groupby(["department_id", "code", "name"]):
        department_id, code, name = cast("tuple[int, str, str]", keys)
        with engine.connect() as connection:
            returns = department_returns(connection, int(department_id))
        waiting = returns[returns["decision"].isna()]
        ages = [age_in_days(v, as_of) for v in waiting["received_at"]]
        overdue = sum(1 for age in ages if age > days)
        if not overdue:
            continue
        urdu = group["name_ur"].iloc[0]
        for email in group["email"]:
            mails.append(ReviewerMail(int(department_id), code, name, str(email), overdue,
                                      len(ages), max(ages), days,
                                      language_of(str(email), languages or {}),
                                      None if pd.isna(urdu) else str(urdu)))  # fmt: skip
    return mails


def build_reviewer_reminder(mail: ReviewerMail, sender: str) -> EmailMessage:
    """The reminder e-mail to a reviewer (in the reader's language)."""
    message = new_message(mail.language)
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = mail.recipient
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    if mail.language != "en":
        with use_language(mail.language):
            set_body(message, _reviewer_paragraphs(mail), mail.language)
        return message
    message.set_content(
        f"{mail.waiting} return(s) of the {mail.department_name} Department's PSEs await your "
        f"review; {mail.overdue} of them have waited more than {mail.days} days, the oldest "
        f"{mail.oldest_days} days.\n\nPlease open your personal portal link: the queue lists "
        "them oldest first (kpi-suite, Finance Department).\n"
    )
    return message


def _reviewer_paragraphs(mail: ReviewerMail) -> list[str]:
    department = display_name(mail.department_name, mail.department_name_ur)
    return [
        ngettext("{n} return of the PSEs of the {department} awaits your review.",
                 "{n} returns of the PSEs of the {department} await your review.", mail.waiting)
        .format(n=mail.waiting, department=department)
        + " "
        + _("{overdue} of them have waited more than {days} days, the oldest {oldest} days.")
        .format(overdue=mail.overdue, days=mail.days, oldest=mail.oldest_days),
        _("Please open your personal portal link: the queue lists them oldest first (kpi-suite, "
          "Finance Department)."),
    ]  # fmt: skip


def _reviewer_already_sent(engine: Engine, mail: ReviewerMail, as_of: date) -> bool:
    r = table("review_reminders")
    with engine.connect() as connection:
        count = connection.execute(
            sa.select(sa.func.count()).where(
                r.c.department_id == mail.department_id, r.c.recipient == mail.recipient,
                r.c.as_of == as_of, r.c.result == "sent",
            )
        ).scalar_one()  # fmt: skip
    return count > 0


def send_reviewer_reminders(
    engine: Engine,
    mails: list[ReviewerMail],
    settings: SmtpSettings | None,
    as_of: date,
    *,
    dry_run: bool = False,
    send: Callable[[SmtpSettings, EmailMessage], None] = send_mail,
) -> list[dict[str, str]]:
    """Send each reviewer reminder not sent on ``as_of`` yet; record every attempt. One row per
    reminder (``department, waiting, overdue, oldest, recipient, result, error``)."""

    def row(mail: ReviewerMail) -> dict[str, str]:
        return {"department": mail.department_code, "waiting": str(mail.waiting),
                "overdue": str(mail.overdue), "oldest": f"{mail.oldest_days} days",
                "recipient": mail.recipient}  # fmt: skip

    return _send_each(
        mails, row, lambda mail: _reviewer_already_sent(engine, mail, as_of),
        build_reviewer_reminder,
        lambda mail, outcome, error: _record_reviewer(engine, mail, as_of, outcome, error),
        settings, dry_run=dry_run, send=send,
    )  # fmt: skip


def _record_reviewer(engine: Engine, mail: ReviewerMail, as_of: date, outcome: str,
                     error: str | None) -> None:  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            table("review_reminders").insert(),
            {
                "department_id": mail.department_id, "recipient": mail.recipient,
                "as_of": as_of, "waiting": mail.overdue, "oldest_days": mail.oldest_days,
                "attempted_at": utc_now(), "result": outcome, "error": error,
            },
        )  # fmt: skip
        record_audit(
            connection, f"remind_reviewer_{outcome}", table_name="review_reminders",
            row_count=1,
            details={"department": mail.department_code, "recipient": mail.recipient,
                     "overdue": mail.overdue, "oldest_days": mail.oldest_days},
        )  # fmt: skip
