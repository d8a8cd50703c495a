"""Fit re-evaluated when a lead's data changes (lead_update's hook), for every lead after the
rules change (leads_fit_refresh, `galena quality refit`), and previewed (fit_preview)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.accounts.services import api_token_create
from galena.leads.models import ActorSource, EventType, Fit, Lead, LeadEvent
from galena.leads.services import Actor, lead_update
from galena.quality.fit import fit_preview, fit_rules_load, lead_fit_refresh, leads_fit_refresh
from galena.quality.models import FitRule
from tests.api.helpers import ApiClient
from tests.factories import LeadFactory

SYSTEM = Actor.system()
CHECK_REASON = {
    "stage": "quality",
    "code": "gibberish_name",
    "message": "The name looks typed at random",
    "evidence": {},
    "points": 40,
    "suggestion": "",
}


@pytest.fixture
def regions(db):
    return FitRule.objects.create(
        name="Served regions",
        field="country",
        operator="not_in",
        value=["RO", "MD"],
        message="Outside the served regions",
        order=1,
    )


@pytest.fixture
def budget(db):
    return FitRule.objects.create(
        name="Budget",
        field="attributes.budget",
        operator="lt",
        value=1000,
        message="Budget under 1,000",
        order=2,
    )


def reason(rule, actual):
    return {
        "stage": "quality",
        "code": "non_target",
        "message": rule.message,
        "evidence": {
            "rule": rule.pk,
            "field": rule.field,
            "operator": rule.operator,
            "expected": rule.value,
            "actual": actual,
        },
        "points": 0,
        "suggestion": "",
    }


def classified(lead):
    """The lead's fit events (scoring records temperature changes as classified events too)."""
    return list(
        LeadEvent.objects.filter(
            lead=lead, type=EventType.CLASSIFIED, params__changes__has_key="fit"
        ).order_by("id")
    )


# --- the hook in lead_update ----------------------------------------------------------


def test_changing_a_field_a_rule_reads_re_evaluates_the_fit(regions, admin_user):
    lead = LeadFactory(country="RO", fit=Fit.TARGET, quality_reasons=[CHECK_REASON])

    lead_update(actor=Actor(user=admin_user), lead=lead, data={"country": "fi"})

    lead.refresh_from_db()
    assert lead.fit == Fit.NON_TARGET
    assert lead.quality_reasons == [CHECK_REASON, reason(regions, "FI")]
    [event] = classified(lead)
    assert event.actor == admin_user
    assert event.actor_source == ActorSource.RULE
    assert event.params == {
        "changes": {"fit": ["target", "non_target"]},
        "reasons": [reason(regions, "FI")],
        "trigger": "data_changed",
        "fields": ["country"],
    }
    assert LeadEvent.objects.filter(lead=lead, type=EventType.UPDATED).count() == 1


def test_fixing_the_data_makes_the_lead_target_again_and_drops_only_the_fit_reasons(regions):
    lead = LeadFactory(
        country="FI", fit=Fit.NON_TARGET, quality_reasons=[CHECK_REASON, reason(regions, "FI")]
    )

    lead_update(actor=SYSTEM, lead=lead, data={"country": "MD"})

    lead.refresh_from_db()
    assert (lead.fit, lead.quality_reasons) == (Fit.TARGET, [CHECK_REASON])
    [event] = classified(lead)
    assert event.params["changes"] == {"fit": ["non_target", "target"]}
    assert event.params["reasons"] == []


def test_a_changed_answer_is_re_evaluated(budget):
    lead = LeadFactory(attributes={"budget": "5 000"}, fit=Fit.TARGET)

    lead_update(actor=SYSTEM, lead=lead, data={"attributes": {"budget": "800"}})

    lead.refresh_from_db()
    assert lead.fit == Fit.NON_TARGET
    assert [e.params["fields"] for e in classified(lead)] == [["attributes"]]


def test_a_change_no_rule_reads_leaves_the_fit_and_writes_no_event(regions):
    lead = LeadFactory(country="FI", fit=Fit.TARGET)  # stale, but nothing a rule reads moves

    lead_update(actor=SYSTEM, lead=lead, data={"position": "CEO"})

    lead.refresh_from_db()
    assert lead.fit == Fit.TARGET
    assert classified(lead) == []


def test_a_change_to_a_field_no_rule_can_read_costs_no_query(regions):
    lead = LeadFactory(country="FI", fit=Fit.TARGET)

    with CaptureQueriesContext(connection) as queries:
        lead_fit_refresh(lead=lead, actor=SYSTEM, changed={"temperature", "first_name"})

    assert len(queries) == 0


def test_a_change_that_keeps_the_fit_writes_no_event(regions):
    lead = LeadFactory(country="RO", fit=Fit.TARGET)

    lead_update(actor=SYSTEM, lead=lead, data={"country": "MD"})

    lead.refresh_from_db()
    assert lead.fit == Fit.TARGET
    assert classified(lead) == []


def test_without_rules_nothing_is_re_evaluated(db):
    lead = LeadFactory(country="FI", fit=Fit.TARGET)

    lead_update(actor=SYSTEM, lead=lead, data={"country": "SE"})

    lead.refresh_from_db()
    assert lead.fit == Fit.TARGET
    assert classified(lead) == []


def test_inactive_rules_are_not_applied(regions):
    regions.is_active = False
    regions.save()
    lead = LeadFactory(country="RO", fit=Fit.TARGET)

    lead_update(actor=SYSTEM, lead=lead, data={"country": "FI"})

    assert Lead.objects.get(pk=lead.pk).fit == Fit.TARGET


def test_a_fit_set_by_hand_in_the_same_change_is_kept(regions, admin_user):
    lead = LeadFactory(country="RO", fit=Fit.UNKNOWN)

    lead_update(actor=Actor(user=admin_user), lead=lead, data={"country": "FI", "fit": Fit.TARGET})

    lead.refresh_from_db()
    assert (lead.country, lead.fit) == ("FI", Fit.TARGET)
    assert classified(lead) == []


def test_a_fit_set_by_hand_gives_way_when_the_data_changes_again_and_the_event_says_so(
    regions, admin_user
):
    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET)
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"fit": Fit.TARGET})
    manual = LeadEvent.objects.get(lead=lead, type=EventType.UPDATED)

    lead_update(actor=SYSTEM, lead=lead, data={"country": "SE"})

    lead.refresh_from_db()
    assert lead.fit == Fit.NON_TARGET
    [event] = classified(lead)
    assert event.params["replaced_manual"] == {
        "event": manual.pk,
        "actor": admin_user.pk,
        "at": manual.occurred_at.isoformat(),
        "fit": "target",
    }


def test_after_a_rule_decided_again_the_fit_is_no_longer_manual(regions, admin_user):
    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET)
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"fit": Fit.TARGET})
    lead_update(actor=SYSTEM, lead=lead, data={"country": "SE"})  # the rule: non-target

    lead_update(actor=SYSTEM, lead=lead, data={"country": "RO"})  # the rule: target

    assert ["replaced_manual" in e.params for e in classified(lead)] == [True, False]
    assert Lead.objects.get(pk=lead.pk).fit == Fit.TARGET


def test_the_hook_list_is_a_setting(regions, settings):
    settings.LEAD_CHANGE_HOOKS = []
    lead = LeadFactory(country="RO", fit=Fit.TARGET)

    lead_update(actor=SYSTEM, lead=lead, data={"country": "FI"})

    assert Lead.objects.get(pk=lead.pk).fit == Fit.TARGET
    assert classified(lead) == []


def failing_hook(**kwargs):
    raise RuntimeError("hook failed")


def test_a_failing_hook_undoes_the_whole_change(regions, settings):
    settings.LEAD_CHANGE_HOOKS = [f"{__name__}.failing_hook"]
    lead = LeadFactory(country="RO", fit=Fit.TARGET)

    with pytest.raises(RuntimeError):
        lead_update(actor=SYSTEM, lead=lead, data={"country": "FI"})

    assert Lead.objects.get(pk=lead.pk).country == "RO"
    assert not LeadEvent.objects.filter(lead=lead).exists()


# --- by hand through the API and the card ----------------------------------------------


def test_the_api_sets_fit_and_contact_type_by_hand_and_the_rules_keep_them(regions, admin_user):
    _, key = api_token_create(user=admin_user, name="tests")
    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET, contact_type="quick")

    response = ApiClient(key).patch(
        f"/api/v1/leads/{lead.pk}",
        {"fit": "target", "contact_type": "interested", "country": "SE"},
    )

    assert response.status_code == 200
    assert (response.json()["fit"], response.json()["contact_type"]) == ("target", "interested")
    lead.refresh_from_db()
    assert (lead.fit, lead.contact_type, lead.country) == ("target", "interested", "SE")
    assert classified(lead) == []


def test_the_card_form_sets_fit_and_contact_type_by_hand(regions, admin_user, client):
    from tests.pages.test_card_actions import HTMX, edit_data

    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET, contact_type="quick")
    client.force_login(admin_user)

    response = client.post(
        reverse("lead-edit", args=[lead.pk]),
        edit_data(lead, fit="target", contact_type="promo"),
        headers=HTMX,
    )

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.fit, lead.contact_type) == ("target", "promo")
    updated = LeadEvent.objects.get(lead=lead, type=EventType.UPDATED)
    assert updated.params["changes"] == {
        "fit": ["non_target", "target"],
        "contact_type": ["quick", "promo"],
    }


# --- every lead after the rules change -------------------------------------------------


def test_leads_fit_refresh_re_evaluates_every_lead_in_chunks(regions, budget):
    romanian = LeadFactory(country="RO", fit=Fit.UNKNOWN)
    finn = LeadFactory(country="FI", fit=Fit.TARGET)
    poor = LeadFactory(country="MD", attributes={"budget": 500}, fit=Fit.TARGET)
    already = LeadFactory(country="RO", fit=Fit.TARGET)
    unknown_country = LeadFactory(country="", fit=Fit.NON_TARGET)
    seen = []

    changed = leads_fit_refresh(chunk_size=2, progress=seen.append)

    fits = dict(Lead.objects.values_list("pk", "fit"))
    assert fits == {
        romanian.pk: Fit.TARGET,
        finn.pk: Fit.NON_TARGET,
        poor.pk: Fit.NON_TARGET,
        already.pk: Fit.TARGET,
        unknown_country.pk: Fit.TARGET,  # no country is no reason to be non-target
    }
    assert changed == 4
    assert seen == [2, 2, 1]
    events = LeadEvent.objects.filter(type=EventType.CLASSIFIED)
    assert sorted(e.lead_id for e in events) == sorted(
        [romanian.pk, finn.pk, poor.pk, unknown_country.pk]
    )
    event = events.get(lead=poor)
    assert event.actor_source == ActorSource.RULE
    assert event.actor is None
    assert event.params == {
        "changes": {"fit": ["target", "non_target"]},
        "reasons": [reason(budget, 500)],
        "trigger": "rules_changed",
        "rules": [regions.pk, budget.pk],
    }
    assert Lead.objects.get(pk=poor.pk).quality_reasons == [reason(budget, 500)]


def test_leads_fit_refresh_twice_changes_nothing_the_second_time(regions):
    LeadFactory(country="FI")
    LeadFactory(country="RO")
    leads_fit_refresh()
    events = LeadEvent.objects.count()

    assert leads_fit_refresh() == 0
    assert LeadEvent.objects.count() == events


def test_leads_fit_refresh_keeps_a_fit_set_by_hand(regions, admin_user):
    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET)
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"fit": Fit.TARGET})

    assert leads_fit_refresh() == 0

    assert Lead.objects.get(pk=lead.pk).fit == Fit.TARGET
    assert classified(lead) == []


def test_leads_fit_refresh_can_replace_fits_set_by_hand_and_says_so(regions, admin_user):
    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET)
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"fit": Fit.TARGET})

    assert leads_fit_refresh(include_manual=True) == 1

    assert Lead.objects.get(pk=lead.pk).fit == Fit.NON_TARGET
    [event] = classified(lead)
    assert event.params["replaced_manual"]["actor"] == admin_user.pk


def test_leads_fit_refresh_with_given_rules(regions, budget):
    lead = LeadFactory(country="FI", attributes={"budget": 5000}, fit=Fit.TARGET)
    only_budget = [rule for rule in fit_rules_load() if rule.id == budget.pk]

    assert leads_fit_refresh(rules=only_budget) == 0
    assert Lead.objects.get(pk=lead.pk).fit == Fit.TARGET


def test_leads_fit_refresh_queries_do_not_grow_with_the_leads_of_a_chunk(regions):
    for country in ("FI", "SE", "RO"):
        LeadFactory(country=country, fit=Fit.UNKNOWN)
    rules = fit_rules_load()
    with CaptureQueriesContext(connection) as few:
        leads_fit_refresh(rules=rules)
    Lead.objects.update(fit=Fit.UNKNOWN)
    LeadEvent.objects.all().delete()
    for country in ("FI", "SE", "RO") * 5:
        LeadFactory(country=country, fit=Fit.UNKNOWN)

    with CaptureQueriesContext(connection) as many:
        assert leads_fit_refresh(rules=rules) == 18

    assert len(many) == len(few)


# --- preview --------------------------------------------------------------------------


def test_fit_preview_counts_what_the_rules_would_change_and_writes_nothing(
    regions, budget, admin_user
):
    LeadFactory(country="RO", fit=Fit.TARGET)
    finn = LeadFactory(country="FI", fit=Fit.TARGET, display_name="Pekka Virtanen")
    both = LeadFactory(country="SE", attributes={"budget": "300"}, fit=Fit.NON_TARGET)
    LeadFactory(country="RO", fit=Fit.UNKNOWN)
    manual = LeadFactory(country="FI", fit=Fit.NON_TARGET)
    lead_update(actor=Actor(user=admin_user), lead=manual, data={"fit": Fit.TARGET})
    before = (list(Lead.objects.values_list("pk", "fit")), LeadEvent.objects.count())

    result = fit_preview(fit_rules_load(), chunk_size=2)

    assert result == {
        "leads": 5,
        "target": 2,
        "non_target": 3,
        "unknown": 0,
        "would_change": 2,
        "to_non_target": 1,
        "to_target": 1,
        "manual_kept": 1,
        "by_rule": {regions.pk: 3, budget.pk: 1},
        "examples": [
            {"id": finn.pk, "name": "Pekka Virtanen", "reasons": ["Outside the served regions"]}
        ],
    }
    assert both.pk not in [e["id"] for e in result["examples"]]  # already non-target
    assert (list(Lead.objects.values_list("pk", "fit")), LeadEvent.objects.count()) == before


def test_fit_preview_of_an_unsaved_rule(db):
    from galena.quality.fit import fit_rule_spec

    LeadFactory(country="FI", fit=Fit.UNKNOWN)
    rule = FitRule(name="Nordics", field="country", operator="in", value=["FI"], message="No")

    result = fit_preview([fit_rule_spec(rule)])

    assert (result["non_target"], result["by_rule"]) == (1, {0: 1})


def test_fit_preview_without_leads(regions):
    result = fit_preview(fit_rules_load())

    assert (result["leads"], result["would_change"], result["examples"]) == (0, 0, [])


# --- the command ----------------------------------------------------------------------


def test_refit_command_re_evaluates_and_reports(regions):
    lead = LeadFactory(country="FI", fit=Fit.TARGET)
    LeadFactory(country="RO", fit=Fit.TARGET)
    out, err = StringIO(), StringIO()

    call_command("quality", "refit", stdout=out, stderr=err)

    assert Lead.objects.get(pk=lead.pk).fit == Fit.NON_TARGET
    assert "Fit changed on 1 leads." in out.getvalue()
    assert "Re-evaluating fit" in err.getvalue()


def test_refit_command_include_manual(regions, admin_user):
    lead = LeadFactory(country="FI", fit=Fit.NON_TARGET)
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"fit": Fit.TARGET})

    call_command("quality", "refit", stdout=StringIO(), stderr=StringIO())
    assert Lead.objects.get(pk=lead.pk).fit == Fit.TARGET

    call_command("quality", "refit", "--include-manual", stdout=StringIO(), stderr=StringIO())
    assert Lead.objects.get(pk=lead.pk).fit == Fit.NON_TARGET


def test_preview_command_writes_nothing(regions):
    LeadFactory(country="FI", fit=Fit.TARGET)
    out = StringIO()

    call_command("quality", "preview", stdout=out)

    assert Lead.objects.get().fit == Fit.TARGET
    assert out.getvalue().splitlines() == [
        "1 leads: 0 target, 1 non-target, 0 unknown.",
        "A refit would change 1 (1 to non-target, 0 to target); 0 set by hand would be kept.",
        "  Served regions: 1 leads",
    ]


# --- the card's timeline --------------------------------------------------------------


def test_the_timeline_shows_why_the_fit_changed(regions, admin_user, client):
    lead = LeadFactory(country="RO", fit=Fit.TARGET)
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"fit": Fit.NON_TARGET})
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"country": "FI"})
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"country": "RO"})
    client.force_login(admin_user)

    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()

    assert page.count("Outside the served regions") == 1  # only the event that made it so
    assert page.count("Replaces a fit set by hand: the data the rules read changed.") == 1
