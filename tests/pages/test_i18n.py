"""The pages speak the user's language: Accept-Language, the language cookie, the footer switch."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.pages.conftest import create_lead

LOGIN = reverse("login")
LIST = reverse("lead-list")

# language: (login page heading and button, list filter button, two leads counted, nav link)
EXPECTED = {
    "ro": ("Autentificare", "Șterge filtrele", "2 lead-uri", "Surse și campanii"),
    "ru": ("Вход", "Сбросить фильтры", "2 лида", "Источники и кампании"),
    "es": ("Iniciar sesión", "Quitar filtros", "2 leads", "Fuentes y campañas"),
    "fi": ("Kirjaudu sisään", "Tyhjennä suodattimet", "2 liidiä", "Lähteet ja kampanjat"),
}


@pytest.fixture(autouse=True)
def english_after_each_test():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def two_leads(head):
    create_lead(head, first_name="Ana", last_name="Marin")
    create_lead(head, first_name="Pekka", last_name="Virtanen", phone="+358401234567")


def test_every_configured_language_is_tested():
    assert set(EXPECTED) == {code for code, _name in settings.LANGUAGES} - {"en"}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_login_page_follows_accept_language(client, db, language):
    log_in = EXPECTED[language][0]

    response = client.get(LOGIN, headers={"accept-language": f"{language},en;q=0.5"})

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text
    assert f"<h1>{log_in}</h1>" in response.text
    assert f">{log_in}</button>" in response.text
    assert "Log in" not in response.text


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_lead_list_follows_the_language_cookie(client, head, two_leads, language):
    _log_in, clear_filters, two, sources = EXPECTED[language]
    client.force_login(head)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(LIST)

    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.text
    assert clear_filters in response.text
    assert two in response.text
    assert sources in response.text
    assert "Clear filters" not in response.text


def test_english_is_the_default(client, head, two_leads):
    login_page = client.get(LOGIN)
    client.force_login(head)
    lead_list = client.get(LIST)

    assert '<html lang="en">' in login_page.text
    assert "<h1>Log in</h1>" in login_page.text
    assert '<html lang="en">' in lead_list.text
    assert "Clear filters" in lead_list.text
    assert "2 leads" in lead_list.text


def test_an_unsupported_language_falls_back_to_english(client, db):
    response = client.get(LOGIN, headers={"accept-language": "de-DE,de;q=0.9"})

    assert '<html lang="en">' in response.text
    assert "<h1>Log in</h1>" in response.text


def test_the_footer_switch_sets_the_language(client, head, two_leads):
    client.force_login(head)
    lead_list = client.get(LIST)
    assert 'action="/i18n/setlang/"' in lead_list.text

    response = client.post(reverse("set_language"), {"language": "fi", "next": LIST})

    assert response.status_code == 302
    assert response.url == LIST
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fi"
    finnish = client.get(LIST)
    assert "Tyhjennä suodattimet" in finnish.text
    assert '<option value="fi" selected lang="fi">' in finnish.text


def test_chart_coordinates_stay_numbers_in_every_language(client, head):
    import re

    create_lead(head)
    client.force_login(head)
    for language in ("ro", "ru", "es", "fi"):
        client.cookies["django_language"] = language
        text = client.get("/").text
        svg = text[text.index("<svg") : text.index("</svg>")]
        coordinates = re.findall(r' (?:x|y|width|height)="([^"]*)"', svg)
        assert coordinates, language
        assert all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates), (language, coordinates)


def test_default_stage_names_are_translated(client, head):
    create_lead(head)
    client.force_login(head)
    client.cookies["django_language"] = "ru"

    response = client.get("/leads/")

    assert ">Новый</span>" in response.text
