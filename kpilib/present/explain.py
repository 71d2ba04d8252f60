"""Explain a number: a headline figure's formula in words, its inputs with their values, and the
returns behind it (id, version, received, review, file hash).

The report prints the explanations of its headline figures as an appendix (each card links to
its own); the dashboards open the same text from each card; analysts get it as a frame from
:func:`kpilib.explain`. The figures are those of :mod:`kpilib.present.headline`.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import cast

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from kpilib.i18n import N_, _, isolate
from kpilib.kpis.flags import SEVERITIES, SEVERITY_LABELS
from kpilib.kpis.service_delivery import RAG_LABELS
from kpilib.present.formatting import format_datetime
from kpilib.present.headline import (
    HeadlineFigure,
    department_headline,
    province_headline,
)
from kpilib.store.queries import load_return_provenance
from kpilib.views.province import ProvinceView

#: Each headline figure's formula, in words (the methodology has the sources).
FORMULAS = {
    "budget_used": N_(
        "expenditure ÷ revised budget × 100, over the months reported; its status "
        "compares spending with a straight-line plan (revised budget × months ÷ 12)"
    ),
    "development_used": N_("the same for the development budget (Annual Development Programme)"),
    "pefa": N_(
        "PEFA 2016 Pillar I on the last three completed years: PI-1 aggregate expenditure "
        "outturn, PI-2 expenditure composition (M1 over its rated dimensions), PI-3 revenue outturn"
    ),
    "service_score": N_(
        "mean achievement (actual ÷ target, inverted where lower is better) of the "
        "indicators with a value, each capped at 100"
    ),
    "indicators_on_track": N_("the province-level indicators rated green, of all of them"),
    "pses_high_risk": N_(
        "PSEs whose statement for the reference quarter is rated high or very high "
        "overall (IMF SOE Health Check dimensions), of the PSEs with such a statement"
    ),
    "returns_received": N_(
        "returns received ÷ returns expected × 100 (DHIS2 completeness); on time: "
        "the first version received by the due date, in Pakistan time"
    ),
    "red_flags": N_(
        "every red flag of the period, by the rules of the methodology; each graded "
        "high, medium or low by the severity rule (flag_severity in parameters/defaults.yaml)"
    ),
}
RETURN_COLUMNS = [
    "submission_id", "return_type", "sender", "period_code", "version", "received_at", "review",
    "content_hash", "file_name",
]  # fmt: skip
#: The return types each figure is computed from.
RETURN_TYPES = {
    "budget_used": ("budget_extract",),
    "development_used": ("budget_extract",),
    "pefa": ("budget_extract", "revenue_extract"),
    "service_score": ("indicator_targets",),
    "indicators_on_track": ("indicator_targets",),
    "pses_high_risk": ("pse_financial",),
    "returns_received": ("pse_financial", "pse_kpi"),
    "red_flags": (),
}


@dataclass(frozen=True)
class Explanation:
    """A figure, its formula, its inputs (``item, value``) and the returns behind it."""

    figure: HeadlineFigure
    formula: str
    inputs: pd.DataFrame
    returns: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One table: the figure, then its inputs, then its returns (``section``, ``item``,
        ``value``, ``detail``)."""
        rows = [
            ("figure", self.figure.label, self.figure.text, self.figure.population),
            ("formula", "formula", self.formula, ""),
            ("status", "status", self.figure.status or "none", self.figure.rule or ""),
        ]
        rows += [("input", r["item"], r["value"], "") for r in self.inputs.to_dict("records")]
        rows += [
            (
                "return", f"return no. {r['submission_id']}", f"{r['sender']} {r['period_code']}",
                f"{r['return_type']} v{r['version']}, received {format_datetime(r['received_at'])} "
                f"UTC, {r['review']}, sha256 {r['content_hash']}",
            )
            for r in self.returns.to_dict("records")
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=["section", "item", "value", "detail"], dtype=object)


def explain_figures(
    engine: Engine | Connection, view: ProvinceView, department: str | None = None
) -> list[Explanation]:
    """The explanation of every headline figure of ``department`` (None: the province)."""
    figures = (
        department_headline(view, department, "")
        if department is not None
        else province_headline(view, "")
    )
    return [explain_figure(engine, view, figure, department) for figure in figures]


def explain_figure(
    engine: Engine | Connection,
    view: ProvinceView,
    figure: HeadlineFigure,
    department: str | None = None,
) -> Explanation:
    """One figure's explanation (see the module's docstring)."""
    return Explanation(
        figure,
        FORMULAS[figure.key],
        _inputs(view, figure.key, department),
        _returns(engine, view, figure.key, department),
    )


def _inputs(view: ProvinceView, key: str, department: str | None) -> pd.DataFrame:
    rows: list[tuple[str, object]] = []
    if key in ("budget_used", "development_used"):
        row = _execution_row(view, key, department)
        if row is not None:
            rows = [
                ("revised budget (Rs)", int(row["revised_budget"])),
                ("expenditure (Rs)", int(row["expended"])),
                ("months reported", int(row["months_covered"])),
                ("spending against plan (%)", round(float(row["burn_vs_plan"]), 2)),
            ]
    elif key == "pefa":
        assessment = (
            view.pefa_departments[department] if department is not None else view.pefa_province
        )
        rows = list(assessment.dimension_scores.items())
    elif key == "pses_high_risk":
        rows = _pse_inputs(view, department)
    elif key == "returns_received":
        status = _returns_of(view, department)
        rows = [
            ("returns expected", len(status)),
            ("received", int(status["received"].sum())),
            ("on time", int(status["on_time"].sum())),
            ("outstanding", int((~status["received"].astype(bool)).sum())),
        ]
    else:
        rows = _other_inputs(view, key, department)
    return pd.DataFrame(rows, columns=["item", "value"], dtype=object)


def _execution_row(view: ProvinceView, key: str, department: str | None) -> pd.Series | None:
    budget_type = "development" if key == "development_used" else None
    if department is None:
        frame = view.province_execution.set_index("budget_type")
        label = budget_type or "total"
        return cast(pd.Series, frame.loc[label]) if label in frame.index else None
    if budget_type is None:
        return cast(pd.Series, view.execution_total.set_index("department_code").loc[department])
    rows = view.execution[
        (view.execution["department_code"] == department)
        & (view.execution["budget_type"] == budget_type)
    ]
    return rows.iloc[0] if not rows.empty else None


def _pses_of(view: ProvinceView, department: str | None) -> pd.DataFrame:
    latest = view.pse_latest
    return latest if department is None else latest[latest["department_code"] == department]


def _pse_inputs(view: ProvinceView, department: str | None) -> list[tuple[str, object]]:
    pses = _pses_of(view, department)
    current = pses[pses["current"].astype(bool)]
    rows: list[tuple[str, object]] = [
        ("reference quarter", view.reference_quarter.code),
        ("PSEs with a statement for it", len(current)),
        ("stale (older statements, not counted)", int((~pses["current"].astype(bool)).sum())),
    ]
    for rating in ("very high", "high"):
        codes = sorted(current.loc[current["overall_rating"] == rating, "entity_code"])
        rows.append((f"rated {rating}", f"{len(codes)}: {', '.join(codes)}" if codes else "0"))
    return rows


def _returns_of(view: ProvinceView, department: str | None) -> pd.DataFrame:
    status = view.return_status
    return status if department is None else status[status["department_code"] == department]


def _other_inputs(view: ProvinceView, key: str, department: str | None) -> list[tuple[str, object]]:
    if key == "service_score":
        indicators = view.indicators[view.indicators["department_code"] == department]
        return [
            (f"{r['indicator_code']} achievement (%)", None if pd.isna(r["achievement"])
             else round(float(r["achievement"]), 1))
            for r in indicators.to_dict("records")
        ]  # fmt: skip
    if key == "indicators_on_track":
        counts = view.indicators["rag"].value_counts()
        return [
            (f"rated {rag}", int(counts.get(rag, 0))) for rag in ("green", "amber", "red", "grey")
        ]
    exceptions = view.exceptions
    if department is not None:
        exceptions = exceptions[exceptions["department_code"] == department]
    by_area: list[tuple[str, object]] = [
        (f"area {a}", int(n)) for a, n in exceptions.groupby("area").size().items()
    ]
    counts = exceptions["severity"].value_counts()
    return by_area + [(f"severity {s}", int(counts.get(s, 0))) for s in SEVERITIES]


def _returns(
    engine: Engine | Connection, view: ProvinceView, key: str, department: str | None
) -> pd.DataFrame:
    types = RETURN_TYPES[key]
    if not types:
        return pd.DataFrame(columns=RETURN_COLUMNS)
    if isinstance(engine, Engine):
        with engine.connect() as connection:
            return _returns(connection, view, key, department)
    if key.startswith("pses") or key == "returns_received":
        periods = (
            [view.reference_quarter.code]
            if key.startswith("pses")
            else sorted(set(_returns_of(view, department)["period_code"]))
        )
        codes = list(_pses_of(view, department)["entity_code"])
        return load_return_provenance(engine, types, period_codes=periods, entity_codes=codes)
    return load_return_provenance(
        engine, types, fiscal_year=view.fiscal_year.start_year, department_code=department
    )


#: How many returns an explanation lists in a report before saying how many more there are.
RETURNS_SHOWN = 20


#: The inputs' names as :func:`explain` writes them, in words to translate.
INPUT_WORDS = {
    "revised budget (Rs)": N_("revised budget (Rs)"),
    "expenditure (Rs)": N_("expenditure (Rs)"),
    "months reported": N_("months reported"),
    "spending against plan (%)": N_("spending against plan (%)"),
    "reference quarter": N_("reference quarter"),
    "PSEs with a statement for it": N_("PSEs with a statement for it"),
    "stale (older statements, not counted)": N_("stale (older statements, not counted)"),
    "returns expected": N_("returns expected"),
    "received": N_("received"),
    "on time": N_("on time"),
    "outstanding": N_("outstanding"),
}
_RATED = {"very high": N_("Very high"), "high": N_("High")}
_AREAS = {"budget": N_("Budget execution"), "pefa": N_("PEFA"),
          "indicator": N_("Service delivery"), "pse": N_("PSE risk"),
          "returns": N_("PSE returns"), "data": N_("Data quality")}  # fmt: skip


def input_words(item: str) -> str:
    """An input's name (``revised budget (Rs)``, ``rated very high``, ``area budget``) in the
    current language."""
    if item in INPUT_WORDS:
        return _(INPUT_WORDS[item])
    head, _space, rest = item.partition(" ")
    if head == "rated":
        word = _RATED.get(rest) or RAG_LABELS.get(rest)
        return _("rated {rating}").format(rating=_(word) if word else rest)
    if head == "area":
        return _("area: {area}").format(area=_(_AREAS[rest]) if rest in _AREAS else rest)
    if head == "severity":
        word = SEVERITY_LABELS.get(rest)
        return _("severity: {severity}").format(severity=_(word) if word else rest)
    if item.endswith(" achievement (%)"):
        return _("{code} achievement (%)").format(code=isolate(item[: -len(" achievement (%)")]))
    return item


def render_explanations(explanations: list[Explanation], anchor: str = "explain-") -> str:
    """The explanations as a report appendix: one block per figure (``id`` = ``anchor`` + key,
    the target of the card's link), formula, population, status rule, inputs and returns.
    Every value is escaped."""
    blocks = []
    for item in explanations:
        figure = item.figure
        facts = [(_("Figure"), f"{figure.text} — {figure.label}"),
                 (_("Formula"), _(item.formula)), (_("Counts"), figure.population),
                 (_("Status"), figure.rule or _("no status"))]  # fmt: skip
        if figure.stale:
            facts.append((_("Stale inputs"), figure.stale))
        facts += [
            (input_words(str(r["item"])), _shown(r["value"]))
            for r in item.inputs.to_dict("records")
        ]
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts)
        blocks.append(
            f'<div class="kpi-explanation report-block" id="{escape(anchor + figure.key, True)}">'
            f'<h3>{escape(figure.label)}</h3><table class="kpi-table kpi-facts">{rows}</table>'
            f"{_render_returns(item.returns)}</div>"
        )
    return "".join(blocks)


def _shown(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _render_returns(returns: pd.DataFrame) -> str:
    if returns.empty:
        text = _("Computed from the other figures; no return of its own.")
        return f'<p class="footnote">{escape(text)}</p>'
    shown = returns.head(RETURNS_SHOWN)
    number, received = escape(_("No.")), escape(_("received"))

    def words(table: dict[str, str], value: object) -> str:
        return escape(_(table.get(str(value), str(value))))

    def version(number: object) -> str:
        return escape(_("v{number}").format(number=number))

    items = "".join(
        f"<li>{number} {r['submission_id']} · <bdi>{escape(str(r['sender']))} "
        f"{escape(str(r['period_code']))}</bdi> · {words(RETURN_WORDS, r['return_type'])} "
        f"{version(r['version'])} · {received} "
        f"<bdi>{format_datetime(r['received_at'])} UTC</bdi> · "
        f"{words(REVIEW_WORDS, r['review'])} · SHA-256 "
        f"<code>{escape(str(r['content_hash'])[:16])}…</code></li>"
        for r in shown.to_dict("records")
    )
    more = (
        "<li>"
        + escape(
            _("… and {count} more (listed in full by kpilib.explain, for the analysts)").format(
                count=f"{len(returns) - RETURNS_SHOWN:,}"
            )
        )
        + "</li>"
        if len(returns) > RETURNS_SHOWN
        else ""
    )
    lead = _("Returns behind it ({count}, current versions):").format(count=f"{len(returns):,}")
    return f'<p class="footnote">{escape(lead)}</p><ul class="kpi-returns">{items}{more}</ul>'


#: A return's type and review as the appendix writes them.
RETURN_WORDS = {"pse_financial": N_("pse_financial"), "pse_kpi": N_("pse_kpi"),
                "budget_extract": N_("budget_extract"), "revenue_extract": N_("revenue_extract"),
                "indicator_targets": N_("indicator_targets")}  # fmt: skip
REVIEW_WORDS = {"approved": N_("approved"), "pending": N_("pending"), "rejected": N_("rejected"),
                "accepted": N_("accepted"), "returned": N_("returned"),
                "awaiting review": N_("awaiting review"),
                "not reviewed": N_("not reviewed")}  # fmt: skip


def explain(
    kpi: str,
    department: str | None = None,
    fiscal_year: str | None = None,
    period: str = "FY",
    engine: Engine | None = None,
) -> pd.DataFrame:
    """The explanation of one headline figure as a table: the figure, its formula, its status
    rule, its inputs with their values and the returns behind it (the same text as the report's
    appendix and the dashboards' cards).

    >>> kpilib.explain("budget_used", department="HLT", fiscal_year="2024-25")  # doctest: +SKIP

    ``kpi`` is a key of :data:`kpilib.present.headline.HEADLINE_FIGURES`; ``fiscal_year``
    defaults to the latest complete one; ``engine`` to :func:`kpilib.connect` (read-only).
    """
    from kpilib.present.headline import HEADLINE_FIGURES
    from kpilib.store.database import connect
    from kpilib.views.province import load_province_view
    from kpilib.views.selection import load_selection_choices

    if kpi not in HEADLINE_FIGURES:
        raise ValueError(
            f"{kpi!r} is not a headline figure: use one of {', '.join(HEADLINE_FIGURES)}"
        )
    engine = engine or connect(read_only=True)
    year = fiscal_year or load_selection_choices(engine).default_fiscal_year
    view = load_province_view(engine, year, period)
    for item in explain_figures(engine, view, department):
        if item.figure.key == kpi:
            return item.to_frame()
    raise ValueError(
        f"{kpi!r} is not shown for {'the province' if department is None else department}"
    )
