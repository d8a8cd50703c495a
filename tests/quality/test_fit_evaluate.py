"""evaluate_fit: pure rule evaluation over a lead's values and attributes."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.intake.contract import Reason
from galena.leads.models import Fit
from galena.quality.fit import (
    MISSING,
    FitRuleSpec,
    evaluate_fit,
    fields_read,
    parse_number,
    rule_matches,
    value_at,
)
from galena.quality.models import FitOperator


def rule(field, operator, value=None, *, id=1, message="Not for us"):
    return FitRuleSpec(
        id=id, name=f"rule {id}", field=field, operator=operator, value=value, message=message
    )


REGIONS = rule("country", "not_in", ["RO", "MD"], id=7, message="Outside the served regions")


def test_no_rules_is_unknown():
    assert evaluate_fit({"country": "RO"}, []) == (Fit.UNKNOWN, [])


def test_no_rule_matches_is_target():
    assert evaluate_fit({"country": "ro"}, [REGIONS]) == (Fit.TARGET, [])


def test_a_matching_rule_is_non_target_with_its_reason():
    fit, reasons = evaluate_fit({"country": "FI"}, [REGIONS])

    assert fit == Fit.NON_TARGET
    assert reasons == [
        Reason(
            stage="quality",
            code="non_target",
            message="Outside the served regions",
            evidence={
                "rule": 7,
                "field": "country",
                "operator": "not_in",
                "expected": ["RO", "MD"],
                "actual": "FI",
            },
        )
    ]


def test_one_reason_per_matching_rule_in_rule_order():
    rules = [
        rule("attributes.age", "lt", 18, id=1, message="Under age"),
        rule("interest", "in", ["Wind turbines"], id=2, message="Not sold"),
        rule("attributes.income", "lt", 1000, id=3, message="Income too low"),
    ]
    values = {"interest": "wind turbines", "attributes": {"age": "16", "income": "2 500"}}

    fit, reasons = evaluate_fit(values, rules)

    assert fit == Fit.NON_TARGET
    assert [(r.message, r.evidence["rule"], r.evidence["actual"]) for r in reasons] == [
        ("Under age", 1, "16"),
        ("Not sold", 2, "wind turbines"),
    ]


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "matches"),
    [
        ("eq", "Bucharest", "bucharest", True),
        ("eq", "București", "Bucuresti", True),  # accents do not count
        ("eq", "RO", "MD", False),
        ("eq", 45, "45", True),
        ("eq", "45", 45.0, True),
        ("ne", "RO", "MD", True),
        ("ne", "RO", " ro ", False),
        ("in", ["RO", "MD"], "md", True),
        ("in", ["RO", "MD"], "UA", False),
        ("in", "RO", "ro", True),  # a single value works like a list of one
        ("not_in", ["RO", "MD"], "UA", True),
        ("not_in", ["RO", "MD"], "Ro", False),
        ("lt", 18, "17", True),
        ("lt", 18, "18", False),
        ("lte", 18, "18", True),
        ("gt", 50000, "50 000", False),
        ("gte", 50000, "50 000", True),
        ("gte", "50 000", 50000, True),
        ("lt", 4, "3,5", True),
        ("gt", 3, "3,5", True),
        ("lt", 1000, "€ 1,500", False),
        ("lt", 30, "25 years", True),
        ("lt", 18, "under 18", False),  # words are not less than a number
        ("gt", 18, "adult", False),
        ("contains", "wholesale", "Wholesale of panels", True),
        ("contains", ["opt", "wholesale"], "WHOLESALE", True),
        ("contains", "retail", "Wholesale", False),
        # multi-choice answers: one choice is enough; "not" means none of them
        ("eq", "flat", ["pitched", "Flat"], True),
        ("in", ["flat"], ["pitched", "unsure"], False),
        ("not_in", ["flat"], ["pitched", "unsure"], True),
        ("not_in", ["flat"], ["pitched", "flat"], False),
        ("ne", "flat", ["pitched", "flat"], False),
        ("lt", 18, ["16", "40"], True),
        ("contains", "roof", ["flat roof"], True),
    ],
)
def test_operators(operator, expected, actual, matches):
    assert rule_matches(operator, actual, expected) is matches


@pytest.mark.parametrize("operator", ["eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte"])
@pytest.mark.parametrize("missing", [MISSING, None, "", "   ", [], {}, [""]])
def test_missing_data_never_makes_a_lead_non_target(operator, missing):
    assert rule_matches(operator, missing, ["RO"] if "in" in operator else "RO") is False
    assert rule_matches(operator, missing, 18) is False


@pytest.mark.parametrize("missing", [MISSING, None, "", "  ", [], {}, ["", None], {"a": ""}])
def test_empty_matches_what_is_missing(missing):
    assert rule_matches("empty", missing, None) is True
    assert rule_matches("not_empty", missing, None) is False


@pytest.mark.parametrize("present", ["x", 0, False, ["a"], {"a": 1}, 0.0])
def test_not_empty_matches_what_is_there(present):
    assert rule_matches("not_empty", present, None) is True
    assert rule_matches("empty", present, None) is False


def test_a_rule_on_a_field_the_lead_does_not_have_does_not_match():
    rules = [rule("attributes.budget", "lt", 1000), rule("region", "not_in", ["Cluj"])]

    assert evaluate_fit({"country": "RO", "attributes": {}}, rules) == (Fit.TARGET, [])


def test_empty_rule_matches_a_missing_answer():
    fit, reasons = evaluate_fit({"attributes": {}}, [rule("attributes.budget", "empty")])

    assert fit == Fit.NON_TARGET
    assert reasons[0].evidence["actual"] is None


def test_a_dict_answer_is_present_but_not_comparable():
    values = {"attributes": {"budget": {"from": 1, "to": 5}}}

    assert evaluate_fit(values, [rule("attributes.budget", "lt", 1000)]) == (Fit.TARGET, [])
    assert evaluate_fit(values, [rule("attributes.budget", "ne", 3)]) == (Fit.TARGET, [])
    assert evaluate_fit(values, [rule("attributes.budget", "not_empty")])[0] == Fit.NON_TARGET


def test_unknown_operator_matches_nothing():
    assert evaluate_fit({"country": "FI"}, [rule("country", "between", [1, 2])]) == (
        Fit.TARGET,
        [],
    )


def test_long_answers_are_cut_in_the_evidence():
    values = {"comment": "x" * 5000}

    _fit, reasons = evaluate_fit(values, [rule("comment", "contains", "x")])

    assert reasons[0].evidence["actual"] == "x" * 200


def test_message_falls_back_to_the_rule_name():
    _fit, reasons = evaluate_fit({"country": "FI"}, [rule("country", "eq", "FI", message="")])

    assert reasons[0].message == "rule 1"


# --- reading values -------------------------------------------------------------------


def test_value_at_reads_lead_fields_and_attributes():
    values = {
        "country": "RO",
        "attributes": {"Age": 40, "quiz": {"bill": "120", "roof": "flat"}, "a": {"b": 1}},
    }

    assert value_at(values, "country") == "RO"
    assert value_at(values, "attributes.age") == 40  # names are matched without case
    assert value_at(values, "attributes.quiz.bill") == "120"
    assert value_at(values, "attributes.bill") == "120"  # a quiz answer by its own name
    assert value_at(values, "attributes.a.b") == 1
    assert value_at(values, "attributes.a.c") is MISSING
    assert value_at(values, "attributes.country") is MISSING
    assert value_at(values, "city") is MISSING
    assert value_at({"attributes": "not a dict"}, "attributes.age") is MISSING


def test_a_top_level_answer_wins_over_a_quiz_answer_of_the_same_name():
    values = {"attributes": {"bill": "300", "quiz": {"bill": "120"}}}

    assert value_at(values, "attributes.bill") == "300"


def test_fields_read_names_top_level_fields():
    rules = [rule("country", "eq", "RO"), rule("attributes.quiz.bill", "lt", 50)]

    assert fields_read(rules) == {"country", "attributes"}


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("45", Decimal(45)),
        ("50 000", Decimal(50000)),
        ("50\u00a0000", Decimal(50000)),
        ("1'000'000", Decimal(1000000)),
        ("3,5", Decimal("3.5")),
        ("3.5", Decimal("3.5")),
        ("1,500", Decimal(1500)),
        ("0,500", Decimal("0.5")),
        ("1234,567", Decimal("1234.567")),
        ("1.234.567,89", Decimal("1234567.89")),
        ("1,234,567.89", Decimal("1234567.89")),
        ("1 500,50", Decimal("1500.50")),
        ("€ 1,500", Decimal(1500)),
        ("EUR 300", Decimal(300)),
        ("300 lei", Decimal(300)),
        ("45 years", Decimal(45)),
        ("10%", Decimal(10)),
        ("-5", Decimal(-5)),
        ("−5", Decimal(-5)),
        (7, Decimal(7)),
        (2.5, Decimal("2.5")),
    ],
)
def test_parse_number_reads_numbers_as_people_write_them(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["", "abc", "30-40", "from 30 to 40", "12.05.2020", "1,23,4", True, None, [1], {}, "nan"],
)
def test_parse_number_refuses_what_is_not_one_number(text):
    assert parse_number(text) is None


# --- properties -----------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["45", "50 000", "3,5", "RO", "", "  ", "1,500", "€ 10", "−3"]),
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
operators = st.one_of(st.sampled_from(FitOperator.values), st.text(max_size=8))
fields = st.one_of(
    st.sampled_from(["country", "interest", "attributes.age", "attributes.quiz.bill", "x"]),
    st.text(max_size=20),
)
specs = st.builds(
    FitRuleSpec,
    id=st.integers(min_value=1, max_value=10**6),
    name=st.text(max_size=10),
    field=fields,
    operator=operators,
    value=json_like,
    message=st.text(max_size=20),
)
lead_values = st.fixed_dictionaries(
    {
        "country": json_like,
        "interest": json_like,
        "attributes": st.one_of(
            json_like,
            st.fixed_dictionaries(
                {"age": json_like, "quiz": st.dictionaries(st.text(max_size=5), json_like)}
            ),
        ),
    }
)


@settings(max_examples=300)
@given(values=lead_values, rules=st.lists(specs, max_size=5, unique_by=lambda r: r.id))
def test_evaluate_fit_never_raises_and_is_consistent(values, rules):
    fit, reasons = evaluate_fit(values, rules)

    assert fit in Fit.values
    if not rules:
        assert (fit, reasons) == (Fit.UNKNOWN, [])
    else:
        assert (fit == Fit.NON_TARGET) == bool(reasons)
    assert len(reasons) <= len(rules)
    assert all(r.code == "non_target" and r.stage == "quality" for r in reasons)
    assert [r.evidence["rule"] for r in reasons] == [
        spec.id
        for spec in rules
        if rule_matches(spec.operator, value_at(values, spec.field), spec.value)
    ]


@given(actual=json_like, expected=json_like)
def test_empty_and_not_empty_are_complements(actual, expected):
    assert rule_matches("empty", actual, expected) != rule_matches("not_empty", actual, expected)


@given(actual=st.one_of(st.text(max_size=20), st.integers()), expected=scalars)
def test_eq_and_ne_are_complements_on_a_present_value(actual, expected):
    if rule_matches("empty", actual, None) or expected is None:
        return
    assert rule_matches("eq", actual, expected) != rule_matches("ne", actual, expected)


@given(
    actual=st.one_of(st.text(max_size=20), st.integers()),
    expected=st.lists(st.one_of(st.text(max_size=5), st.integers()), max_size=4),
)
def test_in_and_not_in_are_complements_on_a_present_value(actual, expected):
    if rule_matches("empty", actual, None):
        return
    assert rule_matches("in", actual, expected) != rule_matches("not_in", actual, expected)


@given(number=st.integers(min_value=0, max_value=10**12))
def test_grouped_thousands_read_as_the_same_number(number):
    spaced = f"{number:,}".replace(",", " ")
    assert parse_number(spaced) == number
    assert parse_number(f"{number:,}") == number
    if number >= 10**6:  # one point is a decimal point; two or more group thousands
        assert parse_number(f"{number:,}".replace(",", ".")) == number
    assert rule_matches("eq", spaced, number)


@given(
    whole=st.integers(min_value=0, max_value=10**6),
    fraction=st.integers(min_value=0, max_value=99),
)
def test_a_decimal_comma_reads_as_a_decimal_point(whole, fraction):
    assert parse_number(f"{whole},{fraction:02d}") == Decimal(f"{whole}.{fraction:02d}")


@given(value=json_like)
def test_parse_number_never_raises(value):
    number = parse_number(value)
    assert number is None or number.is_finite()


@given(left=st.integers(-1000, 1000), right=st.integers(-1000, 1000))
def test_number_operators_agree_with_python_on_text(left, right):
    assert rule_matches("lt", str(left), right) is (left < right)
    assert rule_matches("lte", str(left), str(right)) is (left <= right)
    assert rule_matches("gt", left, str(right)) is (left > right)
    assert rule_matches("gte", str(left), right) is (left >= right)
