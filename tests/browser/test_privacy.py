"""The personal-data page in a real browser: an administrator finds a person by phone, reads
the printable report, and erases them with the confirmation."""

import pytest

from galena.accounts.models import Role
from galena.leads.models import ContactKind, Lead
from galena.privacy.models import Erasure
from tests.browser.conftest import ARTIFACTS, PASSWORD, log_in
from tests.factories import ContactPointFactory, LeadFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_read_and_erase_a_person(page, seeded):
    admin = UserFactory(username="ada", role=Role.ADMIN, is_superuser=True, is_staff=True)
    admin.set_password(PASSWORD)
    admin.save()
    page.set_default_timeout(30_000)  # a loaded machine's live server is slow to start
    lead = LeadFactory(first_name="Ilinca", last_name="Dobre", display_name="Ilinca Dobre")
    ContactPointFactory(lead=lead, kind=ContactKind.PHONE, value="+40744555666")
    log_in(page, admin)

    page.goto("/privacy/")
    page.get_by_label("Phone").fill("0744 555 666")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("heading", name="What is held").wait_for()
    assert "Ilinca Dobre" in page.content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "privacy-find.png"), full_page=True)

    page.get_by_role("link", name="Read the report").click()
    page.get_by_role("heading", name="Personal data report").wait_for()
    assert "+40744555666" in page.content()
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "privacy-report-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.go_back()
    page.get_by_text("Erase this person's data…").click()
    page.get_by_label("Why (the request, its reference)").fill("Request 12")
    page.get_by_label("I understand this cannot be undone.").check()
    page.get_by_role("button", name="Erase for good").click()
    page.get_by_text("Erased:").wait_for()

    assert Lead.objects.get(pk=lead.pk).first_name == ""
    assert Erasure.objects.get().reason == "Request 12"
