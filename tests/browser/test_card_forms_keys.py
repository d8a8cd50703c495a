"""The lead card's forms come when opened, in a real browser: a key opens its form with the
cursor in it, the form works, and a value still changes in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from galena.leads.models import EventType, Lead, LeadEvent
from galena.leads.services import Actor, ContactInput, lead_create
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(manager) -> Lead:
    return lead_create(
        actor=Actor.system(),
        data={"first_name": "Ion", "last_name": "Popescu", "company_name": "Solaris SRL"},
        owner=manager,
        contacts=[ContactInput(kind="phone", value="+40721000111")],
    )


def test_a_key_opens_the_cards_note_form_with_the_cursor_in_it(page, manager, lead):
    log_in(page, manager)
    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator("#note-form")).to_have_count(0)  # not on the card until opened

    page.keyboard.press("n")

    note = page.locator("#note-form textarea")
    expect(note).to_be_focused()
    page.keyboard.type("Asked for a call on Monday")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#lead-card")).to_contain_text("Asked for a call on Monday")
    assert LeadEvent.objects.get(lead=lead, type=EventType.NOTE_ADDED).params == {
        "text": "Asked for a call on Monday"
    }


def test_the_cards_edit_and_call_forms_come_by_key_and_by_click(page, manager, lead):
    log_in(page, manager)
    page.goto(f"/leads/{lead.pk}/")

    page.keyboard.press("e")
    expect(page.locator("#edit-company_name")).to_have_value("Solaris SRL")
    page.keyboard.press("Escape")

    page.locator("#activity-call summary").click()
    expect(page.locator("#activity-call").get_by_label("How did the call go?")).to_be_visible()


def test_a_value_on_the_card_still_changes_in_place(page, manager, lead):
    log_in(page, manager)
    page.goto(f"/leads/{lead.pk}/")

    city = page.locator('button.inline-value[title="Edit City"]')
    city.click()
    field = page.locator("form.inline-edit-form #edit-city")
    expect(field).to_be_focused()
    field.fill("Cluj")
    field.press("Enter")

    expect(page.locator('button.inline-value[title="Edit City"]')).to_contain_text("Cluj")
    assert Lead.objects.get(pk=lead.pk).city == "Cluj"
