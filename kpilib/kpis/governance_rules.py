"""The governance rulebook (issue 17): which rules apply to each PSE category, with what
threshold and on what legal source, read from ``parameters/governance/<category>.yaml``.

Each file is untrusted input, read with :func:`kpilib.parameter_files.read_yaml_mapping` and
validated by :class:`CategoryRules` (``extra="forbid"``) before use. A rule names one of the
checks of :data:`CHECKS` (the code that reads the return), its threshold where the check takes
one, its ``source``, and whether it rests on an assumption (``assumption: true`` needs a
``note`` saying what was assumed). A rule listed with ``applies: false`` shows as "not
applicable" in the statement of compliance, with its note as the reason. Changing a threshold
here changes the verdicts; no code changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kpilib.errors import ParameterFileError
from kpilib.parameter_files import (
    describe_validation_error,
    find_parameters_dir,
    problem_at,
    read_yaml_mapping,
)
from kpilib.store.models import AUDIT_OPINIONS, ENTITY_CATEGORIES

GOVERNANCE_DIR = "governance"

#: Every check a rule may name, and what its ``threshold`` means (None: it takes none).
CHECKS: dict[str, str | None] = {
    "board_independence": "least share of the members in office that are independent (0-1)",
    "board_vacancies": "most seats vacant",
    "board_meetings": "least board meetings in the fiscal year",
    "board_attendance": "least average attendance at board meetings, %",
    "women_on_board": "least women among the members in office",
    "chair_independent": None,
    "chair_separate": None,
    "ceo_in_post": "most days a CEO may be acting (a vacant post never complies)",
    "cfo_in_post": "most days a CFO may be acting (a vacant post never complies)",
    "audit_committee": "least members of the audit committee",
    "audit_committee_chair": None,
    "audit_committee_meetings": "least audit committee meetings in the fiscal year",
    "internal_audit": None,
    "risk_policy": None,
    "audited_accounts_timely": "most days from the accounts' year-end to the auditor's report",
    "audit_opinion": None,
    "annual_report": None,
    "agm_held": "most days from the previous year-end to the annual general meeting",
}
Family = Literal["board", "management", "audit_committee", "controls", "audit", "disclosure"]
RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+){0,4}$",
                                          max_length=32)]  # fmt: skip
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class GovernanceRule(BaseModel):
    """One rule of a category's rulebook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: RuleId
    family: Family
    title: Text
    check: Literal[tuple(CHECKS)]  # type: ignore[valid-type]
    threshold: float | None = Field(default=None, ge=0)
    accepted_opinions: tuple[Literal[AUDIT_OPINIONS], ...] | None = None  # type: ignore[valid-type]
    weight: float = Field(default=1.0, gt=0, le=10)
    applies: bool = True
    source: Text
    assumption: bool
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GovernanceRule:
        takes = CHECKS[self.check] is not None
        if self.applies and takes and self.threshold is None:
            raise ValueError(f"check {self.check} needs a threshold ({CHECKS[self.check]})")
        if not takes and self.threshold is not None:
            raise ValueError(f"check {self.check} takes no threshold")
        if (self.accepted_opinions is not None) != (self.check == "audit_opinion"):
            raise ValueError("accepted_opinions goes with check audit_opinion, and only with it")
        if (self.assumption or not self.applies) and self.note is None:
            raise ValueError(
                "an assumption, or a rule that does not apply, needs a note saying why"
            )
        return self


class CategoryRules(BaseModel):
    """A rulebook file: the rules of one PSE category."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: Literal[ENTITY_CATEGORIES]  # type: ignore[valid-type]
    title: Text
    rules: tuple[GovernanceRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CategoryRules:
        ids = [r.id for r in self.rules]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"rule ids listed more than once: {', '.join(repeated)}")
        return self


@dataclass(frozen=True)
class Rulebook:
    """Every category's rules, and where they were read from."""

    categories: dict[str, CategoryRules]
    folder: Path | None = None

    def rules_for(self, category: str) -> tuple[GovernanceRule, ...]:
        """The rules of ``category`` (KeyError for a category without a file)."""
        return self.categories[category].rules

    def rule_ids(self) -> set[str]:
        return {r.id for c in self.categories.values() for r in c.rules}


def read_category_rules(path: Path) -> CategoryRules:
    """One rulebook file, validated; :class:`ParameterFileError` naming file, key and reason."""
    data = read_yaml_mapping(path)
    try:
        return CategoryRules.model_validate(data)
    except ValidationError as error:
        raise ParameterFileError(describe_validation_error(path, error, CategoryRules)) from None


def load_rulebook(folder: Path | None = None) -> Rulebook:
    """The rulebook in ``folder`` (default: ``parameters/governance``): one file per PSE
    category, every file valid, one check per rule id across files."""
    if folder is None:
        parameters = find_parameters_dir()
        if parameters is None:
            raise ParameterFileError([problem_at(
                "params.unreadable", Path(GOVERNANCE_DIR),
                "no parameters folder found (set KPI_PARAMETERS_DIR)",
            )])  # fmt: skip
        folder = parameters / GOVERNANCE_DIR
    files = {p.stem: p for p in sorted(folder.glob("*.yaml"))}
    problems = [problem_at("params.missing-file", folder / f"{c}.yaml",
                           f"no rulebook file for PSE category {c}")
                for c in ENTITY_CATEGORIES if c not in files]  # fmt: skip
    if problems:
        raise ParameterFileError(problems)
    categories: dict[str, CategoryRules] = {}
    for stem, path in files.items():
        rules = read_category_rules(path)
        if rules.category != stem:
            raise ParameterFileError([problem_at(
                "params.invalid-value", path,
                f"the file is named {stem} but says category {rules.category}", "category",
            )])  # fmt: skip
        categories[stem] = rules
    _check_ids_agree(categories, folder)
    return Rulebook(categories, folder)


def _check_ids_agree(categories: dict[str, CategoryRules], folder: Path) -> None:
    checks: dict[str, tuple[str, str]] = {}
    for name, rules in categories.items():
        for rule in rules.rules:
            first = checks.setdefault(rule.id, (rule.check, name))
            if first[0] != rule.check:
                raise ParameterFileError([problem_at(
                    "params.invalid-value", folder / f"{name}.yaml",
                    f"rule {rule.id} has check {rule.check} here but {first[0]} in {first[1]}",
                    "rules",
                )])  # fmt: skip
