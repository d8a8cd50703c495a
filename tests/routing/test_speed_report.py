"""The speed-to-lead report's figures (routing.selectors.speed_report), worked out by hand
on the business of tests/routing/speed_fixtures.py."""
# ruff: noqa: F811 (the business fixture, imported for these tests)

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.core.errors import PermissionDenied
from galena.routing.selectors import SpeedFilters, percentile, speed_report
from tests.factories import UserFactory
from tests.routing.speed_fixtures import NOW, PERIOD, business, minutes  # noqa: F401

FILTERS = SpeedFilters(period=PERIOD)


def figures(row) -> dict:
    found = dataclasses.asdict(row)
    found.pop("name")
    return found


def report_for(user, filters=FILTERS, **kwargs):
    return speed_report(user=user, filters=filters, now=NOW, **kwargs)


def test_percentiles_interpolate_between_ranks_like_postgresql():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([2.0, 4.0, 6.0, 10.0, 30.0], 0.9) == pytest.approx(22.0)


def test_the_total_of_every_team(admin_user, business):
    report = report_for(admin_user)

    assert figures(report.total) == {
        "key": None,
        "leads": 9,
        "responded": 6,
        "median_seconds": pytest.approx(minutes(8)),  # 2 4 6 | 10 20 30
        "p90_seconds": pytest.approx(minutes(25)),  # between 20 and 30
        "median_from_assignment_seconds": pytest.approx(minutes(6)),  # 1 3 6 9 29
        "met": 5,
        "breached": 3,
        "overdue_open": 2,
        "handed_off": 1,
    }
    assert report.total.within_sla == pytest.approx(5 / 8)
    assert not report.is_empty


def test_per_team(admin_user, business, team, other_team):
    report = report_for(admin_user)

    assert [(row.key, row.name) for row in report.teams] == [
        (team.pk, "North"),
        (other_team.pk, "South"),
    ]
    north, south = report.teams
    assert figures(north) == {
        "key": team.pk,
        "leads": 8,
        "responded": 5,
        "median_seconds": pytest.approx(minutes(6)),
        "p90_seconds": pytest.approx(minutes(22)),
        "median_from_assignment_seconds": pytest.approx(minutes(6)),
        "met": 4,
        "breached": 3,
        "overdue_open": 2,
        "handed_off": 0,
    }
    assert north.within_sla == pytest.approx(4 / 7)
    assert figures(south) == {
        "key": other_team.pk,
        "leads": 1,
        "responded": 1,
        "median_seconds": pytest.approx(minutes(20)),
        "p90_seconds": pytest.approx(minutes(20)),
        "median_from_assignment_seconds": None,
        "met": 1,
        "breached": 0,
        "overdue_open": 0,
        "handed_off": 0,
    }


def test_per_manager_with_the_unassigned_last_and_hand_offs(
    admin_user, business, manager, colleague, telemarketer, outsider
):
    report = report_for(admin_user)

    rows = {row.key: row for row in report.managers}
    assert report.managers[-1].key is None  # the queue's leads after the people
    assert set(rows) == {manager.pk, colleague.pk, telemarketer.pk, outsider.pk, None}
    assert figures(rows[manager.pk]) == {
        "key": manager.pk,
        "leads": 4,
        "responded": 4,
        "median_seconds": pytest.approx(minutes(7)),
        "p90_seconds": pytest.approx(minutes(24)),
        "median_from_assignment_seconds": pytest.approx(minutes(6)),
        "met": 3,
        "breached": 1,
        "overdue_open": 0,
        "handed_off": 0,
    }
    assert figures(rows[colleague.pk]) == {
        "key": colleague.pk,
        "leads": 3,
        "responded": 1,
        "median_seconds": pytest.approx(minutes(6)),
        "p90_seconds": pytest.approx(minutes(6)),
        "median_from_assignment_seconds": pytest.approx(minutes(6)),
        "met": 1,
        "breached": 1,
        "overdue_open": 1,
        "handed_off": 0,
    }
    assert rows[colleague.pk].within_sla == 0.5  # the lead still within its time waits
    assert (rows[None].leads, rows[None].breached, rows[None].overdue_open) == (1, 1, 1)
    assert (rows[telemarketer.pk].leads, rows[telemarketer.pk].handed_off) == (0, 1)
    assert rows[manager.pk].name == manager.get_full_name()


def test_a_head_of_sales_sees_only_their_team(head, business, team, outsider):
    report = report_for(head)

    assert [row.key for row in report.teams] == [team.pk]
    assert report.total.leads == 8
    assert outsider.pk not in {row.key for row in report.managers}


def test_a_head_of_sales_may_not_ask_for_another_team(head, business, other_team):
    with pytest.raises(PermissionDenied):
        report_for(head, dataclasses.replace(FILTERS, team=other_team.pk))


@pytest.mark.parametrize("role_user", ["manager", "telemarketer", "marketer"])
def test_other_roles_are_refused(role_user, request, business):
    with pytest.raises(PermissionDenied):
        report_for(request.getfixturevalue(role_user))


def test_the_filters_narrow_the_leads(admin_user, business, other_team):
    def total(**narrowed):
        return report_for(admin_user, dataclasses.replace(FILTERS, **narrowed)).total.leads

    assert total(team=other_team.pk) == 1
    assert total(temperature="hot") == 3
    assert total(source=business["web"].pk) == 5
    assert total(channel="exhibition") == 1


def test_an_empty_period_is_empty(admin_user, db):
    report = report_for(admin_user)

    assert report.is_empty
    assert figures(report.total)["leads"] == 0
    assert report.teams == [] and report.managers == []


def test_the_query_count_does_not_grow_with_groups(admin_user, business, team):
    with CaptureQueriesContext(connection) as few:
        report_for(admin_user)
    for index in range(5):
        person = UserFactory(username=f"extra{index}", team=team)
        business["manager_4"].pk = None  # a copy of a lead, owned by someone new
        business["manager_4"].owner = person
        business["manager_4"].save()

    with CaptureQueriesContext(connection) as more:
        report = report_for(admin_user)

    assert len(report.managers) == 10
    assert len(more.captured_queries) == len(few.captured_queries) == 3  # figures, names ×2


@pytest.mark.postgres
def test_postgresql_computes_the_same_figures_as_python(admin_user, head, business):
    for user in (admin_user, head):
        in_database = report_for(user, in_database=True)
        in_python = report_for(user, in_database=False)

        assert [figures(row) for row in in_database.teams] == [
            pytest.approx(figures(row)) for row in in_python.teams
        ]
        assert [figures(row) for row in in_database.managers] == [
            pytest.approx(figures(row)) for row in in_python.managers
        ]
        assert figures(in_database.total) == pytest.approx(figures(in_python.total))


@pytest.mark.postgres
def test_postgresql_takes_the_percentiles_in_one_query(admin_user, business):
    with CaptureQueriesContext(connection) as queries:
        report = report_for(admin_user, in_database=True)

    assert "percentile_cont" in queries.captured_queries[0]["sql"]
    assert report.total.median_seconds == pytest.approx(minutes(8))
