import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.leads.contact_values import EMAIL_PROVIDERS, EmailResult, normalise_email


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("ion.popescu@yahoo.ro", "ion.popescu@yahoo.ro"),
        ("Ion.Popescu@Yahoo.RO", "Ion.Popescu@yahoo.ro"),
        ("  ivanov@mail.ru ", "ivanov@mail.ru"),
        ("ivan.ivanov@YANDEX.RU", "ivan.ivanov@yandex.ru"),
        ("maria.garcia@telefonica.net", "maria.garcia@telefonica.net"),
        ("matti.virtanen@luukku.com", "matti.virtanen@luukku.com"),
        ("john.smith+leads@gmail.com", "john.smith+leads@gmail.com"),
        ("sales@acme-industries.co.uk", "sales@acme-industries.co.uk"),
        ("иван@пример.рф", "иван@пример.рф"),
        ("user@Bücher.DE", "user@bücher.de"),
    ],
)
def test_valid_addresses_are_normalised(raw, value):
    # Given an address as typed
    # When it is normalised
    result = normalise_email(raw)

    # Then it is valid, with a lower-case domain and no suggestion
    assert result == EmailResult(raw=raw, value=value, valid=True, error="", suggestion="")


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("", "An email address must have an @-sign."),
        ("ion.popescu", "An email address must have an @-sign."),
        ("ion@", "There must be something after the @-sign."),
        ("@gmail.com", "There must be something before the @-sign."),
        ("ion@localhost", "The part after the @-sign is not valid. It should have a period."),
    ],
)
def test_invalid_addresses_carry_the_libraries_message(raw, error):
    result = normalise_email(raw)

    assert (result.valid, result.error, result.value, result.suggestion) == (False, error, raw, "")


@pytest.mark.parametrize(
    ("raw", "suggestion"),
    [
        ("ion@gmial.com", "ion@gmail.com"),
        ("ion@gmai.com", "ion@gmail.com"),
        ("ion@gamil.com", "ion@gmail.com"),
        ("ion@gmail.con", "ion@gmail.com"),
        ("ion@gmail.cmo", "ion@gmail.com"),
        ("ion@gmail.co", "ion@gmail.com"),
        ("jane@hotmial.com", "jane@hotmail.com"),
        ("jane@yaho.com", "jane@yahoo.com"),
        ("jane@outlok.com", "jane@outlook.com"),
        ("jane@icloud.co", "jane@icloud.com"),
        ("ivan@yandex.ri", "ivan@yandex.ru"),
        ("ivan@yandex.ry", "ivan@yandex.ru"),
        ("ivan@yandx.ru", "ivan@yandex.ru"),
        ("ivan@mail.ri", "ivan@mail.ru"),
        ("ivan@mial.ru", "ivan@mail.ru"),
        ("ivan@ramblr.ru", "ivan@rambler.ru"),
        ("ivan@bk.ri", "ivan@bk.ru"),
        ("maria@yaho.es", "maria@yahoo.es"),
        ("maria@yahoo.ess", "maria@yahoo.es"),
        ("maria@hotmal.es", "maria@hotmail.es"),
        ("maria@telefonica.nte", "maria@telefonica.net"),
        ("ion@yahooo.ro", "ion@yahoo.ro"),
        ("Ion@GMIAL.COM", "Ion@gmail.com"),
    ],
)
def test_a_provider_typo_gets_a_suggestion(raw, suggestion):
    # Given a mistyped domain of a common provider
    result = normalise_email(raw)

    # Then the address is still judged as written, with the likely fix beside it
    assert result.suggestion == suggestion


def test_a_comma_instead_of_a_dot_is_invalid_and_gets_a_suggestion():
    result = normalise_email("ion@gmail,com")

    assert (result.valid, result.suggestion) == (False, "ion@gmail.com")


@pytest.mark.parametrize(
    "raw",
    [
        "ion@acme.ro",
        "ivan@sberbank.ru",
        "ana@bancatransilvania.ro",
        "maria@telefonica.es",
        "matti@nokia.com",
        "john@example.co.uk",
        "ivan@yandex-team.ru",
        "anna@gmx.de",
        "anna@hotmail.fr",
        "anna@yahoo.de",
        "ion@mail.ro",
        "ivan@ok.ru",
        "jane@me.com",
        "jane@mail.com",
        "bob@gmail.de",
        "ivan@list.ua",
        "ion@mall.ru",
    ],
)
def test_real_and_corporate_domains_get_no_suggestion(raw):
    assert normalise_email(raw).suggestion == ""


@pytest.mark.parametrize("provider", EMAIL_PROVIDERS)
def test_no_provider_is_corrected_into_another(provider):
    assert normalise_email(f"someone@{provider}").suggestion == ""


@given(st.text(max_size=80))
def test_never_raises(raw):
    result = normalise_email(raw)

    assert result.raw == raw
    assert result.valid == (result.error == "")


@given(st.emails())
def test_normalising_a_normalised_address_gives_the_same_address(raw):
    first = normalise_email(raw)
    if first.valid:
        assert normalise_email(first.value).value == first.value


@given(
    st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z]", fullmatch=True),
    st.sampled_from(EMAIL_PROVIDERS),
    st.integers(min_value=0, max_value=20),
)
def test_a_suggestion_is_always_a_valid_address_at_a_known_provider(local, provider, position):
    # Given a provider's domain with one letter dropped
    index = position % len(provider)
    domain = provider[:index] + provider[index + 1 :]

    suggestion = normalise_email(f"{local}@{domain}").suggestion

    # Then any suggestion is a valid address at a provider
    if suggestion:
        assert normalise_email(suggestion).valid
        assert suggestion.rpartition("@")[2] in EMAIL_PROVIDERS
