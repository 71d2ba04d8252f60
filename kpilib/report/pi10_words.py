"""PEFA PI-10's wording in the reader's language: the dimensions' titles, the criteria of
``parameters/pefa/pi10.yaml``, the rationales, missing evidence and findings that
:mod:`kpilib.kpis.pefa_pi10` writes in English.

The assessment stays English (it is computed once and shared by both editions); its sentences
are matched here where they are shown and rewritten from the catalog
(``kpilib/i18n/catalogs/ur/portfolio.po``), their numbers, years and dates kept left to right.
A sentence of another form (a criterion edited in the parameter file) is shown as written.
"""

from __future__ import annotations

import re

from kpilib.i18n import N_, _, current_language, isolate

#: The dimensions' titles and the criteria of the shipped ``parameters/pefa/pi10.yaml``.
CRITERIA = (
    N_("Monitoring of public corporations"),
    N_("Contingent liabilities and other fiscal risks"),
    N_(
        "Audited annual financial statements for all public corporations are published within "
        "six months of the end of the fiscal year. A consolidated report on the financial "
        "performance of the public corporation sector is published by central government "
        "annually."
    ),
    N_(
        "Audited annual financial statements for most public corporations are published within "
        "six months of the end of the fiscal year."
    ),
    N_(
        "Central government receives financial reports from most public corporations within "
        "nine months of the end of the fiscal year."
    ),
    N_("Performance is less than required for a C score."),
    N_(
        "Central government entities and agencies quantify most significant contingent "
        "liabilities in their financial reports. Central government publishes a consolidated "
        "report on contingent liabilities and other fiscal risks annually."
    ),
    N_(
        "Central government entities and agencies quantify most significant contingent "
        "liabilities in their financial reports."
    ),
    N_(
        "Central government entities and agencies quantify some significant contingent "
        "liabilities in their financial reports."
    ),
    N_("not rated"),
    # missing evidence
    N_("public corporations in the register"),
    N_("contingent-liabilities register"),
    N_("consolidated report on fiscal risks"),
    N_("guarantees in the register"),
    # fixed rationales and findings
    N_("no public corporation in the register"),
    N_(
        "not rated: the data hold no contingent-liabilities register (guarantees issued, "
        "outstanding and called), so no contingent liability is quantified"
    ),
    N_("no contingent liability registered"),
    N_("no governance return for the year"),
    N_("audited in time but no annual report published"),
    N_("no consolidated report on the PSE sector for the year"),
    N_("PEFA 2016 Framework, PI-10; PEFA 2016 Field Guide, 10.1:7-10.1:10 (pefa.org/node/4784)"),
)

_N = r"(?P<{}>[-\d.,%]+)"
#: Sentences with figures: the English pattern and the message it is shown as.
_PATTERNS = tuple(
    (re.compile(pattern.format(**{k: _N.format(k) for k in keys}) + "$"), message)
    for pattern, keys, message in (
        (r"all {total} published within {six} months; consolidated report out", ("total", "six"),
         N_("all {total} published within {six} months; consolidated report out")),
        (r"{published} of {total} published within {six} months \(most\); no consolidated "
         r"report on the sector for the year", ("published", "total", "six"),
         N_("{published} of {total} published within {six} months (most); no consolidated "
            "report on the sector for the year")),
        (r"{published} of {total} published within {six} months \(most\)",
         ("published", "total", "six"),
         N_("{published} of {total} published within {six} months (most)")),
        (r"{received} of {total} audited within {nine} months \(most\); {published} published "
         r"within {six}", ("received", "total", "nine", "published", "six"),
         N_("{received} of {total} audited within {nine} months (most); {published} published "
            "within {six}")),
        (r"{received} of {total} audited within {nine} months, fewer than {most}",
         ("received", "total", "nine", "most"),
         N_("{received} of {total} audited within {nine} months, fewer than {most}")),
        (r"{quantified} of {total} PSEs with guarantees quantify them; no consolidated report "
         r"on contingent liabilities", ("quantified", "total"),
         N_("{quantified} of {total} PSEs with guarantees quantify them; no consolidated report "
            "on contingent liabilities")),
        (r"{quantified} of {total} PSEs with guarantees quantify them", ("quantified", "total"),
         N_("{quantified} of {total} PSEs with guarantees quantify them")),
        (r"no audited accounts reported \(those of {year} were due\)", ("year",),
         N_("no audited accounts reported (those of {year} were due)")),
        (r"latest audited accounts are of {year}: in arrears", ("year",),
         N_("latest audited accounts are of {year}: in arrears")),
        (r"accounts of {year} already audited", ("year",),
         N_("accounts of {year} already audited")),
        (r"audited within {months} months, annual report out", ("months",),
         N_("audited within {months} months, annual report out")),
        (r"audited {days} days after the year-end \(after {date}\)", ("days", "date"),
         N_("audited {days} days after the year-end (after {date})")),
        (r"the PSE Portfolio Report for FY {year} \(pse_portfolio_report\.html\), made by the "
         r"yearly report batch \(defaults\.yaml, portfolio\.periods\)", ("year",),
         N_("the PSE Portfolio Report for FY {year} (pse_portfolio_report.html), made by the "
            "yearly report batch (defaults.yaml, portfolio.periods)")),
    )
)  # fmt: skip


def pi10_words(text: str) -> str:
    """One of PI-10's sentences (a rationale, finding, criterion, title or missing evidence) in
    the current language; a sentence of another form as written."""
    if current_language() == "en" or not text:
        return text
    for pattern, message in _PATTERNS:
        match = pattern.match(text)
        if match:
            return _(message).format(**{k: isolate(v) for k, v in match.groupdict().items()})
    return _(text)
