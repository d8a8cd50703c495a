"""The SLAs' admin: policies and business hours are checked as typed, each error naming its
field and problem; clocks are read-only."""

import json

import pytest
from django.urls import reverse

from galena.routing.calendar import business_hours_errors
from galena.routing.models import Holiday, SlaClock, SlaPolicy, TeamRouting
from tests.routing.sla_fixtures import clocks_for_any_arrival as clocks_for_any_arrival
from tests.routing.sla_fixtures import new_lead

pytestmark = pytest.mark.django_db


def policy_form(**changes):
    data = {
        "name": "Chat: 2 minutes",
        "is_active": "on",
        "order": "5",
        "conditions": json.dumps([{"field": "channel", "operator": "eq", "value": "chat"}]),
        "response_minutes": "2",
        "response_business_days": "0",
        "business_hours": "",
        "response_kinds": ["call", "email"],
        "warn_before_minutes": "1",
        "reassign_after_minutes": "10",
        "alert_after_minutes": "20",
    }
    return {**data, **changes}


def test_a_sound_policy_is_saved(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:routing_slapolicy_add"), policy_form())
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(name="Chat: 2 minutes")
    assert policy.response_kinds == ["call", "email"]
    assert policy.business_hours is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"conditions": json.dumps([{"field": "mood", "operator": "eq", "value": "x"}])},
            "conditions",
            "“mood” is not a field a rule can read",
        ),
        (
            {"conditions": json.dumps([{"field": "channel", "operator": "eq", "value": "fax"}])},
            "conditions",
            "channel: Channels are:",
        ),
        ({"response_minutes": "0"}, "response_minutes", "Give the time allowed"),
        ({"response_kinds": []}, "response_kinds", "This field is required."),
        ({"alert_after_minutes": "5"}, "alert_after_minutes", "give at least 10 minutes"),
    ],
)
def test_a_wrong_policy_is_refused_naming_the_field(client, admin_user, changes, field, message):
    client.force_login(admin_user)
    before = SlaPolicy.objects.count()
    response = client.post(reverse("admin:routing_slapolicy_add"), policy_form(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    assert SlaPolicy.objects.count() == before


def test_the_policy_list_says_when_and_how_fast(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("admin:routing_slapolicy_changelist"))
    page = response.content.decode()
    assert "temperature equals hot" in page
    assert "1 business day" in page
    assert "every lead" in page
    assert "reassign after 60 min" in page


def test_business_hours_are_checked():
    assert business_hours_errors({"1": [["09:00", "13:00"], ["14:00", "18:00"]]}) == ""
    assert (
        business_hours_errors({"1": ["09:00", "18:00"], "6": [], "7": [["00:00", "24:00"]]}) == ""
    )
    assert "“8” is not a weekday" in business_hours_errors({"8": [["09:00", "18:00"]]})
    assert "not a pair of HH:MM" in business_hours_errors({"1": [["9", "18:00"]]})
    assert "18:00 is not before 09:00" in business_hours_errors({"2": [["18:00", "09:00"]]})
    assert "overlap" in business_hours_errors({"3": [["09:00", "13:00"], ["12:00", "18:00"]]})
    assert "per ISO weekday" in business_hours_errors([["09:00", "18:00"]])


def test_a_teams_hours_are_edited_and_checked_in_the_admin(client, admin_user, team):
    routing = TeamRouting.objects.create(team=team)
    client.force_login(admin_user)
    url = reverse("admin:routing_teamrouting_change", args=[routing.pk])
    refused = client.post(url, {"business_hours": json.dumps({"1": [["18:00", "09:00"]]})})
    assert refused.status_code == 200
    assert "18:00 is not before 09:00" in refused.content.decode()
    hours = {"1": [["08:00", "16:00"]]}
    assert client.post(url, {"business_hours": json.dumps(hours)}).status_code == 302
    routing.refresh_from_db()
    assert routing.business_hours == hours
    page = client.get(reverse("admin:routing_teamrouting_changelist")).content.decode()
    assert "1: 08:00–16:00" in page


def test_holidays_and_clocks_are_listed_and_clocks_cannot_be_changed(client, admin_user):
    Holiday.objects.create(date="2026-12-25", name="Christmas")
    lead = new_lead(temperature="hot")
    client.force_login(admin_user)
    assert "Christmas" in client.get(reverse("admin:routing_holiday_changelist")).content.decode()
    clocks = client.get(reverse("admin:routing_slaclock_changelist")).content.decode()
    assert str(lead) in clocks
    clock = SlaClock.objects.get(lead=lead)
    assert client.get(reverse("admin:routing_slaclock_add")).status_code == 403
    response = client.post(
        reverse("admin:routing_slaclock_change", args=[clock.pk]), {"due_at_0": "2030-01-01"}
    )
    assert response.status_code == 403
    assert SlaClock.objects.get(lead=lead).due_at == clock.due_at
