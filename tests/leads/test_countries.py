"""Countries as people write them in a list or a form: codes, names in the seeds'
languages and English, common short forms; ISO 3166-1 alpha-2 out, nothing for the rest."""

import pytest

from galena.leads.countries import country_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("RO", "RO"),
        ("ro", "RO"),
        (" fi ", "FI"),
        ("Romania", "RO"),
        ("România", "RO"),
        ("Румыния", "RO"),
        ("Spain", "ES"),
        ("España", "ES"),
        ("espana", "ES"),
        ("Испания", "ES"),
        ("Russia", "RU"),
        ("Россия", "RU"),
        ("Российская Федерация", "RU"),
        ("Rusia", "RU"),
        ("Finland", "FI"),
        ("Suomi", "FI"),
        ("Финляндия", "FI"),
        ("Moldova", "MD"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("Great Britain", "GB"),
        ("United States", "US"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("Germany", "DE"),
        ("Deutschland", "DE"),
    ],
)
def test_a_code_or_a_name_gives_the_code(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["", "  ", "Narnia", "XX", "12", "Europe", "R"])
def test_what_names_no_country_gives_nothing(text):
    assert country_code(text) == ""


def test_an_ad_platforms_country_is_its_code_whatever_the_form_sent():
    from galena.intake.adapters.common import ad_form_person

    assert ad_form_person({"country": "US"}).country == "US"
    assert ad_form_person({"country": "United States"}).country == "US"
    assert ad_form_person({"country": "Atlantis"}).country == ""
