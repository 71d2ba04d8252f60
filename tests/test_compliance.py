"""Compliance: DHIS2-style completeness and timeliness of PSE returns, days late, outstanding."""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_helpers import one_return_received_at

from kpilib.errors import InputFrameError, ParameterError
from kpilib.fiscal import FiscalYear, Period
from kpilib.kpis.compliance import (
    ComplianceParams,
    compute_reporting_rates,
    compute_return_status,
    list_outstanding_returns,
    load_return_status,
)
from kpilib.kpis.returns import expected_returns
from kpilib.store.database import connect
from kpilib.store.queries import load_submissions

ENTITIES = pd.DataFrame(
    {
        "entity_code": ["UNI-001", "ABD-001"],
        "category": ["university", "autonomous_body"],
        "department_code": ["HED", "FIN"],
    }
)
QUARTERS = [Period(FiscalYear(2024), "quarter", q) for q in (1, 2)]  # due 30 Oct, 30 Jan
AS_OF = date(2025, 2, 15)


def pkt(year, month, day, hour=10, minute=0):
    """A time in Pakistan (UTC+5), as the UTC instant the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=5)


def submission(entity, return_type, period, received_at, version=1):
    return {"entity_code": entity, "department_code": None, "return_type": return_type,
            "period_code": period, "received_at": received_at, "version": version}  # fmt: skip


SUBMISSIONS = pd.DataFrame(
    [
        # UNI financial Q1: on its due date (on time), corrected three weeks later.
        submission("UNI-001", "pse_financial", "2024-25Q1", pkt(2024, 10, 30, 16)),
        submission("UNI-001", "pse_financial", "2024-25Q1", pkt(2024, 11, 20), version=2),
        # UNI KPI Q1: 4 November, five days late.
        submission("UNI-001", "pse_kpi", "2024-25Q1", pkt(2024, 11, 4)),
        # ABD financial Q1: 20:00 UTC on 30 October is 01:00 on 31 October in Pakistan: 1 day late.
        submission("ABD-001", "pse_financial", "2024-25Q1", datetime(2024, 10, 30, 20, tzinfo=UTC)),
        # UNI financial Q2: a day early.
        submission("UNI-001", "pse_financial", "2024-25Q2", pkt(2025, 1, 29)),
        # ABD financial Q2: arrives after the as-of date; UNI KPI Q2: never.
        submission("ABD-001", "pse_financial", "2024-25Q2", pkt(2025, 2, 20)),
        # A department return and a return nobody expects are ignored.
        {
            **submission(None, "budget_extract", "2024-25", pkt(2024, 7, 15)),
            "department_code": "HED",
        },
        submission("ABD-001", "pse_kpi", "2024-25Q1", pkt(2024, 10, 1)),
    ]
)
SUBMISSIONS["received_at"] = pd.to_datetime(SUBMISSIONS["received_at"], utc=True)


def status_on(as_of, submissions=SUBMISSIONS):
    return compute_return_status(expected_returns(ENTITIES, QUARTERS, as_of), submissions, as_of)


def test_return_status_hand_computed():
    status = status_on(AS_OF).set_index(["entity_code", "return_type", "period_code"])
    # 2 quarters × (UNI: financial + KPI, ABD: financial) = 6 expected returns.
    assert len(status) == 6
    first = status.loc[("UNI-001", "pse_financial", "2024-25Q1")]
    # The earliest version counts: on time although the correction came after the due date.
    assert first["received"] and first["on_time"] and first["days_late"] == 0
    assert first["versions"] == 2
    assert first["received_at"] == pd.Timestamp(pkt(2024, 10, 30, 16))
    kpi = status.loc[("UNI-001", "pse_kpi", "2024-25Q1")]
    assert kpi["received"] and not kpi["on_time"] and kpi["days_late"] == 5  # 4 Nov − 30 Oct
    late_by_clock = status.loc[("ABD-001", "pse_financial", "2024-25Q1")]
    assert late_by_clock["received_date"] == date(2024, 10, 31) and late_by_clock["days_late"] == 1
    assert status.loc[("UNI-001", "pse_financial", "2024-25Q2"), "on_time"]
    for key in (("UNI-001", "pse_kpi", "2024-25Q2"), ("ABD-001", "pse_financial", "2024-25Q2")):
        missing = status.loc[key]
        assert not missing["received"] and pd.isna(missing["days_late"])
        assert missing["days_overdue"] == 16  # 15 Feb − 30 Jan
    assert status["days_overdue"].isna().sum() == 4  # received returns are not overdue


def test_reporting_rates_hand_computed():
    status = status_on(AS_OF)
    overall = compute_reporting_rates(status, by=()).iloc[0]
    # 4 of 6 received; 2 on time (UNI financial Q1 and Q2); late: 5 and 1 days.
    assert (overall["expected"], overall["received"], overall["on_time"]) == (6, 4, 2)
    assert (overall["late"], overall["outstanding"]) == (2, 2)
    assert overall["completeness"] == pytest.approx(4 / 6)
    assert overall["timeliness"] == pytest.approx(2 / 6)
    assert overall["mean_days_late"] == 3.0 and overall["max_days_overdue"] == 16
    per_pse = compute_reporting_rates(status).set_index("entity_code")
    assert per_pse.loc["UNI-001", ["completeness", "timeliness"]].tolist() == [0.75, 0.5]
    assert per_pse.loc["ABD-001", ["completeness", "timeliness"]].tolist() == [0.5, 0.0]
    per_period = compute_reporting_rates(status, by=["period_code"]).set_index("period_code")
    assert per_period.loc["2024-25Q1", ["expected", "received", "on_time"]].tolist() == [3, 3, 1]
    assert per_period.loc["2024-25Q2", ["expected", "received", "on_time"]].tolist() == [3, 1, 1]
    per_category = compute_reporting_rates(status, by=["category", "return_type"])
    kpi = per_category.set_index(["category", "return_type"]).loc[("university", "pse_kpi")]
    assert kpi["completeness"] == 0.5 and kpi["timeliness"] == 0.0
    per_department = compute_reporting_rates(status, by=["department_code"])
    assert per_department.set_index("department_code").loc["FIN", "outstanding"] == 1


def test_outstanding_returns_list():
    outstanding = list_outstanding_returns(status_on(AS_OF))
    assert list(outstanding.columns) == [
        "entity_code", "category", "department_code", "return_type", "period_code", "due_date",
        "days_overdue",
    ]  # fmt: skip
    assert list(zip(outstanding["entity_code"], outstanding["return_type"], strict=True)) == [
        ("ABD-001", "pse_financial"),
        ("UNI-001", "pse_kpi"),
    ]
    assert outstanding["due_date"].tolist() == [date(2025, 1, 30)] * 2


def test_as_of_before_a_due_date_means_not_yet_expected():
    # On 29 January the Q2 returns (due 30 January) are not expected yet: UNI's early Q2
    # return is not counted, and nothing of Q2 is outstanding.
    status = status_on(date(2025, 1, 29))
    assert set(status["period_code"]) == {"2024-25Q1"}
    overall = compute_reporting_rates(status, by=()).iloc[0]
    assert (overall["expected"], overall["received"], overall["on_time"]) == (3, 3, 1)
    assert list_outstanding_returns(status).empty
    # On the due date itself they are expected; a missing one is 0 days overdue.
    due_day = status_on(date(2025, 1, 30))
    missing = due_day.loc[~due_day["received"] & (due_day["period_code"] == "2024-25Q2")]
    assert len(missing) == 2 and missing["days_overdue"].eq(0).all()


def test_submissions_after_as_of_are_not_yet_received():
    # On 1 November: UNI's Q1 financial return is in (its correction is not), the KPI return
    # (4 November) is not, and is 2 days overdue.
    status = status_on(date(2024, 11, 1)).set_index(["entity_code", "return_type"])
    assert status.loc[("UNI-001", "pse_financial"), "versions"] == 1
    kpi = status.loc[("UNI-001", "pse_kpi")]
    assert not kpi["received"] and kpi["days_overdue"] == 2


def test_an_empty_period_gives_no_rates():
    status = status_on(date(2024, 10, 29))  # nothing due yet
    assert status.empty
    overall = compute_reporting_rates(status, by=()).iloc[0]
    assert overall["expected"] == 0 and pd.isna(overall["completeness"])
    assert compute_reporting_rates(status, by=["entity_code"]).empty


def test_time_zone_is_a_parameter():
    # In UTC, the ABD return of 20:00 on 30 October is on time.
    utc = compute_return_status(
        expected_returns(ENTITIES, QUARTERS, AS_OF), SUBMISSIONS, AS_OF,
        ComplianceParams(utc_offset_hours=0),
    ).set_index(["entity_code", "return_type", "period_code"])  # fmt: skip
    assert utc.loc[("ABD-001", "pse_financial", "2024-25Q1"), "on_time"]
    with pytest.raises(ParameterError):
        ComplianceParams(utc_offset_hours=30)


def test_bad_arguments_are_refused():
    expected = expected_returns(ENTITIES, QUARTERS, AS_OF)
    with pytest.raises(ParameterError, match="as_of must be a date"):
        compute_return_status(expected, SUBMISSIONS, datetime(2025, 2, 15, tzinfo=UTC))
    with pytest.raises(ParameterError, match="as_of must be a date"):
        compute_return_status(expected, SUBMISSIONS, "2025-02-15")
    with pytest.raises(InputFrameError, match="received_at"):
        compute_return_status(expected, SUBMISSIONS.drop(columns="received_at"), AS_OF)
    broken = SUBMISSIONS.copy()
    broken.loc[0, "received_at"] = pd.NaT
    with pytest.raises(InputFrameError, match="UNI-001/pse_financial/2024-25Q1"):
        compute_return_status(expected, broken, AS_OF)
    with pytest.raises(ParameterError, match="by must be"):
        compute_reporting_rates(status_on(AS_OF), by=["district_code"])


# --------------------------------------------------------------------------- invariants


@st.composite
def submission_sets(draw):
    """Random returns: each expected return gets no submission or one to three versions,
    received between 40 days before and 90 days after its due date."""
    expected = expected_returns(ENTITIES, QUARTERS, AS_OF)
    rows = []
    for item in expected.itertuples(index=False):
        for _ in range(draw(st.integers(0, 3))):
            offset = draw(st.integers(-40 * 24, 90 * 24))
            received = datetime.combine(item.due_date, datetime.min.time(), tzinfo=UTC)
            rows.append(submission(item.entity_code, item.return_type, item.period_code,
                                   received + timedelta(hours=offset)))  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["entity_code", "department_code", "return_type", "period_code",
                       "received_at", "version"],
    )  # fmt: skip
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
    return frame


@settings(max_examples=40, deadline=None)
@given(
    submissions=submission_sets(),
    as_of=st.dates(date(2024, 10, 1), date(2025, 6, 30)),
    by=st.sampled_from([(), ("entity_code",), ("period_code",), ("category", "return_type")]),
)
def test_rates_stay_in_range_and_timeliness_never_exceeds_completeness(submissions, as_of, by):
    status = status_on(as_of, submissions)
    rates = compute_reporting_rates(status, by=by).dropna(subset=["completeness"])
    assert ((rates["completeness"] >= 0) & (rates["completeness"] <= 1)).all()
    assert ((rates["timeliness"] >= 0) & (rates["timeliness"] <= rates["completeness"])).all()
    assert (rates["received"] + rates["outstanding"] == rates["expected"]).all()
    assert (rates["on_time"] + rates["late"] == rates["received"]).all()
    assert (status["days_late"].dropna() >= 0).all() and (
        status["days_overdue"].dropna() >= 0
    ).all()


@settings(max_examples=25, deadline=None)
@given(submissions=submission_sets(), delay=st.integers(1, 400))
def test_a_later_correction_never_changes_timeliness(submissions, delay):
    before = status_on(AS_OF, submissions)
    corrections = submissions.assign(
        received_at=submissions["received_at"] + pd.Timedelta(days=delay), version=2
    )
    after = status_on(AS_OF, pd.concat([submissions, corrections], ignore_index=True))
    for column in ("received", "on_time", "days_late", "days_overdue"):
        pd.testing.assert_series_equal(after[column], before[column])


# --------------------------------------------------------------------------- the demo province


def test_demo_compliance(demo_url):
    as_of = date(2026, 2, 15)
    with connect(demo_url, read_only=True).connect() as connection:
        status = load_return_status(connection, as_of)
        pse_returns = load_submissions(connection, return_types=["pse_financial", "pse_kpi"])
    # Every PSE submission of the demo is matched to exactly one expected return.
    assert status["received"].sum() == len(pse_returns)
    by_year = compute_reporting_rates(status, by=["fiscal_year"]).set_index("fiscal_year")
    # Reporting improves after the portal became mandatory (the demo's story).
    assert by_year.loc[2025, "completeness"] > by_year.loc[2021, "completeness"]
    assert by_year.loc[2025, "timeliness"] > by_year.loc[2021, "timeliness"]
    outstanding = list_outstanding_returns(status)
    assert len(outstanding) == (~status["received"]).sum() > 0
    assert (outstanding["days_overdue"] >= 16).all()  # the latest due date is 30 January 2026


# ------------------------------------------------- one "on time" rule: Pakistan time everywhere


def _three_views(engine, as_of):
    """The Q2 financial return of UNI-001 as ``kpi submissions``, the compliance KPIs and the
    portal's list of returns due see it on ``as_of``."""
    from kpilib.ingest.status import load_received
    from kpilib.portal.due import returns_due

    key = ("UNI-001", "pse_financial", "2024-25Q2")
    with engine.connect() as connection:
        received = load_received(connection, as_of)
        status = load_return_status(connection, as_of)
        due = returns_due(connection, "UNI-001", as_of)
    received = received.set_index(["sender", "return_type", "period_code"])
    status = status.set_index(["entity_code", "return_type", "period_code"])
    portal = due.set_index(["return_type", "period_code"]).loc[key[1:]]
    return received.loc[[key]] if key in received.index else None, status.loc[key], portal


@pytest.mark.parametrize(
    ("utc_hour", "utc_minute", "on_time", "local_date", "portal_status"),
    [
        # 21:00 UTC on 30 January is 02:00 on 31 January in Pakistan: one day late.
        (21, 0, False, date(2025, 1, 31), "late"),
        # 18:59 UTC is 23:59 on 30 January in Pakistan: on its due date, on time.
        (18, 59, True, date(2025, 1, 30), "received"),
    ],
)
def test_on_time_is_judged_in_pakistan_time_everywhere(
    tmp_path, sqlite_url, utc_hour, utc_minute, on_time, local_date, portal_status
):
    received_at = datetime(2025, 1, 30, utc_hour, utc_minute, tzinfo=UTC)
    engine = one_return_received_at(sqlite_url, tmp_path, received_at)
    received, status, portal = _three_views(engine, AS_OF)
    assert received is not None and received["on_time"].tolist() == [on_time]
    assert received["received_date"].tolist() == [local_date]
    assert received["due_date"].tolist() == [date(2025, 1, 30)]
    assert status["received"] and status["on_time"] == on_time
    assert status["received_date"] == local_date and status["days_late"] == (0 if on_time else 1)
    assert portal["status"] == portal_status


@pytest.mark.parametrize(
    ("utc_hour", "in_by_the_due_date"),
    [(21, False), (18, True)],  # 02:00 31 Jan / 23:00 30 Jan
)
def test_received_by_the_end_of_as_of_means_the_end_of_the_day_in_pakistan(
    tmp_path, sqlite_url, utc_hour, in_by_the_due_date
):
    received_at = datetime(2025, 1, 30, utc_hour, 0, tzinfo=UTC)
    engine = one_return_received_at(sqlite_url, tmp_path, received_at)
    received, status, portal = _three_views(engine, date(2025, 1, 30))
    assert (received is not None) == in_by_the_due_date
    assert status["received"] == in_by_the_due_date
    assert pd.isna(status["days_overdue"]) if in_by_the_due_date else status["days_overdue"] == 0
    assert portal["status"] == ("received" if in_by_the_due_date else "due")


# ------------------------------------- returned, corrected, rejected: what counts as received


def test_a_return_returned_for_correction_still_counts_from_its_first_arrival(
    tmp_path, sqlite_url, monkeypatch
):
    """UNI-001's Q2 financial return (due 30 January 2025) arrives on 20 January, the reviewer
    returns it for correction, the corrected version arrives on 10 February. Its Q1 return was
    rejected by ingestion (unbalanced). There is no "withdrawn" state."""
    from ingest_helpers import FINANCIAL_VALUES, financial_file, ingest

    from kpilib.ingest.status import load_received
    from kpilib.portal.due import returns_due
    from kpilib.store.models import REVIEW_DECISIONS, SUBMISSION_STATUSES
    from kpilib.store.writes import insert_rows, table

    assert SUBMISSION_STATUSES == ("accepted", "superseded")  # no withdrawn state
    assert REVIEW_DECISIONS == ("approved", "returned", "reopened")  # reopening is no withdrawal
    engine = one_return_received_at(sqlite_url, tmp_path, datetime(2025, 1, 20, 5, tzinfo=UTC))
    unbalanced = FINANCIAL_VALUES.replace("5000000000,2000000000", "5000000000,2500000000")
    rejected = ingest(engine, financial_file(tmp_path, "q1.csv", period="2024-25Q1",
                                             values=unbalanced))  # fmt: skip
    assert rejected.status == "rejected" and rejected.submission_id is None
    with engine.begin() as connection:
        insert_rows(connection, "reviews", [{
            "submission_id": 1, "decision": "returned", "comment": "equity does not match",
            "reviewer": "portal:HED:Reviewer", "reviewed_at": datetime(2025, 1, 25, tzinfo=UTC),
        }])  # fmt: skip
    key = ("UNI-001", "pse_financial", "2024-25Q2")

    def views():
        with engine.connect() as connection:
            status = load_return_status(connection, AS_OF)
            received = load_received(connection, AS_OF, sender="UNI-001")
            due = returns_due(connection, "UNI-001", AS_OF)
        status = status.set_index(["entity_code", "return_type", "period_code"])
        received = received.set_index(["return_type", "period_code"]).loc[key[1:]]
        return status, received, due.set_index(["return_type", "period_code"])

    status, received, due = views()
    # Returned for correction, not corrected yet: received, on time (20 January).
    assert status.loc[key, "received"] and status.loc[key, "on_time"]
    assert received["on_time"] and received["version"] == 1
    assert due.loc[key[1:], "status"] == "returned for correction"  # the PSE must act
    # Rejected: nothing was loaded, so the Q1 return (due 30 October 2024) is outstanding.
    q1 = status.loc[("UNI-001", "pse_financial", "2024-25Q1")]
    assert not q1["received"] and q1["days_overdue"] == (AS_OF - date(2024, 10, 30)).days

    corrected = FINANCIAL_VALUES.replace("100000000,", "100000001,", 1)
    assert ingest(engine, financial_file(tmp_path, "q2b.csv", period="2024-25Q2",
                                         values=corrected)).version == 2  # fmt: skip
    with engine.begin() as connection:
        connection.execute(table("submissions").update().where(table("submissions").c.id == 2)
                           .values(received_at=datetime(2025, 2, 10, 5, tzinfo=UTC)))  # fmt: skip
    for setting in ("accepted", "approved"):  # KPI_COUNT_RETURNS does not change compliance
        monkeypatch.setenv("KPI_COUNT_RETURNS", setting)
        status, received, due = views()
        row = status.loc[key]
        assert row["received"] and row["on_time"] and row["versions"] == 2
        assert row["received_date"] == date(2025, 1, 20) and row["days_late"] == 0
        assert received["on_time"] and received["version"] == 2
        assert received["received_date"] == date(2025, 1, 20)
        assert due.loc[key[1:], "status"] == "received"  # the correction clears the return
