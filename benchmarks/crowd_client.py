"""A viewer without a browser: what the province page asks of the server, replayed at the
protocol level (``bench_dashboards.py --viewers``; ``dashboard_crowd.py`` says why).

A real viewer's browser runs on the viewer's own computer; 25 headless Chromium pages on the
server's two cores measure the browsers more than the server (each page compiles ~1.5 MB of
JavaScript: about 2.5 s of CPU). So the bulk of a crowd are :func:`protocol_viewer` clients that
make the very requests a browser makes, in its order, and the server does the same work for
them:

1. ``GET`` the page (Voilà hands over a warm kernel, or starts one, and renders the page);
2. ``GET`` every script, stylesheet and extension the browser fetched (the list recorded from a
   real Chromium visit at the start of the run: :func:`record_browser_visit`), six at a time
   like a browser, nothing cached;
3. ``GET /api/kernels/<id>``, open the kernel's WebSocket (protocol v1, as JupyterLab's
   services do), ask for ``kernel_info``, open the ``jupyter.widget.control`` comm and request
   every widget's state;
4. answer each chart widget's first message (anywidget sends the browser's time zone) and wait
   for the kernel's echo: the chart's data and spec are then in the page, and the browser's
   drawing is the viewer's own computer's work (about 0.3 s, measured by the Chromium viewers
   that join every crowd).

The time from the first request to step 4's last echo is the viewer's "first chart".
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from typing import Any

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

PROTOCOL = "v1.kernel.websocket.jupyter.org"
#: Parallel requests of one browser to one host (HTTP/1.1).
PER_HOST = 6
#: What ipywidgets' front end sends with its control comm (the protocol version it speaks).
CONTROL_METADATA = {"version": "1.0.0"}
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def encode(channel: str, msg_type: str, content: dict, session: str,
           metadata: dict | None = None) -> bytes:  # fmt: skip
    """A kernel message in the v1 WebSocket protocol."""
    header = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session,
              "username": "viewer", "version": "5.3", "date": ""}  # fmt: skip
    parts = [json.dumps(part).encode() for part in (header, {}, metadata or {}, content)]
    chan = channel.encode()
    offsets = [8 * (1 + 1 + len(parts) + 1)]
    offsets.append(offsets[-1] + len(chan))
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
    return head + chan + b"".join(parts)


def decode(data: bytes) -> tuple[str, dict, dict, dict]:
    """Channel, header, parent header and content of a v1 message."""
    count = int.from_bytes(data[:8], "little")
    offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(count)]
    parts = [data[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
    channel = parts[0].decode()
    header, parent, _meta, content = (json.loads(p) if p else {} for p in parts[1:5])
    return channel, header, parent, content


async def _fetch_all(client: AsyncHTTPClient, urls: list[str]) -> None:
    gate = asyncio.Semaphore(PER_HOST)

    async def one(url: str) -> None:
        async with gate:
            await client.fetch(url, request_timeout=180, raise_error=False)

    await asyncio.gather(*(one(url) for url in urls))


async def _until(connection: Any, wanted) -> dict:
    """Messages from the kernel until ``wanted(channel, header, parent, content)`` holds."""
    while True:
        frame = await connection.read_message()
        if frame is None:
            raise ConnectionError("the kernel's WebSocket closed")
        if isinstance(frame, bytes):
            message = decode(frame)
            if wanted(*message):
                return message[3]


def _has_chart(models: dict, chart: str) -> bool:
    """True if the panel ``kpi-chart-<chart>`` holds a chart widget with a spec."""
    for model in models.values():
        if f"kpi-chart-{chart}" in model["state"].get("_dom_classes", ()):
            keys = [child.removeprefix("IPY_MODEL_") for child in model["state"]["children"]]
            return any(models.get(key, {}).get("state", {}).get("spec") for key in keys)
    return False


async def _charts_drawn(connection: Any, session: str, chart: str) -> Any:
    """Steps 3-4 of the module's text on an open kernel WebSocket."""
    connection.write_message(encode("shell", "kernel_info_request", {}, session), binary=True)
    await _until(connection, lambda ch, h, p, c: h.get("msg_type") == "kernel_info_reply")
    comm = uuid.uuid4().hex
    for msg_type, content in (
        ("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control", "data": {}}),
        ("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}}),
    ):
        message = encode("shell", msg_type, content, session, CONTROL_METADATA)
        connection.write_message(message, binary=True)
    states = await _until(connection, lambda ch, h, p, c: c.get("data", {}).get("method")
                          == "update_states")  # fmt: skip
    models = states["data"]["states"]
    charts = [key for key, model in models.items() if model["model_name"] == "AnyModel"]
    if not _has_chart(models, chart):
        raise LookupError(f"no {chart} chart with data in the page's widgets")
    for key in charts:
        update = {"method": "update", "state": {"local_tz": "UTC"}, "buffer_paths": []}
        message = encode("shell", "comm_msg", {"comm_id": key, "data": update}, session)
        connection.write_message(message, binary=True)
    echoed: set[str] = set()
    while echoed != set(charts):
        content = await _until(connection, lambda ch, h, p, c: c.get("data", {}).get("method")
                               == "echo_update")  # fmt: skip
        echoed.add(content["comm_id"])
    return connection


async def protocol_viewer(base: str, path: str, chart: str, assets: list[str]) -> tuple[float, Any]:
    """One viewer: seconds to its first chart (see the module's text), and its open WebSocket
    (the viewer stays on the page until it is closed, like a closed tab)."""
    client = AsyncHTTPClient()
    started = time.perf_counter()
    page = await client.fetch(base + path, request_timeout=180)
    found = KERNEL_ID.search(page.body.decode())
    if found is None:
        raise LookupError("the page names no kernel")
    kernel = found.group(1)
    await _fetch_all(client, assets)
    await client.fetch(f"{base}api/kernels/{kernel}", request_timeout=180)
    session = uuid.uuid4().hex
    url = f"{base.replace('http', 'ws', 1)}api/kernels/{kernel}/channels?session_id={session}"
    request = HTTPRequest(url, connect_timeout=180, request_timeout=180)
    connection = await websocket_connect(request, subprotocols=[PROTOCOL],
                                         max_message_size=2**30)  # fmt: skip
    try:
        await asyncio.wait_for(_charts_drawn(connection, session, chart), 180)
    except BaseException:
        connection.close()
        raise
    return time.perf_counter() - started, connection


async def record_browser_visit(browser: Any, base: str, path: str, chart: str) -> list[str]:
    """The same-origin files a real browser fetches for ``path`` (page and API excluded)."""
    context = await browser.new_context()
    page = await context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    await page.goto(base + path, wait_until="commit", timeout=180_000)
    await page.locator(f".kpi-chart-{chart} .vega-embed svg").first.wait_for(timeout=180_000)
    await context.close()
    skip = (base + path, base + "api/")
    return [url for url in dict.fromkeys(urls) if url.startswith(base) and not url.startswith(skip)]


def configure_client() -> None:
    """Let one process hold a crowd's connections (Tornado's default is ten at a time)."""
    AsyncHTTPClient.configure(None, max_clients=1000)
