import datetime as dt

import pytest
from django.utils import timezone

from galena.core.errors import ValidationFailed
from galena.leads.models import Stage
from galena.leads.selectors import LeadFilters, dashboard, lead_list
from tests.factories import ContactPointFactory, LeadFactory, SourceFactory


def names(queryset):
    return [lead.display_name for lead in queryset]


@pytest.fixture
def leads(team, manager):
    now = timezone.now()
    web = SourceFactory(name="Website")
    expo = SourceFactory(name="Expo", channel="exhibition")
    a = LeadFactory(
        display_name="Ana Marin",
        owner=manager,
        team=team,
        temperature="hot",
        source=web,
        created_at=now - dt.timedelta(days=1),
        score=30,
        search_text="ana marin solaris +40722123456",
    )
    b = LeadFactory(
        display_name="Pekka Virtanen",
        owner=None,
        team=team,
        temperature="cold",
        source=expo,
        created_at=now - dt.timedelta(days=10),
        score=80,
        channel="exhibition",
        search_text="pekka virtanen lumo oy",
    )
    c = LeadFactory(
        display_name="Юлия Смирнова",
        owner=manager,
        team=team,
        temperature="warm",
        created_at=now - dt.timedelta(days=40),
        score=55,
        stage=Stage.objects.get(code="qualified"),
        search_text="юлия смирнова вега",
    )
    return a, b, c


def test_default_order_is_newest_first(manager, leads):
    assert names(lead_list(user=manager, filters=LeadFilters())) == [
        "Ana Marin",
        "Pekka Virtanen",
        "Юлия Смирнова",
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (LeadFilters(temperature="hot"), ["Ana Marin"]),
        (LeadFilters(owner="none"), ["Pekka Virtanen"]),
        (LeadFilters(stage="qualified"), ["Юлия Смирнова"]),
        (LeadFilters(channel="exhibition"), ["Pekka Virtanen"]),
        (LeadFilters(q="СМИРНОВА"), ["Юлия Смирнова"]),
        (LeadFilters(q="virtanen lumo"), ["Pekka Virtanen"]),
        (LeadFilters(q="0722 123 456"), ["Ana Marin"]),
        (LeadFilters(sort="-score"), ["Pekka Virtanen", "Юлия Смирнова", "Ana Marin"]),
        (LeadFilters(sort="name"), ["Ana Marin", "Pekka Virtanen", "Юлия Смирнова"]),
    ],
)
def test_filters_and_sorts(manager, leads, filters, expected):
    assert names(lead_list(user=manager, filters=filters)) == expected


def test_owner_me_and_created_range(manager, leads):
    today = timezone.localdate()
    filters = LeadFilters(owner="me", created_from=today - dt.timedelta(days=5), created_to=today)
    assert names(lead_list(user=manager, filters=filters)) == ["Ana Marin"]


def test_source_filter(manager, leads):
    assert names(lead_list(user=manager, filters=LeadFilters(source=leads[1].source_id))) == [
        "Pekka Virtanen"
    ]


def test_filters_never_widen_what_the_role_allows(colleague, leads):
    assert names(lead_list(user=colleague, filters=LeadFilters(q="ana"))) == []
    assert names(lead_list(user=colleague, filters=LeadFilters())) == ["Pekka Virtanen"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [(LeadFilters(sort="salary"), "sort"), (LeadFilters(owner="bob"), "owner")],
)
def test_bad_filter_names_the_field(manager, leads, filters, field):
    with pytest.raises(ValidationFailed) as error:
        list(lead_list(user=manager, filters=filters))
    assert field in error.value.errors


def test_list_query_count_does_not_grow_with_rows(manager, team, django_assert_num_queries):
    for _ in range(15):
        lead = LeadFactory(owner=manager, team=team, source=SourceFactory(name="Web"))
        ContactPointFactory(lead=lead)
    with django_assert_num_queries(2):  # leads with their relations, then primary contacts
        rows = list(lead_list(user=manager, filters=LeadFilters()))
        assert all(len(row.primary_contacts) == 1 for row in rows)
        assert {row.source.name for row in rows} == {"Web"}


def test_dashboard_counts_what_the_user_may_see(manager, leads):
    figures = dashboard(user=manager, days=30)

    assert figures["new_total"] == 2
    assert {row["channel"]: row["n"] for row in figures["per_channel"]} == {
        "landing_page": 1,
        "exhibition": 1,
    }
    per_stage = {row["stage"].code: row["n"] for row in figures["open_per_stage"]}
    assert per_stage["new"] == 2
    assert per_stage["qualified"] == 1


def test_dashboard_and_source_counts_leave_out_what_the_quality_gate_holds(manager, team):
    from galena.leads.selectors import sources_with_lead_counts

    source = SourceFactory(name="Bought list")
    for status in ("accepted", "unknown", "quarantined", "rejected"):
        LeadFactory(owner=manager, team=team, source=source, quality_status=status)

    figures = dashboard(user=manager, days=30)
    counts = {s.name: s.lead_count for s in sources_with_lead_counts()}

    assert figures["new_total"] == 2
    assert counts["Bought list"] == 2
