"""The routing rules' admin: validation that names the problem, and the tester."""

import json

from django.urls import reverse

from galena.leads.models import LeadEvent
from galena.routing.models import RoutingMember, RoutingRule, TargetKind, TeamRouting
from tests.factories import LeadFactory
from tests.routing.conftest import member


def test_a_rule_with_a_bad_condition_is_refused_with_the_reason(admin_client, team):
    response = admin_client.post(
        reverse("admin:routing_routingrule_add"),
        {
            "name": "Hot",
            "is_active": "on",
            "order": 1,
            "conditions": json.dumps(
                [{"field": "temperature", "operator": "eq", "value": "boiling"}]
            ),
            "target_kind": TargetKind.TEAM,
            "team": "",
            "strategy": "round_robin",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "temperature is one of" in text
    assert "Choose the team whose members take this rule" in text
    assert not RoutingRule.objects.filter(name="Hot").exists()


def test_the_tester_names_the_rule_and_the_member_and_writes_nothing(admin_client, team, team_rule):
    ana = member("ana", team)
    hot = RoutingRule.objects.create(
        name="Hot → Ana",
        order=1,
        target_kind=TargetKind.USER,
        user=ana,
        conditions=[{"field": "temperature", "operator": "eq", "value": "hot"}],
    )
    lead = LeadFactory(owner=None, temperature="warm")
    events = LeadEvent.objects.count()
    response = admin_client.get(reverse("admin:routing_routingrule_test"), {"lead": lead.pk})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Everyone → North" in text and "Hot → Ana" in text  # taken by one, skipped by the other
    assert "temperature eq &#x27;hot&#x27;" in text
    assert "round robin" in text
    assert LeadEvent.objects.count() == events
    assert not TeamRouting.objects.filter(sequence__gt=0).exists()
    assert not RoutingMember.objects.filter(last_sequence__gt=0).exists()
    typed = admin_client.get(
        reverse("admin:routing_routingrule_test"), {"values": json.dumps({"temperature": "hot"})}
    ).content.decode()
    assert "Hot → Ana" in typed
    assert hot.pk


def test_the_tester_explains_bad_input(admin_client, db):
    url = reverse("admin:routing_routingrule_test")
    assert "No lead #999" in admin_client.get(url, {"lead": "999"}).content.decode()
    assert "as JSON" in admin_client.get(url, {"values": "{oops"}).content.decode()
    assert (
        "Not fields of a lead: salary"
        in admin_client.get(url, {"values": json.dumps({"salary": 1})}).content.decode()
    )
