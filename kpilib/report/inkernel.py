"""Code that runs inside a report kernel (imported there, never in the batch process).

:func:`prepare_kernel` runs once when a warm kernel starts: it imports what every report needs
and renders one tiny chart so that vl-convert is loaded. :func:`reset_kernel` runs before each
report: it empties the user namespace (a report never sees another's variables) while modules
stay imported, so module-level caches (memoised province-wide KPIs) survive between reports.
"""

from __future__ import annotations

import gc

#: Modules every report imports; importing them once per kernel is where the batch saves time.
WARM_MODULES = (
    "pandas",
    "sqlalchemy",
    "altair",
    "vl_convert",
    "IPython.display",
    "kpilib",
    "kpilib.i18n",
    "kpilib.store.queries",
    "kpilib.report.params",
    "kpilib.report.display",
    "kpilib.report.naming",
    "kpilib.report.content",
    "kpilib.present.charts",
    "kpilib.views",
)


def _enable_svg_charts() -> None:
    import altair as alt

    # Charts become inline SVG made by vl-convert: no JavaScript, no CDN, drawn offline.
    alt.renderers.enable("svg")


def prepare_kernel() -> None:
    """Import the report modules and warm up the chart renderer (once per kernel)."""
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)
    _enable_svg_charts()
    import altair as alt
    import pandas as pd

    alt.Chart(pd.DataFrame({"x": [0, 1]})).mark_line().encode(x="x:Q")._repr_mimebundle_()


def reset_kernel() -> None:
    """Empty the user namespace and history before the next report; keep modules imported.

    The language goes back to English: each report notebook sets its own (its ``language``
    parameter, ``kpilib.i18n.set_language``) at the start of every run, so an Urdu report never
    leaves a warm kernel writing Urdu into the next one."""
    from IPython import get_ipython

    from kpilib.i18n import set_language

    set_language("en")
    shell = get_ipython()
    if shell is not None:
        shell.reset(new_session=True)
    _enable_svg_charts()
    gc.collect()
