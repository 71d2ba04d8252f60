"""Presentation shared by reports, dashboards and the portal: charts, tables, formats, exports."""
