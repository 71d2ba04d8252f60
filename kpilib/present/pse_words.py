"""The sentences kpilib writes in English about the PSEs, in the reader's language.

The PSE alerts (:func:`kpilib.views.pse.list_pse_alerts`) and a PSE's statement as tables show
it (:func:`kpilib.views.pse.statement_labels`) are kept in English in the views both languages
share; an Urdu page rewords them when it shows them, by their patterns here (a data-quality
finding among the alerts by :func:`kpilib.present.findings.finding_words`). A sentence of another
kind stays as written. Numbers, codes, periods and amounts are kept left to
right inside Urdu (:func:`kpilib.i18n.isolate`); the words of a fixed list (a rating, a zone, a
return's title) are translated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pandas as pd

from kpilib.i18n import N_, _, current_language, isolate
from kpilib.present.findings import finding_words
from kpilib.views.pse import statement_labels

#: A sentence's pattern, its words to translate (with the pattern's groups as placeholders),
#: and, for a group that is a word of the suite's, the table of its translations (``None``:
#: any word, translated when the catalogs hold it).
Rewording = tuple[re.Pattern[str], str, Mapping[str, Mapping[str, str] | None]]

RATINGS = {"very high": N_("Very high"), "high": N_("High")}
ZONES = {"safe": N_("Safe"), "grey": N_("Grey zone"), "distress": N_("Distress"),
         "not rated": N_("Not rated")}  # fmt: skip
_ALERTS: tuple[Rewording, ...] = (
    (re.compile(r"Overall risk (?P<rating>very high|high) in (?P<period>\S+)$"),
     N_("Overall risk {rating} in {period}"), {"rating": RATINGS}),
    (re.compile(r"Z'' (?P<z2>\S+): distress zone in (?P<period>\S+)$"),
     N_("Z'' {z2}: distress zone in {period}"), {}),
    (re.compile(r"Liabilities exceed assets: negative equity in (?P<period>\S+)$"),
     N_("Liabilities exceed assets: negative equity in {period}"), {}),
    (re.compile(r"Loss of (?P<amount>.+) a year \(four quarters to (?P<period>\S+)\)$"),
     N_("Loss of {amount} a year (four quarters to {period})"), {}),
    (re.compile(r"Grants and subsidies (?P<share>\S+) of income in (?P<period>\S+)$"),
     N_("Grants and subsidies {share} of income in {period}"), {}),
    (re.compile(r"Overdue payables (?P<amount>.+), (?P<share>\S+) of a year's expenditure, in "
                r"(?P<period>\S+)$"),
     N_("Overdue payables {amount}, {share} of a year's expenditure, in {period}"), {}),
    (re.compile(r"Z'' zone (?P<now>[a-z ]+) in (?P<period>\S+), (?P<before>[a-z ]+) in "
                r"(?P<earlier>\S+)$"),
     N_("Z'' zone {now} in {period}, {before} in {earlier}"), {"now": ZONES, "before": ZONES}),
    (re.compile(r"(?P<title>.+) for (?P<period>\S+) not received, (?P<days>\d+) days overdue$"),
     N_("{title} for {period} not received, {days} days overdue"), {"title": None}),
    (re.compile(r"(?P<title>.+) for (?P<period>\S+) arrived (?P<days>\d+) days late$"),
     N_("{title} for {period} arrived {days} days late"), {"title": None}),
)  # fmt: skip


def reword(text: str, rewordings: Sequence[Rewording]) -> str | None:
    """``text`` in the current language by the first of ``rewordings`` it matches (None: it
    matches none)."""
    for pattern, words, tables in rewordings:
        match = pattern.match(text)
        if match is None:
            continue
        values = {}
        for key, value in match.groupdict().items():
            if key not in tables:
                values[key] = isolate(value)
                continue
            table = tables[key]
            known = table.get(value) if table is not None else value
            values[key] = _(known) if known else value
        return _(words).format(**values)
    return None


def alert_words(message: str) -> str:
    """A PSE alert's message (:func:`kpilib.views.pse.list_pse_alerts`, a data-quality finding
    among them) in the current language; a message of another kind as written."""
    if current_language() == "en":
        return message
    return reword(message, _ALERTS) or finding_words(message)


def statement_words(frame: pd.DataFrame) -> list[str | None]:
    """:func:`~kpilib.views.pse.statement_labels` in the current language."""
    english = statement_labels(frame)
    if current_language() == "en":
        return english
    approvals = frame["approval"] if "approval" in frame else [None] * len(frame)
    current = frame["current"].astype(bool) if "current" in frame else [True] * len(frame)
    words: list[str | None] = []
    for label, period, approval, now in zip(
        english, frame["period_code"], approvals, current, strict=True
    ):
        if label is None:
            words.append(None)
            continue
        text = isolate(period) if now else _("from {period}, stale").format(period=isolate(period))
        words.append(
            _("{label}, unapproved").format(label=text) if approval == "unapproved" else text
        )
    return words
