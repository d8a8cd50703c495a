"""Contact normalisation: pure functions, checked on examples and with hypothesis."""

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.leads.normalise import normalise_contact, normalise_email, normalise_phone

SEED_COUNTRIES = ["RO", "RU", "ES", "FI", "GB", "US"]


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("0722 123 456", "RO", "+40722123456"),
        ("8 (916) 123-45-67", "RU", "+79161234567"),
        ("612 34 56 78", "ES", "+34612345678"),
        ("040 123 4567", "FI", "+358401234567"),
        ("+44 7911 123456", "FI", "+447911123456"),
    ],
)
def test_phone_to_e164(raw, region, expected):
    result = normalise_phone(raw, region)
    assert result.value == expected
    assert result.is_valid


def test_unparseable_phone_is_kept_as_digits_and_marked_invalid():
    result = normalise_phone("call me maybe", "RO")
    assert result == type(result)("", False)


@given(region=st.sampled_from(SEED_COUNTRIES), data=st.data())
def test_valid_numbers_round_trip_in_any_national_format(region, data):
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    style = data.draw(
        st.sampled_from(
            [
                phonenumbers.PhoneNumberFormat.NATIONAL,
                phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                phonenumbers.PhoneNumberFormat.E164,
            ]
        )
    )
    written = phonenumbers.format_number(example, style)
    result = normalise_phone(written, region)
    assert result.is_valid
    assert result.value == phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


@given(st.text(max_size=40))
def test_phone_normalisation_never_raises_and_is_idempotent(raw):
    once = normalise_phone(raw, "RO")
    if once.is_valid:
        assert normalise_phone(once.value, "RO") == once


@given(
    local=st.from_regex(r"[A-Za-z0-9._%+-]{1,20}", fullmatch=True),
    domain=st.from_regex(r"[A-Za-z0-9-]{1,15}\.[A-Za-z]{2,6}", fullmatch=True),
)
def test_email_is_lower_cased_and_idempotent(local, domain):
    result = normalise_email(f"  {local}@{domain} ")
    assert result.is_valid
    assert result.value == f"{local}@{domain}".lower()
    assert normalise_email(result.value) == result


@pytest.mark.parametrize("raw", ["no-at-sign", "a@b", "@example.com", "two words@example.com"])
def test_malformed_email_is_marked_invalid(raw):
    assert not normalise_email(raw).is_valid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # the same canonical link the quality stage stores for a submission
        ("https://www.facebook.com/ivan.petrov/", "https://www.facebook.com/ivan.petrov"),
        ("http://m.facebook.com/Ivan.Petrov", "https://www.facebook.com/ivan.petrov"),
        ("vk.com/id12345", "https://vk.com/id12345"),
        ("@Ivan_Petrov", "https://t.me/ivan_petrov"),
    ],
)
def test_profile_links_are_canonical(raw, expected):
    assert normalise_contact("social", raw, region="RU").value == expected


def test_a_contact_entered_by_hand_is_stored_as_intake_stores_it():
    # one mapping for every path: the status and line type come with the value
    phone = normalise_contact("phone", "0721 234 567", region="RO")
    messenger = normalise_contact("messenger", "Viber: +40 721 234 567", region="RO")
    unknown = normalise_contact("social", "https://example.org/people/ana", region="RO")

    assert (phone.value, phone.status, phone.line_type) == ("+40721234567", "valid", "mobile")
    assert (messenger.value, messenger.status) == ("+40721234567", "valid")
    assert (unknown.value, unknown.is_valid, unknown.status) == (
        "https://example.org/people/ana",
        True,
        "possible",
    )
