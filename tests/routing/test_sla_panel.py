"""The lead card's first-response panel (routing/_sla_panel.html) and its fragment, which
the card asks for again every 30 s while the clock runs."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import Lead
from galena.routing.models import SlaClock, SlaPolicy
from galena.routing.templatetags.sla_tags import sla_panel
from tests.factories import LeadFactory

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def policy(db):
    return SlaPolicy.objects.create(name="Hot leads: 15 minutes", response_minutes=15)


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team, display_name="Ana Marin")


def clock(lead, policy, *, due_in: dt.timedelta, answered_after=None, **fields) -> SlaClock:
    """A 15-minute clock that ends ``due_in`` from now, answered ``answered_after`` its
    start (None: not yet)."""
    due_at = timezone.now() + due_in
    started_at = due_at - 15 * MINUTE
    met_at = None if answered_after is None else started_at + answered_after
    Lead.objects.filter(pk=lead.pk).update(response_due_at=due_at, first_response_at=met_at)
    return SlaClock.objects.create(
        lead=lead,
        policy=policy,
        started_at=started_at,
        due_at=due_at,
        met_at=met_at,
        met_by="call" if met_at else "",
        **fields,
    )


def card(client, user, lead) -> str:
    client.force_login(user)
    response = client.get(reverse("lead-detail", args=[lead.pk]))
    assert response.status_code == 200
    return response.text


def test_a_running_clock_shows_the_time_left_and_keeps_asking(client, manager, lead, policy):
    clock(lead, policy, due_in=10 * MINUTE + 30 * dt.timedelta(seconds=1))

    page = card(client, manager, lead)

    assert 'class="panel sla-panel sla-due"' in page
    assert "Hot leads: 15 minutes" in page
    assert "in 10\xa0minutes" in page  # Django puts a no-break space before the unit
    assert 'hx-trigger="every 30s"' in page
    assert reverse("routing-sla-panel", args=[lead.pk]) in page
    assert "Not escalated" in page


def test_a_clock_met_in_time_says_when_and_how_and_stops_asking(client, manager, lead, policy):
    clock(lead, policy, due_in=-60 * MINUTE, answered_after=5 * MINUTE)

    page = card(client, manager, lead)

    assert 'class="panel sla-panel sla-met"' in page
    assert (
        "answered 10\xa0minutes before the deadline" in page
    )  # Django puts a no-break space before the unit
    assert "A call logged" in page
    assert 'hx-trigger="every 30s"' not in page


def test_a_clock_met_late_counts_as_breached(client, manager, lead, policy):
    clock(lead, policy, due_in=-60 * MINUTE, answered_after=27 * MINUTE)

    page = card(client, manager, lead)

    assert 'class="panel sla-panel sla-breached"' in page
    assert "Answered late" in page
    assert "answered 12\xa0minutes late" in page  # Django puts a no-break space before the unit


def test_an_unanswered_breach_says_how_overdue_and_the_escalation(client, manager, lead, policy):
    now = timezone.now()
    clock(
        lead,
        policy,
        due_in=-12 * MINUTE - 30 * dt.timedelta(seconds=1),
        breached_at=now - 12 * MINUTE,
        warned_at=now - 20 * MINUTE,
        escalation_step=2,
    )

    page = card(client, manager, lead)

    assert 'class="panel sla-panel sla-breached"' in page
    assert "12\xa0minutes overdue" in page  # Django puts a no-break space before the unit
    assert "Owner warned" in page
    assert "Reassigned to someone else" in page
    assert 'hx-trigger="every 30s"' in page  # it may still be answered


def test_a_lead_without_a_clock_has_no_panel(client, manager, lead):
    assert 'id="sla-panel"' not in card(client, manager, lead)


def test_a_lead_without_a_deadline_costs_the_card_no_query(lead, django_assert_num_queries):
    with django_assert_num_queries(0):
        found = sla_panel(lead)

    assert found == {"clock": None, "live": False}


def test_the_panel_reads_its_clock_in_one_query(lead, policy, django_assert_num_queries):
    clock(lead, policy, due_in=5 * MINUTE)
    lead = Lead.objects.get(pk=lead.pk)  # as the card reads it

    with django_assert_num_queries(1):
        found = sla_panel(lead)

    assert found["clock"].policy.name == "Hot leads: 15 minutes"


def test_the_panel_uses_a_clock_read_with_the_lead(lead, policy, django_assert_num_queries):
    clock(lead, policy, due_in=5 * MINUTE)
    with_clock = Lead.objects.select_related("sla_clock__policy").get(pk=lead.pk)

    with django_assert_num_queries(0):
        found = sla_panel(with_clock)

    assert found["status"] == "due"


def test_the_fragment_is_the_panel_alone(client, manager, lead, policy):
    clock(lead, policy, due_in=5 * MINUTE)
    client.force_login(manager)

    response = client.get(reverse("routing-sla-panel", args=[lead.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response.text.strip().startswith("<section")
    assert "<html" not in response.text


def test_the_fragment_of_a_lead_out_of_sight_stops_the_polling(client, outsider, lead, policy):
    clock(lead, policy, due_in=5 * MINUTE)
    client.force_login(outsider)

    response = client.get(reverse("routing-sla-panel", args=[lead.pk]))

    assert response.status_code == 286  # htmx: stop polling
    assert response.content == b""


def test_the_fragment_needs_a_login(client, lead):
    response = client.get(reverse("routing-sla-panel", args=[lead.pk]))

    assert response.status_code == 302
