"""``python -m kpilib.cli``: the ``kpi`` command."""

from kpilib.cli import main

main()
