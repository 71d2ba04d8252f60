"""Sending a return through the portal's own path in tests: the inbox and its worker."""

from __future__ import annotations

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
