"""Column mapping for file imports: suggestions from headers in five languages, overrides
and checks."""

import pytest

from galena.intake.importing.mapping import (
    apply_overrides,
    check_mapping,
    suggest,
    suggest_mapping,
)


@pytest.mark.parametrize(
    ("header", "target"),
    [
        # English
        ("First name", "first_name"),
        ("Last Name", "last_name"),
        ("E-mail", "email"),
        ("Phone number", "phone"),
        ("Company", "company_name"),
        ("City", "city"),
        # Romanian
        ("Nume", "last_name"),
        ("Prenume", "first_name"),
        ("Telefon", "phone"),
        ("Oraș", "city"),
        ("Companie", "company_name"),
        ("Județ", "region"),
        # Russian
        ("Фамилия", "last_name"),
        ("Имя", "first_name"),
        ("Отчество", "middle_name"),
        ("Телефон", "phone"),
        ("Эл. почта", "email"),
        ("Компания", "company_name"),
        ("Город", "city"),
        # Spanish
        ("Nombre", "first_name"),
        ("Apellidos", "last_name"),
        ("Teléfono", "phone"),
        ("Correo", "email"),
        ("Correo electrónico", "email"),
        ("Empresa", "company_name"),
        ("Ciudad", "city"),
        # Finnish
        ("Etunimi", "first_name"),
        ("Sukunimi", "last_name"),
        ("Puhelin", "phone"),
        ("Sähköposti", "email"),
        ("Yritys", "company_name"),
        ("Kaupunki", "city"),
    ],
)
def test_a_header_in_any_of_the_five_languages_suggests_its_field(header, target):
    assert suggest(header) == target


@pytest.mark.parametrize(
    ("header", "target"),
    [
        # what exported lists and CRMs call their columns: a field's word with qualifiers
        ("Mobile phone", "phone"),
        ("Phone (mobile)", "phone"),
        ("Work phone number", "phone"),
        ("Email address", "email"),
        ("Work e-mail", "email"),
        ("Your email", "email"),
        ("Contact name", "full_name"),
        ("Name and surname", "full_name"),
        ("Company name", "company_name"),
        ("Nr. telefon", "phone"),
        ("Adresă de e-mail", "email"),
        ("Nume și prenume", "full_name"),
        ("Мобильный телефон", "phone"),
        ("Номер телефона", "phone"),
        ("Адрес электронной почты", "email"),
        ("Имя и фамилия", "full_name"),
        ("Название компании", "company_name"),
        ("Teléfono móvil", "phone"),
        ("Número de teléfono", "phone"),
        ("Dirección de correo electrónico", "email"),
        ("Nombre y apellidos", "full_name"),
        ("Nombre de la empresa", "company_name"),
        ("Puhelinnumero", "phone"),
        ("Sähköpostiosoite", "email"),
        ("Etu- ja sukunimi", "full_name"),
        # the exports of other CRMs and address books
        ("Country/Region", "country"),  # HubSpot
        ("State/Region", "region"),
        ("State/Province", "region"),  # Salesforce
        ("Mobile Phone Number", "phone"),
        ("Designation", "position"),  # Zoho
        ("Person - Name", "full_name"),  # Pipedrive
        ("Person - Email - Work", "email"),
        ("Person - Phone - Mobile", "phone"),
        ("Organization - Name", "company_name"),
        ("E-mail 1 - Value", "email"),  # Google Contacts
        ("Phone 2 - Value", "phone"),
        ("Organization 1 - Name", "company_name"),
        ("Customer name", "full_name"),
        ("Client phone", "phone"),
        ("Lead email", "email"),
        ("Телефон клиента", "phone"),
    ],
)
def test_a_field_named_with_qualifiers_suggests_the_field(header, target):
    assert suggest(header) == target


@pytest.mark.parametrize(
    "header",
    [
        # columns about a contact that are not one: they stay attributes, never a contact
        "Email opt-in",
        "Phone verified",
        "Emails opened",
        "Email domain",
        "Phone consent date",
        "Company size",
        "Lead source",
        "Name of the campaign",
        "Mobile app installed",
        "Lead source",
        "E-mail 1 - Type",  # Google Contacts: "Work", "Home"
        "Phone 1 - Type",
        "Organization 1 - Title",
        "Lead status",
        "Customer since",
    ],
)
def test_a_column_about_a_field_is_not_taken_for_it(header):
    assert suggest(header) == f"attribute:{header}"


def test_an_unknown_header_becomes_a_custom_attribute_and_a_blank_one_is_ignored():
    assert suggest("Budget 2026") == "attribute:Budget 2026"
    assert suggest("  ") == "ignore"


def test_a_repeated_field_keeps_the_first_column_but_contacts_may_repeat():
    targets = suggest_mapping(["Nume", "Last name", "Telefon", "Phone"])

    assert targets == ["last_name", "attribute:Last name", "phone", "phone"]


def test_overrides_name_a_column_by_header_or_number():
    headers = ["Nume", "Prenume", "Cod"]

    targets = apply_overrides(
        headers, suggest_mapping(headers), ["cod=ignore", "1=attribute:Family", "Prenume=full_name"]
    )

    assert targets == ["attribute:Family", "full_name", "ignore"]


def test_an_override_of_an_unknown_column_or_field_is_refused():
    with pytest.raises(ValueError, match="no column 'Fax'"):
        apply_overrides(["Nume"], ["last_name"], ["Fax=phone"])
    with pytest.raises(ValueError, match="'salary' is not a field"):
        apply_overrides(["Nume"], ["last_name"], ["Nume=salary"])


def test_a_mapping_needs_a_name_or_a_contact_and_one_column_per_field():
    assert check_mapping(["A", "B"], ["attribute:A", "ignore"]) == [
        "No column gives a name, a phone, an e-mail or a profile."
    ]
    problems = check_mapping(["A", "B"], ["city", "city"])
    assert "Columns 'A' and 'B' both go to city" in problems[0]
    assert check_mapping(["A", "B"], ["full_name", "phone"]) == []
