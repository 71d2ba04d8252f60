"""``kpi serve``: the dashboards (Voilà) on this machine, read-only and offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpilib.cli.app import app, console, reader_url_of, writer_url_of
from kpilib.parameter_files import find_parameters_dir
from kpilib.report.plan import default_home
from kpilib.store.database import connect
from kpilib.views.status import load_status_rules

if TYPE_CHECKING:
    from kpilib.dashboards.server import ServeParams

# kpilib.dashboards.server imports Voilà only when the server starts.


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="Address to listen on; beyond localhost a token or password is required.",
    ),
    port: int = typer.Option(8866, "--port", min=1, max=65535, help="Port to listen on."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="KPI_SERVE_TOKEN",
        show_envvar=True,
        help="Access token visitors must give (?token=… once; prefer the variable).",
    ),
    password_hash: str | None = typer.Option(
        None,
        "--password-hash",
        envvar="KPI_SERVE_PASSWORD_HASH",
        show_envvar=True,
        help="Password hash from jupyter_server.auth.passwd(); visitors log in with the password.",
    ),
    base_url: str = typer.Option(
        "/",
        "--base-url",
        help="URL prefix when a reverse proxy serves the dashboards under a path.",
    ),
    pool_size: int = typer.Option(
        1, "--pool-size", min=1, max=8, help="Preheated kernels kept ready per dashboard."
    ),
    portal: bool = typer.Option(
        False,
        "--portal",
        help="Also serve the portal pages (PSE submission, department review) under "
        "/voila/render/portal/; only their kernels get the writer URL (KPI_WRITER_DATABASE_URL).",
    ),
    dashboards_dir: Annotated[
        Path | None,
        typer.Option(
            "--dashboards-dir",
            help="Folder of the dashboard notebooks (default: notebooks/dashboards).",
        ),
    ] = None,
) -> None:
    """Serve the dashboards (province, department, PSE monitor) with Voilà.

    Sources are stripped, kernels are preheated and open the database read-only, and no page
    asks anything of the internet. Binds 127.0.0.1 unless told otherwise; any other address
    needs --token or --password-hash. Stop with Ctrl-C.
    """  # fmt: skip
    params = _resolve_serve_params(
        ctx, host, port, token, password_hash, base_url, pool_size, portal, dashboards_dir
    )
    _start_server(params)


def _resolve_serve_params(
    ctx: typer.Context,
    host: str,
    port: int,
    token: str | None,
    password_hash: str | None,
    base_url: str,
    pool_size: int,
    portal: bool,
    dashboards_dir: Path | None,
) -> ServeParams:
    """The server's parameters from the options: absolute database URLs and folders."""
    from kpilib.dashboards.server import ServeParams, absolute_database_url

    # KPI_READER_DATABASE_URL, when set, is the (read-only) role the dashboards log in as.
    url = absolute_database_url(reader_url_of(ctx))
    writer = absolute_database_url(writer_url_of(ctx)) if portal else None
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
        portal_dir=(notebooks / "portal").resolve() if portal else None,
        writer_url=writer,
        parameters_dir=find_parameters_dir(default_home().resolve()),
    )


def _start_server(params: ServeParams) -> None:
    """Check the parameters and the databases, say where the dashboards are, and serve them."""
    from kpilib.dashboards.server import check_serve_params, describe_server, run_server

    check_serve_params(params)
    load_status_rules(params.parameters_dir)  # the dashboards' statuses: refuse bad files now
    connect(params.database_url, read_only=True).dispose()  # exists, has our schema: fail now
    if params.writer_url is not None:
        connect(params.writer_url).dispose()
    console.print(describe_server(params), highlight=False)
    run_server(params)
