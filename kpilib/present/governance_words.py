"""The governance rulebook's words in the reader's language: the rules' titles and the
findings :mod:`kpilib.kpis.governance` writes (``0 audit committee members; at least 3``).

One place for the PSE Portfolio Report and the PSE monitor's governance panel. The rulebooks
(``parameters/governance/*.yaml``) are written in English; the titles of the shipped rules are
translated here, and a rule added to a rulebook shows as written until its title is added to
:data:`RULE_TITLES` (and its Urdu to the catalog). The findings are reworded by their patterns
(:func:`kpilib.present.pse_words.reword`); a finding of another kind stays as written.
"""

from __future__ import annotations

import re

from kpilib.i18n import N_, _, current_language
from kpilib.present.pse_words import Rewording, reword

#: The rules of the shipped governance rulebooks (``parameters/governance/``).
RULE_TITLES = frozenset((
    N_("A regular CEO is in post (acting at most 90 days)"),
    N_("A regular CFO is in post (acting at most 90 days)"),
    N_("An annual report is published"),
    N_("An internal audit function is in place"),
    N_("At least one third of the members in office are independent"),
    N_("At least one woman on the board"),
    N_("Members attend at least three quarters of board meetings on average"),
    N_("No seat on the board is vacant"),
    N_("The annual general meeting is held within 120 days of the previous year-end"),
    N_("The audit committee meets at least once a quarter"),
    N_("The audit committee's chair is independent"),
    N_("The auditor's opinion is unmodified"),
    N_("The board has an audit committee of at least three members"),
    N_("The board has approved a risk-management policy"),
    N_("The board meets at least once a quarter"),
    N_("The chair is an independent member"),
    N_("The chair is not the CEO"),
    N_("The previous year's accounts are audited within 120 days of year-end"),
    N_("The previous year's accounts are audited within nine months of year-end"),
))  # fmt: skip

#: The findings that are one fixed sentence.
FIXED_FINDINGS = {text: text for text in (
    N_("no members in office"), N_("no board meetings held (see the meetings rule)"),
    N_("the chair is independent"), N_("the chair is not independent"),
    N_("chair and CEO are separate"), N_("the chair is also the CEO"), N_("no audit committee"),
    N_("the committee's chair is independent"), N_("the committee's chair is not independent"),
    N_("internal audit function in place"), N_("no internal audit function"),
    N_("risk-management policy approved"), N_("no risk-management policy"),
    N_("annual report published"), N_("no annual report published"),
    N_("no audited accounts reported, so no audit opinion"),
)}  # fmt: skip
#: What a count of the return is of (``3 seats vacant``).
COUNTED = {
    "seats vacant": N_("seats vacant"), "board meetings": N_("board meetings"),
    "women members": N_("women members"), "audit committee members": N_("audit committee members"),
    "audit committee meetings": N_("audit committee meetings"),
    "% average attendance": N_("% average attendance"),
}  # fmt: skip
OPINIONS = {"unmodified": N_("unmodified"), "qualified": N_("qualified"),
            "adverse": N_("adverse"), "disclaimer": N_("disclaimer")}  # fmt: skip
POSTS = {"CEO": N_("CEO"), "CFO": N_("CFO")}
_WHAT = "|".join(re.escape(what) for what in COUNTED)

_FINDINGS: tuple[Rewording, ...] = (
    (re.compile(rf"(?P<value>\S+) (?P<what>{_WHAT}); at most (?P<threshold>\S+)$"),
     N_("{value} {what}; at most {threshold}"), {"what": COUNTED}),
    (re.compile(rf"(?P<value>\S+) (?P<what>{_WHAT}); at least (?P<threshold>\S+)$"),
     N_("{value} {what}; at least {threshold}"), {"what": COUNTED}),
    (re.compile(rf"(?P<what>{_WHAT}): not reported$"), N_("{what}: not reported"),
     {"what": COUNTED}),
    (re.compile(r"(?P<independent>\d+) of (?P<members>\d+) members in office independent "
                r"\((?P<share>\S+)\); at least (?P<least>\S+) required$"),
     N_("{independent} of {members} members in office independent ({share}); at least {least} "
        "required"), {}),
    (re.compile(r"regular (?P<post>CEO|CFO) since (?P<since>\S+)$"),
     N_("regular {post} since {since}"), {"post": POSTS}),
    (re.compile(r"the (?P<post>CEO|CFO)'s post is vacant$"), N_("the {post}'s post is vacant"),
     {"post": POSTS}),
    (re.compile(r"acting (?P<post>CEO|CFO) since (?P<since>\S+) \((?P<days>\d+) days on "
                r"(?P<on>\S+)\); at most (?P<threshold>\S+) days$"),
     N_("acting {post} since {since} ({days} days on {on}); at most {threshold} days"),
     {"post": POSTS}),
    (re.compile(r"no audited accounts reported \(those of (?P<year>\S+) were due\)$"),
     N_("no audited accounts reported (those of {year} were due)"), {}),
    (re.compile(r"latest audited accounts are of (?P<year>\S+): (?P<behind>\d+) years? in "
                r"arrears$"),
     N_("latest audited accounts are of {year}: {behind} year(s) in arrears"), {}),
    (re.compile(r"auditor's report on (?P<year>\S+) dated (?P<report>\S+); due by "
                r"(?P<deadline>\S+) \((?P<days>\S+) days after the year-end\)$"),
     N_("auditor's report on {year} dated {report}; due by {deadline} ({days} days after the "
        "year-end)"), {}),
    (re.compile(r"(?P<opinion>[a-z]+) opinion on the accounts of (?P<year>\S+); accepted: "
                r"(?P<accepted>[a-z]+)$"),
     N_("{opinion} opinion on the accounts of {year}; accepted: {accepted}"),
     {"opinion": OPINIONS, "accepted": OPINIONS}),
    (re.compile(r"no annual general meeting held \(due by (?P<deadline>\S+)\)$"),
     N_("no annual general meeting held (due by {deadline})"), {}),
    (re.compile(r"annual general meeting on (?P<held>\S+); due between (?P<start>\S+) and "
                r"(?P<deadline>\S+)$"),
     N_("annual general meeting on {held}; due between {start} and {deadline}"), {}),
)  # fmt: skip


def rule_title_words(title: object) -> str:
    """A governance rule's title in the current language when it is a shipped rule's, else as
    written in its rulebook."""
    text = "" if title is None else str(title)
    return _(text) if text in RULE_TITLES else text


def detail_words(detail: object) -> str:
    """What the governance check found (:func:`kpilib.kpis.governance.evaluate_rule`'s
    detail) in the current language; a detail of another kind (a rule's note) as written."""
    text = "" if detail is None else str(detail)
    if current_language() == "en" or not text:
        return text
    if text in FIXED_FINDINGS:
        return _(text)
    return reword(text, _FINDINGS) or text
