"""SMTP settings from the environment and sending one message (stdlib ``smtplib``).

| Variable | Meaning | Default |
|---|---|---|
| ``KPI_SMTP_HOST`` | the mail server (required) | — |
| ``KPI_SMTP_PORT`` | its port | 587 with STARTTLS, else 25 |
| ``KPI_SMTP_STARTTLS`` | ``1``/``true``: upgrade the connection with STARTTLS | ``false`` |
| ``KPI_SMTP_USER`` / ``KPI_SMTP_PASSWORD`` | log in (only with both) | no login |
| ``KPI_SMTP_FROM`` | the sender address (required) | — |

The password comes only from the environment and is never printed.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage

from kpilib.errors import KpiError
from kpilib.portal.access import EMAIL_PATTERN

TIMEOUT_SECONDS = 60


class SmtpConfigError(KpiError):
    """The SMTP settings in the environment are missing or wrong."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail."""

    host: str
    port: int
    starttls: bool
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """Read ``KPI_SMTP_*`` (see the module's docstring); SmtpConfigError names what is
        wrong."""
        env = os.environ if env is None else env
        host = env.get("KPI_SMTP_HOST", "").strip()
        if not host:
            raise SmtpConfigError("KPI_SMTP_HOST is not set: name the mail server to send through")
        flag = env.get("KPI_SMTP_STARTTLS", "false").strip().lower()
        if flag not in ("1", "0", "true", "false", "yes", "no", ""):
            raise SmtpConfigError(f"KPI_SMTP_STARTTLS={flag!r}: use true or false")
        starttls = flag in ("1", "true", "yes")
        raw_port = env.get("KPI_SMTP_PORT", "").strip() or ("587" if starttls else "25")
        if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
            raise SmtpConfigError(f"KPI_SMTP_PORT={raw_port!r} is not a port number")
        sender = env.get("KPI_SMTP_FROM", "").strip()
        if not EMAIL_PATTERN.match(sender):
            raise SmtpConfigError("KPI_SMTP_FROM must be the sender's e-mail address")
        user = env.get("KPI_SMTP_USER") or None
        password = env.get("KPI_SMTP_PASSWORD") or None
        if (user is None) != (password is None):
            raise SmtpConfigError("set both KPI_SMTP_USER and KPI_SMTP_PASSWORD, or neither")
        return cls(host, int(raw_port), starttls, sender, user, password)

    def describe(self) -> str:
        """``smtp.example.org:587 (STARTTLS, login as kpi)`` — never the password."""
        how = ["STARTTLS" if self.starttls else "no TLS"]
        if self.user:
            how.append(f"login as {self.user}")
        return f"{self.host}:{self.port} ({', '.join(how)})"


def send_mail(settings: SmtpSettings, message: EmailMessage) -> None:
    """Send one message over its own connection (a failure cannot spoil the next message);
    a refused recipient or an unreachable server raises ``smtplib.SMTPException``/``OSError``."""
    with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(message)
