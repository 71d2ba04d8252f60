"""The portal's language switch (English / اردو) and the Urdu stylesheet.

* ``GET /portal/language?to=ur&next=…``: remembers the reader's choice in the ``kpi_lang``
  cookie (a year, the portal's folder only) and goes back to the page it was chosen on. It
  changes nothing else, so a plain link does (no form, no CSRF secret needed); an unknown
  language is English, and ``next`` must be a page of the portal (never another site).
* ``GET /portal/static/urdu.css?v=…``: the Urdu pages' font and Nastaliq rules
  (:func:`kpilib.present.fonts.urdu_text_css`, Noto Nastaliq Urdu as ``data:`` URLs, about
  1.5 MB). One cached stylesheet rather than inline styles: an officer's browser downloads it
  once (``?v=`` changes when the font does), not on every page and every 2-second refresh of a
  receipt; English pages never ask for it. Offline either way: it comes from this server.
"""

from __future__ import annotations

import re

import tornado.web

from kpilib.portal.web.base import LANGUAGE_COOKIE, LANGUAGE_DAYS, PortalHandler, read_language
from kpilib.portal.web.state import urdu_stylesheet

#: What a ``next`` address may hold after the portal's folder (a page and its query).
_SAFE_REST = re.compile(r"[A-Za-z0-9._\-]*(?:\?[A-Za-z0-9._\-=&%]*)?")


class LanguageHandler(PortalHandler):
    """``/portal/language?to=en|ur&next=…``: the language switch."""

    async def get(self) -> None:
        language = read_language(self.get_query_argument("to", None))
        self.set_cookie(
            LANGUAGE_COOKIE, language, path=f"{self.base}portal/", expires_days=LANGUAGE_DAYS,
            httponly=True, samesite="Lax", secure=self.secure(),
        )  # fmt: skip
        self.redirect(self.safe_next(self.get_query_argument("next", "")), status=303)

    def safe_next(self, target: str) -> str:
        """``target`` if it is a page of the portal, else the portal's first page."""
        root = f"{self.base}portal/"
        rest = target[len(root) :] if target.startswith(root) else None
        if rest is None or not _SAFE_REST.fullmatch(rest) or rest.startswith("start"):
            return root
        return target


class UrduStyleHandler(tornado.web.RequestHandler):
    """``/portal/static/urdu.css``: the Urdu font and rules, cached by the browser."""

    def get(self) -> None:
        text, version = urdu_stylesheet()
        self.set_header("Content-Type", "text/css; charset=utf-8")
        self.set_header("X-Content-Type-Options", "nosniff")
        if self.get_query_argument("v", "") == version:
            self.set_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.set_header("Cache-Control", "public, max-age=3600")
        self.finish(text)
