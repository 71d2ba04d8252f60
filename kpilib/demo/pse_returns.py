"""The demo PSEs' quarterly returns: who sent what and when, and what the returns contained.

Compliance rises over the years (use of the portal became mandatory in 2025); a few PSEs are
chronic non-filers; late returns arrive a few weeks after their due date. Data rows exist only
for returns that were received.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from kpilib.demo.entities import DemoEntity
from kpilib.demo.financials import JUMP_ANOMALIES, inject_revenue_jump, simulate_entity
from kpilib.demo.indicators import actual_for, round_value
from kpilib.demo.reference import IndicatorProfile
from kpilib.fiscal import PAKISTAN_TIME, Period, pakistan_date
from kpilib.kpis.returns import RETURN_SCHEDULES

#: Probability that a return for a quarter of that fiscal year is received at all.
REPORTING_RATE = {2021: 0.6, 2022: 0.68, 2023: 0.75, 2024: 0.87, 2025: 0.93}
#: Probability that a received return arrived by its due date.
ON_TIME_RATE = {2021: 0.45, 2022: 0.52, 2023: 0.6, 2024: 0.72, 2025: 0.8}
CHRONIC_NON_FILERS = 8


@dataclass
class PseReturns:
    submissions: list[dict] = field(default_factory=list)
    financials: list[dict] = field(default_factory=list)
    kpi_values: list[tuple] = field(default_factory=list)


def _received_at(rng: np.random.Generator, due: date, on_time: bool) -> datetime:
    if on_time:
        day = due - timedelta(days=int(rng.integers(0, 26)))
    else:
        day = due + timedelta(days=int(np.ceil(rng.lognormal(np.log(18), 0.8))))
    local = datetime.combine(day, time(9), tzinfo=PAKISTAN_TIME)
    return (local + timedelta(minutes=int(rng.integers(0, 8 * 60)))).astimezone(UTC)


def generate_pse_returns(
    rng: np.random.Generator,
    entities: list[DemoEntity],
    entity_ids: dict[str, int],
    quarters: list[Period],
    period_ids: dict[str, int],
    entity_indicators: list[IndicatorProfile],
    indicator_ids: dict[str, int],
    as_of: date,
    first_submission_id: int,
) -> PseReturns:
    """Submissions, financial statements and operational KPI values of every PSE."""
    out = PseReturns()
    next_id = first_submission_id
    diligence, jump_targets = _draw_filers(rng, len(entities))

    for index, entity in enumerate(entities):
        statements = simulate_entity(rng, entity.category, len(quarters))
        kpi_levels = {
            p.code: p.baseline * rng.lognormal(0, 0.15)
            for p in entity_indicators
            if entity.category in p.categories
        }
        jump_quarter = int(rng.integers(4, len(quarters))) if index in jump_targets else -1
        for q_index, quarter in enumerate(quarters):
            year = quarter.fiscal_year.start_year
            for schedule in RETURN_SCHEDULES:
                if not schedule.applies_to(entity.category):
                    continue
                due = schedule.due_date(quarter)
                received_at = _draw_receipt(rng, due, year, diligence[index], as_of)
                if received_at is None:
                    continue
                entity_id, period_id = entity_ids[entity.code], period_ids[quarter.code]
                rows: list = []
                if schedule.return_type == "pse_financial":
                    statement = statements[q_index]
                    if q_index == jump_quarter:
                        statement = inject_revenue_jump(statement, 8.0)
                    rows.append({"entity_id": entity_id, "period_id": period_id, **statement,
                                 "submission_id": next_id})  # fmt: skip
                    out.financials.extend(rows)
                else:
                    rows.extend(_draw_kpi_rows(rng, entity_indicators, kpi_levels, indicator_ids,
                                               year, period_id, entity_id, next_id))  # fmt: skip
                    out.kpi_values.extend(rows)
                out.submissions.append(
                    _build_submission_row(next_id, schedule.return_type, entity.code, entity_id,
                                          quarter.code, period_id, due, received_at, rows)
                )  # fmt: skip
                next_id += 1
    return out


def _draw_filers(rng: np.random.Generator, count: int) -> tuple[np.ndarray, set[int]]:
    """How diligent each PSE is at filing (chronic non-filers 0.25), and which PSEs' revenue
    jumps in one quarter."""
    diligence = rng.beta(8, 2, count)
    diligence[rng.choice(count, CHRONIC_NON_FILERS, replace=False)] = 0.25
    jump_targets = set(rng.choice(count, JUMP_ANOMALIES, replace=False).tolist())
    return diligence, jump_targets


def _draw_receipt(
    rng: np.random.Generator, due: date, year: int, diligence: float, as_of: date
) -> datetime | None:
    """When a return due on ``due`` was received; None if it is not in by ``as_of`` (not due
    yet, never sent, or late and not in yet: outstanding)."""
    if due > as_of:
        return None
    received = rng.random() < REPORTING_RATE[year] * (0.5 + 0.5 * diligence)
    if not received:
        return None
    on_time = rng.random() < ON_TIME_RATE[year] * (0.6 + 0.4 * diligence)
    received_at = _received_at(rng, due, on_time)
    if pakistan_date(received_at) > as_of:
        return None
    return received_at


def _draw_kpi_rows(
    rng: np.random.Generator,
    entity_indicators: list[IndicatorProfile],
    kpi_levels: dict[str, float],
    indicator_ids: dict[str, int],
    year: int,
    period_id: int,
    entity_id: int,
    submission_id: int,
) -> list[tuple]:
    """A PSE's operational KPI values of one quarter (target and actual of each of its KPIs)."""
    rows = []
    for profile in entity_indicators:
        if profile.code not in kpi_levels:
            continue
        target = kpi_levels[profile.code] + profile.yearly_step * (year - 2021)
        actual = actual_for(profile, target, rng.lognormal(-0.02, 0.08))
        rows.append((indicator_ids[profile.code], period_id, None, entity_id,
                     round_value(target), round_value(actual), submission_id))  # fmt: skip
    return rows


def _build_submission_row(
    submission_id: int,
    return_type: str,
    entity_code: str,
    entity_id: int,
    period_code: str,
    period_id: int,
    due: date,
    received_at: datetime,
    rows: list,
) -> dict:
    """The submissions row of a received PSE return (``rows``: the data it carried)."""
    key = f"{return_type}:{entity_code}:{period_code}"
    return {
        "id": submission_id,
        "return_type": return_type,
        "entity_id": entity_id,
        "department_id": None,
        "period_id": period_id,
        "due_date": due,
        "received_at": received_at,
        "status": "accepted",
        "version": 1,
        "supersedes_id": None,
        "content_hash": hashlib.sha256(f"{key}:{rows}".encode()).hexdigest(),
        "file_name": f"{entity_code}_{return_type}_{period_code}.csv",
        "row_count": len(rows),
        "submitted_by": f"{entity_code.lower()}.finance@demo.invalid",
    }
