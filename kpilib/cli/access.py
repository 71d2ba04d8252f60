"""``kpi access``: personal links to the portal (grant, list, revoke)."""

from __future__ import annotations

from typing import cast

import typer
from rich.table import Table
from rich.text import Text

from kpilib.cli.app import DatabaseUrl, app, console, parse_date_option, writer_url_of
from kpilib.cli.output import JsonOutput, print_records, print_table
from kpilib.portal.access import grant, list_tokens, portal_link, revoke
from kpilib.store.database import connect

ENV_PORTAL_URL = "KPI_PORTAL_URL"
DEFAULT_PORTAL_URL = "http://127.0.0.1:8866/"

access_app = typer.Typer(
    help="Personal access links to the portal: grant, list, revoke.", no_args_is_help=True
)
app.add_typer(access_app, name="access")


@access_app.command("grant")
def grant_command(
    ctx: typer.Context,
    scope: str = typer.Argument(
        ..., help="PSE code (e.g. UNI-001); with --reviewer, a department code (e.g. HLT)."
    ),
    name: str = typer.Option(..., "--name", help="Who the link is for (shown on the page)."),
    reviewer: bool = typer.Option(
        False, "--reviewer", help="A department reviewer's link (the review page)."
    ),
    email: str | None = typer.Option(
        None, "--email", help="E-mail address for reminders (PSE officers)."
    ),
    expires: str | None = typer.Option(
        None, "--expires", help="Last day the link works (YYYY-MM-DD); default: no expiry."
    ),
    base_url: str | None = typer.Option(
        None,
        "--base-url",
        envvar=ENV_PORTAL_URL,
        show_envvar=True,
        help=f"The portal's public address (default {DEFAULT_PORTAL_URL}).",
    ),
    database_url: DatabaseUrl = None,
) -> None:
    """Create a personal link and print it. Only the token's hash is stored: the link is shown
    once and cannot be shown again (grant a new one and revoke the old one if it is lost)."""
    kind = "reviewer" if reviewer else "pse"
    engine = connect(writer_url_of(ctx))
    with engine.begin() as connection:
        token_id, token = grant(
            connection, scope, name, kind=kind, email=email,
            expires_on=parse_date_option(expires, "--expires"),
        )  # fmt: skip
    link = portal_link(base_url or DEFAULT_PORTAL_URL, kind, token)
    console.print(f"Access {token_id} granted to {name} ({kind}, {scope.upper()}). Link:")
    console.print(Text(link), soft_wrap=True)


@access_app.command("list")
def list_command(
    ctx: typer.Context,
    all_tokens: bool = typer.Option(False, "--all", help="Include revoked and expired links."),
    as_json: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:
    """List the access links (never the tokens): id, kind, PSE or department, name, state."""
    engine = connect(writer_url_of(ctx), read_only=True)
    with engine.connect() as connection:
        frame = list_tokens(connection)
    if not all_tokens:
        frame = frame[frame["state"] == "active"]
    if as_json:
        print_records(frame)
        return
    table = Table("Id", "Kind", "For", "Name", "E-mail", "Expires", "State",
                  title="Portal access links")  # fmt: skip
    for row in frame.itertuples(index=False):
        expires = "" if row.expires_on is None else str(row.expires_on)
        email = cast("str | None", row.email)
        table.add_row(str(row.id), str(row.kind), Text(str(row.scope)), Text(str(row.name)),
                      Text(email or ""), expires, str(row.state))  # fmt: skip
    print_table(table)


@access_app.command("revoke")
def revoke_command(
    ctx: typer.Context,
    token_id: int = typer.Argument(..., help="The link's id (see kpi access list)."),
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a link at once: its page shows "no access" from the next visit on."""
    engine = connect(writer_url_of(ctx))
    with engine.begin() as connection:
        revoke(connection, token_id)
    console.print(f"Access {token_id} revoked.")
