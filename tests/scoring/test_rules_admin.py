"""The score rules' admin: validation, previews that write nothing, and recomputing."""

import pytest
from django.urls import reverse

from galena.leads.models import Lead, LeadEvent, Temperature
from galena.leads.services import Actor, ContactInput, lead_create
from galena.scoring.models import LeadScore, RuleKind, ScoreRule, ScoreSettings


@pytest.fixture
def director(db):
    ScoreRule.objects.all().delete()
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(warm_threshold=20, hot_threshold=40)
    return ScoreRule.objects.create(
        name="Director",
        kind=RuleKind.PROFILE,
        conditions=[{"field": "position", "operator": "contains", "value": ["director"]}],
        points=15,
    )


@pytest.fixture
def leads(director):
    made = []
    for index, position in enumerate(["Director", "Director", "Clerk"]):
        made.append(
            lead_create(
                actor=Actor.system(),
                data={"first_name": f"P{index}", "last_name": "X", "position": position},
                contacts=[ContactInput(kind="email", value=f"p{index}@example.com")],
            )
        )
    return made


def form_data(**overrides):
    data = {
        "name": "Director",
        "is_active": "on",
        "order": "0",
        "kind": "profile",
        "event_kind": "",
        "conditions": '[{"field": "position", "operator": "contains", "value": ["director"]}]',
        "points": "25",
        "frequency": "once",
        "cap": "",
    }
    data.update(overrides)
    return data


def test_previewing_a_typed_change_shows_its_effect_and_saves_nothing(
    admin_client, director, leads
):
    events = LeadEvent.objects.count()

    response = admin_client.post(
        reverse("admin:scoring_scorerule_change", args=[director.pk]),
        {**form_data(points="25"), "_preview": "1"},
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "with this rule as typed (not saved)" in text
    assert response.context["result"].changed == 2  # the two directors: cold → warm
    assert response.context["result"].after == {"warm": 2, "cold": 1}
    director.refresh_from_db()
    assert director.points == 15
    assert LeadEvent.objects.count() == events
    assert set(Lead.objects.values_list("temperature", flat=True)) == {Temperature.COLD}


def test_a_rule_with_a_field_no_rule_can_read_is_refused_with_the_reason(admin_client, director):
    response = admin_client.post(
        reverse("admin:scoring_scorerule_add"),
        form_data(conditions='[{"field": "password", "operator": "eq", "value": "x"}]'),
    )

    assert response.status_code == 200
    assert "is not a field this rule can read" in response.content.decode()
    assert ScoreRule.objects.count() == 1


def test_the_active_rules_preview_and_the_recompute_button(admin_client, director, leads):
    director.points = 30
    director.save()

    preview = admin_client.get(reverse("admin:scoring_scorerule_preview"))
    assert preview.context["result"].changed == 2
    assert Lead.objects.filter(temperature=Temperature.WARM).count() == 0

    response = admin_client.post(reverse("admin:scoring_scorerule_recompute"))

    assert response.status_code == 302
    assert Lead.objects.filter(temperature=Temperature.WARM).count() == 2
    assert LeadScore.objects.filter(fit_points=30).count() == 2


def test_a_sales_manager_cannot_reach_the_rules(client, manager):
    client.force_login(manager)
    response = client.get(reverse("admin:scoring_scorerule_changelist"))
    assert response.status_code == 302  # to the admin login
