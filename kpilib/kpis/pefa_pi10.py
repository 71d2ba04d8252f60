"""PEFA 2016 PI-10 (fiscal risk reporting) scored on the data: 10.1 and 10.3.

* **10.1 Monitoring of public corporations**, from the governance returns' audited accounts. The
  return of fiscal year *Y* reports the latest audited accounts: those of *Y − 1*, whose year-end
  (30 June) is the start of *Y*, are the ones judged. Per public corporation: published within
  ``published_within_months`` (auditor's report dated by the end of that month *and* an annual
  report published), received within ``received_within_months`` (auditor's report dated by
  then). A: all published in time and a consolidated report on the sector published for the
  year; B: most published in time; C: most received in time; D otherwise ("most": at least
  ``most_share``). A corporation without a return or without audited accounts counts against.
* **10.3 Contingent liabilities and other fiscal risks**, from the contingent-liabilities
  register when there is one (:func:`pi10_register`: the PSEs with guarantees outstanding in the
  Finance Department's register, each quantified when its own support return reports the
  guarantees outstanding). Without a register it is ``NR`` (not rated), the missing evidence
  named. With one: the share of PSEs with guarantees outstanding whose amounts are quantified,
  "most" -> B (A with a consolidated report on them), "some" -> C, else D.

Criteria and thresholds are data (``parameters/pefa/pi10.yaml``, read by
:func:`load_pi10_criteria`), with their source.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kpilib.errors import ParameterFileError
from kpilib.fiscal import FiscalYear
from kpilib.parameter_files import (
    describe_validation_error,
    find_parameters_dir,
    problem_at,
    read_yaml_mapping,
)

PI10_FILE = Path("pefa") / "pi10.yaml"
NOT_RATED = "NR"
EVIDENCE_COLUMNS = [
    "entity_code", "entity_name", "category", "department_code", "accounts_of",
    "audited_accounts_of", "auditor_report_date", "days_after_year_end", "annual_report_published",
    "published_in_time", "received_in_time", "finding",
]  # fmt: skip


class _ScoreTexts(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    title: str
    A: str
    B: str
    C: str
    D: str


class Pi10Criteria(BaseModel):
    """``parameters/pefa/pi10.yaml``: PI-10's criteria and the thresholds read from them."""

    model_config = ConfigDict(extra="forbid")
    source: str
    public_corporations: list[str] = Field(min_length=1)
    public_corporations_assumption: bool = True
    published_within_months: int = Field(6, ge=1, le=24)
    received_within_months: int = Field(9, ge=1, le=24)
    most_share: float = Field(0.75, gt=0, le=1)
    most_assumption: bool = True
    criteria: dict[str, _ScoreTexts]


def load_pi10_criteria(path: Path | None = None) -> Pi10Criteria:
    """The criteria file (default: ``<parameters>/pefa/pi10.yaml``), validated."""
    if path is None:
        folder = find_parameters_dir()
        if folder is None:
            raise ParameterFileError([problem_at(
                "params.unreadable", PI10_FILE,
                "no parameters folder found (set KPI_PARAMETERS_DIR)",
            )])  # fmt: skip
        path = folder / PI10_FILE
    try:
        return Pi10Criteria.model_validate(read_yaml_mapping(path))
    except ValidationError as exc:
        raise ParameterFileError(describe_validation_error(path, exc, Pi10Criteria)) from exc


def month_end_after(year_end: date, months: int) -> date:
    """The last day of the month ``months`` after ``year_end``'s month (30 Jun 2024, 6 ->
    31 Dec 2024)."""
    index = year_end.year * 12 + year_end.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str | date) and bool(pd.isna(value)))


def _judge(facts: dict[str, Any] | None, expected: FiscalYear, criteria: Pi10Criteria
           ) -> dict[str, Any]:  # fmt: skip
    """One public corporation's evidence for the accounts of ``expected``."""
    published_by = month_end_after(expected.end_date, criteria.published_within_months)
    received_by = month_end_after(expected.end_date, criteria.received_within_months)
    row: dict[str, Any] = {"accounts_of": expected.label, "audited_accounts_of": None,
                           "auditor_report_date": None, "days_after_year_end": None,
                           "annual_report_published": None, "published_in_time": False,
                           "received_in_time": False}  # fmt: skip
    if facts is None:
        return row | {"finding": "no governance return for the year"}
    row["annual_report_published"] = facts.get("annual_report_published") is True
    audited, report = facts.get("audited_accounts_year"), facts.get("auditor_report_date")
    if audited is None or _blank(audited) or not isinstance(report, date):
        return row | {"finding": f"no audited accounts reported (those of {expected} were due)"}
    year = FiscalYear(int(audited))
    row |= {"audited_accounts_of": year.label, "auditor_report_date": report}
    if year < expected:
        return row | {"finding": f"latest audited accounts are of {year}: in arrears"}
    if year > expected:  # a later year's accounts are audited, so those of `expected` were too
        return row | {
            "published_in_time": row["annual_report_published"],
            "received_in_time": True,
            "finding": f"accounts of {year} already audited",
        }
    days = (report - expected.end_date).days
    received = report <= received_by
    published = report <= published_by and row["annual_report_published"]
    if published:
        finding = f"audited within {criteria.published_within_months} months, annual report out"
    elif report <= published_by:
        finding = "audited in time but no annual report published"
    elif received:
        finding = f"audited {days} days after the year-end (after {published_by})"
    else:
        finding = f"audited {days} days after the year-end (after {received_by})"
    return row | {"days_after_year_end": days, "published_in_time": published,
                  "received_in_time": received, "finding": finding}  # fmt: skip


def accounts_evidence(governance: pd.DataFrame, entities: pd.DataFrame, fiscal_year: FiscalYear,
                      criteria: Pi10Criteria) -> pd.DataFrame:  # fmt: skip
    """One row per public corporation of the register (:data:`EVIDENCE_COLUMNS`): the accounts of
    the year before ``fiscal_year``, judged on ``fiscal_year``'s governance returns
    (:func:`kpilib.store.governance.load_pse_governance`)."""
    population = entities[entities["category"].isin(criteria.public_corporations)]
    returns: dict[str, dict[str, Any]] = {
        str(r["entity_code"]): {str(k): v for k, v in r.items()}
        for r in governance.to_dict("records")
    }
    expected = fiscal_year.previous()
    rows = []
    for pse in population.sort_values("entity_code").to_dict("records"):
        scope = {k: pse[k] for k in ("entity_code", "entity_name", "category", "department_code")}
        rows.append(scope | _judge(returns.get(str(pse["entity_code"])), expected, criteria))
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


@dataclass(frozen=True)
class DimensionScore:
    """A PI-10 dimension's score, why, and what evidence was missing."""

    dimension: str
    title: str
    score: str
    rationale: str
    missing: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def score_pi10_1(evidence: pd.DataFrame, consolidated_report: bool, criteria: Pi10Criteria
                 ) -> DimensionScore:  # fmt: skip
    """10.1 from :func:`accounts_evidence` and whether a consolidated report on the sector was
    published for the year."""
    title = criteria.criteria["10.1"].title
    total = len(evidence)
    if total == 0:
        return DimensionScore("10.1", title, NOT_RATED, "no public corporation in the register",
                              ("public corporations in the register",))  # fmt: skip
    published = int(evidence["published_in_time"].sum())
    received = int(evidence["received_in_time"].sum())
    counts = {"corporations": total, "published_in_time": published, "received_in_time": received}
    most = criteria.most_share
    six, nine = criteria.published_within_months, criteria.received_within_months
    if published == total and consolidated_report:
        score, why = "A", f"all {total} published within {six} months; consolidated report out"
    elif _share(published, total) >= most:
        score, why = "B", f"{published} of {total} published within {six} months (most)"
        if published == total:
            why += "; no consolidated report on the sector for the year"
    elif _share(received, total) >= most:
        score, why = "C", (f"{received} of {total} audited within {nine} months (most); "
                           f"{published} published within {six}")  # fmt: skip
    else:
        score, why = "D", (f"{received} of {total} audited within {nine} months, fewer than "
                           f"{most:.0%}")  # fmt: skip
    return DimensionScore("10.1", title, score, why, (), counts)


def pi10_register(
    guarantees: pd.DataFrame, pse_support: pd.DataFrame, fiscal_year: FiscalYear
) -> pd.DataFrame | None:
    """10.3's input for ``fiscal_year``: each PSE with a guarantee outstanding at the year's end in
    the register (``guarantees``, :data:`kpilib.store.support.GUARANTEE_COLUMNS`) and whether it
    ``quantified`` it in its own report (its ``pse_support`` return for the year has a
    ``guarantee_outstanding`` amount). None when the register holds nothing for the year."""
    year = fiscal_year.start_year
    rows = guarantees[guarantees["fiscal_year"] == year]
    if rows.empty:
        return None
    own = pse_support[(pse_support["fiscal_year"] == year)
                      & (pse_support["instrument"] == "guarantee_outstanding")
                      & pse_support["amount"].notna()]  # fmt: skip
    codes = sorted(set(rows.loc[rows["outstanding"] > 0, "entity_code"]))
    quantified = [code in set(own["entity_code"]) for code in codes]
    return pd.DataFrame({"entity_code": codes, "quantified": pd.Series(quantified, dtype=bool)})


def score_pi10_3(register: pd.DataFrame | None, consolidated_report: bool,
                 criteria: Pi10Criteria) -> DimensionScore:  # fmt: skip
    """10.3 from the contingent-liabilities register (``entity_code``, ``quantified``: the PSE's
    guarantees outstanding carry an amount). None: no register in the data -> not rated."""
    title = criteria.criteria["10.3"].title
    if register is None:
        return DimensionScore("10.3", title, NOT_RATED, (
            "not rated: the data hold no contingent-liabilities register (guarantees issued, "
            "outstanding and called), so no contingent liability is quantified"),
            ("contingent-liabilities register", "consolidated report on fiscal risks"))  # fmt: skip
    total = int(register["entity_code"].nunique())
    quantified = int(register.loc[register["quantified"], "entity_code"].nunique())
    counts = {"pses_with_guarantees": total, "quantified": quantified}
    if total == 0:
        return DimensionScore("10.3", title, NOT_RATED, "no contingent liability registered",
                              ("guarantees in the register",), counts)  # fmt: skip
    share = _share(quantified, total)
    if share >= criteria.most_share:
        score = "A" if consolidated_report else "B"
    else:
        score = "C" if quantified else "D"
    why = f"{quantified} of {total} PSEs with guarantees quantify them"
    if score == "B":
        why += "; no consolidated report on contingent liabilities"
    return DimensionScore("10.3", title, score, why, (), counts)


@dataclass(frozen=True)
class Pi10Assessment:
    """PI-10 for one fiscal year: the dimensions scored, the evidence, the criteria used."""

    fiscal_year: FiscalYear
    dimensions: tuple[DimensionScore, ...]
    evidence: pd.DataFrame
    criteria: Pi10Criteria
    consolidated_report: str


def assess_pi10(governance: pd.DataFrame, entities: pd.DataFrame, fiscal_year: FiscalYear,
                consolidated_report: str | None, register: pd.DataFrame | None = None,
                criteria: Pi10Criteria | None = None) -> Pi10Assessment:  # fmt: skip
    """10.1 and 10.3 for ``fiscal_year``. ``consolidated_report`` describes the consolidated
    report on the PSE sector published for the year (None: none)."""
    criteria = criteria or load_pi10_criteria()
    evidence = accounts_evidence(governance, entities, fiscal_year, criteria)
    published = consolidated_report is not None
    dimensions = (score_pi10_1(evidence, published, criteria),
                  score_pi10_3(register, published, criteria))  # fmt: skip
    said = consolidated_report or "no consolidated report on the PSE sector for the year"
    return Pi10Assessment(fiscal_year, dimensions, evidence, criteria, said)
