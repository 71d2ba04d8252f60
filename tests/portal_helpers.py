"""Sending a return through the portal's own path in tests: the inbox and its worker; and a
signed-in browser-less client of the served portal (sign in, CSRF token, waiting for a page)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import httpx
from i18n_helpers import english_left

from kpilib.ingest.templates import write_template
from kpilib.portal import inbox
from kpilib.portal.access import Access
from kpilib.portal.worker import work_once


def send(engine, access: Access, name: str, content: bytes, return_type: str, period: str,
         confirm: bool = True) -> inbox.Receipt:  # fmt: skip
    """Store an upload (confirmed at once unless ``confirm`` is False), let a worker take every
    item of the inbox, and return the upload's receipt."""
    with engine.begin() as connection:
        number = inbox.store_upload(
            connection, access, return_type=return_type, period_code=period, file_name=name,
            content=content, confirmed=confirm,
        )  # fmt: skip
    while work_once(engine):
        pass
    with engine.connect() as connection:
        receipt = inbox.read_receipt(connection, number, access.entity_id)
    assert receipt is not None
    return receipt


def error_codes(receipt: inbox.Receipt) -> list[str]:
    """The codes of a receipt's errors."""
    return [p["code"] for p in receipt.outcome.get("problems", []) if p["severity"] == "error"]


def financial_csv(tmp_path, entity: str, quarter: str, revenue: str = "152000000") -> bytes:
    """A valid quarterly financial return (the template's example row) for ``entity``."""
    path = write_template("pse_financial", "csv", tmp_path / "template.csv")
    text = path.read_text(encoding="utf-8-sig").splitlines()
    header, row = text[0], text[1].split(",")
    row[0], row[1], row[2] = entity, quarter, revenue
    return f"{header}\n{','.join(row)}\n".encode()


class ServedPortal:
    """The portal's handlers on a free local port, in a thread of their own, with workers."""

    def __init__(self, engine, max_bytes: int = 1_000_000) -> None:
        import asyncio
        import threading

        from conftest import free_port

        from kpilib.portal.web.app import portal_application
        from kpilib.portal.web.state import PortalState

        self.state = PortalState(engine=engine, max_bytes=max_bytes)
        self.state.start_workers()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/portal/"
        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.server = portal_application(self.state).listen(self.port, "127.0.0.1")
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.stop)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.state.stop()


def governance_csv(entity: str = "UNI-001", year: str = "2024-25", **changes: str) -> bytes:
    """A governance return (the template's example row) for ``entity`` and ``year``."""
    from kpilib.ingest.schemas import RETURN_SPECS
    from kpilib.ingest.templates import template_frame

    spec = RETURN_SPECS["pse_governance"]
    row = template_frame(spec).iloc[0].to_dict()
    row |= {"entity_code": entity, "period": year, "agm_date": None} | changes
    cells = ",".join("" if v is None else str(v) for v in row.values())
    return f"{','.join(spec.column_names)}\n{cells}\n".encode()


def sign_in(served: ServedPortal, key: str, language: str | None = "ur") -> httpx.Client:
    """A client signed in with the link ``key``, reading the portal in ``language``."""
    client = httpx.Client(base_url=served.url, follow_redirects=False, timeout=30)
    assert client.get("start", params={"key": key}).status_code == 303
    if language:
        switched = client.get("language", params={"to": language, "next": "/portal/"})
        assert switched.status_code == 303 and switched.headers["location"] == "/portal/"
    return client


def csrf_of(html: str) -> str:
    """The CSRF token of a page's form."""
    found = re.search(r'name="_csrf" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def wait_for_page(client: httpx.Client, location: str, until: str) -> str:
    """The page at ``location`` once it shows ``until`` (a receipt being checked), at most 30 s."""
    for _ in range(300):
        html = client.get(location.rsplit("/", 1)[-1]).text
        if until in html:
            return html
        time.sleep(0.1)
    raise AssertionError(f"{until!r} never showed: {html[-1500:]}")


def assert_urdu_page(html: str, allowed: list[str]) -> None:
    """An Urdu page, right to left, with no English word but ``allowed`` (the page's data) and
    file fingerprints."""
    assert '<html lang="ur" dir="rtl">' in html
    fingerprints = re.findall(r"[0-9a-f]{64}", html)
    left = english_left(html, allowed=[*allowed, *fingerprints])
    assert left == [], left


#: A red flag on UNI-001 (HED's PSE), as ``open_actions_for_flags`` takes it.
ONE_PSE_FLAG = ("pse", "UNI-001", "HED", "UNI-001", "high", "Demo University", "very high risk")


@contextmanager
def served_with_an_action(database_url: str) -> Iterator[dict]:
    """The reference province served by the portal, links for UNI-001's officer (``pse``) and
    HED's reviewer (``hed``), and one open action of HED on :data:`ONE_PSE_FLAG`."""
    import pandas as pd
    from ingest_helpers import build_reference

    from kpilib.kpis.actions import CANDIDATE_COLUMNS, open_actions_for_flags
    from kpilib.portal.access import grant
    from kpilib.store.actions import load_actions

    engine = build_reference(database_url)
    with engine.begin() as connection:
        links = {key: grant(connection, code, f"{kind} of {code}", kind=kind)
                 for key, code, kind in (("pse", "UNI-001", "pse"),
                                         ("hed", "HED", "reviewer"))}  # fmt: skip
        open_actions_for_flags(connection, pd.DataFrame([ONE_PSE_FLAG], columns=CANDIDATE_COLUMNS),
                               fiscal_year=2024, period_code="FY",
                               opened_on=date(2024, 7, 1))  # fmt: skip
        action = int(load_actions(connection)["action_id"].iloc[0])
    served = ServedPortal(engine, max_bytes=200_000)
    try:
        yield {"engine": engine, "served": served, "links": links, "action": action}
    finally:
        served.stop()
        engine.dispose()
