"""Run first by ``import kpilib``: keep slow, unused optional imports out of every process.

jsonschema (under Altair, nbformat and Jupyter) imports ``rfc3987_syntax`` when it is installed
(Voilà's jupyter-events brings it, issue 6), and that module compiles a grammar for 1-3 s on
import, only to check the "iri" string formats, which no schema used here has. Marking it absent
makes jsonschema skip those two formats, as it does wherever the package is not installed; every
kernel (dashboards, report batch) that imports kpilib before Altair starts seconds faster.
"""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
