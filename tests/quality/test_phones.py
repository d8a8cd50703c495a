import phonenumbers
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from galena.leads.contact_values import PhoneResult, normalise_phone

REGIONS = ["RO", "RU", "ES", "FI", "GB", "US"]


@pytest.mark.parametrize(
    ("raw", "region", "e164", "line_type"),
    [
        # Romania
        ("0722 123 456", "RO", "+40722123456", "mobile"),
        ("0722-123-456", "RO", "+40722123456", "mobile"),
        ("+40 722 123 456", "RO", "+40722123456", "mobile"),
        ("0040 722 123 456", "RO", "+40722123456", "mobile"),
        ("021 312 3456", "RO", "+40213123456", "fixed_line"),
        # Russia
        ("8 916 123-45-67", "RU", "+79161234567", "mobile"),
        ("+7 (916) 123-45-67", "RU", "+79161234567", "mobile"),
        ("8 (495) 123-45-67", "RU", "+74951234567", "fixed_line"),
        ("8 800 555-35-35", "RU", "+78005553535", "toll_free"),
        # Spain
        ("612 345 678", "ES", "+34612345678", "mobile"),
        ("+34 912 345 678", "ES", "+34912345678", "fixed_line"),
        # Finland
        ("040 123 4567", "FI", "+358401234567", "mobile"),
        ("+358 9 1234 567", "FI", "+35891234567", "fixed_line"),
        # United Kingdom
        ("07400 123456", "GB", "+447400123456", "mobile"),
        ("020 7946 0018", "GB", "+442079460018", "fixed_line"),
        ("+44 (0)20 7946 0018", "GB", "+442079460018", "fixed_line"),
        # United States
        ("(201) 555-0123", "US", "+12015550123", "fixed_line_or_mobile"),
        ("1-800-555-0199", "US", "+18005550199", "toll_free"),
        ("+1 201 555 0123", "US", "+12015550123", "fixed_line_or_mobile"),
    ],
)
def test_common_national_formats_are_valid(raw, region, e164, line_type):
    # Given a number in a format people in the country commonly type
    # When it is normalised with the form's region
    result = normalise_phone(raw, region)

    # Then it is valid, in E.164, typed, and carries no suggestion
    assert result == PhoneResult(
        raw=raw, region=region, e164=e164, status="valid", line_type=line_type, suggestion=""
    )


def test_an_international_number_keeps_its_own_region():
    # Given a Romanian number in international form on a British form
    result = normalise_phone("+40 722 123 456", "GB")

    # Then the region used is the number's own
    assert (result.e164, result.region, result.status) == ("+40722123456", "RO", "valid")


def test_the_raw_value_is_kept_exactly():
    assert normalise_phone("  0722 123 456 ", "RO").raw == "  0722 123 456 "


def test_region_is_read_case_insensitively():
    assert normalise_phone("0722123456", "ro").e164 == "+40722123456"


def test_the_russian_trunk_prefix_written_as_a_country_code_is_suggested_as_plus_seven():
    # Given "+8" where "+7" was meant
    result = normalise_phone("+8 916 123 45 67", "RU")

    # Then it is invalid and the intended number is suggested
    assert (result.status, result.e164, result.suggestion) == ("invalid", "", "+79161234567")


def test_a_russian_national_number_on_a_foreign_form_is_suggested_as_plus_seven():
    result = normalise_phone("89161234567", "GB")

    assert (result.status, result.suggestion) == ("invalid", "+79161234567")


def test_a_double_zero_prefix_on_a_form_where_it_is_not_the_international_prefix():
    result = normalise_phone("0040722123456", "US")

    assert (result.status, result.suggestion) == ("invalid", "+40722123456")


def test_an_international_number_missing_its_plus_is_suggested():
    result = normalise_phone("40722123456", "GB")

    assert (result.status, result.suggestion) == ("invalid", "+40722123456")


def test_a_possible_but_not_valid_number_is_marked_possible():
    # Given a number of the right length in an unassigned range
    result = normalise_phone("+7 000 000 00 00", "RU")

    # Then it is possible, not valid, and its type is unknown
    assert (result.status, result.e164, result.line_type) == ("possible", "+70000000000", "unknown")
    assert not result.is_valid


@pytest.mark.parametrize("raw", ["", "   ", "abc", "12", "Ion Popescu", "+", "++40", "1" * 40])
def test_garbage_is_invalid_without_a_suggestion(raw):
    result = normalise_phone(raw, "RO")

    assert (result.status, result.e164, result.line_type, result.suggestion) == (
        "invalid",
        "",
        "unknown",
        "",
    )


@pytest.mark.parametrize("region", ["", "XX", "zz", "ROU"])
def test_an_unknown_region_is_ignored(region):
    # Given no usable region, a national number cannot be read but an international one can
    assert normalise_phone("0722123456", region).status == "invalid"
    assert normalise_phone("+40722123456", region).e164 == "+40722123456"


def test_a_valid_number_is_never_given_a_suggestion():
    assert normalise_phone("+40722123456", "US").suggestion == ""


@given(st.text(max_size=60), st.sampled_from([*REGIONS, "", "XX", "ru"]))
def test_never_raises(raw, region):
    result = normalise_phone(raw, region)

    assert result.status in {"valid", "possible", "invalid"}
    assert result.raw == raw


@given(
    st.text(alphabet="0123456789 +-()", max_size=25),
    st.sampled_from(REGIONS),
)
@example(raw="0000000", region="FI")  # leading zeros that E.164 cannot carry
def test_normalising_a_normalised_number_gives_the_same_number(raw, region):
    first = normalise_phone(raw, region)
    if first.e164:
        again = normalise_phone(first.e164, region)
        assert (again.e164, again.status, again.line_type) == (
            first.e164,
            first.status,
            first.line_type,
        )


@given(st.text(alphabet="0123456789 +-()", max_size=25), st.sampled_from(REGIONS))
def test_a_suggestion_is_always_a_valid_number(raw, region):
    suggestion = normalise_phone(raw, region).suggestion
    if suggestion:
        assert normalise_phone(suggestion, region).status == "valid"


@given(
    st.text(alphabet="0123456789 +-()", min_size=3, max_size=25),
    st.sampled_from([*REGIONS, "", "KZ", "CA", "US"]),
)
@example(raw="+7 701 123 45 67", region="RU")  # Kazakhstan shares +7 with Russia
@example(raw="+1 416 555 0199", region="US")  # Canada shares +1
def test_valid_means_what_phonenumbers_calls_valid(raw, region):
    # the status is read off the number's type, not a second validity test: the two agree
    result = normalise_phone(raw, region)
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        assert result.status == "invalid"
        return
    if phonenumbers.is_possible_number(number):
        assert (result.status == "valid") == phonenumbers.is_valid_number(number)


def test_a_crown_dependency_number_on_a_british_form_reports_its_own_region():
    # Given a Guernsey mobile typed nationally on a British form
    result = normalise_phone("07911 123456", "GB")

    # Then it is valid and the region is the one the number belongs to
    assert (result.e164, result.region, result.status) == ("+447911123456", "GG", "valid")


EXAMPLE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: {"mobile", "fixed_line_or_mobile"},
    phonenumbers.PhoneNumberType.FIXED_LINE: {"fixed_line", "fixed_line_or_mobile"},
}


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("number_type", list(EXAMPLE_TYPES))
@pytest.mark.parametrize(
    "number_format",
    [phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL],
)
def test_the_metadatas_own_examples_are_valid_in_every_seed_country(
    region, number_type, number_format
):
    # Given the library's example number of a type, written the way that country writes it
    example = phonenumbers.example_number_for_type(region, number_type)
    written = phonenumbers.format_number(example, number_format)

    # When it is normalised on a form of that country
    result = normalise_phone(written, region)

    # Then it is valid, of that type, in that region
    assert result.status == "valid"
    assert result.e164 == phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert result.line_type in EXAMPLE_TYPES[number_type]
    assert result.region == region
