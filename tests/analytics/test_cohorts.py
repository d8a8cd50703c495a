"""The cohorts report: exact figures on constructed data."""

import datetime as dt

import pytest
from django.test import override_settings

from galena.analytics.cohorts import cohort_charts, cohort_table
from galena.analytics.filters import ReportFilter
from galena.core.errors import ValidationFailed
from galena.leads.models import QualityStatus, Stage
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
PERIOD = ReportFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 3, 31), group_by="month")
TODAY = dt.date(2026, 4, 15)


def _at(month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 12, 0, tzinfo=UTC)


def _lead(arrived: dt.datetime, stage: str = "new", **fields):
    return LeadFactory(created_at=arrived, stage=Stage.objects.get(code=stage), **fields)


@pytest.fixture
def cohorts(db):
    """January: 4 leads — converted in January, converted in March, rejected in February,
    still open (qualified in February). February: 2 leads — converted in April, deferred.
    March: 1 lead, open. A merged and a pseudo-lead never count."""
    _lead(_at(1), "converted", converted_at=_at(1, 20), qualified_at=_at(1, 15))
    _lead(_at(1), "converted", converted_at=_at(3))  # skipped the qualified stage
    _lead(_at(1), "rejected", rejected_at=_at(2))
    survivor = _lead(_at(1), "qualified", qualified_at=_at(2))
    _lead(_at(1), "converted", converted_at=_at(1), merged_into=survivor)
    _lead(_at(1), quality_status=QualityStatus.QUARANTINED)
    _lead(_at(2), "converted", converted_at=_at(4, 2))
    _lead(_at(2), "deferred")
    _lead(_at(3))


def _rows(table):
    return {row["cohort"]: row for row in table.rows}


def test_outcomes_today_per_month_of_arrival(admin_user, cohorts):
    rows = _rows(cohort_table(admin_user, PERIOD, today=TODAY))
    outcome = ("leads", "qualified", "converted", "rejected", "deferred", "still_open")
    assert [rows["2026-01"][key] for key in outcome] == [4, 3, 2, 1, 0, 1]
    assert [rows["2026-02"][key] for key in outcome] == [2, 1, 1, 0, 1, 0]
    assert [rows["2026-03"][key] for key in outcome] == [1, 0, 0, 0, 0, 1]
    assert rows["2026-01"]["conversion"] == 50.0


def test_converted_share_by_month_since_arrival(admin_user, cohorts):
    table = cohort_table(admin_user, PERIOD, today=TODAY)
    rows = _rows(table)
    # January: 1 of 4 converted in month 0, none in month 1, the second in month 2
    assert [rows["2026-01"][f"m{k}"] for k in range(4)] == [25.0, 25.0, 50.0, None]
    # February: the conversion in April is month 2, which has not ended on 15 April
    assert [rows["2026-02"][f"m{k}"] for k in range(4)] == [0.0, 0.0, None, None]
    assert [rows["2026-03"][f"m{k}"] for k in range(4)] == [0.0, None, None, None]
    assert [column.key for column in table.columns][-4:] == ["m0", "m1", "m2", "m3"]
    assert table.totals["leads"] == 7 and table.totals["converted"] == 3


def test_qualified_and_rejected_measures(admin_user, cohorts):
    qualified = _rows(cohort_table(admin_user, PERIOD, measure="qualified", today=TODAY))
    # January: qualified in January (1) and the direct conversion in March; the open lead
    # qualified in February
    assert [qualified["2026-01"][f"m{k}"] for k in range(3)] == [25.0, 50.0, 75.0]
    rejected = _rows(cohort_table(admin_user, PERIOD, measure="rejected", today=TODAY))
    assert [rejected["2026-01"][f"m{k}"] for k in range(3)] == [0.0, 25.0, 25.0]
    with pytest.raises(ValidationFailed):
        cohort_table(admin_user, PERIOD, measure="paid")


@override_settings(TIME_ZONE="Europe/Bucharest")
def test_a_lead_late_on_the_last_evening_of_a_month_belongs_to_that_month(admin_user):
    # 23:30 on 31 January in Bucharest (21:30 UTC), converted 00:30 on 1 February there
    _lead(
        dt.datetime(2026, 1, 31, 21, 30, tzinfo=UTC),
        "converted",
        converted_at=dt.datetime(2026, 1, 31, 22, 30, tzinfo=UTC),
    )
    rows = _rows(cohort_table(admin_user, PERIOD, today=TODAY))
    assert list(rows) == ["2026-01"]
    assert [rows["2026-01"][f"m{k}"] for k in range(2)] == [0.0, 100.0]


def test_a_manager_sees_the_cohorts_of_their_own_leads(manager, colleague, cohorts):
    _lead(_at(1), owner=manager)
    _lead(_at(1), owner=colleague)
    table = cohort_table(manager, PERIOD, today=TODAY)
    assert [(row["cohort"], row["leads"]) for row in table.rows] == [("2026-01", 1)]


def test_the_chart_draws_one_line_per_cohort(admin_user, cohorts):
    table = cohort_table(admin_user, PERIOD, today=TODAY)
    chart = cohort_charts(table)[0]
    assert chart.headers == ["", "2026-01", "2026-02", "2026-03"]
    assert chart.rows[0] == ["0", "25%", "0%", "0%"]


def test_the_page_and_the_api(client, api_as, admin_user, marketer, cohorts):
    client.force_login(marketer)
    page = client.get(
        "/analytics/cohorts/", {"from": "2026-01-01", "to": "2026-03-31", "measure": "rejected"}
    )
    assert page.status_code == 200
    assert "Rejected by month 0" in page.content.decode()
    response = api_as(admin_user).get(
        "/api/v1/analytics/cohorts?from=2026-01-01&to=2026-03-31&measure=qualified"
    )
    assert response.status_code == 200
    assert response.json()["totals"]["leads"] == 7
    refused = api_as(admin_user).get("/api/v1/analytics/cohorts?measure=paid")
    assert refused.status_code == 400
