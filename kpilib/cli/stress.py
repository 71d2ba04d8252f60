"""``kpi stress``: the fiscal-risk stress scenarios of ``parameters/stress.yaml`` applied to the
PSEs' latest statements (portfolio totals, or one scenario PSE by PSE)."""

from __future__ import annotations

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from kpilib.cli.app import DatabaseUrl, app, console, reader_url_of
from kpilib.cli.output import JsonOutput, print_records, print_table
from kpilib.fiscal import FiscalYear
from kpilib.store.database import connect
from kpilib.units import MISSING, format_money, is_missing
from kpilib.views.stress import StressView, load_stress_view

PSE_COLUMNS = [
    "entity_code", "entity_name", "category", "period_code", "rating_before", "rating_after",
    "score_before", "score_after", "move", "shock_cost", "cash_available", "funding_gap",
    "guarantee_called", "extra_support", "notes",
]  # fmt: skip
PORTFOLIO_COLUMNS = [
    "scenario", "scenario_label", "pses", "rated", "high_risk_before", "high_risk_after",
    "downgraded", "shock_cost", "funding_gap", "guarantee_called", "extra_support",
]  # fmt: skip


def _text(value: object) -> Text:
    return Text(MISSING if is_missing(value) else str(value))


def _print_portfolio(view: StressView) -> None:
    title = "Stress scenarios: the portfolio"
    table = Table("Scenario", "PSEs rated", "High risk before", "High risk after",
                  "Downgraded", "Extra support", title=title)  # fmt: skip
    for r in view.portfolio.itertuples(index=False):
        table.add_row(Text(f"{r.scenario_label} ({r.scenario})"), str(r.rated),
                      str(r.high_risk_before), str(r.high_risk_after), str(r.downgraded),
                      format_money(r.extra_support))  # fmt: skip
    print_table(table)


def _print_pses(frame: pd.DataFrame, title: str) -> None:
    table = Table("PSE", "Statement", "Rating before", "Rating after", "Shock a year",
                  "Funding gap", "Guarantee called", "Extra support", title=title)  # fmt: skip
    for r in frame.itertuples(index=False):
        table.add_row(Text(f"{r.entity_code} {r.entity_name}"), _text(r.period_code),
                      _text(r.rating_before), _text(r.rating_after), format_money(r.shock_cost),
                      format_money(r.funding_gap), format_money(r.guarantee_called),
                      format_money(r.extra_support))  # fmt: skip
    print_table(table)


def _register_note(view: StressView) -> str:
    """Which guarantees register the scenarios called guarantees from."""
    if view.guarantees_year is None:
        return "No guarantee is called: the guarantees register has no year up to the one judged."
    return f"Guarantees outstanding from the register of {FiscalYear(view.guarantees_year).label}."


@app.command("stress")
def stress_command(
    ctx: typer.Context,
    scenario: str | None = typer.Option(
        None, "--scenario", help="One scenario's results PSE by PSE (its name in stress.yaml)."
    ),
    period: str | None = typer.Option(
        None, "--period", help="Judge each PSE on its latest statement up to this quarter "
        "(e.g. 2024-25Q2); default: the latest quarter in the data.",
    ),
    as_json: JsonOutput = False,
    database_url: DatabaseUrl = None,
) -> None:  # fmt: skip
    """Stress tests of the PSEs' finances (fiscal risk).

    Each scenario of parameters/stress.yaml (own revenue down, costs up, interest up on
    borrowings, guaranteed debt called) replays every PSE's latest year and re-rates it with the
    same health-check rules as the baseline.

    Without --scenario: one line per scenario, with the PSEs rated high risk before and after
    the shock and the extra support the province would need. With --scenario NAME: that
    scenario PSE by PSE, largest extra support first.

    Extra support = the part of the year's shock the PSE's cash cannot meet, plus any guarantee
    called (docs/methodology.md, "Fiscal risk: stress scenarios"). Guarantees outstanding come from
    the contingent-liabilities register of the year judged (or the latest before it). Reads only.
    """
    engine = connect(reader_url_of(ctx), read_only=True)
    view = load_stress_view(engine, period_code=period)
    engine.dispose()
    if scenario is None:
        if as_json:
            print_records(view.portfolio[PORTFOLIO_COLUMNS])
        else:
            _print_portfolio(view)
            console.print(_register_note(view))
        return
    chosen = view.scenarios.scenario(scenario)
    rows = view.results[view.results["scenario"] == chosen.name]
    rows = rows.sort_values(["extra_support", "entity_code"], ascending=[False, True])
    if as_json:
        print_records(rows[PSE_COLUMNS])
        return
    _print_pses(rows, f"Stress scenario: {chosen.label}")
    console.print(Text(f"Source: {chosen.source}"), soft_wrap=True)
