"""Reading a dashboard's URL: which selection keys it gives, and what is wrong with them.

A page's query string (``?department=HLT&fiscal_year=2024-25``) is read leniently: what is wrong
(an unknown key, a repeated key, an over-long value) is returned as a problem to show on the
page, which opens on its defaults; the values are then checked against the data by
:func:`kpilib.views.selection.resolve_selection`.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from kpilib.views.selection import MAX_VALUE_LENGTH

#: Longest query string read from a URL; a longer one is refused, not cut.
MAX_QUERY_LENGTH = 1000
#: Query keys that belong to the server, not to the dashboard (the access token): skipped.
SERVER_KEYS = ("token",)


def parse_query_string(
    query: str | None, allowed: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """The ``key=value`` pairs of a URL query that a dashboard takes, and the problems found.

    ``allowed`` names the keys the page takes (a subset of
    :data:`kpilib.views.selection.SELECTION_KEYS`). The server's own keys (:data:`SERVER_KEYS`)
    are skipped. An unknown key, a key given twice, a value
    longer than :data:`MAX_VALUE_LENGTH` or a query longer than :data:`MAX_QUERY_LENGTH` is a
    problem (and the value is not used); the values are checked later by
    :func:`kpilib.views.selection.resolve_selection`.

    >>> parse_query_string("department=HLT&x=1", ["department"])
    ({'department': 'HLT'}, ["the link's parameter 'x' is not one this page takes (department)"])
    """
    allowed = list(allowed)
    if not query:
        return {}, []
    if len(query) > MAX_QUERY_LENGTH:
        return {}, [f"the link's query is longer than {MAX_QUERY_LENGTH} characters: ignored"]
    values: dict[str, str] = {}
    problems: list[str] = []
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=20)
    except ValueError as exc:
        return {}, [f"the link's query cannot be read ({exc}): ignored"]
    for key, value in pairs:
        if key in SERVER_KEYS:
            continue
        shown_key = key[:MAX_VALUE_LENGTH]
        if key not in allowed:
            problems.append(
                f"the link's parameter {shown_key!r} is not one this page takes "
                f"({', '.join(allowed)})"
            )
        elif key in values:
            problems.append(f"the link gives {key!r} more than once: the first value is used")
        elif len(value) > MAX_VALUE_LENGTH:
            problems.append(f"the link's {key!r} is longer than {MAX_VALUE_LENGTH} characters")
        else:
            values[key] = value.strip()
    return values, problems
