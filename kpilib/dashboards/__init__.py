"""Voilà dashboards for officials: the province, one department, the PSE monitor.

The notebooks in ``notebooks/dashboards/`` are thin: they call :func:`start_dashboard` (a
read-only database, offline charts, a warm province view) and one ``build_…`` function of this
package with the request's query string. ``kpi serve`` (:mod:`kpilib.dashboards.server`) runs
Voilà on that folder with the suite's offline template (``jupyter/voila/templates/kpi_dashboard``).
Modules are imported lazily so that ``kpi`` commands do not pay for ipywidgets and Altair.
"""

from __future__ import annotations

from dataclasses import dataclass

from kpilib.i18n import N_


@dataclass(frozen=True)
class DashboardInfo:
    """One dashboard of the landing page: its notebook, title and what it shows."""

    notebook: str
    title: str
    description: str


#: The dashboards ``kpi serve`` lists, in the landing page's order (the template's titles and
#: descriptions are checked against these by the tests).
DASHBOARDS = (
    DashboardInfo(
        "province.ipynb",
        N_("Province overview"),
        N_(
            "Every department ranked on budget utilisation, development utilisation, PEFA budget "
            "reliability and service delivery; province totals; the exceptions list; the "
            "compliance league table of PSE returns."
        ),
    ),
    DashboardInfo(
        "department.ipynb",
        N_("Department"),
        N_(
            "One department: budget execution against plan, month by month and by economic "
            "classification; its service-delivery indicators with RAG status and trends; its "
            "public sector entities."
        ),
    ),
    DashboardInfo(
        "pse_monitor.ipynb",
        N_("PSE monitor"),
        N_(
            "Public sector entities by category or one by one: financial ratios and Altman Z'' "
            "over time with zone bands, risk rating per dimension, subsidy dependence, arrears, "
            "governance, government support, submission history and alerts."
        ),
    ),
)

#: The landing page's words (the template shows them translated: ``kpi.texts``).
LANDING_TEXTS = {
    "organisation": N_("Government of Khyber Pakhtunkhwa, Finance Department"),
    "title": N_("KPI dashboards"),
    "lead": N_(
        "Budget execution, PEFA budget reliability, service delivery and the public sector "
        "entities, computed by the same kpi-suite functions as the printed reports."
    ),
    "footnote": N_(
        "Each page shows the date its data speaks of; pages built on the demo province carry a "
        "DEMO DATA banner. A link may preselect a view, e.g."
    ),
    "languages": N_(
        "Every page opens in English or Urdu: the switch at its top, or lang=ur in "
        "a link; the choice is remembered."
    ),
}
