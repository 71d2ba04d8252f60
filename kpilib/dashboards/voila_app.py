"""The Voilà application of ``kpi serve``: Voilà's own, with the portal's routes in front, the
pacing kernel pools of :mod:`kpilib.dashboards.pool`, and a public port that opens only once
each notebook has its launch quota of kernels warm.

Why the port waits: a viewer who arrives while kernels are still importing pandas shares the
cores with them (6.2 s for the first department page after a start, against about 2 s once
warm). The port is bound at once (a port already taken fails the start, as before) but accepts
connections only when a kernel or two per notebook are warm (the rest of each pool then grows
in the background); until then a connection is refused, which a balancer in front (nginx,
``deploy/nginx/``) takes as "try the other instance". The kernels reach the server meanwhile on
a loopback port of their own (:attr:`KpiKernelManager.query_port`).

Imported only when the server starts (it imports Voilà).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable, Sequence
from typing import Any

import voila.app as voila_app
from tornado.httpserver import HTTPServer
from tornado.httputil import url_concat
from tornado.ioloop import IOLoop
from tornado.netutil import bind_sockets
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from kpilib.dashboards import DASHBOARDS, LANDING_TEXTS
from kpilib.dashboards.language import (
    COOKIE,
    COOKIE_DAYS,
    QUERY_KEY,
    read_language,
    remembered_language_redirect,
    render_switch,
    with_language,
)
from kpilib.dashboards.pool import pooled_kernel_manager
from kpilib.errors import ServeError
from kpilib.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Language,
    _,
    ngettext,
    text_direction,
    use_language,
)
from kpilib.present.fonts import urdu_text_css

#: Connections the public port queues once it listens.
BACKLOG = 128


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` but not listening: the port is ours (refused to others,
    and a port already in use fails now), while connections to it are still refused."""
    family, kind, proto, _name, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    reserved = socket.socket(family, kind, proto)
    reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        reserved.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        reserved.bind(address)
    except OSError as error:
        reserved.close()
        if error.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use: choose another with "
                             "--port, or stop the server that holds it") from error  # fmt: skip
        raise
    reserved.setblocking(False)
    return reserved


def request_language(handler: Any) -> Language | None:
    """The language a request asks for or was remembered in, and the cookie set or the
    redirect sent for it: ``None`` when the handler has redirected (nothing more to write)."""
    arguments = handler.request.query_arguments
    cookie = handler.get_cookie(COOKIE)
    redirect = remembered_language_redirect(arguments, cookie)
    if redirect is not None:
        handler.redirect(url_concat(handler.request.uri, {QUERY_KEY: redirect}))
        return None
    asked = arguments.get(QUERY_KEY)
    language = read_language(asked[0].decode("utf-8", "replace")) if asked else None
    if language is not None and language != read_language(cookie):
        handler.set_cookie(COOKIE, language, expires_days=COOKIE_DAYS, path="/",
                           samesite="Lax", httponly=True)  # fmt: skip
    return language or DEFAULT_LANGUAGE


class LanguageVoilaHandler(TornadoVoilaHandler):
    """Voilà's page handler, sending a link without ``lang`` to the reader's remembered
    language before any kernel is used, and remembering a ``lang`` asked for (a cookie)."""

    async def get(self, path: str | None = None) -> Any:
        if request_language(self) is None:
            return None
        return await super().get(path)


class LanguageTreeHandler(TornadoVoilaTreeHandler):
    """The landing page in the reader's language, with the English / اردو switch."""

    async def get(self, path: str = "") -> Any:
        language = request_language(self)
        if language is None:
            return None
        self.kpi_language = language
        with use_language(language):
            return await super().get(path)

    def render_template(self, name: str, **ns: Any) -> str:
        language = getattr(self, "kpi_language", DEFAULT_LANGUAGE)
        query = self.request.query
        links = {lang: "?" + with_language(query, lang) for lang in LANGUAGES}
        ns["kpi"] = {
            "language": language,
            "direction": text_direction(language),
            "urdu_css": urdu_text_css() if language != DEFAULT_LANGUAGE else "",
            "switch": render_switch(links, language),
            "lang_query": "" if language == DEFAULT_LANGUAGE else f"?{QUERY_KEY}={language}",
            "dashboards": {d.notebook: (_(d.title), _(d.description)) for d in DASHBOARDS},
            "texts": {key: _(text) for key, text in LANDING_TEXTS.items()},
        }
        ns["_"], ns["gettext"], ns["ngettext"] = _, _, ngettext
        with use_language(language):
            return str(super().render_template(name, **ns))


#: Voilà's handlers replaced by the language-aware ones above.
LANGUAGE_HANDLERS = {
    TornadoVoilaHandler: LanguageVoilaHandler,
    TornadoVoilaTreeHandler: LanguageTreeHandler,
}


def with_language_handlers(handlers: list) -> list:
    """Voilà's routes with its page and landing handlers swapped for the language-aware ones."""
    swapped = []
    for route in handlers:
        if isinstance(route, tuple) and len(route) >= 2 and route[1] in LANGUAGE_HANDLERS:
            route = (route[0], LANGUAGE_HANDLERS[route[1]], *route[2:])
        swapped.append(route)
    return swapped


def build_voila_class(
    extra_handlers: Sequence[tuple[str, Any, dict[str, Any]]] = (),
    on_ready: Callable[[dict[str, int]], Any] | None = None,
    on_progress: Callable[[str], Any] | None = None,
) -> type:
    """Voilà's application class for ``kpi serve``; ``on_ready`` gets the warm pool sizes when
    the public port opens, ``on_progress`` the pools' progress lines (warming, grown)."""

    class KpiVoila(voila_app.Voila):
        def init_handlers(self) -> list:
            return [*extra_handlers, *with_language_handlers(super().init_handlers())]

        def init_settings(self) -> dict:
            # Voilà builds its kernel manager class with a factory: wrap what it makes.
            factory = voila_app.voila_kernel_manager_factory

            def pooled(base: type, preheat: bool, *args: Any, **kwargs: Any) -> type:
                made = factory(base, preheat, *args, **kwargs)
                return pooled_kernel_manager(made) if preheat else made

            voila_app.voila_kernel_manager_factory = pooled
            try:
                return super().init_settings()
            finally:
                voila_app.voila_kernel_manager_factory = factory

        def listen(self) -> None:
            public = reserve_port(self.ip, self.port)
            self.ioloop = IOLoop.current()
            internal = bind_sockets(0, "127.0.0.1")
            HTTPServer(self.app).add_sockets(internal)
            manager = self.kernel_manager
            if hasattr(manager, "query_port"):
                manager.query_port = internal[0].getsockname()[1]
                manager.progress = on_progress
            try:
                if hasattr(manager, "wait_until_warm"):
                    self.ioloop.run_sync(manager.wait_until_warm)
                public.listen(BACKLOG)
                HTTPServer(self.app).add_sockets([public])
                self.log.info("Voilà is running at:\n%s", self.display_url)
                if on_ready is not None:
                    on_ready(manager.pool_sizes() if hasattr(manager, "pool_sizes") else {})
                self.ioloop.start()
            except (KeyboardInterrupt, TimeoutError):  # Ctrl-C, or SIGTERM while warming
                self.log.info("Stopping...")
            finally:
                self.stop()

    return KpiVoila
