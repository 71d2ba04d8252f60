"""The portal inside ``kpi serve --portal``: its state (the writer database, the worker pool)
and its routes, handed to the dashboards' server, which serves them in the same process and on
the same port as the dashboards (:func:`kpilib.dashboards.server.run_server`).

Why Tornado handlers in the dashboards' server rather than a separate ASGI application:
``docs/portal.md`` ("Design"). In short: one process and one port to run and to proxy, the same
event loop Voilà already runs, and no kernel per visitor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kpilib.portal.inbox import count_pending, release_orphans
from kpilib.portal.sessions import purge_sessions
from kpilib.portal.web.app import portal_handlers
from kpilib.portal.web.state import PortalState
from kpilib.store.database import connect

log = logging.getLogger("kpilib.portal")
#: Uploads larger than this are refused (megabytes), unless ``--portal-max-mb`` says otherwise.
DEFAULT_MAX_MB = 10.0
DEFAULT_WORKERS = 2


@dataclass(frozen=True)
class PortalSettings:
    """How ``kpi serve --portal`` runs the portal."""

    writer_url: str
    base_url: str = "/"
    workers: int = DEFAULT_WORKERS
    max_mb: float = DEFAULT_MAX_MB


def open_portal(settings: PortalSettings) -> PortalState:
    """The portal's state, its worker pool started. Uploads left in the inbox by a server that
    stopped are taken up again at once (those its dead workers held are freed first)."""
    engine = connect(settings.writer_url, pool=settings.workers + 2)  # workers + pages
    state = PortalState(
        engine=engine, base_url=settings.base_url, max_bytes=int(settings.max_mb * 1e6),
        workers=settings.workers,
    )  # fmt: skip
    with engine.begin() as connection:
        purge_sessions(connection)
        freed = release_orphans(connection)
        pending = count_pending(connection)
    if pending:
        log.info("portal: %d upload(s) left in the inbox are taken up again (%d freed from "
                 "workers that died)", pending, freed)  # fmt: skip
    state.start_workers()
    return state


def server_hooks(state: PortalState) -> dict[str, Any]:
    """What :func:`kpilib.dashboards.server.run_server` takes to serve the portal too."""
    return {"extra_handlers": portal_handlers(state), "on_stop": state.stop}
