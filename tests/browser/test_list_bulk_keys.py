"""The list's bulk actions in a real browser: the fields come when a row is ticked (by
key), only the chosen action's show, and the action is applied."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from galena.leads.models import EventType, Lead, LeadEvent
from tests.browser.conftest import log_in
from tests.pages.conftest import create_lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lead(manager) -> Lead:
    return create_lead(manager, first_name="Ion", last_name="Popescu")


def test_a_row_ticked_by_key_brings_the_fields_and_a_task_is_added(page, manager, lead):
    log_in(page, manager)
    page.goto("/leads/")
    expect(page.locator("#bulk-task_title")).to_have_count(0)  # not on the page until wanted

    page.locator(f'input.bulk-ids[value="{lead.pk}"]').focus()
    page.keyboard.press("Space")

    expect(page.locator("#bulk-task_title")).to_be_attached()
    expect(page.locator("#bulk-task_title")).to_be_hidden()  # no action chosen yet
    expect(page.locator("[data-bulk-count]")).to_contain_text("1")
    page.locator("#bulk-action").select_option("task")
    title = page.locator("#bulk-task_title")
    expect(title).to_be_visible()
    title.focus()
    page.keyboard.type("Call back about the offer")
    page.keyboard.press("Enter")

    expect(page.locator(".message-success")).to_contain_text("1 tasks added")
    event = LeadEvent.objects.get(lead=lead, type=EventType.TASK_CREATED)
    assert event.params["title"] == "Call back about the offer"
