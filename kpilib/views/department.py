"""One department's slice of the province view (for its report and its dashboard page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import pandas as pd

from kpilib.errors import UnknownDepartmentError
from kpilib.i18n.names import display_name
from kpilib.kpis.pefa_assessment import PefaAssessment
from kpilib.views.province import ProvinceView

__all__ = ["DepartmentView", "UnknownDepartmentError", "select_department"]


@dataclass(frozen=True)
class DepartmentView:
    """Every KPI of one department, cut from the :class:`ProvinceView` it came from."""

    province: ProvinceView
    code: str
    name: str
    summary: pd.Series  # the department's row of the province's department summary
    execution: pd.DataFrame  # budget type
    execution_total: pd.Series
    execution_by_class: pd.DataFrame
    monthly: pd.DataFrame  # budget type × month
    pefa: PefaAssessment
    indicators: pd.DataFrame
    indicator_values: pd.DataFrame
    pses: pd.DataFrame  # latest statement of each of its PSEs
    pse_health: pd.DataFrame  # all quarters of its PSEs
    compliance: pd.DataFrame  # reporting rates per PSE
    outstanding_returns: pd.DataFrame
    findings: pd.DataFrame
    exceptions: pd.DataFrame
    name_ur: str | None = None  # the Urdu name, where the reference data has one

    @property
    def shown_name(self) -> str:
        """The name in the current language (the Urdu one when writing Urdu and there is one)."""
        return display_name(self.name, self.name_ur)


def _of(frame: pd.DataFrame, code: str) -> pd.DataFrame:
    return frame[frame["department_code"] == code].reset_index(drop=True)


def _row(frame: pd.DataFrame, code: str) -> pd.Series:
    # One row per department code: .loc of a unique label is a Series.
    return cast(pd.Series, frame.set_index("department_code").loc[code])


def select_department(view: ProvinceView, code: str) -> DepartmentView:
    """The department ``code``'s KPIs from a province view; an :class:`UnknownDepartmentError`
    naming the known codes for a code not in the database or without figures in the view."""
    known = list(view.departments["department_code"])
    if code not in known:
        raise UnknownDepartmentError(code, known)
    with_figures = set(view.department_summary["department_code"]) & set(view.pefa_departments)
    if code not in with_figures or code not in set(view.execution_total["department_code"]):
        raise UnknownDepartmentError(code, sorted(with_figures), view.fiscal_year.label)
    row = view.departments.set_index("department_code").loc[code]
    name, name_ur = row["department_name"], row.get("department_name_ur")
    entity_codes = set(view.entities.loc[view.entities["department_code"] == code, "entity_code"])
    indicator_codes = set(_of(view.indicators, code)["indicator_code"])
    return DepartmentView(
        province=view,
        code=code,
        name=str(name),
        summary=_row(view.department_summary, code),
        execution=_of(view.execution, code),
        execution_total=_row(view.execution_total, code),
        execution_by_class=_of(view.execution_by_class, code),
        monthly=_of(view.monthly, code),
        pefa=view.pefa_departments[code],
        indicators=_of(view.indicators, code),
        indicator_values=view.indicator_values[
            view.indicator_values["indicator_code"].isin(indicator_codes)
        ].reset_index(drop=True),
        pses=_of(view.pse_latest, code),
        pse_health=view.pse_health[view.pse_health["entity_code"].isin(entity_codes)],
        compliance=view.compliance_by_entity[
            view.compliance_by_entity["entity_code"].isin(entity_codes)
        ].reset_index(drop=True),
        outstanding_returns=_of(view.outstanding_returns, code),
        findings=_of(view.findings, code),
        exceptions=_of(view.exceptions, code),
        name_ur=name_ur if isinstance(name_ur, str) and name_ur.strip() else None,
    )
