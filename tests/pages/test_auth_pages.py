import pytest
from django.urls import reverse

from galena.accounts.models import Role
from tests.factories import UserFactory

PROTECTED_GETS = [
    ("dashboard", []),
    ("lead-list", []),
    ("lead-new", []),
    ("lead-detail", [1]),
    ("profile", []),
    ("sources", []),
]


def test_login_page_shows_the_form(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text
    assert "Log out" not in response.text


def test_logging_in_leads_to_the_dashboard(client, db):
    UserFactory(username="ana", role=Role.SALES_MANAGER)

    response = client.post(
        reverse("login"), {"username": "ana", "password": "correct horse battery staple"}
    )

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_wrong_password_shows_an_error(client, db):
    UserFactory(username="ana", role=Role.SALES_MANAGER)

    response = client.post(reverse("login"), {"username": "ana", "password": "nope"})

    assert response.status_code == 200
    assert "form-errors" in response.text


@pytest.mark.parametrize(("name", "args"), PROTECTED_GETS)
def test_pages_need_a_login(client, db, name, args):
    url = reverse(name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_actions_need_a_login_and_write_nothing(client, lead):
    events_before = lead.events.count()

    response = client.post(reverse("lead-note-add", args=[lead.pk]), {"text": "hello"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert lead.events.count() == events_before


def test_logout_is_a_post(manager_client):
    assert manager_client.get(reverse("logout")).status_code == 405

    response = manager_client.post(reverse("logout"))

    assert response.status_code == 302
    assert manager_client.get(reverse("dashboard")).status_code == 302


def test_language_switcher_sets_the_language(manager_client):
    response = manager_client.post(
        reverse("set_language"), {"language": "ro", "next": reverse("profile")}
    )

    assert response.status_code == 302
    assert response.url == reverse("profile")
    assert response.cookies["django_language"].value == "ro"


def test_every_page_offers_the_language_switcher(manager_client):
    response = manager_client.get(reverse("dashboard"))

    assert f'action="{reverse("set_language")}"' in response.text
    assert 'lang="fi"' in response.text
