"""The pipeline board: columns per stage with counts, the list's filters and roles, load
more, and moves by drop or "move to" (asking for required fields, conversion elsewhere)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.leads import views
from galena.leads.models import EventType, LeadEvent, RejectionReason, Stage
from tests.factories import LeadFactory

HTMX = {"HX-Request": "true"}
BOARD = reverse("lead-board")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def head_client(client, head):
    client.force_login(head)
    return client


def stage(code):
    return Stage.objects.get(code=code)


def board_ids(response, stage_code):
    column = next(c for c in response.context["columns"] if c["stage"].code == stage_code)
    return [lead.pk for lead in column["cards"]], column["count"]


def test_the_board_has_a_column_per_stage_with_counts_closed_ones_last(manager_client, manager):
    LeadFactory.create_batch(3, owner=manager)
    LeadFactory(owner=manager, stage=stage("in_work"))
    LeadFactory(owner=manager, stage=stage("rejected"))

    response = manager_client.get(BOARD)

    assert response.status_code == 200
    codes = [c["stage"].code for c in response.context["columns"]]
    assert codes == ["new", "in_work", "qualified", "deferred", "converted", "rejected"]
    assert board_ids(response, "new")[1] == 3
    assert board_ids(response, "rejected") == ([], 1)  # collapsed to its count
    assert response.context["total"] == 5
    assert 'draggable="true"' in response.text


def test_a_manager_sees_only_their_leads_on_the_board(manager_client, manager, colleague):
    mine = LeadFactory(owner=manager)
    LeadFactory(owner=colleague)

    response = manager_client.get(BOARD)

    assert board_ids(response, "new") == ([mine.pk], 1)


def test_the_board_takes_the_lists_filters(head_client, manager, colleague, team):
    hot = LeadFactory(owner=manager, team=team, temperature="hot")
    LeadFactory(owner=manager, team=team, temperature="cold")
    LeadFactory(owner=colleague, team=team, temperature="hot")

    response = head_client.get(BOARD, {"temperature": "hot", "owner": manager.pk})

    assert board_ids(response, "new") == ([hot.pk], 1)
    assert response.context["is_filtered"]


def test_a_marketer_has_no_board(client, marketer):
    client.force_login(marketer)

    assert client.get(BOARD).status_code == 403


def test_the_board_costs_the_same_queries_for_few_and_many_leads(manager_client, manager):
    # a lead in each open column (an empty column's page needs no rows query)
    for open_stage in Stage.objects.filter(kind__in=["open", "deferred"]):
        LeadFactory(owner=manager, stage=open_stage)
    with CaptureQueriesContext(connection) as few:
        manager_client.get(BOARD)
    few_count = len(few)  # before the next request empties Django's query log
    LeadFactory.create_batch(30, owner=manager)
    LeadFactory.create_batch(5, owner=manager, stage=stage("in_work"))

    with CaptureQueriesContext(connection) as many:
        response = manager_client.get(BOARD)

    assert len(many) == few_count
    # session and user, role, saved filters, filter form choices, stages, one count query,
    # one query per open column
    assert len(many) <= 20
    assert len(board_ids(response, "new")[0]) == views.BOARD_PAGE


def test_load_more_continues_a_column_without_repeats(manager_client, manager):
    leads = LeadFactory.create_batch(views.BOARD_PAGE + 5, owner=manager)
    first = manager_client.get(BOARD)
    column = next(c for c in first.context["columns"] if c["stage"].code == "new")

    more = manager_client.get(
        reverse("lead-board-column", args=[stage("new").pk]),
        {"cursor": column["cursor"]},
        headers=HTMX,
    )

    shown = [lead.pk for lead in column["cards"]] + [
        lead.pk for lead in more.context["column"]["cards"]
    ]
    assert sorted(shown) == sorted(lead.pk for lead in leads)
    assert more.context["column"]["cursor"] is None


def test_a_closed_column_loads_its_cards_when_asked(manager_client, manager):
    lost = LeadFactory(owner=manager, stage=stage("rejected"))

    response = manager_client.get(
        reverse("lead-board-column", args=[stage("rejected").pk]), headers=HTMX
    )

    assert [lead.pk for lead in response.context["column"]["cards"]] == [lost.pk]


# --- moves ----------------------------------------------------------------------------


def move(client, lead, data, **kwargs):
    return client.post(reverse("lead-board-move", args=[lead.pk]), data, **kwargs)


def test_a_drop_moves_the_lead_and_answers_with_its_card(manager_client, manager):
    lead = LeadFactory(owner=manager)

    response = move(manager_client, lead, {"stage": stage("in_work").pk}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Trigger"] == "board-moved"
    assert f'id="board-card-{lead.pk}"' in response.text
    assert f'data-stage="{stage("in_work").pk}"' in response.text
    lead.refresh_from_db()
    assert lead.stage.code == "in_work"
    assert LeadEvent.objects.filter(lead=lead, type=EventType.STAGE_CHANGED).count() == 1


def test_a_drop_on_rejected_asks_for_the_reason_in_a_dialog(manager_client, manager):
    lead = LeadFactory(owner=manager)

    response = move(manager_client, lead, {"stage": stage("rejected").pk}, headers=HTMX)

    assert response["HX-Retarget"] == "#board-dialog-body"
    assert "No budget" in response.text
    assert not LeadEvent.objects.exists()

    rejected = stage("rejected")
    response = move(
        manager_client,
        lead,
        {
            "stage": rejected.pk,
            "filling": rejected.pk,
            "rejection_reason": RejectionReason.objects.get(code="unreachable").pk,
        },
        headers=HTMX,
    )

    assert response["HX-Trigger"] == "board-moved"
    lead.refresh_from_db()
    assert (lead.stage, lead.rejection_reason.code) == (rejected, "unreachable")


def test_a_drop_on_won_goes_to_the_card_until_there_is_a_conversion_page(
    manager_client, manager, monkeypatch
):
    lead = LeadFactory(owner=manager)
    monkeypatch.setattr(views, "convert_url", lambda lead_id: None)

    response = move(manager_client, lead, {"stage": stage("converted").pk}, headers=HTMX)

    assert response["HX-Redirect"] == reverse("lead-detail", args=[lead.pk])
    lead.refresh_from_db()
    assert lead.stage.code == "new"


def test_a_drop_on_won_goes_to_the_conversion_page(manager_client, manager, monkeypatch):
    lead = LeadFactory(owner=manager)
    monkeypatch.setattr(views, "convert_url", lambda lead_id: f"/leads/{lead_id}/convert/")

    response = move(manager_client, lead, {"stage": stage("converted").pk}, headers=HTMX)

    assert response["HX-Redirect"] == f"/leads/{lead.pk}/convert/"


def test_moving_without_javascript_comes_back_to_the_board(manager_client, manager):
    lead = LeadFactory(owner=manager)

    response = move(manager_client, lead, {"stage": stage("qualified").pk})

    assert response.status_code == 302
    assert response.url == BOARD


def test_a_colleague_cannot_move_someone_elses_card(client, colleague, manager):
    lead = LeadFactory(owner=manager)
    client.force_login(colleague)

    response = move(client, lead, {"stage": stage("in_work").pk}, headers=HTMX)

    assert response.status_code == 404
    assert not LeadEvent.objects.exists()


# --- counts at scale ------------------------------------------------------------------


def test_counts_stop_at_the_cap_and_say_more(manager_client, manager, monkeypatch):
    from galena.leads import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 2)
    LeadFactory.create_batch(5, owner=manager)
    LeadFactory(owner=manager, stage=stage("in_work"))

    board = manager_client.get(BOARD)
    listing = manager_client.get(reverse("lead-list"))

    assert board_ids(board, "new")[1] == 3  # the cap and one: "more"
    assert board_ids(board, "in_work")[1] == 1
    assert "2+" in board.text and "More than 2 leads" in board.text
    assert "More than 2 leads" in listing.text


def test_the_counts_are_one_query_whatever_the_stages(manager_client, manager):
    from galena.leads import selectors
    from galena.leads.selectors import LeadFilters

    LeadFactory.create_batch(2, owner=manager, stage=stage("qualified"))
    stages = list(Stage.objects.all())

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.board_counts(user=manager, filters=LeadFilters(), stages=stages)

    assert len(queries) == 1
    assert counts[stage("qualified").pk] == 2 and counts[stage("new").pk] == 0


# --- a text search's counts, after the board ------------------------------------------


COUNTS = reverse("lead-board-counts")


def test_a_text_searchs_board_shows_its_cards_and_counts_after(manager_client, manager):
    found = LeadFactory(owner=manager, first_name="Ionela")
    LeadFactory(owner=manager, first_name="Ionut", stage=stage("in_work"))
    LeadFactory(owner=manager, first_name="Maria")

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(BOARD, {"q": "ione"})

    assert board_ids(response, "new") == ([found.pk], None)  # the card, not yet the count
    assert response.context["counts_deferred"]
    assert not any("COUNT(" in q["sql"] for q in queries)  # no count read with the page
    assert f'hx-get="{COUNTS}?q=ione"' in response.text
    assert "Counting…" in response.text
    # without JavaScript, the placeholder's link counts with the page
    assert f"{BOARD}?q=ione&amp;counts=exact" in response.text
    exact = manager_client.get(BOARD, {"q": "ione", "counts": "exact"})
    assert board_ids(exact, "new") == ([found.pk], 1)
    assert "counts=exact" not in exact.context["query"]  # not kept in links and saved filters


def test_the_counts_answer_swaps_every_column_and_the_total(manager_client, manager):
    LeadFactory.create_batch(2, owner=manager, first_name="Ionela")
    LeadFactory(owner=manager, first_name="Ionut", stage=stage("rejected"))
    LeadFactory(owner=manager, first_name="Maria")

    response = manager_client.get(COUNTS, {"q": "ion"}, headers=HTMX)

    assert response.status_code == 200
    new, rejected = stage("new").pk, stage("rejected").pk
    assert f'id="board-count-{new}" hx-swap-oob="true" data-count="2"' in response.text
    assert f'id="board-count-{rejected}" hx-swap-oob="true" data-count="1"' in response.text
    assert 'id="board-total" hx-swap-oob="true">3 leads' in response.text


def test_a_stage_one_read_leaves_open_fetches_its_own_count(manager_client, manager, monkeypatch):
    from galena.leads import selectors

    # the read of the matches stops at 4: "new" passes the cap of 2, "in_work" is left open
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(selectors, "SEARCH_SAMPLE", 4)
    LeadFactory.create_batch(5, owner=manager, first_name="Ionela")
    LeadFactory(owner=manager, first_name="Ionut", stage=stage("in_work"))
    in_work = stage("in_work").pk

    response = manager_client.get(COUNTS, {"q": "ion"}, headers=HTMX)

    assert "2+" in response.text
    assert f'hx-get="{COUNTS}?q=ion&amp;stage={in_work}"' in response.text
    assert "More than 2 leads" in response.text  # a full read: more than the cap in all
    alone = manager_client.get(COUNTS, {"q": "ion", "stage": in_work}, headers=HTMX)
    assert f'id="board-count-{in_work}" data-count="1"' in alone.text
    assert "hx-swap-oob" not in alone.text


def test_the_counts_answer_counts_only_what_the_user_may_see(manager_client, manager, colleague):
    LeadFactory(owner=manager, first_name="Ionela")
    LeadFactory.create_batch(3, owner=colleague, first_name="Ionela")

    response = manager_client.get(COUNTS, {"q": "ionela"}, headers=HTMX)
    alone = manager_client.get(COUNTS, {"q": "ionela", "stage": stage("new").pk}, headers=HTMX)

    assert 'data-count="1"' in response.text and 'data-count="3"' not in response.text
    assert 'data-count="1"' in alone.text


def test_the_counts_answer_refuses_an_unknown_stage_and_a_marketer(
    manager_client, client, marketer
):
    assert manager_client.get(COUNTS, {"q": "x", "stage": 99999}).status_code == 404
    client.force_login(marketer)
    assert client.get(COUNTS, {"q": "x"}).status_code == 403
