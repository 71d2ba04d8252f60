"""The portal's addresses, all under ``BASE/portal/``: Tornado handlers that the server of
``kpi serve --portal`` registers beside the dashboards (:func:`portal_handlers`), or that run
on their own (:func:`portal_application`, for tests and for a portal-only process)."""

from __future__ import annotations

import re
from typing import Any

import tornado.web

from kpilib.portal.web.base import PortalHandler, signed_in
from kpilib.portal.web.followup import ActionDecideHandler, ActionHandler, AnswerHandler
from kpilib.portal.web.language import LanguageHandler, UrduStyleHandler
from kpilib.portal.web.officer import (
    DecisionHandler,
    ErrorsCsvHandler,
    LogoutHandler,
    ReceiptHandler,
    StartHandler,
    TemplateHandler,
    UploadHandler,
    render_officer_home,
)
from kpilib.portal.web.reviewer import (
    BulkApproveHandler,
    DecideHandler,
    FileHandler,
    ReturnHandler,
    render_reviewer_home,
)
from kpilib.portal.web.state import STATIC_DIR, PortalState


class HomeHandler(PortalHandler):
    """``/portal/``: an officer's returns and upload, or a reviewer's queue
    (``?show=all``: every return)."""

    @signed_in()
    async def get(self) -> None:
        session = self.session
        assert session is not None
        if session.access.kind == "pse":
            await render_officer_home(self)
        else:
            await render_reviewer_home(self, self.get_query_argument("show", "") == "all")


class NotFoundHandler(PortalHandler):
    """Any other address under ``/portal/``: a plain "no such page"."""

    async def prepare(self) -> None:
        await super().prepare()
        self.send_error(404)


class StaticHandler(tornado.web.StaticFileHandler):
    """The portal's one script, with the portal's headers."""

    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")


def portal_handlers(state: PortalState) -> list[tuple[str, Any, dict[str, Any]]]:
    """``(pattern, handler, arguments)`` for every portal address under ``state.base_url``."""
    root = re.escape(f"{state.base_url}portal/")
    args = {"state": state}
    routes: list[tuple[str, Any, dict[str, Any]]] = [
        (
            re.escape(f"{state.base_url}portal"),
            tornado.web.RedirectHandler,
            {"url": f"{state.base_url}portal/"},
        ),
        (rf"{root}", HomeHandler, args),
        (rf"{root}start", StartHandler, args),
        (rf"{root}logout", LogoutHandler, args),
        (rf"{root}upload", UploadHandler, args),
        (rf"{root}receipt", ReceiptHandler, args),
        (rf"{root}errors\.csv", ErrorsCsvHandler, args),
        (rf"{root}confirm", DecisionHandler, {**args, "action": "confirm"}),
        (rf"{root}cancel", DecisionHandler, {**args, "action": "cancel"}),
        (rf"{root}template", TemplateHandler, args),
        (rf"{root}return", ReturnHandler, args),
        (rf"{root}decide", DecideHandler, args),
        (rf"{root}bulk-approve", BulkApproveHandler, args),
        (rf"{root}file", FileHandler, args),
        (rf"{root}action-answer", AnswerHandler, args),
        (rf"{root}action", ActionHandler, args),
        (rf"{root}action-decide", ActionDecideHandler, args),
        (rf"{root}language", LanguageHandler, args),
        (rf"{root}static/urdu\.css", UrduStyleHandler, {}),
        (rf"{root}static/(portal\.js)", StaticHandler, {"path": str(STATIC_DIR)}),
        (rf"{root}.*", NotFoundHandler, args),
    ]
    return routes


def portal_application(state: PortalState, **settings: Any) -> tornado.web.Application:
    """A Tornado application serving the portal alone."""
    return tornado.web.Application(portal_handlers(state), **settings)
