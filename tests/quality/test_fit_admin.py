"""The fit rules' admin: values written as people write them, refused when they make no
sense for the operator, and a "Check fit" preview that writes nothing."""

import pytest
from django.contrib import admin
from django.urls import reverse

from galena.leads.models import Fit, Lead, LeadEvent
from galena.quality.fit_admin import FitRuleAdmin, FitRuleForm
from galena.quality.models import FitRule
from tests.factories import LeadFactory


def form_data(**changes):
    return {
        "name": "Served regions",
        "is_active": "on",
        "order": "1",
        "field": "country",
        "operator": "not_in",
        "value": "ro, MD",
        "message": "Outside the served regions",
        **changes,
    }


@pytest.mark.parametrize(
    ("field", "operator", "typed", "stored"),
    [
        ("country", "not_in", "ro, MD", ["RO", "MD"]),
        ("country", "in", '["FI", "se"]', ["FI", "SE"]),
        ("interest", "in", "Wind turbines\nBoilers", ["Wind turbines", "Boilers"]),
        ("attributes.age", "lt", "18", 18),
        ("attributes.income", "lt", "50 000", "50 000"),
        ("attributes.budget", "empty", "", []),
        ("region", "eq", "Cluj", "Cluj"),
        ("attributes.children", "in", "3", [3]),
    ],
)
def test_the_form_reads_values_as_people_type_them(db, field, operator, typed, stored):
    form = FitRuleForm(data=form_data(field=field, operator=operator, value=typed))

    assert form.is_valid(), form.errors
    rule = form.save()
    assert FitRule.objects.get(pk=rule.pk).value == stored


@pytest.mark.parametrize(
    ("field", "operator", "typed", "wrong"),
    [
        ("name", "eq", "Ion", "field"),
        ("country", "in", "Romania", "value"),
        ("attributes.age", "lt", "old", "value"),
        ("attributes.age", "gt", "", "value"),
        ("attributes.budget", "empty", "100", "value"),
    ],
)
def test_the_form_refuses_rules_that_make_no_sense(db, field, operator, typed, wrong):
    form = FitRuleForm(data=form_data(field=field, operator=operator, value=typed))

    assert not form.is_valid()
    assert list(form.errors) == [wrong]
    assert not FitRule.objects.exists()


def test_the_form_shows_a_stored_list_as_json(db):
    rule = FitRule.objects.create(
        name="R", field="country", operator="in", value=["RO", "MD"], message="m"
    )

    assert FitRuleForm(instance=rule)["value"].value() == '["RO", "MD"]'


# --- the admin pages -----------------------------------------------------------------


def test_the_fit_rule_admin_is_registered():
    assert isinstance(admin.site._registry.get(FitRule), FitRuleAdmin)


@pytest.fixture
def rules(db):
    regions = FitRule.objects.create(
        name="Served regions",
        field="country",
        operator="not_in",
        value=["RO", "MD"],
        message="Outside the served regions",
        order=1,
    )
    draft = FitRule.objects.create(
        name="Adults only",
        field="attributes.age",
        operator="lt",
        value=18,
        message="Under age",
        order=2,
        is_active=False,
    )
    return regions, draft


def test_check_fit_shows_what_the_active_rules_would_do_and_writes_nothing(admin_client, rules):
    finn = LeadFactory(country="FI", fit=Fit.TARGET, display_name="Pekka Virtanen")
    LeadFactory(country="RO", fit=Fit.TARGET, attributes={"age": 16})
    before = list(Lead.objects.values_list("pk", "fit"))

    response = admin_client.get(reverse("admin:quality_fitrule_check"))

    assert response.status_code == 200
    assert response.context["result"]["non_target"] == 1
    assert response.context["result"]["would_change"] == 1
    assert [(r["name"], r["leads"]) for r in response.context["rules"]] == [("Served regions", 1)]
    assert response.context["result"]["examples"] == [
        {"id": finn.pk, "name": "Pekka Virtanen", "reasons": ["Outside the served regions"]}
    ]
    assert list(Lead.objects.values_list("pk", "fit")) == before
    assert not LeadEvent.objects.exists()


def test_check_fit_of_selected_rules_includes_inactive_ones(admin_client, rules):
    _regions, draft = rules
    LeadFactory(country="RO", fit=Fit.TARGET, attributes={"age": "16"})

    response = admin_client.post(
        reverse("admin:quality_fitrule_changelist"),
        {"action": "check_selected", "_selected_action": [draft.pk]},
    )

    assert response.status_code == 200
    assert [(r["name"], r["leads"]) for r in response.context["rules"]] == [("Adults only", 1)]
    assert response.context["result"]["to_non_target"] == 1
    assert Lead.objects.get().fit == Fit.TARGET


def test_the_change_list_links_to_check_fit(admin_client, rules):
    response = admin_client.get(reverse("admin:quality_fitrule_changelist"))

    assert response.status_code == 200
    assert reverse("admin:quality_fitrule_check") in response.content.decode()


def test_check_fit_needs_the_right_to_see_rules(client, manager, rules):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    response = client.get(reverse("admin:quality_fitrule_check"))

    assert response.status_code == 403
