"""Galena serves every asset itself, and refusals get friendly pages."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

ASSET_TAG = re.compile(r"<(script|link)\b[^>]*>", re.IGNORECASE)
ASSET_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def asset_urls(html: str) -> list[str]:
    return [url for tag in ASSET_TAG.finditer(html) for url in ASSET_URL.findall(tag.group(0))]


@pytest.fixture
def pages(admin_client, lead):
    names = [
        ("dashboard", []),
        ("lead-list", []),
        ("lead-new", []),
        ("lead-detail", [lead.pk]),
        ("profile", []),
        ("sources", []),
    ]
    return {name: admin_client.get(reverse(name, args=args)) for name, args in names}


def test_no_page_loads_an_asset_from_another_site(pages):
    pages["login"] = Client().get(reverse("login"))
    for name, response in pages.items():
        assert response.status_code == 200, name
        urls = asset_urls(response.text)
        assert urls, name
        for url in urls:
            assert not url.startswith(("http://", "https://", "//")), (name, url)


def test_pages_load_htmx_our_css_and_our_script(pages):
    html = pages["dashboard"].text

    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "/static/galena/app.css" in html
    assert "/static/galena/app.js" in html


@pytest.mark.parametrize(
    "path", ["galena/app.css", "galena/app.js", "galena/favicon.svg", "django_htmx/htmx-2.min.js"]
)
def test_static_assets_exist(path):
    assert finders.find(path) is not None


def test_htmx_requests_carry_the_csrf_token(pages):
    html = pages["dashboard"].text

    assert re.search(r"""<body hx-headers='\{"X-CSRFToken": "[\w-]+"\}'""", html)


def test_pages_are_usable_on_phones(pages):
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        in pages["lead-list"].text
    )
    assert 'data-label="Phone / e-mail"' in pages["lead-list"].text


def test_admin_link_only_for_staff(pages, manager_client):
    assert reverse("admin:index") in pages["dashboard"].text
    assert reverse("admin:index") not in manager_client.get(reverse("dashboard")).text


def test_unknown_page_gets_the_friendly_404(manager_client):
    response = manager_client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Nothing here" in response.text
    assert "Back to the dashboard" in response.text


def test_pages_translate(manager_client):
    manager_client.post(reverse("set_language"), {"language": "ro", "next": "/"})

    response = manager_client.get(reverse("dashboard"))

    assert '<html lang="ro">' in response.text
