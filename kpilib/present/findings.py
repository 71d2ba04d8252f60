"""Data-quality findings in the reader's language (:mod:`kpilib.kpis.quality` keeps them in
English, as found): the message's template translated with its values, the rule and the item
checked in words."""

from __future__ import annotations

from kpilib.i18n import _, current_language, isolate
from kpilib.kpis.quality import FINDING_MESSAGES, ITEM_LABELS, RULE_LABELS
from kpilib.problems import Reason, read_reason


def finding_words(message: str) -> str:
    """A finding's message (or its tail, as a red flag keeps it) in the current language: the
    template translated, its values (codes, periods, amounts) kept left to right, a statement
    line by its label. A message of no known shape stays as written."""
    if current_language() == "en":
        return message
    head, colon, tail = message.partition(": ")
    reason = read_reason(tail if colon else message, FINDING_MESSAGES)
    if reason is None:
        return message
    if any(key == "line" for key, _value in reason.params):  # ``operating_expenses``
        params = tuple((k, v.replace("_", " ").capitalize() if k == "line" else v)
                       for k, v in reason.params)  # fmt: skip
        reason = Reason(reason.template, params, frozenset({"line"}))
    return f"{isolate(head)}: {reason.shown()}" if colon else reason.shown()


def rule_words(rule: str) -> str:
    """A data-quality rule in words in Urdu (its code in English, as the tables always showed
    it, and for a rule with no words)."""
    if current_language() == "en" or rule not in RULE_LABELS:
        return rule
    return _(RULE_LABELS[rule])


def item_words(item: str) -> str:
    """What a finding checked (``total_assets``, ``actual``) in words in Urdu; as it is in
    English. A statement line is read as its label (``operating_expenses`` → "Operating
    expenses")."""
    if current_language() == "en" or not isinstance(item, str):
        return item
    label = ITEM_LABELS.get(item, item.replace("_", " ").capitalize())
    translated = _(label)
    return translated if translated != label else item
