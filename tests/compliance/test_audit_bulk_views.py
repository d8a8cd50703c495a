"""Reading people's data in bulk is on record: every page of the lead list, the board and
the API's lead list that shows someone is an audit entry (who, how many, which filter, from
where); a page that shows nobody is not, and the threshold is a setting."""

import pytest
from django.urls import reverse

from galena.accounts.services import api_token_create
from galena.compliance.models import AuditEntry
from galena.leads.models import Stage
from tests.api.helpers import ApiClient
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_a_page_of_the_lead_list_is_a_bulk_view(client, manager, colleague):
    LeadFactory(owner=manager, team=manager.profile.team, temperature="hot")
    LeadFactory.create_batch(2, owner=manager, team=manager.profile.team, temperature="cold")
    LeadFactory(owner=colleague, temperature="hot")
    client.force_login(manager)

    client.get(reverse("lead-list") + "?temperature=hot", REMOTE_ADDR="203.0.113.9")
    client.get(reverse("lead-list"))

    first, second = AuditEntry.objects.order_by("id")
    assert (first.actor, first.action, first.object_type) == (manager, "bulk_view", "leads.Lead")
    assert first.count == 1 and first.params == {"filter": {"temperature": "hot"}, "page": 1}
    assert second.count == 3  # what was shown: the colleague's lead is out of sight
    assert second.params == {"filter": {}, "page": 1}
    assert first.ip == "203.0.113.9"


def test_a_list_that_shows_nobody_writes_nothing(client, manager):
    client.force_login(manager)

    client.get(reverse("lead-list"))
    client.get(reverse("lead-board"))

    assert not AuditEntry.objects.exists()


def test_the_board_and_a_column_s_next_cards_are_bulk_views(client, manager):
    LeadFactory.create_batch(2, owner=manager, team=manager.profile.team)
    client.force_login(manager)
    stage = Stage.objects.get(code="new")

    client.get(reverse("lead-board"))
    client.get(reverse("lead-board-column", args=[stage.pk]))

    board, column = AuditEntry.objects.order_by("id")
    assert (board.count, board.params["view"]) == (2, "board")
    assert column.params["stage"] == "new" and column.count >= 1


def test_each_page_the_api_lists_is_a_bulk_view(manager):
    LeadFactory.create_batch(3, owner=manager, team=manager.profile.team)
    _, key = api_token_create(user=manager, name="tests")
    api = ApiClient(key)

    page = api.get("/api/v1/leads?limit=2").json()
    api.get(f"/api/v1/leads?limit=2&cursor={page['next_cursor']}")

    entries = list(AuditEntry.objects.order_by("id"))
    assert [entry.count for entry in entries] == [2, 1]
    assert entries[0].params == {"filter": {"limit": 2, "sort": "-created"}}
    assert entries[0].actor == manager and entries[0].path.startswith("/api/v1/leads")


def test_the_threshold_leaves_small_lists_out(client, manager, settings):
    settings.AUDIT_BULK_VIEW_MIN_ROWS = 5
    LeadFactory.create_batch(3, owner=manager, team=manager.profile.team)
    client.force_login(manager)

    client.get(reverse("lead-list"))
    assert not AuditEntry.objects.exists()

    LeadFactory.create_batch(2, owner=manager, team=manager.profile.team)
    client.get(reverse("lead-list"))
    assert AuditEntry.objects.get().count == 5
