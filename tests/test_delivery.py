"""``kpi deliver`` and ``kpi remind`` against a real SMTP server (aiosmtpd) started on localhost
by the test: recipients, subjects and attachments of the messages received; a rerun sends
nothing new; a refused recipient is recorded as failed and does not stop the others."""

from __future__ import annotations

import shutil
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
import yaml
from conftest import REPO, free_port
from typer.testing import CliRunner

from kpilib.cli import app
from kpilib.delivery.smtp import SmtpConfigError, SmtpSettings
from kpilib.demo import build_demo
from kpilib.portal.access import grant
from kpilib.store.database import connect

runner = CliRunner()
REFUSED = "nobody@refused.example.org"


class Mailbox:
    """An aiosmtpd handler that keeps every message and refuses one address."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1 and the KPI_SMTP_* variables pointing at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    for name in ("KPI_SMTP_USER", "KPI_SMTP_PASSWORD", "KPI_SMTP_STARTTLS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KPI_SMTP_PORT", str(port))
    monkeypatch.setenv("KPI_SMTP_FROM", "kpi-suite@finance.example.org")
    monkeypatch.setenv("KPI_USER", "cgu-batch")
    yield mailbox
    controller.stop()


@pytest.fixture
def parameters(tmp_path):
    """The repository's parameter files with recipients: Health two, Finance one good and one
    refused, the province one, the PSE Portfolio Report one (the CGU)."""
    folder = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", folder)
    defaults = yaml.safe_load((folder / "defaults.yaml").read_text())
    defaults["recipients"] = ["chief.secretary@example.org"]
    defaults["portfolio"]["recipients"] = ["cgu@finance.example.org"]
    (folder / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    for code, recipients in {
        "HLT": ["secretary.health@example.org", "cfo.health@example.org"],
        "FIN": [REFUSED, "secretary.finance@example.org"],
    }.items():
        path = folder / "departments" / f"{code}.yaml"
        options = yaml.safe_load(path.read_text()) if path.exists() else {}
        options["recipients"] = recipients
        path.write_text(yaml.safe_dump(options))
    return folder


def _deliver(url, plan, parameters, *extra):
    return runner.invoke(
        app,
        ["--database-url", url, "deliver", "--fiscal-year", plan.fiscal_year, "--period",
         plan.period, "--output-dir", str(plan.output_dir), "--parameters-dir", str(parameters),
         *extra],
    )  # fmt: skip


@pytest.mark.slow
def test_deliver_sends_each_report_once_to_its_recipients(
    demo_report_batch, smtp, parameters, tmp_path
):
    plan, _ = demo_report_batch
    url = f"sqlite:///{tmp_path / 'kpi.sqlite'}"
    connect(url).dispose()

    dry = _deliver(url, plan, parameters, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would be sent" in dry.output and smtp.messages == []

    first = _deliver(url, plan, parameters)
    assert first.exit_code == 1, first.output  # the refused recipient
    assert first.exception is None or isinstance(first.exception, SystemExit), repr(first.exception)
    received = {rcpt[0]: message for rcpt, message in smtp.messages}
    assert set(received) == {
        "chief.secretary@example.org", "secretary.health@example.org",
        "cfo.health@example.org", "secretary.finance@example.org", "cgu@finance.example.org",
    }  # fmt: skip
    health = received["secretary.health@example.org"]
    assert health["To"] == "secretary.health@example.org"
    assert health["From"] == "kpi-suite@finance.example.org"
    assert health["Subject"].startswith("[DEMO DATA] ")
    assert "Health" in health["Subject"]
    attachments = {part.get_filename(): part for part in health.iter_attachments()}
    assert set(attachments) >= {"HLT.html"}
    assert attachments["HLT.html"].get_content_type() == "text/html"
    assert attachments["HLT.xlsx"].get_content_type() == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    if "pdf" in plan.formats:
        assert attachments["HLT.pdf"].get_content_type() == "application/pdf"
        assert attachments["HLT.pdf"].get_content().startswith(b"%PDF")
    summary = received["chief.secretary@example.org"]
    assert "provincial_summary.html" in {p.get_filename() for p in summary.iter_attachments()}
    portfolio = received["cgu@finance.example.org"]
    assert "PSE Portfolio Report" in portfolio["Subject"]
    assert {"pse_portfolio_report.html", "pse_portfolio_report.xlsx"} <= {
        p.get_filename() for p in portfolio.iter_attachments()
    }
    engine = connect(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT report, recipient, result, error, sent_by, report_sha256 "
                    "FROM deliveries ORDER BY id")
        ).fetchall()  # fmt: skip
    results = {(r.report, r.recipient): r for r in rows}
    assert results[("2024-25/FY/FIN", REFUSED)].result == "failed"
    assert "no such mailbox" in results[("2024-25/FY/FIN", REFUSED)].error
    assert results[("2024-25/FY/HLT", "cfo.health@example.org")].result == "sent"
    assert results[("2024-25/FY/pse_portfolio_report", "cgu@finance.example.org")].result == "sent"
    assert {r.sent_by for r in rows} == {"cgu-batch"}
    assert all(len(r.report_sha256) == 64 for r in rows)

    count = len(smtp.messages)
    again = _deliver(url, plan, parameters)
    assert len(smtp.messages) == count  # nothing new: the refused one is refused again
    assert "already sent" in again.output

    forced = _deliver(url, plan, parameters, "--force")
    assert forced.exit_code == 1
    assert len(smtp.messages) == count * 2


def test_remind_mails_due_and_late_returns_once(smtp, tmp_path):
    url = f"sqlite:///{tmp_path / 'kpi.sqlite'}"
    engine = connect(url)
    build_demo(engine)
    with engine.begin() as connection:
        grant(connection, "UNI-001", "Ayesha Khan", email="ayesha@uni001.example.org")
        grant(connection, "UNI-003", "No Mail")  # no address: no reminder
    # 2025-26Q3 ends 31 March 2026, due 30 April: within 7 days of 25 April.
    first = runner.invoke(app, ["--database-url", url, "remind", "--as-of", "2026-04-25"])
    assert first.exit_code == 0, first.output
    subjects = sorted(message["Subject"] for _, message in smtp.messages)
    assert {rcpt[0] for rcpt, _ in smtp.messages} == {"ayesha@uni001.example.org"}
    assert "Reminder: Quarterly financial return 2025-26Q3 of UNI-001 is due on 30 Apr 2026" in (
        subjects
    )
    assert "Overdue: Quarterly financial return 2025-26Q1 of UNI-001 was due on 30 Oct 2025" in (
        subjects
    )
    assert not any("2025-26Q2" in s for s in subjects)  # received
    count = len(smtp.messages)
    again = runner.invoke(app, ["--database-url", url, "remind", "--as-of", "2026-04-25"])
    assert again.exit_code == 0 and len(smtp.messages) == count
    assert "already sent" in again.output
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM reminders")).scalar() == count


@pytest.mark.parametrize(
    ("utc_hour", "reminded"),
    [(21, True), (18, False)],  # 02:00 on 31 January in Pakistan / 23:00 on 30 January
)
def test_reminders_count_a_return_received_by_the_end_of_the_day_in_pakistan(
    tmp_path, utc_hour, reminded
):
    """On its due date (30 January 2025) a return that arrives after midnight in Pakistan is not
    in yet: it is reminded as due, though its UTC date is still the 30th."""
    from datetime import UTC, date, datetime

    from ingest_helpers import one_return_received_at

    from kpilib.delivery.reminders import plan_reminders

    url = f"sqlite:///{tmp_path / 'kpi.sqlite'}"
    engine = one_return_received_at(url, tmp_path, datetime(2025, 1, 30, utc_hour, tzinfo=UTC))
    with engine.begin() as connection:
        grant(connection, "UNI-001", "Ayesha Khan", email="ayesha@uni001.example.org")
    mails = plan_reminders(engine, date(2025, 1, 30), days=0)
    q2 = [(m.kind, m.due_date) for m in mails
          if (m.return_type, m.period_code) == ("pse_financial", "2024-25Q2")]  # fmt: skip
    assert q2 == ([("due", date(2025, 1, 30))] if reminded else [])


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "KPI_SMTP_HOST is not set"),
        ({"KPI_SMTP_HOST": "x", "KPI_SMTP_FROM": "a@b.org", "KPI_SMTP_PORT": "99999"}, "port"),
        ({"KPI_SMTP_HOST": "x", "KPI_SMTP_FROM": "nobody"}, "sender"),
        ({"KPI_SMTP_HOST": "x", "KPI_SMTP_FROM": "a@b.org", "KPI_SMTP_USER": "u"}, "both"),
        ({"KPI_SMTP_HOST": "x", "KPI_SMTP_FROM": "a@b.org", "KPI_SMTP_STARTTLS": "maybe"}, "true"),
    ],
)
def test_smtp_settings_are_checked(env, message):
    with pytest.raises(SmtpConfigError, match=message):
        SmtpSettings.from_env(env)


def test_smtp_settings_never_show_the_password():
    settings = SmtpSettings.from_env({
        "KPI_SMTP_HOST": "mail.example.org", "KPI_SMTP_STARTTLS": "true",
        "KPI_SMTP_FROM": "kpi@example.org", "KPI_SMTP_USER": "kpi", "KPI_SMTP_PASSWORD": "s3cret",
    })  # fmt: skip
    assert settings.port == 587 and settings.starttls
    assert "s3cret" not in settings.describe() and "s3cret" not in repr(settings)


def test_remind_reviewers_whose_queue_has_old_returns_once_a_day(smtp, tmp_path):
    from datetime import UTC, datetime

    from ingest_helpers import one_return_received_at

    url = f"sqlite:///{tmp_path / 'kpi.sqlite'}"
    engine = one_return_received_at(url, tmp_path, datetime(2025, 4, 10, 9, tzinfo=UTC))
    with engine.begin() as connection:
        grant(connection, "HED", "Bilal Shah", kind="reviewer", email="bilal@hed.example.org")
        grant(connection, "HLT", "Nida Ali", kind="reviewer", email="nida@hlt.example.org")
    early = runner.invoke(app, ["--database-url", url, "remind", "--reviewers",
                                "--as-of", "2025-04-15"])  # fmt: skip
    assert early.exit_code == 0 and smtp.messages == []  # 5 days old: not yet
    late = runner.invoke(app, ["--database-url", url, "remind", "--reviewers",
                               "--as-of", "2025-04-20"])  # fmt: skip
    assert late.exit_code == 0, late.output
    [(recipients, message)] = smtp.messages  # HED's reviewer only: HLT's queue is empty
    assert recipients == ["bilal@hed.example.org"]
    assert message["Subject"] == (
        "1 PSE return(s) of HED have waited more than 7 days for your review"
    )
    assert "the oldest 10 days" in message.get_content()
    again = runner.invoke(app, ["--database-url", url, "remind", "--reviewers",
                                "--as-of", "2025-04-20"])  # fmt: skip
    assert "already sent" in again.output and len(smtp.messages) == 1


# --- e-mails in Urdu (issue 18) ----------------------------------------------------------------

URDU_READER = "ayesha@uni001.example.org"


def _urdu_parameters(tmp_path, languages):
    folder = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", folder)
    defaults = yaml.safe_load((folder / "defaults.yaml").read_text())
    defaults["mail_languages"] = languages
    (folder / "defaults.yaml").write_text(yaml.safe_dump(defaults, allow_unicode=True))
    return folder


def _parts(message):
    """The plain-text and HTML parts of a received message (HTML None when there is none)."""
    body = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return body.get_content(), html.get_content() if html is not None else None


def _check_urdu(message, allowed):
    from i18n_helpers import english_left

    text, html = _parts(message)
    assert english_left(message["Subject"], allowed) == [], message["Subject"]
    assert english_left(text, allowed) == [], text
    assert html is not None and '<html lang="ur" dir="rtl">' in html
    assert "'Noto Nastaliq Urdu'" in html and "@font-face" not in html  # named, not embedded
    assert english_left(html, allowed) == []
    return text, html


def test_an_urdu_reader_gets_urdu_reminders_with_the_pses_urdu_name(smtp, tmp_path):
    from datetime import UTC, datetime

    from ingest_helpers import one_return_received_at

    url = f"sqlite:///{tmp_path / 'kpi.sqlite'}"
    engine = one_return_received_at(url, tmp_path, datetime(2025, 4, 10, 9, tzinfo=UTC))
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE entities SET name_ur = 'ڈیمو یونیورسٹی' "
                                   "WHERE code = 'UNI-001'"))  # fmt: skip
        connection.execute(sa.text("UPDATE departments SET name_ur = 'محکمہ اعلیٰ تعلیم' "
                                   "WHERE code = 'HED'"))  # fmt: skip
        grant(connection, "UNI-001", "Ayesha Khan", email=URDU_READER)
        grant(connection, "UNI-001", "Imran Khan", email="imran@uni001.example.org")
        grant(connection, "HED", "Bilal Shah", kind="reviewer", email="bilal@hed.example.org")
    parameters = _urdu_parameters(tmp_path, {URDU_READER: "ur", "bilal@hed.example.org": "ur"})
    common = ["--database-url", url, "remind", "--as-of", "2025-04-20", "--parameters-dir",
              str(parameters)]  # fmt: skip
    assert runner.invoke(app, common).exit_code == 0
    by_reader = {}
    for rcpt, message in smtp.messages:
        by_reader.setdefault(rcpt[0], []).append(message)
    allowed = ["UNI-001", "2024-25Q1", "2024-25Q3", "kpi-suite", "KPI", "HED"]
    for message in by_reader[URDU_READER]:
        text, _html = _check_urdu(message, allowed)
        assert "ڈیمو یونیورسٹی" in text and "Demo University" not in text
    subjects = {m["Subject"] for m in by_reader[URDU_READER]}
    assert any(s.startswith("تاخیر شدہ: ") and "سہ ماہی مالیاتی گوشوارہ" in s for s in subjects)
    for message in by_reader["imran@uni001.example.org"]:  # the English reader: as before
        # (strip: Python folds a long English subject right after "Subject:", as before)
        assert str(message["Subject"]).strip().startswith(("Reminder: ", "Overdue: "))
        assert not message.is_multipart()
    reviewers = runner.invoke(app, [*common, "--reviewers"])
    assert reviewers.exit_code == 0, reviewers.output
    [review] = [m for rcpt, m in smtp.messages if rcpt == ["bilal@hed.example.org"]]
    text, _html = _check_urdu(review, allowed)
    assert "محکمہ اعلیٰ تعلیم" in text


def _fake_report(folder, *, urdu: bool):
    from kpilib.delivery.reports import ReportMail, files_sha256

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, content in (("HLT.pdf", b"%PDF-1.7 en"), ("HLT.html", b"<html>en</html>")):
        (folder / name).write_bytes(content)
        files.append(folder / name)
    urdu_files = ()
    if urdu:
        (folder / "ur").mkdir(exist_ok=True)
        (folder / "ur" / "HLT.pdf").write_bytes(b"%PDF-1.7 ur")
        (folder / "HLT.ur.html").write_bytes(b"<html lang='ur'>ur</html>")
        urdu_files = (folder / "ur" / "HLT.pdf", folder / "HLT.ur.html")
    files = tuple(files)
    title = "Health: Service Delivery Performance Monitoring Report, FY 2024-25"
    return ReportMail(
        "2024-25/FY/HLT", title, f"[DEMO DATA] {title}", "HLT", files, files_sha256(files),
        ("secretary.health@example.org", "cfo.health@example.org"), ("Budget used: 95 %",),
        kind="department", fiscal_year="2024-25", period="FY", is_demo=True,
        department_name="Health", department_name_ur="محکمہ صحت",
        languages=(("cfo.health@example.org", "ur"),),
        urdu_files=urdu_files or files,
        urdu_sha256=files_sha256(urdu_files or files),
    )  # fmt: skip


def test_the_urdu_edition_is_attached_when_it_was_built(tmp_path):
    from kpilib.delivery.language import edition_files

    mail = _fake_report(tmp_path / "with", urdu=True)
    assert [p.name for p in edition_files(mail.files, "ur")] == ["HLT.pdf", "HLT.ur.html"]
    assert edition_files(mail.files, "ur")[0].parent.name == "ur"
    assert edition_files(mail.files, "en") == mail.files
    english_only = _fake_report(tmp_path / "without", urdu=False)
    assert edition_files(english_only.files, "ur") == english_only.files


@pytest.mark.parametrize("urdu_edition", [True, False])
def test_an_urdu_recipient_gets_the_report_mail_in_urdu(smtp, tmp_path, urdu_edition):
    from kpilib.delivery.reports import deliver
    from kpilib.delivery.smtp import SmtpSettings

    url = f"sqlite:///{tmp_path / 'kpi.sqlite'}"
    engine = connect(url)
    mail = _fake_report(tmp_path / "out", urdu=urdu_edition)
    result = deliver(engine, [mail], SmtpSettings.from_env(), "2024-25", "FY")
    assert result.count("sent") == 2
    received = {rcpt[0]: message for rcpt, message in smtp.messages}
    english = received["secretary.health@example.org"]
    assert english["Subject"] == "[DEMO DATA] " + mail.title
    assert english.get_body(preferencelist=("html",)) is None  # English: plain text, as before
    assert "Budget used: 95 %" in english.get_body().get_content()
    urdu = received["cfo.health@example.org"]
    assert urdu["Subject"] == ("[نمونے کا ڈیٹا] محکمہ صحت: خدمات کی فراہمی کی کارکردگی کی "
                               "نگرانی کی رپورٹ، مالی سال \u20662024-25\u2069")  # fmt: skip
    text, _html = _check_urdu(urdu, ["kpi-suite", mail.urdu_sha256])
    attached = {p.get_filename(): p.get_payload(decode=True) for p in urdu.iter_attachments()}
    if urdu_edition:
        assert attached == {"HLT.pdf": b"%PDF-1.7 ur", "HLT.ur.html": b"<html lang='ur'>ur</html>"}
        assert "انگریزی ایڈیشن" not in text
    else:
        assert set(attached) == {"HLT.pdf", "HLT.html"}
        assert "انگریزی ایڈیشن منسلک ہے" in text  # says the English edition is attached
    with engine.connect() as connection:
        rows = dict(connection.execute(sa.text(
            "SELECT recipient, report_sha256 FROM deliveries")).fetchall())  # fmt: skip
    assert rows["cfo.health@example.org"] == mail.urdu_sha256
    assert rows["secretary.health@example.org"] == mail.sha256


def test_mail_languages_are_checked(tmp_path):
    from kpilib.errors import KpiError
    from kpilib.report.params import load_parameter_set

    good = load_parameter_set(_urdu_parameters(tmp_path / "a", {"x@example.org": "ur"}))
    assert good.defaults.mail_languages == {"x@example.org": "ur"}
    for bad in ({"x@example.org": "fr"}, {"not an address": "ur"}):
        with pytest.raises(KpiError, match="mail_languages"):
            load_parameter_set(_urdu_parameters(tmp_path / str(len(str(bad))), bad))
