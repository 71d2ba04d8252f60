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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpilib.delivery.language import edition_files, language_of, new_message, set_body
from kpilib.delivery.smtp import SmtpSettings, send_mail
from kpilib.errors import KpiError
from kpilib.fiscal import resolve_report_period
from kpilib.i18n import N_, _, isolate, use_language
from kpilib.i18n.names import display_name
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
    kind: str = "department"
    fiscal_year: str = ""
    period: str = ""
    is_demo: bool = False
    #: The department's names, English and Urdu (for the subject of an Urdu e-mail).
    department_name: str | None = None
    department_name_ur: str | None = None
    #: ``(address, language)`` of the recipients who do not read English.
    languages: tuple[tuple[str, str], ...] = ()
    #: The Urdu edition's files (the English ones when it was not built) and their hash.
    urdu_files: tuple[Path, ...] = ()
    urdu_sha256: str = ""

    def language(self, recipient: str) -> str:
        """The language ``recipient`` gets this report's e-mail in."""
        return dict(self.languages).get(recipient, "en")

    def files_for(self, language: str) -> tuple[Path, ...]:
        return self.urdu_files if language == "ur" and self.urdu_files else self.files

    def sha256_for(self, language: str) -> str:
        return self.urdu_sha256 if language == "ur" and self.urdu_files else self.sha256

    def subject_for(self, language: str) -> str:
        """The subject in ``language`` (English: the report's title, as before)."""
        if language == "en":
            return self.subject
        with use_language(language):
            return _urdu_subject(self)


#: The e-mail's title of each kind of report (the Urdu subject; the English one is the
#: report's own title).
_TITLES = {
    "department": N_("{department}: Service Delivery Performance Monitoring Report, {period}"),
    "summary": N_("Provincial summary: Service Delivery Performance Monitoring Report, {period}"),
    "portfolio": N_("PSE Portfolio Report, {period}"),
}


def _period_words(fiscal_year: str, period: str) -> str:
    if period == "FY":
        return _("fiscal year {fiscal_year}").format(fiscal_year=isolate(fiscal_year))
    return _("{fiscal_year}, year to date through quarter {quarter}").format(
        fiscal_year=isolate(fiscal_year), quarter=isolate(period.removeprefix("Q"))
    )


def _mail_title(mail: ReportMail) -> str:
    department = display_name(mail.department_name or mail.department or "",
                              mail.department_name_ur)  # fmt: skip
    return _(_TITLES.get(mail.kind, _TITLES["department"])).format(
        department=department, period=_period_words(mail.fiscal_year, mail.period)
    )


def _urdu_subject(mail: ReportMail) -> str:
    demo = f"[{_('DEMO DATA')}] " if mail.is_demo else ""
    return demo + _mail_title(mail)


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
    output_dir: Path,
    parameters: ParameterSet,
    fiscal_year: str,
    period: str,
    department_names: Mapping[str, tuple[str, str | None]] | None = None,
) -> list[ReportMail]:
    """The reports of the batch folder that were built and have recipients;
    ``department_names`` (code → English and Urdu name) words the subject of Urdu e-mails."""
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
            mail = ReportMail(record.report_id, record.title, subject, record.department, files,
                              files_sha256(files), tuple(recipients),
                              tuple(describe_headline(record.headline)))  # fmt: skip
            mails.append(_with_languages(mail, record.kind, fiscal_year, period,
                                         manifest.batch.is_demo, parameters,
                                         department_names or {}))  # fmt: skip
    return mails


def _with_languages(mail: ReportMail, kind: str, fiscal_year: str, period: str, is_demo: bool,
                    parameters: ParameterSet,
                    names: Mapping[str, tuple[str, str | None]]) -> ReportMail:  # fmt: skip
    """``mail`` with what its Urdu readers need: their languages, the Urdu files, the names."""
    languages = tuple(
        (r, language)
        for r in mail.recipients
        if (language := language_of(r, parameters.defaults.mail_languages)) != "en"
    )
    english, urdu = names.get(mail.department or "", (None, None))
    urdu_files = edition_files(mail.files, "ur") if languages else ()
    return replace(
        mail, kind=kind, fiscal_year=fiscal_year, period=period, is_demo=is_demo,
        department_name=english, department_name_ur=urdu, languages=languages,
        urdu_files=urdu_files, urdu_sha256=files_sha256(urdu_files) if urdu_files else "",
    )  # fmt: skip


def build_message(mail: ReportMail, sender: str, recipient: str) -> EmailMessage:
    """The e-mail of one report to one recipient, in the recipient's language, the report's
    files (of that language's edition, when built) attached."""
    language = mail.language(recipient)
    message = new_message(language)
    message["Subject"] = mail.subject_for(language)
    message["From"] = sender
    message["To"] = recipient
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    files = mail.files_for(language)
    if language == "en":
        _english_body(message, mail)
    else:
        with use_language(language):
            _translated_body(message, mail, files, language)
    _attach(message, files)
    return message


def _english_body(message: EmailMessage, mail: ReportMail) -> None:
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


def _translated_body(message: EmailMessage, mail: ReportMail, files: tuple[Path, ...],
                     language: str) -> None:  # fmt: skip
    """The body in the current language (the headline figures are on the report's first page;
    the manifest keeps them in English only)."""
    names = ", ".join(isolate(p.name) for p in files)
    paragraphs = [
        _("Please find attached: {title}.").format(title=_mail_title(mail)),
        _("The report's headline figures are on its first page."),
        _("Files: {names}. The HTML file opens in any browser, without a network connection.")
        .format(names=names),
    ]  # fmt: skip
    if any(p.suffix == ".xlsx" for p in files):
        paragraphs.append(_("The Excel file holds every table of the report."))
    if files == mail.files and mail.urdu_files == mail.files:
        paragraphs.append(_("The Urdu edition of this report is not ready yet: the English "
                            "edition is attached."))  # fmt: skip
    paragraphs.append(
        _("Sent by kpi-suite for the Finance Department. Report fingerprint (SHA-256): "
          "{fingerprint}").format(fingerprint=isolate(mail.sha256_for(language)))
    )  # fmt: skip
    set_body(message, paragraphs, language)


def _attach(message: EmailMessage, files: tuple[Path, ...]) -> None:
    for path in files:
        maintype, subtype = MEDIA_TYPES.get(
            path.suffix.lstrip("."), ("application", "octet-stream")
        )
        if maintype == "application" and subtype == "octet-stream":
            guessed = mimetypes.guess_type(path.name)[0]
            if guessed:
                maintype, subtype = guessed.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=path.name)  # fmt: skip


def _already_sent(engine: Engine, mail: ReportMail, recipient: str, language: str) -> bool:
    d = table("deliveries")
    with engine.connect() as connection:
        return (
            connection.execute(
                sa.select(sa.func.count()).where(
                    d.c.report_sha256 == mail.sha256_for(language), d.c.recipient == recipient,
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
            if not force and _already_sent(engine, mail, recipient, mail.language(recipient)):
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
    language = mail.language(recipient)
    sha256, subject = mail.sha256_for(language), mail.subject_for(language)
    with engine.begin() as connection:
        delivery_id = connection.execute(
            deliveries.insert().returning(deliveries.c.id),
            {
                "fiscal_year": fiscal_year, "period": period, "report": mail.report_id,
                "report_sha256": sha256, "recipient": recipient, "subject": subject,
                "attempted_at": utc_now(), "result": outcome, "error": error, "sent_by": actor,
            },
        ).scalar_one()  # fmt: skip
        record_audit(
            connection, f"deliver_{outcome}", table_name="deliveries", row_count=1, actor=actor,
            details={"delivery_id": delivery_id, "report": mail.report_id,
                     "recipient": recipient, "sha256": sha256,
                     **({"language": language} if language != "en" else {})},
        )  # fmt: skip
