"""Fit rules as data: loading the active ones, and what the admin refuses to save."""

import pytest
from django.core.exceptions import ValidationError

from galena.quality.fit import FitRuleSpec, fit_rule_errors, fit_rules_load
from galena.quality.models import FitRule


def make_rule(**fields):
    values = {
        "name": "Served regions",
        "field": "country",
        "operator": "not_in",
        "value": ["RO", "MD"],
        "message": "Outside the served regions",
        **fields,
    }
    return FitRule.objects.create(**values)


def test_fit_rules_load_gives_the_active_rules_in_order_in_one_query(db, django_assert_num_queries):
    second = make_rule(name="Budget", field="attributes.budget", operator="lt", value=1000, order=2)
    first = make_rule(order=1)
    make_rule(name="Off", is_active=False, order=0)

    with django_assert_num_queries(1):
        rules = fit_rules_load()

    assert rules == [
        FitRuleSpec(
            id=first.pk,
            name="Served regions",
            field="country",
            operator="not_in",
            value=["RO", "MD"],
            message="Outside the served regions",
        ),
        FitRuleSpec(
            id=second.pk,
            name="Budget",
            field="attributes.budget",
            operator="lt",
            value=1000,
            message="Outside the served regions",
        ),
    ]


def test_fit_rules_load_without_rules_is_empty(db):
    assert fit_rules_load() == []


@pytest.mark.parametrize(
    ("field", "operator", "value"),
    [
        ("country", "not_in", ["RO", "md"]),
        ("country", "eq", "RO"),
        ("interest", "in", ["Wind turbines", "Boilers"]),
        ("attributes.age", "lt", 18),
        ("attributes.income", "gte", "50 000"),
        ("attributes.quiz.bill", "lte", 30.5),
        ("channel", "in", ["bought_list", "raffle"]),
        ("comment", "contains", ["wholesale", "opt"]),
        ("comment", "contains", "wholesale"),
        ("attributes.budget", "empty", []),
        ("attributes.budget", "not_empty", None),
        ("region", "ne", "Cluj"),
        ("attributes.When do you plan to buy?", "eq", "just looking"),
    ],
)
def test_valid_rules_have_no_errors(field, operator, value):
    assert fit_rule_errors(field, operator, value) == {}


@pytest.mark.parametrize(
    ("field", "operator", "value", "wrong"),
    [
        ("", "eq", "RO", "field"),
        ("first_name", "eq", "Ion", "field"),  # a name is no criterion of fit
        ("attributes", "eq", "x", "field"),
        ("attributes.", "eq", "x", "field"),
        ("attributes..age", "lt", 3, "field"),
        ("attributes. age", "lt", 3, "field"),
        ("fit", "eq", "target", "field"),
        ("country", "in", "RO", "value"),  # a list is needed
        ("country", "in", [], "value"),
        ("country", "in", ["RO", ""], "value"),
        ("country", "in", ["RO", {"a": 1}], "value"),
        ("country", "in", ["Romania"], "value"),
        ("country", "eq", "ROU", "value"),
        ("channel", "in", ["facebook"], "value"),
        ("channel", "eq", "facebook", "value"),
        ("attributes.age", "lt", "eighteen", "value"),
        ("attributes.age", "gt", [18], "value"),
        ("attributes.age", "gte", None, "value"),
        ("interest", "eq", ["a", "b"], "value"),
        ("interest", "eq", "", "value"),
        ("interest", "ne", True, "value"),
        ("comment", "contains", "", "value"),
        ("comment", "contains", [], "value"),
        ("comment", "contains", [3], "value"),
        ("attributes.budget", "empty", "x", "value"),
        ("country", "between", [1, 2], "operator"),
    ],
)
def test_invalid_rules_name_what_is_wrong(field, operator, value, wrong):
    errors = fit_rule_errors(field, operator, value)

    assert list(errors) == [wrong]
    assert errors[wrong]


def test_model_clean_refuses_an_invalid_rule(db):
    rule = FitRule(name="Age", field="attributes.age", operator="lt", value="old", message="x")

    with pytest.raises(ValidationError) as error:
        rule.full_clean()

    assert error.value.message_dict == {"value": ["Give a number, e.g. 18 or 50000."]}


def test_model_clean_accepts_a_valid_rule_with_spaces_around_the_field(db):
    rule = FitRule(
        name="Age", field=" attributes.age ", operator="lt", value=18, message="Under age"
    )

    rule.full_clean()

    assert rule.field == "attributes.age"


def test_model_clean_accepts_an_empty_value_for_presence_rules(db):
    rule = FitRule(name="No budget", field="attributes.budget", operator="empty", message="x")

    rule.full_clean()

    assert rule.value == []
