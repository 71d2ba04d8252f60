"""Fiscal risk for reports and dashboards: every stress scenario of ``parameters/stress.yaml``
applied to every PSE's latest year (issue 17).

Nothing is computed here: the ratings before and after each shock and the extra support come
from :mod:`kpilib.kpis.stress`, the totals and the heat map from :mod:`kpilib.kpis.stress_summary`;
this module loads the data, adds the names and labels a page shows, and keeps the scenarios'
order.

Guarantees: :func:`compute_stress_view` takes a ``guarantees`` frame (``pse_code, outstanding``,
rupees; see :data:`kpilib.kpis.stress.GUARANTEE_COLUMNS`); without it no guarantee is called and
``guarantees_given`` is False, which a page should say. :func:`load_stress_view` reads it by
default from the contingent-liabilities register
(:func:`kpilib.kpis.guarantees.guarantees_outstanding`): the latest register at or before the
fiscal year of the quarter judged (``guarantees_year``); no such register counts as not given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from kpilib.fiscal import Period
from kpilib.kpis.guarantees import guarantees_outstanding
from kpilib.kpis.pse_finance import HealthParams
from kpilib.kpis.stress import empty_guarantees, run_scenarios
from kpilib.kpis.stress_scenarios import StressFile, read_stress_file
from kpilib.kpis.stress_summary import stress_heatmap, summarise_stress
from kpilib.store import queries
from kpilib.store.support import load_guarantees
from kpilib.views.pse import CATEGORY_LABELS


@dataclass(frozen=True)
class StressView:
    """The stress scenarios and their results, ready for a page."""

    scenarios: StressFile
    guarantees_given: bool  # False: no guarantees frame was given, no guarantee can be called
    results: pd.DataFrame  # PSE × scenario (kpis.stress.RESULT_COLUMNS + names and labels)
    portfolio: pd.DataFrame  # one row per scenario (kpis.stress_summary.summarise_stress)
    heatmap: pd.DataFrame  # category × scenario, with category_label and scenario_label
    guarantees_year: int | None = None  # the register's fiscal year (start year) the view read


def _labelled(frame: pd.DataFrame, scenarios: StressFile) -> pd.DataFrame:
    labels = {s.name: s.label for s in scenarios.scenarios}
    out = frame.copy()
    out["scenario_label"] = out["scenario"].map(labels)
    if "category" in out:
        out["category_label"] = out["category"].map(CATEGORY_LABELS).fillna(out["category"])
    return out


def compute_stress_view(
    financials: pd.DataFrame,
    entities: pd.DataFrame,
    scenarios: StressFile,
    guarantees: pd.DataFrame | None = None,
    params: HealthParams | None = None,
    period_code: str | None = None,
) -> StressView:
    """Every scenario applied to ``financials`` (:func:`kpilib.store.queries.load_pse_financials`)
    for the PSEs of ``entities`` (:func:`kpilib.store.queries.load_entities`), each PSE judged
    on its latest statement at or before ``period_code`` (default: the latest quarter)."""
    given = guarantees is not None
    results = run_scenarios(
        financials, scenarios.scenarios, guarantees if given else empty_guarantees(),
        params, period_code,
    )  # fmt: skip
    names = entities[["entity_code", "entity_name", "category", "department_code"]]
    results = results.merge(names, on="entity_code", how="left")
    return StressView(
        scenarios=scenarios,
        guarantees_given=given,
        results=_labelled(results, scenarios),
        portfolio=_labelled(summarise_stress(results, entities), scenarios),
        heatmap=_labelled(stress_heatmap(results, entities), scenarios),
    )


def stress_year(financials: pd.DataFrame, period_code: str | None = None) -> int | None:
    """The fiscal year (its start year) of ``period_code``, by default of the latest quarter in
    ``financials``; None when there are no statements."""
    if period_code is not None:
        return Period.parse(period_code).fiscal_year.start_year
    if financials.empty:
        return None
    return int(financials["fiscal_year"].max())


def register_guarantees(
    connection: Connection, year: int | None
) -> tuple[int | None, pd.DataFrame | None]:
    """The latest register's fiscal year at or before ``year`` and its guarantees outstanding per
    PSE (:func:`guarantees_outstanding`); ``(None, None)`` when there is none."""
    years = load_guarantees(connection)["fiscal_year"]
    years = years[years <= year] if year is not None else years.iloc[0:0]
    if years.empty:
        return None, None
    latest = int(years.max())
    return latest, guarantees_outstanding(connection, latest)


def load_stress_view(
    engine: Engine,
    scenarios: StressFile | None = None,
    guarantees: pd.DataFrame | None = None,
    period_code: str | None = None,
) -> StressView:
    """:func:`compute_stress_view` on the database's statements and PSEs, with the scenarios of
    ``parameters/stress.yaml`` unless others are given and, unless ``guarantees`` is given, the
    register's guarantees outstanding at the end of the fiscal year judged (:func:`stress_year`)."""
    scenarios = scenarios or read_stress_file()
    with engine.connect() as connection:
        financials = queries.load_pse_financials(connection)
        entities = queries.load_entities(connection)
        year = None
        if guarantees is None:
            year, guarantees = register_guarantees(connection, stress_year(financials, period_code))
    view = compute_stress_view(financials, entities, scenarios, guarantees, None, period_code)
    return replace(view, guarantees_year=year)
