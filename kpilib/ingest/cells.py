"""Read one cell of a submitted file into a typed value, or say in plain words why not.

Each reader takes the raw cell (text from a CSV; text, number, date or None from an XLSX) and
returns ``(value, None)`` or ``(None, reason)``. Nothing is ever evaluated: a cell such as
``=HYPERLINK(...)`` is text, so in a number column it is "not a number" and in a text column it
is kept as the text it is.

Money is whole rupees: ``1,234,567``, ``1234567.00`` and ``(1,500)`` (an accounting negative)
are read exactly (with :class:`decimal.Decimal`, never through a binary float); ``1234.5`` is
refused as not whole rupees rather than rounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from kpilib.errors import FiscalPeriodError
from kpilib.fiscal import Period
from kpilib.i18n import N_
from kpilib.problems import Reason, said

Cell = Any
#: A cell's value and, when it cannot be read, why (English, marked for translation).
Parsed = tuple[Any, str | Reason | None]
MAX_MONEY = 2**63 - 1
MAX_NUMBER = 1e15
MAX_CODE_LENGTH = 32
MAX_TEXT_LENGTH = 300


def is_blank(raw: Cell) -> bool:
    """True for an empty cell: None or text of only whitespace."""
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def show(raw: Cell, limit: int = 80) -> str:
    """The cell as the sender would recognise it, shortened for a report."""
    if raw is None:
        return ""
    text = raw.isoformat() if isinstance(raw, date | datetime | time) else str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decimal(raw: Cell) -> Decimal | None:
    if isinstance(raw, bool | date | datetime | time):
        return None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(raw)) if math.isfinite(raw) else None
    text = str(raw).strip().replace(",", "").replace("\u00a0", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    if not text or not text.isascii():
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    return -value if negative else value


def read_money(raw: Cell) -> Parsed:
    """Whole rupees as int; None for a blank cell."""
    if is_blank(raw):
        return None, None
    value = _decimal(raw)
    if value is None:
        return None, N_("is not an amount in rupees (write digits only, e.g. 1250000)")
    if value != value.to_integral_value():
        return None, N_("is not whole rupees (amounts are whole rupees: round to the rupee)")
    if abs(value) > MAX_MONEY:
        return None, N_("is too large to be an amount in rupees")
    return int(value), None


def read_number(raw: Cell) -> Parsed:
    """A finite number as float; None for a blank cell."""
    if is_blank(raw):
        return None, None
    value = _decimal(raw)
    if value is None:
        return None, N_("is not a number")
    if abs(value) > MAX_NUMBER:
        return None, N_("is implausibly large (more than 10^15)")
    return float(value), None


def read_count(raw: Cell) -> Parsed:
    """A whole number of things (members, meetings) as int; None for a blank cell."""
    if is_blank(raw):
        return None, None
    value = _decimal(raw)
    if value is None or value != value.to_integral_value():
        return None, N_("is not a whole number (a count, e.g. 7)")
    if abs(value) > 100_000:
        return None, N_("is implausibly large for a count")
    return int(value), None


def read_code(raw: Cell) -> Parsed:
    """A code, trimmed and upper-cased (codes are matched without regard to case)."""
    if is_blank(raw):
        return None, None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, bool | date | datetime | time | float):
        return None, N_("is not a code")
    text = str(raw).strip().upper()
    if len(text) > MAX_CODE_LENGTH:
        return None, said(N_("is longer than {limit} characters: not a code"),
                          limit=MAX_CODE_LENGTH)  # fmt: skip
    if any(not ch.isprintable() for ch in text):
        return None, N_("contains control characters: not a code")
    return text, None


def read_text(raw: Cell) -> Parsed:
    """Free text, trimmed; kept exactly as written otherwise (never evaluated)."""
    if is_blank(raw):
        return None, None
    if isinstance(raw, date | datetime | time):
        raw = raw.isoformat()
    text = str(raw).strip()
    if len(text) > MAX_TEXT_LENGTH:
        return None, said(N_("is longer than {limit} characters"), limit=MAX_TEXT_LENGTH)
    return text, None


def read_choice(raw: Cell) -> Parsed:
    """A choice such as ``current``: trimmed, lower-case (the schema checks the allowed set)."""
    if is_blank(raw):
        return None, None
    if not isinstance(raw, str):
        return None, N_("is not one of the allowed words")
    return raw.strip().lower().replace(" ", "_"), None


#: The dates a return may give (a post held since, an auditor's report, a meeting).
FIRST_DATE, LAST_DATE = date(1947, 1, 1), date(2100, 12, 31)
DATE_HINT = "write it as 2025-03-14 (year-month-day) or 14/03/2025 (day/month/year)"
_NOT_A_DATE = N_("is not a date: write it as 2025-03-14 (year-month-day) or 14/03/2025 "
                 "(day/month/year)")  # fmt: skip


def read_date(raw: Cell) -> Parsed:
    """A calendar date, as ISO text (``2025-03-14``): an Excel date, ``2025-03-14`` or
    ``14/03/2025`` (day first, as written in Pakistan); None for a blank cell."""
    if is_blank(raw):
        return None, None
    if isinstance(raw, datetime):
        raw = raw.date()
    if not isinstance(raw, date):
        text = str(raw).strip()
        raw = _parse_date_text(text)
        if raw is None:
            return None, _NOT_A_DATE
    if not FIRST_DATE <= raw <= LAST_DATE:
        return None, said(N_("is not a plausible date (between {first} and {last})"),
                          first=FIRST_DATE.year, last=LAST_DATE.year)  # fmt: skip
    return raw.isoformat(), None


def _parse_date_text(text: str) -> date | None:
    try:
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        day, month, year = text.replace("-", "/").replace(".", "/").split("/")
        if len(year) != 4:
            return None
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def read_period(raw: Cell) -> Parsed:
    """A period code (``2024-25``, ``2024-25Q1``, ``2024-25M01``), normalised."""
    if is_blank(raw):
        return None, None
    if isinstance(raw, date | datetime):
        return None, N_("is a date; write the period code instead, e.g. 2024-25M01 or 2024-25Q1")
    try:
        return Period.parse(str(raw)).code, None
    except FiscalPeriodError as error:
        return None, said(
            N_(
                "is not a period code: write a fiscal year (2024-25), a quarter "
                "(2024-25Q1) or a month (2024-25M01)"
            ),
            english=str(error),
        )


READERS: dict[str, Callable[[Cell], Parsed]] = {
    "money": read_money,
    "number": read_number,
    "count": read_count,
    "code": read_code,
    "text": read_text,
    "choice": read_choice,
    "period": read_period,
    "date": read_date,
}
