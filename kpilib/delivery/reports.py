"""``kpi deliver``: e-mail each report of a batch folder to the people who must read it.

The batch folder ``outputs/<fiscal year>/<period>/`` and its ``manifest.json`` say which
reports exist; a department's report goes to the ``recipients:`` of
``parameters/departments/<CODE>.yaml``, the provincial summary to the ``recipients:`` of
``parameters/defaults.yaml`` (the province's list), the PSE Portfolio Report to the
``portfolio: recipients:`` of ``defaults.yaml`` (e.g. the Corporate Governance Unit). Each
message carries the PDF (when built) and the self-contained HTML as attachments.

Each attempt is a row of ``deliveries`` (recipient, report, SHA-256 of the attached files,
time, result, error). A report whose files have the same hash and were already *sent* to a
recipient is not sent to them again unless ``force``; a recipient the server refuses is
recorded as failed and the others still get theirs.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.delivery.smtp import SmtpSettings, send_mail
from kpilib.errors import KpiError
from kpilib.fiscal import resolve_report_period
from kpilib.present.headline import describe_headline
from kpilib.report.manifest import read_manifest
from kpilib.report.naming import batch_folder
from kpilib.report.params import ParameterSet
from kpilib.store.writes import current_actor, record_audit, table, utc_now

#: Attached formats, in order (the PDF first: what most readers open; the tables in Excel last).
ATTACHED_FORMATS = ("pdf", "html", "xlsx")
MEDIA_TYPES = {
    "pdf": ("application", "pdf"),
    "html": ("text", "html"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


class DeliveryError(KpiError):
    """Nothing can be delivered (no batch folder, no manifest, ...)."""


@dataclass(frozen=True)
class ReportMail:
    """One report to send: its files, their hash and who gets it."""

    report_id: str
    title: str
    subject: str
    department: str | None
    files: tuple[Path, ...]
    sha256: str
    recipients: tuple[str, ...]
    #: The report's headline figures, as it published them (the manifest's record).
    headline: tuple[str, ...] = ()


@dataclass
class DeliveryResult:
    """What ``kpi deliver`` did: one line per report × recipient."""

    rows: list[dict[str, str]] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(r["result"] == result for r in self.rows)


def files_sha256(files: tuple[Path, ...]) -> str:
    """SHA-256 over the attached files (name and bytes of each, in order)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\x00")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def plan_mails(
    output_dir: Path, parameters: ParameterSet, fiscal_year: str, period: str
) -> list[ReportMail]:
    """The reports of the batch folder that were built and have recipients."""
    resolve_report_period(fiscal_year, period)  # a bad year or period is refused here
    folder = batch_folder(output_dir, fiscal_year, period)
    manifest = read_manifest(folder)
    if manifest is None:
        raise DeliveryError(
            f"no readable manifest.json in {folder}: run `kpi report` for {fiscal_year} "
            f"{period} first"
        )
    mails = []
    for record in sorted(manifest.reports, key=lambda r: (r.kind != "summary", r.report_id)):
        if not record.ok:
            continue
        files = tuple(
            folder / record.outputs[fmt]
            for fmt in ATTACHED_FORMATS
            if fmt in record.outputs and (folder / record.outputs[fmt]).is_file()
        )
        if not files:
            continue
        if record.kind == "summary":
            recipients = parameters.defaults.recipients
        elif record.kind == "portfolio":
            recipients = parameters.defaults.portfolio.recipients
        else:
            options = parameters.departments.get(record.department or "")
            recipients = options.recipients if options is not None else []
        if recipients:
            subject = f"{'[DEMO DATA] ' if manifest.batch.is_demo else ''}{record.title}"
            mails.append(
                ReportMail(record.report_id, record.title, subject, record.department, files,
                           files_sha256(files), tuple(recipients),
                           tuple(describe_headline(record.headline)))
            )  # fmt: skip
    return mails


def build_message(mail: ReportMail, sender: str, recipient: str) -> EmailMessage:
    """The e-mail of one report to one recipient, the report's files attached."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    message["From"] = sender
    message["To"] = recipient
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    names = ", ".join(p.name for p in mail.files)
    excel = any(p.suffix == ".xlsx" for p in mail.files)
    figures = "".join(f"  - {line}\n" for line in mail.headline)
    headline = f"At a glance (as in the report):\n{figures}\n" if figures else ""
    message.set_content(
        f"Please find attached: {mail.title}.\n\n{headline}"
        f"Files: {names}. The HTML file opens in any browser, without a network connection"
        f"{'; the Excel file holds every table of the report' if excel else ''}.\n\n"
        "Sent by kpi-suite for the Finance Department. Report fingerprint (SHA-256): "
        f"{mail.sha256}\n"
    )
    for path in mail.files:
        maintype, subtype = MEDIA_TYPES.get(
            path.suffix.lstrip("."), ("application", "octet-stream")
        )
        if maintype == "application" and subtype == "octet-stream":
            guessed = mimetypes.guess_type(path.name)[0]
            if guessed:
                maintype, subtype = guessed.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=path.name)  # fmt: skip
    return message


def _already_sent(engine: Engine, mail: ReportMail, recipient: str) -> bool:
    d = table("deliveries")
    with engine.connect() as connection:
        return (
            connection.execute(
                sa.select(sa.func.count()).where(
                    d.c.report_sha256 == mail.sha256, d.c.recipient == recipient,
                    d.c.result == "sent",
                )
            ).scalar_one() > 0
        )  # fmt: skip


def deliver(
    engine: Engine,
    mails: list[ReportMail],
    settings: SmtpSettings | None,
    fiscal_year: str,
    period: str,
    *,
    dry_run: bool = False,
    force: bool = False,
    send: Callable[[SmtpSettings, EmailMessage], None] = send_mail,
) -> DeliveryResult:
    """Send every mail to every recipient, recording each attempt (a dry run sends and
    records nothing, and needs no SMTP settings)."""
    result = DeliveryResult()
    actor = current_actor()
    for mail in mails:
        for recipient in mail.recipients:
            row = {"report": mail.report_id, "recipient": recipient, "error": ""}
            if not force and _already_sent(engine, mail, recipient):
                result.rows.append({**row, "result": "already sent"})
                continue
            if dry_run or settings is None:
                result.rows.append({**row, "result": "would send"})
                continue
            try:
                send(settings, build_message(mail, settings.sender, recipient))
                outcome, error = "sent", None
            except (OSError, ValueError) as exc:  # smtplib.SMTPException is an OSError
                outcome, error = "failed", (str(exc).strip() or type(exc).__name__)[:2000]
            _record(engine, mail, recipient, fiscal_year, period, outcome, error, actor)
            result.rows.append({**row, "result": outcome, "error": error or ""})
    return result


def _record(engine: Engine, mail: ReportMail, recipient: str, fiscal_year: str, period: str,
            outcome: str, error: str | None, actor: str) -> None:  # fmt: skip
    deliveries = table("deliveries")
    with engine.begin() as connection:
        delivery_id = connection.execute(
            deliveries.insert().returning(deliveries.c.id),
            {
                "fiscal_year": fiscal_year, "period": period, "report": mail.report_id,
                "report_sha256": mail.sha256, "recipient": recipient, "subject": mail.subject,
                "attempted_at": utc_now(), "result": outcome, "error": error, "sent_by": actor,
            },
        ).scalar_one()  # fmt: skip
        record_audit(
            connection, f"deliver_{outcome}", table_name="deliveries", row_count=1, actor=actor,
            details={"delivery_id": delivery_id, "report": mail.report_id,
                     "recipient": recipient, "sha256": mail.sha256},
        )  # fmt: skip
