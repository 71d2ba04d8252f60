"""The frame every dashboard shares: a read-only database, offline charts, the header, the
DEMO DATA banner and as-of line, the fiscal-year and period selectors, the status line and the
message box; and the chart panels.

A dashboard kernel starts with :func:`start_dashboard` (during Voilà's preheat: the database is
opened read-only, charts are switched to their offline bundle and the default province view is
computed into the memo), then builds its page from the request's query string. Every change of a
selector goes through :func:`~kpilib.views.selection.validate_selection` before anything is
loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as widgets
import pandas as pd
from sqlalchemy.engine import Engine

from kpilib.dashboards import html
from kpilib.dashboards.language import language_from_query
from kpilib.dashboards.language import render_switch as render_language_switch
from kpilib.dashboards.query import parse_query_string
from kpilib.errors import DashboardParameterError, KpiError
from kpilib.fiscal import REPORT_PERIODS
from kpilib.i18n import (
    LANGUAGES,
    N_,
    Language,
    _,
    is_right_to_left,
    isolate,
    set_language,
    text_direction,
)
from kpilib.i18n.names import display_name
from kpilib.present.charts import for_screen_readers
from kpilib.present.fonts import urdu_text_css
from kpilib.present.tables import Column
from kpilib.present.xlsx import WorkbookContext
from kpilib.problems import Problem
from kpilib.store import queries
from kpilib.store.database import connect
from kpilib.views import ProvinceView, load_province_view
from kpilib.views.selection import (
    PERIOD_LABELS,
    Selection,
    SelectionChoices,
    load_selection_choices,
    resolve_selection,
    validate_selection,
)

#: vega-embed options of every chart: SVG (crisp, testable) and no action menu (its links
#: lead off the server).
EMBED_OPTIONS = {"renderer": "svg", "actions": False}


def open_dashboard_engine(url: str | None = None) -> Engine:
    """The dashboards' database connection, always read-only: SQLite opened with ``mode=ro``
    and ``query_only``; PostgreSQL sessions with ``default_transaction_read_only`` (see
    :func:`kpilib.store.database.create_engine`). ``url`` defaults to ``KPI_DATABASE_URL``."""
    return connect(url, read_only=True)


def enable_offline_charts() -> None:
    """Draw Altair charts as anywidget widgets whose JavaScript (Vega, Vega-Lite, vega-embed)
    is bundled by vl-convert and sent through the kernel: no CDN is ever asked.

    Under ``kpi serve`` (:data:`ENV_CHART_BUNDLE` set) the server publishes that bundle and the
    widgets load it from there, so the kernel skips building it (seconds of CPU per kernel);
    a plain Altair chart, should one ever be displayed, is then an inline SVG (vl-convert)."""
    if os.environ.get(ENV_CHART_BUNDLE) == "1":
        alt.renderers.enable("svg")
        return
    alt.JupyterChart.enable_offline()
    alt.renderers.enable("jupyter", offline=True)


#: File name of the chart bundle ``kpi serve`` publishes under ``/voila/static/``, and the
#: variable that tells a kernel it is there.
CHART_BUNDLE = "kpi-charts.js"
ENV_CHART_BUNDLE = "KPI_DASHBOARD_CHART_BUNDLE"
#: The module each chart widget runs when ``kpi serve`` publishes the bundle: it imports the
#: bundle from the server (the browser fetches and compiles it once for every chart of the page)
#: instead of carrying a ~1 MB copy of Vega in every widget.
SHARED_BUNDLE_LOADER = """
const base = document.body.dataset.baseUrl || "/voila/";
const bundle = import(new URL(base + "static/CHART_BUNDLE", window.location.href).href);
export default {
  async render(context) {
    const module = await bundle;
    return module.default.render(context);
  },
};
""".replace("CHART_BUNDLE", CHART_BUNDLE)


class SharedBundleChart(alt.JupyterChart):
    """An Altair ``JupyterChart`` whose JavaScript is the bundle published by ``kpi serve``."""

    _esm = SHARED_BUNDLE_LOADER


def write_chart_bundle(folder: Path) -> Path:
    """Write the offline chart bundle (Vega, Vega-Lite, vega-embed and Altair's widget code,
    bundled by vl-convert) to ``folder/kpi-charts.js`` for the server to publish."""
    alt.JupyterChart.enable_offline()
    path = folder / CHART_BUNDLE
    path.write_text(str(alt.JupyterChart._esm), encoding="utf-8")
    return path


def new_chart_widget() -> alt.JupyterChart:
    """An empty chart widget: sharing the server's bundle when ``kpi serve`` published it,
    else carrying the offline bundle itself (plain Voilà, Jupyter)."""
    if os.environ.get(ENV_CHART_BUNDLE) == "1":
        # Altair annotates ``chart`` as required, but its trait allows None (an empty widget).
        return SharedBundleChart(None, embed_options=EMBED_OPTIONS)  # type: ignore[arg-type]
    enable_offline_charts()
    return alt.JupyterChart(None, embed_options=EMBED_OPTIONS)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DashboardContext:
    """What a dashboard kernel holds for its whole life: the read-only engine, the choices and
    the Urdu names of departments and PSEs (code -> name, where the store has one)."""

    engine: Engine
    choices: SelectionChoices
    urdu_names: Mapping[str, str] = field(default_factory=dict)


def load_urdu_names(engine: Engine) -> dict[str, str]:
    """The Urdu names the store holds, by department or PSE code (``kpi names load``)."""
    with engine.connect() as connection:
        departments = queries.load_departments(connection)
        entities = queries.load_entities(connection)
    names = dict(
        zip(departments["department_code"], departments["department_name_ur"], strict=True)
    )
    names.update(zip(entities["entity_code"], entities["entity_name_ur"], strict=True))
    return {code: str(name) for code, name in names.items() if isinstance(name, str) and name}


def start_dashboard(
    fiscal_year: str = "", period: str = "FY", url: str | None = None
) -> DashboardContext:
    """Open the database read-only, switch charts offline and compute the view a page is most
    likely to open on (``fiscal_year`` / ``period`` when valid, else the default), so that a
    preheated kernel answers its first request from memory."""
    engine = open_dashboard_engine(url)
    enable_offline_charts()
    choices = load_selection_choices(engine)
    selection, _problems = resolve_selection(
        {}, choices, {"fiscal_year": fiscal_year, "period": period}
    )
    load_province_view(engine, selection.fiscal_year, selection.period)
    return DashboardContext(engine=engine, choices=choices, urdu_names=load_urdu_names(engine))


class ChartPanel:
    """One chart of a page: an Altair ``JupyterChart`` widget, replaced in place on updates,
    with a note shown instead when there is nothing to draw."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.note = widgets.HTML()
        self.chart = new_chart_widget()
        self.widget = widgets.VBox([self.note, self.chart])
        self.widget.add_class("kpi-chart")
        self.widget.add_class(f"kpi-chart-{name}")

    def update(self, chart: alt.TopLevelSpec | None, empty: str = N_("No data to draw.")) -> None:
        """Show ``chart``; ``None`` shows ``empty`` (translated) instead."""
        if chart is None:
            empty = _(empty)
            self.note.value = f'<p class="kpi-empty">{html.escape(empty)}</p>'
            self.chart.layout.display = "none"
            return
        self.note.value = ""
        self.chart.layout.display = None
        self.chart.chart = for_screen_readers(chart)  # its Urdu name, on an Urdu page


def html_panel(name: str) -> widgets.HTML:
    """An HTML widget with the CSS class ``kpi-<name>`` (tests and styles find it by that)."""
    panel = widgets.HTML()
    panel.add_class(f"kpi-{name}")
    return panel


def dropdown(name: str, description: str, options: Sequence[tuple[str, str]], value: str | None,
             width: str = "260px") -> widgets.Dropdown:  # fmt: skip
    """A labelled selector with the CSS class ``kpi-select-<name>``."""
    control = widgets.Dropdown(
        options=list(options),
        value=value,
        description=description,
        style={"description_width": "initial"},
        layout=widgets.Layout(width=width),
    )
    control.add_class(f"kpi-select-{name}")
    return control


class DashboardPage:
    """Base of the three dashboards. Subclasses set :attr:`title`, :attr:`lead` and
    :attr:`query_keys`, build their widgets in :meth:`build` and fill them in :meth:`render`."""

    title = N_("Dashboard")
    lead = ""
    #: The page's notebook (its links, the language switch).
    notebook = "province.ipynb"
    query_keys: tuple[str, ...] = ("fiscal_year", "period")

    def __init__(
        self,
        context: DashboardContext,
        query: str | None = None,
        defaults: Mapping[str, str | None] | None = None,
    ) -> None:
        self.context = context
        self.choices = context.choices
        self.defaults = dict(defaults or {})
        #: The page's language: the link's ``lang`` (checked), else English. A kernel shows
        #: one page, so the language is the kernel's (:func:`kpilib.i18n.set_language`).
        self.language: Language = set_language(language_from_query(query))
        selection, problems = self._resolve(query)
        self.selection = selection
        self.view: ProvinceView | None = None
        #: The as-of line and demo flag of the Excel downloads (set with each view shown).
        self.workbook: WorkbookContext | None = None
        self._quiet = False
        self._construct(selection, problems)

    def _construct(self, selection: Selection, problems: Sequence[Problem | str]) -> None:
        """Build every widget of the page in the current language and show ``selection``."""
        self._quiet = False
        self.switch = html_panel("language")
        self.header = html_panel("header")
        self.header.value = html.render_header(_(self.title), _(self.lead))
        self.as_of = html_panel("asof")
        self.messages = html_panel("messages")
        self.messages.value = html.render_messages(problems)
        self.status = html_panel("status")
        self.fiscal_year = dropdown(
            "fiscal-year",
            _("Fiscal year"),
            [(self.fiscal_year_label(y), y) for y in reversed(self.choices.fiscal_years)],
            selection.fiscal_year,
            width="220px",
        )
        self.period = dropdown(
            "period",
            _("Period"),
            [(_(PERIOD_LABELS[p]), p) for p in REPORT_PERIODS],
            selection.period,
            width="250px",
        )
        sections = self.build()
        self.controls = widgets.HBox(self.selectors())
        self.controls.add_class("kpi-dash-controls")
        top: list[widgets.Widget] = [self.switch, self.header]
        if is_right_to_left():
            # The Nastaliq font (data: URLs) and the Urdu text rules, on Urdu pages only.
            top.insert(0, widgets.HTML(f"<style>{urdu_text_css()}</style>"))
        self.widget = widgets.VBox(
            [*top, self.as_of, self.messages, self.controls, self.status, *sections]
        )
        self.widget.add_class("kpi-dash")
        self.widget.add_class(f"kpi-dash-{text_direction()}")
        for control in self.selectors():
            control.observe(self._on_change, names="value")
        self.show(selection)

    # -- to be provided by each dashboard --------------------------------------------------
    def build(self) -> list[widgets.Widget]:
        """Create the page's own widgets; return them in display order."""
        raise NotImplementedError

    def selectors(self) -> list[widgets.Dropdown]:
        """The page's selectors, in display order."""
        return [self.fiscal_year, self.period]

    def selected_values(self) -> dict[str, str | None]:
        """The selectors' current values, by selection key."""
        return {"fiscal_year": self.fiscal_year.value, "period": self.period.value}

    def render(self, view: ProvinceView, selection: Selection) -> None:
        """Fill the page's widgets for ``selection``."""
        raise NotImplementedError

    def describe(self, view: ProvinceView, selection: Selection) -> str:
        """The status line once the page shows ``selection``."""
        return _("Showing {period}.").format(period=html.describe_period(view.period))

    def sync_selectors(self, selection: Selection) -> None:
        """Make dependent selectors agree with ``selection`` (e.g. the PSEs of a category)."""
        self.fiscal_year.value = selection.fiscal_year
        self.period.value = selection.period

    # -- shared behaviour -------------------------------------------------------------------
    def fiscal_year_label(self, year: str) -> str:
        """``2024-25``, or ``2025-26 (to date)`` for a year still running."""
        if year in self.choices.complete_fiscal_years:
            return year
        return _("{year} (to date)").format(year=isolate(year))

    def name(self, code: str, english: str) -> str:
        """A department's or PSE's name in the page's language (the Urdu one where the store
        has it: :func:`kpilib.i18n.names.display_name`)."""
        return display_name(english, self.context.urdu_names.get(code))

    def department_title(self, code: str, english: str) -> str:
        """``Health Department``; in Urdu the department's Urdu name whole where the store has
        one (it already says محکمہ), else the English name in the Urdu phrase."""
        urdu = self.context.urdu_names.get(code)
        if is_right_to_left() and urdu:
            return urdu
        return _("{name} Department").format(name=english)

    def with_names(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its department and PSE names in the page's language."""
        if not is_right_to_left() or not self.context.urdu_names:
            return frame
        frame = frame.copy()
        for code, name in (("department_code", "department_name"), ("entity_code", "entity_name")):
            if code in frame and name in frame:
                frame[name] = [
                    self.name(c, n) for c, n in zip(frame[code], frame[name], strict=True)
                ]
        return frame

    def table_with_download(
        self,
        frame: pd.DataFrame,
        columns: Sequence[Column],
        file_name: str,
        caption: str | None = None,
        empty: str = N_("Nothing to show."),
    ) -> str:
        """A page table with its CSV and Excel downloads (the view's as-of and demo flag in
        the workbook): :func:`kpilib.dashboards.html.render_table_with_download`."""
        return html.render_table_with_download(
            frame, columns, file_name, caption, _(empty), workbook=self.workbook
        )

    def _resolve(self, query: str | None) -> tuple[Selection, list[Problem]]:
        values, problems = parse_query_string(query, self.query_keys)
        selection, more = resolve_selection(values, self.choices, self.defaults)
        return selection, problems + more

    def apply_query(self, query: str | None) -> None:
        """Show what the page's URL query asks for (checked; problems go to the message box).
        A page built during Voilà's preheat on its defaults redraws only if the URL asks for
        something else."""
        selection, problems = self._resolve(query)
        language = language_from_query(query)
        if language != self.language:
            self.language = set_language(language)
            self._construct(selection, problems)
            return
        self.messages.value = html.render_messages(problems)
        if selection != self.selection:
            self.show(selection)

    def _on_change(self, _change: dict[str, Any]) -> None:
        if self._quiet:
            return
        try:
            selection = validate_selection(self.choices, **self.selected_values())
        except DashboardParameterError as exc:
            self.messages.value = html.render_messages(
                exc.problems, _("That selection cannot be shown:")
            )
            return
        self.messages.value = ""
        self.show(selection)

    def show(self, selection: Selection) -> None:
        """Load the province view of ``selection`` (from the memo when it is there) and redraw
        the page; a kpi-suite error is shown in the message box, not raised."""
        self.status.value = html.render_status(_("Updating…"), busy=True)
        self._quiet = True
        try:
            self.sync_selectors(selection)
        finally:
            self._quiet = False
        try:
            view = load_province_view(self.context.engine, selection.fiscal_year, selection.period)
            period_label = html.describe_period(view.period)
            self.as_of.value = html.render_as_of(
                period_label, view.as_of, view.data_as_of, view.is_demo
            )
            self.workbook = html.workbook_context(
                period_label, view.as_of, view.data_as_of, view.is_demo, _(self.title)
            )
            self.render(view, selection)
        except KpiError as exc:
            self.messages.value = html.render_messages([str(exc)], _("This view cannot be shown:"))
            self.status.value = html.render_status("")
            return
        self.view = view
        self.selection = selection
        self.switch.value = self.render_switch()
        self.status.value = html.render_status(self.describe(view, selection))

    def render_switch(self) -> str:
        """The English / اردو links: this page and view in each language."""
        values = {k: v for k, v in self.selected_values().items() if v}
        links = {
            language: html.dashboard_link(self.notebook, **values, lang=language)
            for language in LANGUAGES
        }
        return render_language_switch(links, self.language)

    def select(self, **values: str | None) -> None:
        """Change selectors as a user would (tests, scripted views): one redraw at the end."""
        self._quiet = True
        try:
            for key, value in values.items():
                getattr(self, key).value = value
        finally:
            self._quiet = False
        self._on_change({})

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
