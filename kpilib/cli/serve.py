"""``kpi serve``: the dashboards (Voilà) on this machine, read-only and offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpilib.cli.app import DatabaseUrl, app, console, reader_url_of, writer_url_of
from kpilib.parameter_files import find_parameters_dir
from kpilib.report.plan import default_home
from kpilib.store.database import connect, mask_url
from kpilib.views.status import load_status_rules

if TYPE_CHECKING:
    from kpilib.dashboards.server import ServeParams
    from kpilib.portal.server import PortalSettings

# kpilib.dashboards.server imports Voilà only when the server starts.
POOL_HELP = (
    "Preheated kernels of the province page; the other pages keep at most as many "
    "(default: what the memory allows)."
)


# fmt: off
Host = Annotated[str, typer.Option(
    "--host", help="Address to listen on; beyond localhost a token or password is required.")]
Port = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
Token = Annotated[str | None, typer.Option(
    "--token", envvar="KPI_SERVE_TOKEN", show_envvar=True,
    help="Access token visitors must give (?token=… once; prefer the variable).")]
PasswordHash = Annotated[str | None, typer.Option(
    "--password-hash", envvar="KPI_SERVE_PASSWORD_HASH", show_envvar=True,
    help="Password hash from jupyter_server.auth.passwd(); visitors log in with the password.")]
BaseUrl = Annotated[str, typer.Option(
    "--base-url", help="URL prefix when a reverse proxy serves the dashboards under a path.")]
PoolSize = Annotated[int | None, typer.Option("--pool-size", min=1, max=32, help=POOL_HELP)]
Portal = Annotated[bool, typer.Option(
    "--portal", help="Also serve the portal (PSE returns, department review) under /portal/, "
    "writing through the writer URL (KPI_WRITER_DATABASE_URL); no dashboard kernel gets it.")]
PortalWorkers = Annotated[int, typer.Option(
    "--portal-workers", min=1, max=8,
    help="Uploads checked and loaded at once; the others wait in the inbox, in order.")]
PortalMaxMb = Annotated[float, typer.Option(
    "--portal-max-mb", min=0.1, max=200, help="Largest upload the portal accepts, in megabytes.")]
DashboardsDir = Annotated[Path | None, typer.Option(
    "--dashboards-dir", help="Folder of the dashboard notebooks (default: notebooks/dashboards).")]
# fmt: on


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Host = "127.0.0.1",
    port: Port = 8866,
    token: Token = None,
    password_hash: PasswordHash = None,
    base_url: BaseUrl = "/",
    pool_size: PoolSize = None,
    portal: Portal = False,
    portal_workers: PortalWorkers = 2,
    portal_max_mb: PortalMaxMb = 10.0,
    dashboards_dir: DashboardsDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Serve the dashboards (province, department, PSE monitor) with Voilà.

    Sources are stripped, kernels are preheated and open the database read-only, and no page
    asks anything of the internet. Binds 127.0.0.1 unless told otherwise; any other address
    needs --token or --password-hash. Stop with Ctrl-C.
    """  # fmt: skip
    params = _resolve_serve_params(
        ctx, host, port, token, password_hash, base_url, pool_size, dashboards_dir
    )
    portal_settings = None
    if portal:
        from kpilib.portal.server import PortalSettings

        portal_settings = PortalSettings(
            writer_url=absolute_database_url(writer_url_of(ctx)), base_url=base_url,
            workers=portal_workers, max_mb=portal_max_mb,
        )  # fmt: skip
    _start_server(params, portal_settings)


def _resolve_serve_params(
    ctx: typer.Context,
    host: str,
    port: int,
    token: str | None,
    password_hash: str | None,
    base_url: str,
    pool_size: int | None,
    dashboards_dir: Path | None,
) -> ServeParams:
    """The server's parameters from the options: absolute database URLs and folders."""
    from kpilib.dashboards.server import ServeParams

    # KPI_READER_DATABASE_URL, when set, is the (read-only) role the dashboards log in as.
    url = absolute_database_url(reader_url_of(ctx))
    notebooks = default_home() / "notebooks"
    return ServeParams(
        dashboards_dir=(dashboards_dir or notebooks / "dashboards").resolve(),
        database_url=url,
        host=host,
        port=port,
        base_url=base_url,
        pool_size=pool_size,
        token=token or None,
        password_hash=password_hash or None,
        parameters_dir=find_parameters_dir(default_home().resolve()),
    )


def absolute_database_url(url: str) -> str:
    from kpilib.dashboards.server import absolute_database_url as absolute

    return absolute(url)


def _start_server(params: ServeParams, portal: PortalSettings | None = None) -> None:
    """Check the parameters and the databases, say where the dashboards (and the portal) are,
    and serve them."""
    from kpilib.dashboards.server import (
        check_serve_params,
        describe_server,
        run_server,
        server_address,
    )

    check_serve_params(params)
    load_status_rules(params.parameters_dir)  # the dashboards' statuses: refuse bad files now
    connect(params.database_url, read_only=True).dispose()  # exists, has our schema: fail now
    console.print(describe_server(params), highlight=False)
    hooks = {}
    if portal is not None:
        from kpilib.portal.server import open_portal, server_hooks

        hooks = server_hooks(open_portal(portal))
        console.print(
            f"Portal at {server_address(params)}portal/ (personal links: kpi access grant); "
            f"writes to {mask_url(portal.writer_url)} with {portal.workers} worker(s).",
            highlight=False,
        )
    run_server(params, **hooks)
