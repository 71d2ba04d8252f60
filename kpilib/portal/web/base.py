"""The base of every portal handler: the session, the security headers, CSRF, database work off
the event loop, and pages instead of tracebacks.

* **Who.** The ``kpi_portal`` cookie (HttpOnly, SameSite=Lax, Secure behind HTTPS) names a
  session (:mod:`kpilib.portal.sessions`); every request looks it up and checks its link again,
  so a revoked link can do nothing more from a page already open. No cookie, an expired one or
  a revoked link: the "No access" page, with nothing else on it.
* **Headers.** ``Referrer-Policy: no-referrer`` (a link's key never leaves in a Referer), a
  Content-Security-Policy that allows only this server's own script and inline styles, no
  framing, no sniffing, no caching of pages.
* **Forms.** Every POST carries the session's CSRF secret; one without it changes nothing.
* **Errors.** An officer never sees a traceback: a plain page says what happened.
* **Language.** The ``kpi_lang`` cookie (English or Urdu, set by the switch on every page,
  :class:`kpilib.portal.web.language.LanguageHandler`) is read on every request (untrusted:
  anything but ``en`` or ``ur`` is English) and is the request's language
  (:func:`kpilib.i18n.use_language`) from ``prepare`` to the last byte, in the database threads
  too (:meth:`PortalHandler.run`).
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import tornado.web
from tornado.ioloop import IOLoop

from kpilib.fiscal import PAKISTAN_TIME
from kpilib.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    Language,
    UnknownLanguageError,
    _,
    check_language,
    current_language,
    isolate,
    text_direction,
    use_language,
)
from kpilib.portal.sessions import Session, find_session
from kpilib.portal.web.state import PortalState, urdu_stylesheet
from kpilib.present.formatting import format_date, format_datetime
from kpilib.store.retry import call_with_retry
from kpilib.store.writes import read_dataset_info

COOKIE = "kpi_portal"
#: The reader's language (``en`` or ``ur``), remembered for a year.
LANGUAGE_COOKIE = "kpi_lang"
LANGUAGE_DAYS = 365
T = TypeVar("T")
# font-src data: the Urdu stylesheet carries Noto Nastaliq Urdu as data: URLs (offline).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src data:; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def pakistan_time(moment: datetime | None) -> str:
    """``06 Dec 2026, 17:23 PKT`` (kept left to right inside Urdu text)."""
    if moment is None:
        return "–"
    return isolate(format_datetime(moment.astimezone(PAKISTAN_TIME)) + " PKT")


def read_language(value: str | None) -> Language:
    """The language a cookie names; English for anything else (the cookie is untrusted)."""
    try:
        return check_language(value)
    except UnknownLanguageError:
        return DEFAULT_LANGUAGE


class PortalHandler(tornado.web.RequestHandler):
    """A portal page: ``self.session`` is set by :meth:`prepare` (None without a valid one)."""

    state: PortalState
    session: Session | None = None
    language: Language = DEFAULT_LANGUAGE

    def initialize(self, state: PortalState) -> None:
        self.state = state

    async def _execute(self, transforms: Any, *args: bytes, **kwargs: bytes) -> None:
        # The whole request (prepare, the handler, its errors) in the reader's language.
        self.language = read_language(self.get_cookie(LANGUAGE_COOKIE))
        with use_language(self.language):
            await super()._execute(transforms, *args, **kwargs)

    def set_default_headers(self) -> None:
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cache-Control", "no-store")

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(connection, *args)`` in one transaction of the writer database, on a
        worker thread (the event loop keeps serving other officers meanwhile); the whole
        transaction is tried again while the database answers that it is busy."""

        def once() -> T:
            with self.state.engine.begin() as connection:
                return function(connection, *args)

        language = current_language()

        def in_transaction() -> T:
            # A worker thread does not inherit the request's context: its language is set here.
            with use_language(language):
                return call_with_retry(
                    once, what=f"portal {self.request.method} {self.request.path}"
                )

        return await IOLoop.current().run_in_executor(self.state.executor, in_transaction)

    async def prepare(self) -> None:
        key = self.get_cookie(COOKIE)
        self.session = await self.run(find_session, key) if key else None

    @property
    def base(self) -> str:
        return self.state.base_url

    def client_address(self) -> str:
        """The visitor's address: behind a proxy on this machine (nginx), the one the proxy
        saw (the last entry it added to ``X-Forwarded-For``); otherwise the peer's."""
        peer = self.request.remote_ip or "unknown"
        forwarded = self.request.headers.get("X-Forwarded-For", "")
        if forwarded and _is_loopback(peer):
            return forwarded.split(",")[-1].strip()[:64] or peer
        return peer

    def secure(self) -> bool:
        forwarded = self.request.headers.get("X-Forwarded-Proto", "")
        return self.request.protocol == "https" or forwarded.lower() == "https"

    def set_session_cookie(self, key: str) -> None:
        self.set_cookie(
            COOKIE, key, path=f"{self.base}portal/", httponly=True, samesite="Lax",
            secure=self.secure(),
        )  # fmt: skip

    def render_page(self, template: str, status: int = 200, **values: Any) -> None:
        """A page from ``templates/`` with the frame's values filled in."""
        session = self.session
        with use_language(self.language):
            context = {
                "base": self.base, "csrf": session.csrf if session else "",
                "signed_in": bool(session), "who": _who(session), "messages": [], "notices": [],
                "refresh": None, "as_of": None, "data_today": False, "is_demo": False,
                "language": self.language, "direction": text_direction(self.language),
                "languages": self.language_links(), "urdu_css": self.urdu_css(), **values,
            }  # fmt: skip
            page = self.state.templates.get_template(template).render(**context)
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(page)

    def urdu_css(self) -> str | None:
        """The Urdu stylesheet's address for an Urdu page (None for English)."""
        if self.language != "ur":
            return None
        return f"{self.base}portal/static/urdu.css?v={urdu_stylesheet()[1]}"

    def language_links(self) -> list[tuple[str, str, str, bool]]:
        """The switch's links: ``(code, name, href, current)``, each back to this page (a GET
        page's own address; after a form or on the sign-in link, the portal's first page)."""
        here = f"{self.base}portal/"
        path = self.request.path
        if self.request.method == "GET" and not path.endswith("/start"):
            here = self.request.uri or here
        back = quote(here, safe="")
        return [
            (code, LANGUAGE_NAMES[code], f"{self.base}portal/language?to={code}&next={back}",
             code == self.language)
            for code in LANGUAGES
        ]  # fmt: skip

    def no_access(self) -> None:
        """The whole page for a missing, wrong, revoked or expired link or session."""
        self.clear_cookie(COOKIE, path=f"{self.base}portal/")
        self.render_page("no_access.html.j2", 403, title=_("No access"), who=None,
                         signed_in=False)  # fmt: skip

    def check_csrf(self) -> bool:
        """Whether this POST carries the session's CSRF secret."""
        return self.session is not None and self.session.check_csrf(
            self.get_body_argument("_csrf", None)
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        with use_language(self.language):
            reason = {
                413: _("The file is larger than the portal accepts."),
                404: _("There is no such page."),
                429: _("Too many attempts with wrong links from this address: wait a minute."),
            }.get(status_code, _("Something went wrong on the portal; nothing was changed. "
                                 "Try again in a minute."))  # fmt: skip
            self.render_page("message.html.j2", status_code, title=_("Portal"), text=reason)

    def _request_summary(self) -> str:
        # The access log never shows a query string: a link's key travels in one.
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _who(session: Session | None) -> str | None:
    if session is None:
        return None
    access = session.access
    if access.kind == "pse":
        scope = f"{isolate(access.entity_code)} {access.entity_shown}"
    elif access.department_shown != access.department_name:  # its Urdu name says محکمہ already
        scope = _("{department}, reviewer").format(department=access.department_shown)
    else:
        scope = _("{department} Department, reviewer").format(department=access.department_name)
    return f"{access.name} · {scope}"


def signed_in(kind: str | None = None) -> Callable:
    """Only for a live session (of a ``pse`` or ``reviewer`` link when ``kind`` is given)."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        async def wrapper(self: PortalHandler, *args: Any, **kwargs: Any) -> Any:
            session = self.session
            if session is None or (kind is not None and session.access.kind != kind):
                self.no_access()
                return None
            return await method(self, *args, **kwargs)

        return wrapper

    return decorate


def posted(method: Callable) -> Callable:
    """A form POST: refused (nothing changed) without the session's CSRF secret."""

    @functools.wraps(method)
    async def wrapper(self: PortalHandler, *args: Any, **kwargs: Any) -> Any:
        if not self.check_csrf():
            self.render_page(
                "message.html.j2", 403, title=_("Portal"),
                text=_("This form has expired (or came from another site): nothing was changed. "
                       "Open the page again and repeat."),
            )  # fmt: skip
            return None
        return await method(self, *args, **kwargs)

    return wrapper


def read_as_of(connection: Any) -> tuple[str, bool]:
    """The one as-of rule: the data's as-of date (``dataset_info``), else today in Pakistan.
    Returns the date as shown and whether it is today."""
    from kpilib.ingest.status import resolve_as_of

    stored = read_dataset_info(connection).get("data_as_of")
    day = resolve_as_of(connection, None)
    return isolate(format_date(day)), not stored
