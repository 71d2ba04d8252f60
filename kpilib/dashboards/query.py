"""Reading a dashboard's URL: which selection keys it gives, and what is wrong with them.

A page's query string (``?department=HLT&fiscal_year=2024-25``) is read leniently: what is wrong
(an unknown key, a repeated key, an over-long value) is returned as a problem to show on the
page, which opens on its defaults; the values are then checked against the data by
:func:`kpilib.views.selection.resolve_selection`.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from kpilib.problems import Problem
from kpilib.views.selection import MAX_VALUE_LENGTH

#: Longest query string read from a URL; a longer one is refused, not cut.
MAX_QUERY_LENGTH = 1000
#: Query keys that belong to the server, not to the dashboard (the access token, the language:
#: :mod:`kpilib.dashboards.language`): skipped.
SERVER_KEYS = ("token", "lang")


def parse_query_string(
    query: str | None, allowed: Iterable[str]
) -> tuple[dict[str, str], list[Problem]]:
    """The ``key=value`` pairs of a URL query that a dashboard takes, and the problems found.

    ``allowed`` names the keys the page takes (a subset of
    :data:`kpilib.views.selection.SELECTION_KEYS`). The server's own keys (:data:`SERVER_KEYS`)
    are skipped. An unknown key, a key given twice, a value longer than
    :data:`MAX_VALUE_LENGTH` or a query longer than :data:`MAX_QUERY_LENGTH` is a problem (and
    the value is not used); the values are checked later by
    :func:`kpilib.views.selection.resolve_selection`.

    >>> values, problems = parse_query_string("department=HLT&x=1", ["department"])
    >>> values, [str(p) for p in problems]
    ({'department': 'HLT'}, ["the link's parameter 'x' is not one this page takes (department)"])
    """
    allowed = list(allowed)
    if not query:
        return {}, []
    if len(query) > MAX_QUERY_LENGTH:
        return {}, [
            _problem("url.too-long", f"the link's query is longer than {MAX_QUERY_LENGTH} "
                     "characters: ignored")
        ]  # fmt: skip
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=20)
    except ValueError as exc:
        return {}, [_problem("url.unreadable", f"the link's query cannot be read ({exc}): ignored")]
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for key, value in pairs:
        if key in SERVER_KEYS:
            continue
        problem = _check_pair(key, value, allowed, values)
        if problem is None:
            values[key] = value.strip()
        else:
            problems.append(problem)
    return values, problems


def _check_pair(key: str, value: str, allowed: list[str], taken: dict[str, str]) -> Problem | None:
    """Why the pair cannot be used (``None``: it can)."""
    if key not in allowed:
        return _problem(
            "url.unknown-key",
            f"the link's parameter {key[:MAX_VALUE_LENGTH]!r} is not one this page takes "
            f"({', '.join(allowed)})",
        )
    if key in taken:
        return _problem(
            "url.repeated-key", f"the link gives {key!r} more than once: the first value is used"
        )
    if len(value) > MAX_VALUE_LENGTH:
        return _problem(
            "url.too-long", f"the link's {key!r} is longer than {MAX_VALUE_LENGTH} characters"
        )
    return None


def _problem(code: str, message: str) -> Problem:
    return Problem(code, "warning", message)
