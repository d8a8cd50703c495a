"""test_value on the placeholders people and scripts type: words of the seeds' languages,
digits for a name, one-letter or all-digit mailboxes at a domain just as empty, numbers whose
subscriber part is all one digit or a run — and what it must leave alone."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import pytest

from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401
from tests.quality.test_checks import facts, run
from tests.quality.test_stage import codes, process


@pytest.mark.parametrize(
    "name", ["prueba", "Testi", "Proba", "123", "1", "12 34", "Ejemplo Ejemplo", "Пример"]
)
def test_placeholder_names_are_test_values(name):
    reason = run("test_value", facts(name, phones=["0744 518 203"]))

    assert reason.evidence["values"] == [name]


@pytest.mark.parametrize(
    "email", ["123@123.com", "a@a.ru", "1@2.ru", "7@x.com", "esimerkki@gmail.com"]
)
def test_placeholder_addresses_are_test_values(email):
    assert run("test_value", facts("Ana Marin", emails=[email])).evidence["values"] == [email]


@pytest.mark.parametrize(
    ("phone", "region"),
    [
        ("0722 000 000", "RO"),
        ("+7 916 111 11 11", "RU"),
        ("(415) 123-4567", "US"),
        ("040 000 0000", "FI"),
    ],
)
def test_a_subscriber_part_of_one_digit_or_a_run_is_a_test_value(phone, region):
    assert run("test_value", facts("Ana Marin", phones=[phone], region=region)) is not None


def test_a_number_is_checked_as_it_was_read_in_the_forms_country():
    """00 is the way out of the United Kingdom: 007 308 678 90 12 typed on a British form is
    +7 308 678-90-12, whose subscriber part is a run, as when it is typed with its +."""
    written_out = facts("Ana Marin", phones=["0073086789012"], region="GB")
    assert written_out.phones[0].result.e164 == "+73086789012"
    assert run("test_value", written_out) is not None
    assert run("test_value", facts("Ana Marin", phones=["+73086789012"], region="GB")) is not None


@pytest.mark.parametrize(
    ("name", "emails", "phones"),
    [
        ("Ana 2", ["ana.marin@gmail.com"], ["0744 518 203"]),
        ("Li Na", ["123456789@qq.com"], []),  # QQ mailboxes are numbers
        ("Ito Yu", ["itoyu@gmail.com"], []),  # keys of one row, but not in order
        ("Ana Marin", [], ["+7 495 100 00 00"]),  # a company's round number
        ("Ana Marin", ["a@marin.ro"], []),  # one letter at a real domain
        ("Ana Marin", ["ana@ana.ro"], []),  # a personal domain
        ("Ana Marin", [], ["0722 123 456"]),  # six digits in a row happen
        ("Ana Marin", [], ["+7 495 100 00 01"]),
    ],
)
def test_real_values_are_not_test_values(name, emails, phones):
    assert run("test_value", facts(name, emails=emails, phones=phones)) is None


@pytest.mark.parametrize("phone", ["1111111", "12345678", "000000"])
def test_a_phone_only_test_value_is_held_not_taken_for_an_interest(form, phone):
    submission = process(form, {"name": "Ion Popescu", "phone": phone, "_ts": 9000})

    assert submission.outcome == "quarantined"
    assert "test_value" in codes(submission)
    assert submission.lead.quality_status == "quarantined"


def test_a_numbers_subscriber_part_of_zeros_holds_the_lead(form):
    submission = process(form, {"name": "Ion Popescu", "phone": "0722 000 000", "_ts": 9000})

    assert submission.outcome == "quarantined"
    assert "test_value" in codes(submission)
