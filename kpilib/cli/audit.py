"""``kpi audit``: check that the audit log is intact (its hash chain)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.text import Text

from kpilib.cli.app import DatabaseUrl, app, console, reader_url_of
from kpilib.store.audit import verify_audit_chain
from kpilib.store.database import connect

audit_app = typer.Typer(help="Check the audit log of every change.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    anchors: Annotated[
        list[str] | None,
        typer.Option("--anchor", help="A head hash written down earlier (repeat for several)."),
    ] = None,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    database_url: DatabaseUrl = None,
) -> None:
    """Check the audit log's hash chain: every entry, in order, and the chain head.

    Each entry holds the hash of the entry before it and a hash of its own fields, so an entry
    edited, inserted or deleted directly in the database shows. Prints "Audit log intact: N
    entries, head <hash>" and exits 0, or names the first broken entry and why and exits 1.
    Write the head hash down (in a report, a letter) and give it to a later check with --anchor:
    if the log was rewritten since, hashes and head included, the anchor is gone. Reads only
    (through KPI_READER_DATABASE_URL when set).
    """
    engine = connect(reader_url_of(ctx), read_only=True)
    with engine.connect() as connection:
        result = verify_audit_chain(connection, anchors or ())
    engine.dispose()
    if as_json:
        console.print_json(json.dumps(result.as_dict()))
    elif result.intact:
        console.print(
            f"Audit log intact: {result.entries:,} entries, head {result.last_hash}",
            highlight=False,
            soft_wrap=True,
        )
    else:
        first = result.breaks[0]
        where = f" at entry {first.entry_id}" if first.entry_id is not None else ""
        console.print(
            Text(f"Audit log NOT intact{where} ({result.entries:,} entries checked):"),
            style="bold red",
        )
        for found in result.breaks:
            console.print(Text(f"  - {found.kind}: {found.message}"), soft_wrap=True)
    if not result.intact:
        raise typer.Exit(1)
