"""Views: the KPIs of the province and of one department, shared by reports and dashboards."""

from kpilib.views.department import DepartmentView, UnknownDepartmentError, select_department
from kpilib.views.province import ProvinceView, clear_view_cache, load_province_view

__all__ = [
    "DepartmentView",
    "ProvinceView",
    "UnknownDepartmentError",
    "clear_view_cache",
    "load_province_view",
    "select_department",
]
