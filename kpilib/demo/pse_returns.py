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
from kpilib.fiscal import Period
from kpilib.kpis.returns import RETURN_SCHEDULES

#: Probability that a return for a quarter of that fiscal year is received at all.
REPORTING_RATE = {2021: 0.6, 2022: 0.68, 2023: 0.75, 2024: 0.87, 2025: 0.93}
#: Probability that a received return arrived by its due date.
ON_TIME_RATE = {2021: 0.45, 2022: 0.52, 2023: 0.6, 2024: 0.72, 2025: 0.8}
CHRONIC_NON_FILERS = 8
PAKISTAN_OFFSET = timedelta(hours=5)


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
    local = datetime.combine(day, time(9)) + timedelta(minutes=int(rng.integers(0, 8 * 60)))
    return (local - PAKISTAN_OFFSET).replace(tzinfo=UTC)


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
    diligence = rng.beta(8, 2, len(entities))
    diligence[rng.choice(len(entities), CHRONIC_NON_FILERS, replace=False)] = 0.25
    jump_targets = set(rng.choice(len(entities), JUMP_ANOMALIES, replace=False).tolist())

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
                if due > as_of:
                    continue
                received = rng.random() < REPORTING_RATE[year] * (0.5 + 0.5 * diligence[index])
                if not received:
                    continue
                on_time = rng.random() < ON_TIME_RATE[year] * (0.6 + 0.4 * diligence[index])
                received_at = _received_at(rng, due, on_time)
                if received_at.date() > as_of:
                    continue  # late and not in yet: outstanding
                key = f"{schedule.return_type}:{entity.code}:{quarter.code}"
                rows: list = []
                if schedule.return_type == "pse_financial":
                    statement = statements[q_index]
                    if q_index == jump_quarter:
                        statement = inject_revenue_jump(statement, 8.0)
                    rows.append({"entity_id": entity_ids[entity.code],
                                 "period_id": period_ids[quarter.code], **statement,
                                 "submission_id": next_id})  # fmt: skip
                    out.financials.extend(rows)
                else:
                    for profile in entity_indicators:
                        if profile.code not in kpi_levels:
                            continue
                        target = kpi_levels[profile.code] + profile.yearly_step * (year - 2021)
                        actual = actual_for(profile, target, rng.lognormal(-0.02, 0.08))
                        rows.append((indicator_ids[profile.code], period_ids[quarter.code], None,
                                     entity_ids[entity.code], round_value(target),
                                     round_value(actual), next_id))  # fmt: skip
                    out.kpi_values.extend(rows)
                out.submissions.append(
                    {
                        "id": next_id,
                        "return_type": schedule.return_type,
                        "entity_id": entity_ids[entity.code],
                        "department_id": None,
                        "period_id": period_ids[quarter.code],
                        "due_date": due,
                        "received_at": received_at,
                        "status": "accepted",
                        "version": 1,
                        "supersedes_id": None,
                        "content_hash": hashlib.sha256(f"{key}:{rows}".encode()).hexdigest(),
                        "file_name": f"{entity.code}_{schedule.return_type}_{quarter.code}.csv",
                        "row_count": len(rows),
                        "submitted_by": f"{entity.code.lower()}.finance@demo.invalid",
                    }
                )
                next_id += 1
    return out
