"""The demo PSEs' governance returns (issue 17): boards with vacancies, acting CEOs and CFOs,
audit committees that meet too rarely, a spread of audit opinions and accounts audited late or
years in arrears, and the reasons and lines of action some PSEs give. Synthetic, like the rest
of the demo province (flagged as demo data with it)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from kpilib.demo.entities import DemoEntity
from kpilib.fiscal import FiscalYear, Period
from kpilib.kpis.returns import yearly_schedule_for

#: The fiscal years with governance returns, and the share of PSEs that sent one.
FILING_RATE = {2023: 0.72, 2024: 0.86}
BOARD_SEATS = {
    "public_company": (7, 11), "water_sanitation_company": (7, 9), "university": (12, 18),
    "teaching_hospital": (5, 9), "autonomous_body": (7, 13), "other": (5, 7),
}  # fmt: skip
COMPANIES = ("public_company", "water_sanitation_company")
OPINIONS = ("unmodified", "qualified", "adverse", "disclaimer")
AUDITORS = ("Demo Auditor-General of Pakistan (commercial audit)", "Demo & Co. Chartered "
            "Accountants", "Demo Khan Hassan & Co.", "Demo Riaz Associates")  # fmt: skip
NOTES = {
    "BOARD-VACANCIES": ("board seats vacant; nominations await the government's notification",
                        "summary for the nominations moved to the administrative department"),
    "CEO-IN-POST": ("recruitment of a regular CEO is under way", "board to recommend three "
                    "names to the government within three months"),
    "AUDIT-OPINION": ("the auditor qualified the opinion on unreconciled fixed assets",
                      "asset verification and reconciliation by the next audit"),
}  # fmt: skip


@dataclass
class GovernanceReturns:
    submissions: list[dict] = field(default_factory=list)
    governance: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


def _day(base: date, rng: np.random.Generator, low: int, high: int) -> date:
    return base + timedelta(days=int(rng.integers(low, high)))


def _board(rng: np.random.Generator, category: str, year: int) -> dict:
    low, high = BOARD_SEATS[category]
    size = int(rng.integers(low, high + 1))
    vacancies = int(rng.choice([0, 0, 0, 1, 2, 3] if category != "water_sanitation_company"
                               else [0, 1, 2, 3, 4]))  # fmt: skip
    ex_officio = int(rng.integers(1, 4))
    executive = 1
    rest = max(size - vacancies - ex_officio - executive, 0)
    independent = round(rest * rng.uniform(0.35, 0.9))
    meetings = int(rng.choice([2, 3, 4, 4, 5, 6, 8]))
    return {
        "board_size": size, "independent_members": independent,
        "non_executive_members": rest - independent, "executive_members": executive,
        "ex_officio_members": min(ex_officio, size - vacancies - executive),
        "women_members": int(rng.choice([0, 0, 1, 1, 2])), "vacancies": vacancies,
        "board_meetings": meetings, "board_attendance_pct": round(float(rng.uniform(55, 96)), 1),
        "chair_independent": bool(rng.random() < 0.6),
        "chair_separate_from_ceo": bool(rng.random() < 0.9),
    }  # fmt: skip


def _fix_members(board: dict) -> dict:
    """Make the member counts and vacancies add up to the seats (the return's own rule)."""
    members = board["board_size"] - board["vacancies"]
    board["non_executive_members"] = max(members - board["independent_members"]
                                         - board["executive_members"]
                                         - board["ex_officio_members"], 0)  # fmt: skip
    board["independent_members"] = members - sum(board[k] for k in (
        "non_executive_members", "executive_members", "ex_officio_members"))  # fmt: skip
    board["women_members"] = min(board["women_members"], members)
    return board


def _post(rng: np.random.Generator, as_at: date, prefix: str) -> dict:
    status = str(rng.choice(["regular", "acting", "vacant"], p=[0.68, 0.27, 0.05]))
    since = None
    if status == "regular":
        since = as_at - timedelta(days=int(rng.integers(200, 2200)))
    elif status == "acting":
        since = as_at - timedelta(days=int(rng.integers(20, 420)))
    return {f"{prefix}_status": status, f"{prefix}_since": since}


def _accounts(rng: np.random.Generator, category: str, year: FiscalYear) -> dict:
    lag = int(rng.choice([1, 1, 1, 1, 1, 1, 2, 2, 3, 0]))
    if lag == 0:
        return {"audited_accounts_year": None, "auditor_report_date": None, "auditor": None,
                "audit_opinion": None}  # fmt: skip
    audited = year.previous(lag)
    days = int(np.clip(rng.lognormal(np.log(140 if category in COMPANIES else 210), 0.45), 40, 700))
    return {
        "audited_accounts_year": audited.start_year,
        "auditor_report_date": min(audited.end_date + timedelta(days=days), year.end_date),
        "auditor": str(rng.choice(AUDITORS)),
        "audit_opinion": str(rng.choice(OPINIONS, p=[0.5, 0.35, 0.07, 0.08])),
    }  # fmt: skip


def _facts(rng: np.random.Generator, entity: DemoEntity, year: FiscalYear) -> dict:
    as_at = year.end_date
    committee = int(rng.integers(3, 6)) if rng.random() < (
        0.85 if entity.category in COMPANIES else 0.5) else 0  # fmt: skip
    agm = None
    if entity.category in COMPANIES and rng.random() < 0.7:
        agm = _day(year.previous().end_date, rng, 60, 175)
    return {
        "as_at": as_at, **_fix_members(_board(rng, entity.category, year.start_year)),
        **_post(rng, as_at, "ceo"), **_post(rng, as_at, "cfo"),
        "audit_committee_members": committee,
        "audit_committee_chair_independent": bool(rng.random() < 0.6) if committee else None,
        "audit_committee_meetings": int(rng.integers(1, 6)) if committee else None,
        "internal_audit_function": bool(rng.random() < 0.7),
        "risk_management_policy": bool(rng.random() < 0.4),
        **_accounts(rng, entity.category, year),
        "annual_report_published": bool(rng.random() < 0.6), "agm_date": agm,
    }  # fmt: skip


def _notes(rng: np.random.Generator, facts: dict) -> list[dict]:
    breached = {
        "BOARD-VACANCIES": facts["vacancies"] > 0,
        "CEO-IN-POST": facts["ceo_status"] == "acting",
        "AUDIT-OPINION": facts["audit_opinion"] == "qualified",
    }
    return [{"rule_id": rule, "reason": NOTES[rule][0], "line_of_action": NOTES[rule][1]}
            for rule, breach in breached.items() if breach and rng.random() < 0.45]  # fmt: skip


def generate_governance_returns(
    rng: np.random.Generator,
    entities: list[DemoEntity],
    entity_ids: dict[str, int],
    period_ids: dict[str, int],
    as_of: date,
    first_submission_id: int,
) -> GovernanceReturns:
    """The governance returns (and notes) of every PSE that sent one, by ``as_of``."""
    out = GovernanceReturns()
    next_id = first_submission_id
    schedule = yearly_schedule_for("pse_governance")
    for year_start, rate in FILING_RATE.items():
        year = FiscalYear(year_start)
        due = schedule.due_date(_year_period(year))
        for entity in entities:
            if rng.random() >= rate:
                continue
            received = datetime.combine(_day(due, rng, -40, 60), time(6), tzinfo=UTC)
            if received.date() > as_of:
                continue
            facts = _facts(rng, entity, year)
            key = {"entity_id": entity_ids[entity.code], "period_id": period_ids[year.label]}
            out.governance.append(key | facts | {"submission_id": next_id})
            out.submissions.append(_submission(next_id, "pse_governance", entity, key, due,
                                               received, facts))  # fmt: skip
            next_id += 1
            notes = _notes(rng, facts)
            if notes:
                out.notes.extend(key | n | {"submission_id": next_id} for n in notes)
                out.submissions.append(_submission(next_id, "pse_governance_notes", entity, key,
                                                   due, received, notes))  # fmt: skip
                next_id += 1
    return out


def _year_period(year: FiscalYear) -> Period:
    return Period(year)


def _submission(ident: int, return_type: str, entity: DemoEntity, key: dict, due: date,
                received: datetime, rows: object) -> dict:  # fmt: skip
    label = f"{return_type}:{entity.code}:{key['period_id']}:{rows}"
    return {
        "id": ident, "return_type": return_type, "entity_id": key["entity_id"],
        "department_id": None, "period_id": key["period_id"], "due_date": due,
        "received_at": received, "status": "accepted", "version": 1, "supersedes_id": None,
        "content_hash": hashlib.sha256(label.encode()).hexdigest(),
        "file_name": f"{entity.code}_{return_type}.csv",
        "row_count": len(rows) if isinstance(rows, list) else 1,
        "submitted_by": f"{entity.code.lower()}.secretary@demo.invalid",
    }  # fmt: skip
