"""Two ``kpi serve`` instances behind nginx with sticky sessions (issue 20), using the very
directives of ``deploy/nginx/`` (``kpi-sticky.conf``, ``kpi-dashboards-location.conf``) with a
test server block on local ports instead of TLS.

A first visit gets a ``kpi_route`` cookie; every request carrying it reaches the same instance,
different visitors spread over both, and in Chromium each dashboard page draws its chart through
the proxied WebSocket (its kernel lives in the instance that drew the page: a request sent to
the other instance would find no kernel and the chart would never draw).

Needs nginx (``apt-get install -y nginx-light``) and Chromium: missing, these tests fail in CI
and skip locally.
"""

from __future__ import annotations

import http.cookiejar
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import IN_CI, REPO, free_port, start_kpi_serve

pytestmark = pytest.mark.slow
NGINX_DIR = REPO / "deploy" / "nginx"
BASE = "/dashboards/"


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


def write_config(prefix: Path, port: int, upstreams: list[str]) -> Path:
    servers = "\n".join(f"        server {address} max_fails=0;" for address in upstreams)
    config = prefix / "nginx.conf"
    config.write_text(f"""
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {NGINX_DIR}/kpi-sticky.conf;
    upstream kpi_dashboards {{
        hash $kpi_route consistent;
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location {BASE} {{
            include {NGINX_DIR}/kpi-dashboards-location.conf;
            add_header X-Test-Upstream $upstream_addr always;  # the test's only addition
        }}
    }}
}}
""")
    return config


@pytest.fixture(scope="module")
def nginx_pair(demo_sqlite_url, tmp_path_factory):
    """nginx on a free port in front of two instances; yields (proxy URL, instance ports)."""
    nginx = find_nginx()
    if nginx is None:
        if IN_CI:
            pytest.fail("nginx is missing (.ci/run installs nginx-light)")
        pytest.skip("nginx is not installed (apt-get install -y nginx-light)")
    folder = tmp_path_factory.mktemp("nginx")
    instances = [
        start_kpi_serve(demo_sqlite_url, folder / f"serve{i}.log", "--base-url", BASE,
                        "--pool-size", "1", ready_timeout=300)
        for i in (1, 2)
    ]  # fmt: skip
    ports = [int(served.url.split(":")[2].split("/")[0]) for served in instances]
    port = free_port()
    config = write_config(folder, port, [f"127.0.0.1:{p}" for p in ports])
    process = subprocess.Popen([nginx, "-p", str(folder), "-c", str(config), "-g",
                                "daemon off;"], stderr=subprocess.STDOUT,
                               stdout=(folder / "nginx.out").open("wb"))  # fmt: skip
    url = f"http://127.0.0.1:{port}{BASE}"
    try:
        _wait_for(url)
        yield url, ports
    finally:
        process.terminate()
        process.wait(timeout=30)
        for served in instances:
            served.stop()


def _wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _visit(url: str, jar: http.cookiejar.CookieJar, times: int) -> set[str]:
    """The instances that answered ``times`` requests of one visitor (one cookie jar)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    answered = set()
    for _ in range(times):
        with opener.open(url, timeout=60) as response:
            assert response.status == 200
            answered.add(response.headers["X-Test-Upstream"])
    return answered


def test_a_visitor_stays_on_one_instance_and_visitors_spread(nginx_pair):
    url, ports = nginx_pair
    jar = http.cookiejar.CookieJar()
    assert len(_visit(url, jar, 6)) == 1  # the first response set the cookie; all follow it
    cookie = next(c for c in jar if c.name == "kpi_route")
    assert len(cookie.value) >= 16
    spread = set()
    for _ in range(16):
        spread |= _visit(url, http.cookiejar.CookieJar(), 2)
    assert spread == {f"127.0.0.1:{p}" for p in ports}


def test_dashboards_draw_through_the_proxy_for_every_visitor(nginx_pair, browser):
    url, ports = nginx_pair
    seen = set()
    for _ in range(4):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        upstreams: list[str] = []
        page.on("response", lambda r, u=upstreams: u.append(r.headers.get("x-test-upstream")))
        page.goto(url + "voila/render/department.ipynb?department=HLT", timeout=120_000)
        page.locator(".kpi-chart-curve .vega-embed svg").first.wait_for(timeout=120_000)
        served = {u for u in upstreams if u}
        assert len(served) == 1, served  # page, scripts and kernel calls: one instance
        seen |= served
        context.close()
    assert seen <= {f"127.0.0.1:{p}" for p in ports}
