"""``python -m kpilib.cli`` runs the ``kpi`` command."""

from kpilib.cli import main

main()
