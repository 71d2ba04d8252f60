"""The PSE officer's pages: sign in with the personal link, the returns due, the pre-filled
templates, the upload (stored at once, a receipt back), the receipt with its preview or its
errors, confirm or cancel."""

from __future__ import annotations

from typing import Any

import tornado.web
from sqlalchemy.engine import Connection
from tornado.http1connection import HTTP1Connection
from tornado.httputil import parse_body_arguments

from kpilib.i18n import N_, _, isolate
from kpilib.kpis.actions import MAX_ANSWER
from kpilib.kpis.returns import RETURN_SCHEDULES, YEARLY_RETURN_SCHEDULES
from kpilib.portal import inbox
from kpilib.portal.access import LINK_PARAMETER, check_token
from kpilib.portal.followup import officer_actions
from kpilib.portal.officer import (
    RETURN_TITLES,
    TEMPLATE_FORMATS,
    OfficerHome,
    check_upload,
    is_yearly,
    officer_home,
    template_file,
    template_name,
)
from kpilib.portal.sessions import end_session, start_session
from kpilib.portal.web.base import (
    COOKIE,
    PortalHandler,
    pakistan_time,
    posted,
    read_as_of,
    signed_in,
)
from kpilib.portal.web.tables import (
    due_table,
    preview_table,
    problems_frame,
    problems_table,
    receipts_table,
    threshold_percent,
)
from kpilib.present.export import encode_csv, safe_file_name
from kpilib.present.html import render_rag

TITLES = RETURN_TITLES
#: What the template links say about the period they are filled in for.
TEMPLATE_NOTES = {"owed": N_("{title}, {period}"), "latest": N_("{title}, {period}"),
                  "on change": N_("{title}, {period} (the year under way: send it again when the "
                                  "board or the management changes)")}  # fmt: skip
#: Bytes of a multipart request beyond the file itself (the form's other fields).
FORM_OVERHEAD = 64 * 1024
#: Seconds between refreshes of a receipt the portal is still working on.
REFRESH_SECONDS = 2


class StartHandler(PortalHandler):
    """``/portal/start?key=…``: the personal link. A valid key becomes a session cookie and the
    browser goes on to ``/portal/`` (the key leaves the address bar at once); anything else is
    the "No access" page, and too many failures from one address are refused for a minute."""

    async def get(self) -> None:
        address = self.client_address()
        if self.state.limiter.blocked(address):
            self.send_error(429)
            return
        key = self.get_query_argument(LINK_PARAMETER, None)
        access = await self.run(check_token, key) if key else None
        if access is None:
            self.state.limiter.fail(address)
            self.no_access()
            return
        cookie, _session = await self.run(start_session, access)
        self.set_session_cookie(cookie)
        self.redirect(f"{self.base}portal/", status=303)


class LogoutHandler(PortalHandler):
    """Sign out: the session ends; the link still works for the next visit."""

    @signed_in()
    @posted
    async def post(self) -> None:
        await self.run(end_session, self.get_cookie(COOKIE))
        self.clear_cookie(COOKIE, path=f"{self.base}portal/")
        self.render_page(
            "message.html.j2", title=_("Signed out"), who=None, signed_in=False,
            text=_("You have signed out. Open your personal link to come back."),
        )  # fmt: skip


async def render_officer_home(
    handler: PortalHandler, status: int = 200, messages: list[str] | None = None
) -> None:
    """The officer's page (with ``messages`` when an upload was refused)."""
    session = handler.session
    assert session is not None
    access = session.access

    def read(connection: Connection) -> dict[str, Any]:
        as_of, today = read_as_of(connection)
        home = officer_home(connection, access, _as_of_date(connection))
        actions = officer_actions(connection, access, _as_of_date(connection))
        return {"as_of": as_of, "data_today": today, "home": home, "actions": actions}

    data = await handler.run(read)
    home: OfficerHome = data["home"]
    templates = [
        {"label": _(TEMPLATE_NOTES[link.note]).format(title=_(link.title),
                                                      period=isolate(link.period)),
         "files": [(f"template?type={link.return_type}&period={link.period}&format={fmt}",
                    fmt.upper()) for fmt in TEMPLATE_FORMATS]}
        for link in home.templates
    ]  # fmt: skip
    kinds = [(s.return_type, _(s.title), "year" if is_yearly(s.return_type) else "quarter")
             for s in home.schedules]  # fmt: skip
    handler.render_page(
        "officer.html.j2", status, title=_("Returns of {name}").format(name=access.entity_shown),
        as_of=data["as_of"], data_today=data["data_today"], messages=messages or [],
        entity_code=access.entity_code, due_table=due_table(home.due), templates=templates,
        return_types=kinds, due_rule=_due_rule(),
        quarters=home.quarters, years=home.years, year_under_way=home.year_under_way,
        quarter_due=home.default_quarter,
        max_mb=f"{handler.state.max_bytes / 1e6:g}", receipts=home.receipts,
        receipts_table=receipts_table(home.receipts, TITLES) if home.receipts else "",
        actions=data["actions"], max_answer=MAX_ANSWER, notices=_answered_notice(handler),
    )  # fmt: skip


def _due_rule() -> str:
    """When the returns fall due, from their schedules."""
    quarterly = {s.due_days for s in RETURN_SCHEDULES}
    yearly = {s.due_days for s in YEARLY_RETURN_SCHEDULES}
    return _(
        "Each quarterly return is due {quarterly} days after the quarter ends; each yearly "
        "return (governance, support) {yearly} days after the fiscal year ends (30 June)."
    ).format(quarterly=", ".join(map(str, sorted(quarterly))),
             yearly=", ".join(map(str, sorted(yearly))))  # fmt: skip


def _answered_notice(handler: PortalHandler) -> list[str]:
    """ "Your answer … was sent" after an answer (``?answered=N``)."""
    number = handler.get_query_argument("answered", "") if handler.request.method == "GET" else ""
    if not (number.isdigit() and len(number) <= 12):
        return []
    return [
        _("Your answer to action {number} was sent; the department will review it.").format(
            number=isolate(number)
        )
    ]


def _as_of_date(connection: Connection) -> Any:
    from kpilib.ingest.status import resolve_as_of

    return resolve_as_of(connection, None)


@tornado.web.stream_request_body
class UploadHandler(PortalHandler):
    """``POST /portal/upload``: a plain form upload, read as it streams in and refused past the
    size limit; checked for what the officer chose, then stored in the inbox in one short
    transaction; the browser goes to the receipt at once."""

    async def prepare(self) -> None:
        await super().prepare()
        self.body = bytearray()
        self.too_large = False
        limit = self.state.max_bytes + FORM_OVERHEAD
        declared = self.request.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            self.too_large = True
            self.send_error(413)  # answered before the body is read
        elif self.request.method == "POST":
            connection = self.request.connection
            if isinstance(connection, HTTP1Connection):
                connection.set_max_body_size(limit)

    def data_received(self, chunk: bytes) -> None:
        if not self.too_large:
            self.body.extend(chunk)

    @signed_in("pse")
    async def post(self) -> None:
        if self.too_large:
            self.send_error(413)
            return
        parse_body_arguments(
            self.request.headers.get("Content-Type", ""), bytes(self.body),
            self.request.body_arguments, self.request.files, self.request.headers,
        )  # fmt: skip
        self.body = bytearray()
        await self._take()

    @posted
    async def _take(self) -> None:
        session = self.session
        assert session is not None
        files = self.request.files.get("file") or []
        upload = files[0] if files else None
        name = safe_file_name((upload.filename if upload else "") or "", "")
        content = bytes(upload.body) if upload else b""
        return_type = self.get_body_argument("return_type", None)
        period = self.get_body_argument("period", None)
        confirmed = self.get_body_argument("confirm", "") == "yes"

        def store(connection: Connection) -> tuple[list[str], int | None]:
            problems = check_upload(
                connection, session.access, _as_of_date(connection), return_type, period, name,
                len(content),
            )  # fmt: skip
            if problems or return_type is None or period is None:
                return problems, None
            number = inbox.store_upload(
                connection, session.access, return_type=return_type, period_code=period,
                file_name=name, content=content, confirmed=confirmed,
            )  # fmt: skip
            return [], number

        problems, number = await self.run(store)
        if number is None:
            refused = [_("Nothing was sent. {problem}").format(problem=p) for p in problems]
            await render_officer_home(self, 400, refused)
            return
        self.state.on_work()
        self.redirect(f"{self.base}portal/receipt?n={number}", status=303)


async def _own_receipt(handler: PortalHandler) -> inbox.Receipt | None:
    """The receipt named by ``?n=`` if it belongs to the signed-in officer's PSE, else None."""
    session = handler.session
    assert session is not None
    number = _receipt_number(handler)
    if number is None:
        return None
    return await handler.run(inbox.read_receipt, number, session.access.entity_id)


def _receipt_number(handler: PortalHandler, source: str = "query") -> int | None:
    text = (
        handler.get_query_argument("n", "")
        if source == "query"
        else handler.get_body_argument("n", "")
    )
    return inbox.parse_receipt(text or "")


class ReceiptHandler(PortalHandler):
    """``GET /portal/receipt?n=…``: the receipt (number, time, file, fingerprint, status) that
    updates itself while the portal works; then the preview to confirm, or the errors."""

    @signed_in("pse")
    async def get(self) -> None:
        receipt = await _own_receipt(self)
        if receipt is None:
            self.send_error(404)
            return
        outcome = receipt.outcome
        problems = problems_frame(outcome.get("problems", []))
        shown = ("checked", "queued", "loading", "accepted", "unchanged")
        preview = outcome.get("preview") if receipt.state in shown else None
        self.render_page(
            "receipt.html.j2", title=_("Receipt {number}").format(number=isolate(receipt.label)),
            receipt=receipt,
            received=pakistan_time(receipt.received_at),
            finished=pakistan_time(receipt.finished_at) if receipt.finished_at else "",
            return_title=_(TITLES.get(receipt.return_type, receipt.return_type)),
            size=isolate(f"{receipt.size_bytes / 1024:,.1f} KB"),
            state_badge=render_rag(inbox.STATE_COLOURS[receipt.state],
                                   _(inbox.STATE_LABELS[receipt.state])),
            version=outcome.get("version"), preview=preview,
            preview_table=preview_table(preview, receipt.return_type) if preview else "",
            threshold=threshold_percent(),
            problems_table=problems_table(problems) if len(problems) else "",
            refresh=REFRESH_SECONDS if receipt.pending else None,
        )  # fmt: skip


class ErrorsCsvHandler(PortalHandler):
    """``GET /portal/errors.csv?n=…``: a receipt's error table (formula-safe CSV)."""

    @signed_in("pse")
    async def get(self) -> None:
        receipt = await _own_receipt(self)
        if receipt is None:
            self.send_error(404)
            return
        name = safe_file_name(f"{receipt.label}_{receipt.file_name}.errors.csv", "errors.csv")
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(encode_csv(problems_frame(receipt.outcome.get("problems", []))))


class DecisionHandler(PortalHandler):
    """``POST /portal/confirm`` and ``/portal/cancel`` (field ``n``): the officer confirms a
    checked upload (it is loaded) or withdraws it."""

    def initialize(self, state: Any, action: str = "confirm") -> None:
        super().initialize(state)
        self.action = action

    @signed_in("pse")
    @posted
    async def post(self) -> None:
        session = self.session
        assert session is not None
        number = _receipt_number(self, "body")
        change = inbox.confirm_upload if self.action == "confirm" else inbox.cancel_upload
        done = await self.run(change, number or 0, session.access.entity_id)
        if not done:
            confirmed = _("This upload can no longer be confirmed: open its receipt to see "
                          "where it is.")  # fmt: skip
            cancelled = _("This upload can no longer be cancelled: open its receipt to see "
                          "where it is.")  # fmt: skip
            text = confirmed if self.action == "confirm" else cancelled
            self.render_page("message.html.j2", 409, title=_("Portal"), text=text)
            return
        self.state.on_work()
        self.redirect(f"{self.base}portal/receipt?n={number}", status=303)


class TemplateHandler(PortalHandler):
    """``GET /portal/template?type=…&period=…&format=xlsx``: the template pre-filled with the
    officer's PSE and the period (a quarter, or a fiscal year for a yearly return)."""

    @signed_in("pse")
    async def get(self) -> None:
        session = self.session
        assert session is not None
        return_type = self.get_query_argument("type", "")
        period = self.get_query_argument("period", "")
        file_format = self.get_query_argument("format", "xlsx")

        def allowed(connection: Connection) -> bool:
            problems = check_upload(connection, session.access, _as_of_date(connection),
                                    return_type, period, f"template.{file_format}", 1)  # fmt: skip
            return not problems and file_format in TEMPLATE_FORMATS

        if not await self.run(allowed):
            self.send_error(404)
            return
        content = template_file(session.access, return_type, period, file_format)
        name = template_name(session.access, return_type, period, file_format)
        self.set_header("Content-Type", TEMPLATE_FORMATS[file_format])
        self.set_header("Content-Disposition", f'attachment; filename="{safe_file_name(name)}"')
        self.finish(content)
