"""The KPI families: formulas on tidy frames, each with its source (``docs/methodology.md``).

Imports the store (to read what a KPI needs) and the base modules, nothing above.
"""
