"""One shape for every problem kpi-suite reports to a person: a code, a severity, where, a message.

Ingestion (a file's sheet, row and column), report parameter files (a file's key), a page's URL
and widgets (a selection key) and the data-quality checks (a subject) all report a
:class:`Problem`. The ``code`` is stable (tests, scripts and translations can rely on it); the
``message`` is the plain-language sentence a person reads. Every code is registered in
:data:`PROBLEM_CODES` with what it means, and listed in ``docs/problems.md`` (a test keeps the
two in step), so a new kind of problem cannot appear without a line in that table.

Languages (issue 18): a problem is stored and logged in English (``message``). Where it is
shown to a person in their language (the portal's receipt), :func:`shown_message` translates
it: a message marked ``N_("…")`` where it is made is looked up as it is; a message with figures
or names in it carries its :class:`Reason` (the English template and its values, made with
:func:`said`), so the template is translated and the values put back, kept left to right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kpilib.i18n import DEFAULT_LANGUAGE, N_, _, current_language, isolate

Severity = Literal["error", "warning"]

#: Every problem code and what it means. Codes are ``<area>.<what>``: ``ingest`` (a submitted
#: file), ``params`` (report parameter files and notebooks), ``selection`` (what a report or
#: dashboard is asked to show), ``url`` (a dashboard link), ``quality`` (data-quality rules).
PROBLEM_CODES: dict[str, str] = {
    # a submitted return (kpi ingest, the portal): the file, its sheet, row and column
    "ingest.unreadable": "the file cannot be read (missing, damaged, not CSV/XLSX, bad encoding)",
    "ingest.too-large": "the file is larger than a return of its type can be (size, rows, columns)",
    "ingest.file-note": "something about the file worth knowing (another sheet, an encoding guess)",
    "ingest.refused-upload": "the portal refused the upload itself (file type, return, link)",
    "ingest.unknown-return-type": "the header matches no return type",
    "ingest.empty": "the file has a header but no data rows",
    "ingest.missing-column": "a required column is missing from the header",
    "ingest.unknown-column": "a column that is not part of the return (ignored)",
    "ingest.unnamed-column": "a column has values but no name in the header",
    "ingest.duplicate-column": "a column name appears twice in the header",
    "ingest.stray-cells": "a row has more cells than the header has columns",
    "ingest.invalid-value": "a value of the wrong type or out of bounds",
    "ingest.duplicate-row": "a row repeats the key of an earlier row",
    "ingest.year-not-started": "the fiscal year of a yearly PSE return has not started yet",
    "ingest.unknown-code": "a code the database does not know (PSE, department, cost centre, …)",
    "ingest.foreign-code": "a code that belongs to another department",
    "ingest.wrong-level": "an indicator reported in the wrong return (province-level or PSE-level)",
    "ingest.option-mismatch": "a PSE return sent for a department, or the other way round",
    "ingest.missing-scope": "the file does not say which PSE or department it is for",
    "ingest.scope-mismatch": "a row names another PSE or department than the return is sent for",
    "ingest.mixed-scope": "the rows name more than one PSE or department",
    "ingest.missing-period": "the file does not say which quarter it covers",
    "ingest.missing-fiscal-year": "the file does not say which fiscal year it covers",
    "ingest.bad-period": "a period that is not a fiscal quarter, month or year of the right kind",
    "ingest.mixed-fiscal-year": "the rows cover more than one fiscal year",
    "ingest.year-out-of-range": "a fiscal year outside the years accepted",
    "ingest.quarter-not-ended": "the quarter has not ended yet",
    "ingest.second-statement": "a financial return holds more than one statement",
    "ingest.unbalanced": "the balance sheet does not balance",
    "ingest.inconsistent-values": "values that contradict each other (current above total assets)",
    "ingest.no-value": "a row gives neither a target nor an actual",
    "ingest.implausible-value": "a value outside its plausible range (a percentage above 100)",
    "ingest.implausible-jump": "a value many times the previous quarter's",
    "ingest.overspent": "expenditure above releases on a budget line",
    "ingest.definition-differs": "an indicator's definition differs from the registered one (kept)",
    "ingest.unattributed": "the return could not be attributed to a PSE or department",
    "ingest.database-refused": "the database refused the rows (a constraint)",
    "ingest.approved-locked": "a new version of a return its department approved (reopen it first)",
    "ingest.database-busy": "the database stayed busy through every retry (nothing loaded)",
    # report parameter files (parameters/) and report notebooks
    "params.unreadable": "a parameter file cannot be read (missing permission, not UTF-8)",
    "params.missing-file": "parameters/defaults.yaml is missing",
    "params.not-yaml": "a parameter file is not valid YAML (or repeats a key)",
    "params.not-mapping": "a parameter file's top level is not a mapping of keys to values",
    "params.bad-file-name": "a file in parameters/departments/ is not named <CODE>.yaml",
    "params.unknown-key": "a key the schema does not know (a misspelling, usually)",
    "params.missing-key": "a required key is missing",
    "params.unknown-threshold": "a threshold name the schema does not know",
    "params.invalid-value": "a value of the wrong type, out of bounds or malformed",
    "params.unknown-department": "a department file for a department the database does not know",
    "params.unknown-indicator": "an indicator code the database does not know",
    "params.foreign-indicator": "an indicator that belongs to another department",
    "params.notebook-unreadable": "a report notebook cannot be read or has no parameters cell",
    "params.notebook-undeclared": "a report notebook does not declare a parameter it is given",
    "params.notebook-extra": "a report notebook declares a parameter the schema does not know",
    # what a report or dashboard is asked to show (URL, widgets, notebook defaults)
    "selection.no-data": "the database holds no fiscal year yet",
    "selection.unknown-fiscal-year": "a fiscal year that is not in the data",
    "selection.bad-period": "a report period other than FY, Q1, Q2, Q3, Q4",
    "selection.unknown-department": "a department code the database does not know",
    "selection.unknown-category": "a PSE category with no PSE",
    "selection.unknown-pse": "a PSE code the database does not know",
    "selection.unknown-key": "a selection key other than fiscal year, period, department, …",
    "selection.not-text": "a selection value that is not text",
    "selection.too-long": "a selection value over the length limit",
    "selection.missing-fiscal-year": "no fiscal year selected",
    # a dashboard's link (query string)
    "url.unreadable": "the link's query string cannot be read",
    "url.too-long": "the link's query string, or one of its values, is over the length limit",
    "url.unknown-key": "the link gives a parameter the page does not take",
    "url.repeated-key": "the link gives a parameter more than once",
    # data-quality rules (kpilib.kpis.quality; thresholds and sources in docs/methodology.md)
    "quality.balance_sheet_balances": "a PSE's assets differ from liabilities plus equity",
    "quality.expenditure_within_releases": "a budget line spent more than was released to it",
    "quality.no_negative_budget": "a budget line holds a negative budget or release",
    "quality.achievement_plausible": "an indicator's achievement is outside the plausible range",
    "quality.achievement_computable": "an indicator's achievement cannot be computed (zero)",
    "quality.revenue_jump": "a PSE's quarterly revenue jumps by more than the set factor",
    "quality.outlier": "a value far from its series (modified z-score and a material change)",
}


@dataclass(frozen=True)
class Where:
    """Where a problem is: a file and, inside it, a sheet, row and column, or a key.

    ``row`` is the row number as the sender sees it (the header is row 1 of a CSV; an XLSX row is
    the sheet's own); ``key`` is a parameter file's key path (``department.thresholds``) or a
    selection key (``fiscal_year``); ``subject`` is what a data-quality rule checked
    (``UNI-001``, ``HLT00003/current/A03``).
    """

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    subject: str | None = None

    def inside(self) -> str:
        """The position inside the file, for a one-line message: ``sheet 'Q1', row 7, column
        revenue`` or a key path; empty for the whole file."""
        if self.key is not None:
            return self.key
        parts = []
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.subject:
            parts.append(self.subject)
        return ", ".join(parts)


@dataclass(frozen=True)
class Reason:
    """A sentence with values in it, kept apart so it can be shown in any language: the English
    ``template`` (marked ``N_`` where it is written), its ``params`` as text, and the names of
    the params that are themselves messages (``terms``: a return's title, translated too)."""

    template: str
    params: tuple[tuple[str, str], ...] = ()
    terms: frozenset[str] = frozenset()
    #: The English text when it is not the template filled in (a library's own words).
    english_text: str | None = None
    #: The params that are file sizes (``300 bytes``, ``12 kB``): their units said in words.
    sizes: frozenset[str] = frozenset()

    def english(self) -> str:
        """The sentence in English (what is stored and logged)."""
        if self.english_text is not None:
            return self.english_text
        return self.template.format(**dict(self.params))

    def shown(self) -> str:
        """The sentence in the current language (values kept left to right in Urdu); in
        English, :meth:`english` (a library's own words kept)."""
        if current_language() == DEFAULT_LANGUAGE:
            return self.english()
        values = {key: _(value) if key in self.terms
                  else size_words(value) if key in self.sizes else _placed(value)
                  for key, value in self.params}  # fmt: skip
        return _(self.template).format(**values)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready form (a receipt stores it beside the English message)."""
        return {"template": self.template, "params": dict(self.params),
                "terms": sorted(self.terms),
                **({"sizes": sorted(self.sizes)} if self.sizes else {})}  # fmt: skip

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Reason:
        params = record.get("params") or {}
        return cls(str(record["template"]), tuple((str(k), str(v)) for k, v in params.items()),
                   frozenset(str(t) for t in record.get("terms") or ()),
                   sizes=frozenset(str(t) for t in record.get("sizes") or ()))  # fmt: skip

    def __str__(self) -> str:
        return self.english()


_URDU_LETTER = re.compile(r"[\u0600-\u06FF]")
#: A file size as :mod:`kpilib.ingest.reading` writes it, and its unit in words.
_SIZE = re.compile(r"(?P<n>[\d.,]+) (?P<unit>bytes|kB|MB)$")
SIZE_UNITS = {"bytes": N_("{n} bytes"), "kB": N_("{n} kB"), "MB": N_("{n} MB")}


def size_words(value: str) -> str:
    """A file size (``300 bytes``, ``12 kB``) in the current language, its number kept left to
    right; another value as :func:`_placed` shows it."""
    match = _SIZE.match(value)
    if match is None:
        return _placed(value)
    return _(SIZE_UNITS[match["unit"]]).format(n=isolate(match["n"]))


def _placed(value: str) -> str:
    """A value inside a translated sentence: figures, codes and Latin names kept left to right;
    a value in Urdu script (a department's Urdu name) as it is, read right to left."""
    return value if _URDU_LETTER.search(value) else isolate(value)


def said(template: str, *, terms: Sequence[str] = (), english: str | None = None,
         sizes: Sequence[str] = (), **params: object) -> Reason:  # fmt: skip
    """A :class:`Reason`: ``said(N_("repeats row {row}"), row=7)``; ``terms`` names the params
    that are messages to translate (the others are figures, codes or the sender's text);
    ``english`` keeps an English text other than the template's (a library's own message);
    ``sizes`` names the params that are file sizes (:func:`size_words`)."""
    pairs = tuple((k, str(v)) for k, v in params.items())
    return Reason(template, pairs, frozenset(terms), english, frozenset(sizes))


@dataclass(frozen=True)
class Problem:
    """A problem found in what someone gave kpi-suite: its stable ``code`` (one of
    :data:`PROBLEM_CODES`), ``severity`` ("error": refused; "warning": accepted, please look),
    ``where`` and a plain-language ``message``; ``value`` is the offending value as text."""

    code: str
    severity: Severity
    message: str
    where: Where = field(default_factory=Where)
    value: str | None = None
    #: The message as a template and values, when it has any (for translation where shown).
    reason: Reason | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_CODES:
            raise ValueError(f"unregistered problem code {self.code!r} (add it to PROBLEM_CODES)")
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")

    def describe(self, *, with_file: bool = True) -> str:
        """One line for people: ``file: position: message (value: 'x')``."""
        parts = []
        if with_file and self.where.file:
            parts.append(self.where.file)
        inside = self.where.inside()
        if inside:
            parts.append(inside)
        shown = f" (value: {self.value!r})" if self.value not in (None, "") else ""
        parts.append(self.message + shown)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.describe()


def shown_message(problem: Problem) -> str:
    """``problem``'s message in the current language (English when it has no translation)."""
    return problem.reason.shown() if problem.reason is not None else _(problem.message)


def shown_record_message(record: Mapping[str, Any]) -> str:
    """The message of a stored problem (``message`` and, when it had one, ``reason``: see
    :meth:`Reason.to_record`) in the current language."""
    reason = record.get("reason")
    if current_language() == DEFAULT_LANGUAGE and record.get("message"):
        return str(record["message"])  # as stored (a library's own words kept)
    if isinstance(reason, Mapping) and reason.get("template"):
        try:
            return Reason.from_record(reason).shown()
        except (KeyError, IndexError, ValueError):  # a template and values out of step
            pass
    return _(str(record.get("message") or ""))


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_pattern(template: str) -> re.Pattern[str]:
    """A regular expression that reads the values back from a message ``template`` made
    (``"revenue {revenue} is {ratio} ×"`` → ``revenue (?P<revenue>.+?) is (?P<ratio>.+?) ×``)."""
    parts, start = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[start : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        start = match.end()
    parts.append(re.escape(template[start:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def read_reason(message: str, templates: Sequence[str]) -> Reason | None:
    """The :class:`Reason` of an English ``message`` made from one of ``templates`` (stored
    text whose values were not kept apart), or None when it matches none of them."""
    for template in templates:
        match = template_pattern(template).match(message)
        if match:
            return said(template, **match.groupdict())
    return None


def name_some(names: Sequence[str], shown: int = 5) -> str:
    """``a, b, c`` or, for a long list, its first ``shown`` and a count: ``a, b, c, d, e and
    999,995 more``, so a message about a file's names stays one short line."""
    if len(names) <= shown + 1:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown:,} more"
