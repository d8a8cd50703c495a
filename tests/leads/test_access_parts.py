"""What a user may see, read in parts ("mine", "my team's other leads"): the parts are
disjoint, together they are exactly what the user sees, and the list, the board's columns
and their counts read through them give the same leads in the same order as one query."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galena.core.api import first_rows, keyset_first_pages, keyset_page
from galena.leads import access, selectors
from galena.leads.models import Lead, Stage
from galena.leads.selectors import LeadFilters
from tests.factories import LeadFactory

BASE = timezone.make_aware(dt.datetime(2026, 3, 1, 9, 0))


def ids(queryset):
    return list(queryset.values_list("pk", flat=True))


@pytest.fixture
def leads(team, other_team, head, manager, colleague):
    """Own leads, the team's queue, a colleague's, the head's own and another team's, with
    creation times that tie (the id breaks them) and stages spread over the pipeline."""
    stages = list(Stage.objects.all())
    people = [(manager, team), (None, team), (colleague, team), (head, team), (None, other_team)]
    made = []
    for number in range(60):
        owner, owner_team = people[number % len(people)]
        made.append(
            LeadFactory(
                owner=owner,
                team=owner_team,
                stage=stages[number % 3],
                temperature=("hot", "cold")[number % 2],
                created_at=BASE - dt.timedelta(hours=number // 4),
            )
        )
    return made


@pytest.mark.parametrize("who", ["admin_user", "head", "manager", "telemarketer"])
def test_the_parts_are_disjoint_and_together_what_the_user_sees(request, leads, who):
    user = request.getfixturevalue(who)

    parts = [set(ids(part)) for part in access.leads_visible_parts(user)]

    seen = set(ids(access.leads_visible_to(user)))
    assert set().union(*parts) == seen
    assert sum(len(part) for part in parts) == len(seen)  # no lead in two parts


def test_a_manager_reads_their_own_leads_and_their_teams_queue(leads, manager, team):
    own, queue = (set(ids(part)) for part in access.leads_visible_parts(manager))

    assert own == set(ids(Lead.objects.filter(owner=manager)))
    assert queue == set(ids(Lead.objects.filter(owner=None, team=team)))


def test_a_marketer_has_no_parts(marketer):
    with pytest.raises(access.PermissionDenied):
        access.leads_visible_parts(marketer)


@pytest.mark.parametrize("who", ["head", "manager"])
@pytest.mark.parametrize("sort", ["-created", "created", "name", "-score", "stage", "owner"])
def test_the_list_read_in_parts_is_the_same_leads_in_the_same_order(request, leads, who, sort):
    user = request.getfixturevalue(who)
    filters = LeadFilters(sort=sort)
    whole = selectors.lead_list(user=user, filters=filters)
    parts = selectors.leads_filtered_parts(user=user, filters=filters)

    assert len(parts) == 2
    for bottom, top in ((0, 7), (7, 14), (0, 60)):
        assert ids(first_rows(whole, parts=parts, stop=top)[bottom:top]) == ids(whole[bottom:top])


@pytest.mark.parametrize("who", ["head", "manager"])
def test_a_board_column_read_in_parts_pages_like_one_query(request, leads, who):
    user = request.getfixturevalue(who)
    filters = LeadFilters()
    stage = Stage.objects.get(code="new")
    column = selectors.board_cards(user=user, filters=filters, stage=stage)
    parts = selectors.board_cards_parts(user=user, filters=filters, stage=stage)
    ordering = selectors.sort_fields(filters.sort)

    pages, cursor = [], None
    while True:
        rows, cursor = keyset_page(
            column, ordering=ordering, scope="t", cursor=cursor, limit=3, parts=parts
        )
        pages.extend(lead.pk for lead in rows)
        if cursor is None:
            break

    assert pages == ids(column.order_by("-created_at", "-id"))
    assert len(pages) > 3


@pytest.mark.parametrize("who", ["admin_user", "head", "manager"])
@pytest.mark.parametrize("sort", ["-created", "name", "-score"])
@pytest.mark.parametrize("limit", [2, 5, 100])
def test_the_boards_first_pages_read_together_are_each_columns_first_page(
    request, leads, who, sort, limit
):
    user = request.getfixturevalue(who)
    filters = LeadFilters(sort=sort)
    ordering = selectors.sort_fields(sort)
    stages = list(Stage.objects.all())
    columns = {s.pk: selectors.board_cards(user=user, filters=filters, stage=s) for s in stages}
    parts = {s.pk: selectors.board_cards_parts(user=user, filters=filters, stage=s) for s in stages}

    with CaptureQueriesContext(connection) as queries:
        together = keyset_first_pages(
            columns,
            rows=Lead.objects.select_related("stage", "owner"),
            group_of=lambda lead: lead.stage_id,
            ordering=ordering,
            scopes={pk: f"t{pk}" for pk in columns},
            limit=limit,
            parts=parts,
        )

    assert len(queries) == 2  # the ids of every column's first rows, then the rows
    for pk, column in columns.items():
        alone = keyset_page(
            column, ordering=ordering, scope=f"t{pk}", cursor=None, limit=limit, parts=parts[pk]
        )
        rows, cursor = together[pk]
        assert [lead.pk for lead in rows] == [lead.pk for lead in alone[0]]
        assert (cursor is None) == (alone[1] is None)
        if cursor is not None:  # the cursor goes on where the page stopped
            after, _next = keyset_page(
                column, ordering=ordering, scope=f"t{pk}", cursor=cursor, limit=1000
            )
            assert [lead.pk for lead in rows + after] == ids(
                column.order_by(*(selectors.sort_ordering(sort)))
            )


@pytest.mark.parametrize("who", ["head", "manager"])
@pytest.mark.parametrize("cap", [2, 5, 100])
def test_counts_in_parts_are_the_counts_of_one_query(request, leads, who, cap):
    user = request.getfixturevalue(who)
    stages = list(Stage.objects.all())
    filters = LeadFilters(temperature="hot")
    whole = selectors.leads_filtered(user=user, filters=filters)

    counts = selectors.board_counts(user=user, filters=filters, stages=stages, cap=cap)
    total = selectors.capped_count(
        whole, cap=cap, parts=selectors.leads_filtered_parts(user=user, filters=filters)
    )

    for stage in stages:
        assert counts[stage.pk] == min(whole.filter(stage=stage).count(), cap + 1)
    assert total == min(whole.count(), cap + 1)


def test_the_parts_are_read_in_a_fixed_number_of_queries(leads, manager):
    filters = LeadFilters()
    whole = selectors.lead_list(user=manager, filters=filters)
    parts = selectors.leads_filtered_parts(user=manager, filters=filters)

    with CaptureQueriesContext(connection) as queries:
        rows = list(first_rows(whole, parts=parts, stop=10)[:10])
        selectors.capped_count(whole, parts=parts)

    assert len(rows) == 10
    # the parts' ids, the page's rows, their contacts, the count of the parts
    assert len(queries) == 4
    assert "UNION ALL" in queries[0]["sql"] and "UNION ALL" in queries[3]["sql"]


@pytest.mark.parametrize("who", ["admin_user", "head", "manager"])
@pytest.mark.parametrize("sample", [3, 10_001])
def test_a_text_searchs_counts_are_the_counts_of_one_query(
    request, leads, who, sample, monkeypatch
):
    # a small sample stops before every match is read: the stages it leaves open are
    # counted alone
    monkeypatch.setattr(selectors, "SEARCH_SAMPLE", sample)
    user = request.getfixturevalue(who)
    stages = list(Stage.objects.all())
    Lead.objects.filter(pk__in=[lead.pk for lead in leads[::3]]).update(search_text="ana popescu")
    filters = LeadFilters(q="popescu")
    whole = selectors.leads_filtered(user=user, filters=filters)

    counts = selectors.board_counts(user=user, filters=filters, stages=stages, cap=2)

    assert counts == {stage.pk: min(whole.filter(stage=stage).count(), 3) for stage in stages}
    assert sum(whole.filter(stage=stage).count() for stage in stages) > 3


def test_a_text_search_is_counted_in_one_read_not_per_part(manager):
    parts = selectors.leads_filtered_parts(user=manager, filters=LeadFilters())

    assert selectors.count_parts(LeadFilters(q="ana"), parts) == []
    assert selectors.count_parts(LeadFilters(), parts) == parts
