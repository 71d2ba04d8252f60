"""The demo province's government support to its PSEs (issue 17), flagged as demo data with the
rest: about Rs 60 bn of direct support in 2024-25 (Rs 54 bn the year before), as the FY 2024-25
budget White Paper puts it, most of it to a few bodies (the mass transit company, the teaching
hospitals, the education foundation, the highways authority, the hydropower company); on-lent
loans with interest and arrears; PSEs that misreport or send no support return; grants without a
utilisation report; and a register of guarantees with one called mid-year (February 2025) and
one expiring within a year. Synthetic: every name and figure is invented."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kpilib.demo.entities import DemoEntity
from kpilib.fiscal import FiscalYear, Period
from kpilib.kpis.returns import yearly_schedule_for
from kpilib.store.writes import insert_rows, table

#: Direct support of each demo year (rupees): the White Paper's "about Rs 60 bn" for 2024-25.
DIRECT_SUPPORT = {2023: 54_000_000_000, 2024: 60_000_000_000}
#: (a name the PSE's name contains, or a category) -> (share of direct support, instrument mix).
ANCHORS: tuple[tuple[str, float, dict[str, float]], ...] = (
    ("Mass Transit Company", 0.14, {"subsidy": 0.9, "other_relief": 0.1}),
    ("teaching_hospital", 0.25, {"grant_in_aid": 1.0}),
    ("Elementary Education Foundation", 0.08, {"grant_in_aid": 1.0}),
    ("Highways Authority", 0.06, {"grant_in_aid": 1.0}),
    ("Hydropower Development Company", 0.07, {"equity_injection": 0.4, "loan_disbursed": 0.6}),
    ("university", 0.15, {"grant_in_aid": 1.0}),
    ("water_sanitation_company", 0.06, {"subsidy": 0.7, "grant_in_aid": 0.3}),
    ("*", 0.19, {"grant_in_aid": 0.8, "subsidy": 0.2}),
)  # fmt: skip
#: On-lent loans (name, repaid, interest paid, arrears at the year's end, in rupees).
LOANS = (
    ("Hydropower Development Company", 600_000_000, 450_000_000, 0),
    ("Transmission & Grid Company", 0, 0, 1_250_000_000),
    ("Oil & Gas Development Company", 900_000_000, 310_000_000, 0),
)
#: Guarantees (ref, name, lender, issued, expires, guaranteed, outstanding 2023-24, 2024-25,
#: called on, amount called).
GUARANTEES = (
    ("DEMO-G-2018-01", "Hydropower Development Company", "Demo Development Bank",
     date(2018, 9, 1), date(2033, 8, 31), 12_000_000_000, 9_600_000_000, 8_800_000_000, None, 0),
    ("DEMO-G-2019-02", "Mass Transit Company", "Demo Commercial Bank Ltd",
     date(2019, 7, 15), date(2029, 7, 14), 8_000_000_000, 6_200_000_000, 4_400_000_000,
     date(2025, 2, 10), 1_800_000_000),
    ("DEMO-G-2020-03", "Transmission & Grid Company", "Demo Bank of the Province",
     date(2020, 1, 20), date(2026, 1, 19), 5_000_000_000, 2_500_000_000, 1_250_000_000, None, 0),
    ("DEMO-G-2022-04", "Water & Sanitation Services Company Peshawar", "Demo Islamic Bank",
     date(2022, 11, 1), date(2027, 10, 31), 1_200_000_000, 1_100_000_000, 950_000_000, None, 0),
    ("DEMO-G-2024-05", "Oil & Gas Development Company", "Demo Commercial Bank Ltd",
     date(2024, 10, 1), date(2031, 9, 30), 3_000_000_000, 0, 3_000_000_000, None, 0),
)  # fmt: skip
#: Share of the supported PSEs that send a support return; of those, that misreport one
#: instrument beyond tolerance; of the grants, those without a utilisation report.
FILING_RATE, MISREPORT_RATE, NO_UTILISATION_RATE = 0.85, 0.12, 0.22


@dataclass
class SupportDemo:
    releases: list[dict] = field(default_factory=list)  # entity codes, not ids
    reported: list[dict] = field(default_factory=list)
    guarantees: list[dict] = field(default_factory=list)


def _named(entities: list[DemoEntity], text: str) -> DemoEntity:
    return next(e for e in entities if text in e.name)


def _allocate(rng: np.random.Generator, entities: list[DemoEntity], total: int
              ) -> dict[tuple[str, str], int]:  # fmt: skip
    """Direct support by (PSE code, instrument): each anchor's share spread over its PSEs."""
    named = {text for text, _, _ in ANCHORS if " " in text}
    taken = {_named(entities, text).code for text in named}
    out: dict[tuple[str, str], int] = {}
    for text, share, mix in ANCHORS:
        if text in named:
            group = [_named(entities, text)]
        elif text == "*":
            rest = [e for e in entities if e.code not in taken and e.category not in
                    ("teaching_hospital", "university", "water_sanitation_company")]  # fmt: skip
            group = [e for e in rest if rng.random() < 0.5]
        else:
            group = [e for e in entities if e.category == text]
        weights = rng.lognormal(0.0, 0.8, len(group))
        for entity, weight in zip(group, weights / weights.sum(), strict=True):
            for instrument, part in mix.items():
                amount = int(round(total * share * weight * part, -5))
                if amount:
                    out[(entity.code, instrument)] = amount
    return out


def generate_support(rng: np.random.Generator, entities: list[DemoEntity]) -> SupportDemo:
    """Releases, the PSEs' own accounts and the guarantee register of each demo year."""
    out = SupportDemo()
    for year, total in DIRECT_SUPPORT.items():
        budget = _allocate(rng, entities, total)
        for name, repaid, interest, arrears in LOANS:
            code = _named(entities, name).code
            for instrument, amount in (("loan_repaid", repaid), ("loan_interest", interest),
                                       ("loan_arrears", arrears)):  # fmt: skip
                if amount:
                    budget[(code, instrument)] = amount
        out.releases += [{"entity_code": c, "fiscal_year": year, "instrument": i, "amount": a}
                         for (c, i), a in sorted(budget.items())]  # fmt: skip
        out.guarantees += _register(entities, year)
        out.reported += _reported(rng, budget, out.guarantees, year)
    return out


def _register(entities: list[DemoEntity], year: int) -> list[dict]:
    end = FiscalYear(year).end_date
    rows = []
    for ref, name, lender, issued, expires, amount, before, after, called, paid in GUARANTEES:
        if issued > end:
            continue
        call = called if called is not None and called <= end else None
        rows.append({
            "fiscal_year": year, "guarantee_ref": ref, "entity_code": _named(entities, name).code,
            "lender": lender, "issued_on": issued, "expires_on": expires,
            "amount_guaranteed": amount, "outstanding": before if year == 2023 else after,
            "called_on": call, "amount_called": paid if call else None,
        })  # fmt: skip
    return rows


def _reported(rng: np.random.Generator, budget: dict[tuple[str, str], int],
              register: list[dict], year: int) -> list[dict]:  # fmt: skip
    """What the PSEs that file say: the budget's figures (guarantees outstanding too), one
    instrument misreported by some, and no utilisation report for some grants."""
    figures = dict(budget)
    for row in register:
        if row["fiscal_year"] == year:
            key = (row["entity_code"], "guarantee_outstanding")
            figures[key] = figures.get(key, 0) + row["outstanding"]
    rows = []
    for code in sorted({c for c, _ in figures}):
        if rng.random() >= FILING_RATE:
            continue
        mine = {i: a for (c, i), a in figures.items() if c == code}
        if rng.random() < MISREPORT_RATE:
            wrong = sorted(mine)[int(rng.integers(len(mine)))]
            mine[wrong] = int(round(mine[wrong] * rng.choice([0.8, 0.9, 1.15]), -3))
        for instrument, amount in sorted(mine.items()):
            sent = instrument == "grant_in_aid" and rng.random() >= NO_UTILISATION_RATE
            report = date(year + 1, int(rng.integers(8, 12)), int(rng.integers(1, 28)))
            rows.append({"entity_code": code, "fiscal_year": year, "instrument": instrument,
                         "amount": amount,
                         "utilisation_report_date": report if sent else None})  # fmt: skip
    return rows


def _submission(ident: int, return_type: str, key: dict, received: date, rows: list) -> dict:
    label = f"{return_type}:{key}:{len(rows)}"
    sender = "fin.budget" if key.get("department_id") else f"pse{key['entity_id']}.finance"
    return {
        "id": ident, "return_type": return_type, "entity_id": key.get("entity_id"),
        "department_id": key.get("department_id"), "period_id": key["period_id"],
        "due_date": None, "received_at": datetime.combine(received, time(6), tzinfo=UTC),
        "status": "accepted", "version": 1, "supersedes_id": None,
        "content_hash": hashlib.sha256(label.encode()).hexdigest(),
        "file_name": f"{return_type}_{key['period_id']}.csv", "row_count": len(rows),
        "submitted_by": f"{sender}@demo.invalid",
    }  # fmt: skip


def insert_support_demo(connection: Connection, seed: int, entities: list[DemoEntity],
                        ids: dict[str, dict[str, int]]) -> dict[str, int]:  # fmt: skip
    """Write the demo support returns (a random stream of their own, from ``seed``); ``ids``:
    ``entity``, ``department`` and ``period`` code to id. The row counts written, by table."""
    demo = generate_support(np.random.default_rng([seed, 17]), entities)
    last = connection.execute(sa.select(sa.func.max(table("submissions").c.id))).scalar()
    first_submission_id = int(last or 0) + 1
    submissions: list[dict] = []
    tables: dict[str, list[dict]] = {"support_releases": [], "pse_support": [], "guarantees": []}
    fin = ids["department"]["FIN"]
    for year in DIRECT_SUPPORT:
        fy = FiscalYear(year)
        period = ids["period"][fy.label]
        received = date(year + 1, 8, 10)
        for name, rows in (("support_releases", demo.releases), ("guarantees", demo.guarantees)):
            mine = [r for r in rows if r["fiscal_year"] == year]
            ident = first_submission_id + len(submissions)
            submissions.append(_submission(ident, name, {"department_id": fin, "period_id": period},
                                           received, mine))  # fmt: skip
            tables[name] += [{k: v for k, v in r.items() if k != "entity_code"}
                             | {"entity_id": ids["entity"][r["entity_code"]], "department_id": fin,
                                "submission_id": ident} for r in mine]  # fmt: skip
        for code in sorted({r["entity_code"] for r in demo.reported if r["fiscal_year"] == year}):
            mine = [
                r for r in demo.reported if r["fiscal_year"] == year and r["entity_code"] == code
            ]
            key = {"entity_id": ids["entity"][code], "period_id": period}
            ident = first_submission_id + len(submissions)
            submissions.append(
                _submission(ident, "pse_support", key, received, mine)
                | {"due_date": yearly_schedule_for("pse_support").due_date(Period(fy))}
            )
            tables["pse_support"] += [
                key | {"instrument": r["instrument"], "amount": r["amount"],
                       "utilisation_report_date": r["utilisation_report_date"],
                       "submission_id": ident} for r in mine
            ]  # fmt: skip
    counts = {"submissions": insert_rows(connection, "submissions", submissions)}
    for name, rows in tables.items():
        counts[name] = insert_rows(connection, name, rows)
    return counts
