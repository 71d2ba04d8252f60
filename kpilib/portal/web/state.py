"""What every portal handler shares: the writer database, the worker pool, the templates, the
limits. One :class:`PortalState` per server process."""

from __future__ import annotations

import functools
import hashlib
import html
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from sqlalchemy.engine import Engine

from kpilib.i18n import gettext, isolate, ngettext
from kpilib.portal.worker import WorkerPool
from kpilib.present.fonts import urdu_text_css
from kpilib.present.html import STYLES_DIR

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
#: Failed sign-ins allowed per address in :data:`FAILURE_WINDOW` seconds before refusals.
MAX_FAILURES = 20
FAILURE_WINDOW = 60.0
#: Addresses remembered by the limiter (the oldest are forgotten first).
MAX_TRACKED = 10_000


class FailureLimiter:
    """Failed sign-ins counted per client address in a sliding window, in bounded memory."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = FAILURE_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(address, []) if now - t < self.window]
        self._failures[address] = times
        self._failures.move_to_end(address)
        while len(self._failures) > MAX_TRACKED:
            self._failures.popitem(last=False)
        return times

    def blocked(self, address: str) -> bool:
        """Whether ``address`` has failed too often lately."""
        with self._lock:
            return len(self._recent(address, time.monotonic())) >= self.limit

    def fail(self, address: str) -> None:
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())


@functools.cache
def urdu_stylesheet() -> tuple[str, str]:
    """The Urdu pages' stylesheet and its version (the first 12 hex digits of its SHA-256)."""
    text = urdu_text_css()
    return text, hashlib.sha256(text.encode()).hexdigest()[:12]


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATES_DIR), str(STYLES_DIR)]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    # Every visible string of the templates goes through _() in the request's language.
    environment.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext,
        isolate=isolate,
    )  # fmt: skip
    return environment


def _markup(text: str) -> Markup:
    # A message is the suite's own text: escaped as text (an apostrophe stays one; every
    # attribute of the templates is double-quoted); Markup.format escapes the values put in it.
    escaped = html.escape(text, quote=False).replace('"', "&#34;")
    return Markup(escaped)  # noqa: S704 (escaped on the line above)


def template_gettext(message: str) -> Markup:
    """The templates' ``_()``: :func:`kpilib.i18n.gettext`, escaped as markup."""
    return _markup(gettext(message))


def template_ngettext(singular: str, plural: str, count: int) -> Markup:
    """The templates' ``ngettext()``: :func:`kpilib.i18n.ngettext`, escaped as markup."""
    return _markup(ngettext(singular, plural, count))


@dataclass
class PortalState:
    """The portal of one server process."""

    engine: Engine
    base_url: str = "/"
    max_bytes: int = 10_000_000
    workers: int = 2
    #: Threads that run the handlers' database work off the event loop.
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(8, thread_name_prefix="kpi-portal-db")
    )
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    templates: jinja2.Environment = field(default_factory=_environment)
    pool: WorkerPool | None = None
    #: Called after an upload or a confirmation (wakes the workers).
    on_work: Callable[[], Any] = lambda: None

    def start_workers(self) -> None:
        """Start the worker pool (the server does, once)."""
        self.pool = WorkerPool(self.engine, self.workers)
        self.on_work = self.pool.notify
        self.pool.start()

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
