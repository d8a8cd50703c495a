"""The main paths of a manager's day, in a real browser: log in, filter the list, open a
card, log a call, move a card on the board, convert a lead, reject one with a reason."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from galena.clients.models import Conversion
from galena.leads.models import EventType, Lead, LeadEvent, Stage, StageKind
from galena.leads.services import Actor, ContactInput, lead_create
from tests.browser.conftest import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _lead(owner, first_name: str, last_name: str, **data) -> Lead:
    return lead_create(
        actor=Actor.system(),
        data={"first_name": first_name, "last_name": last_name, **data},
        owner=owner,
        contacts=[
            ContactInput(kind="email", value=f"{first_name.lower()}@example.com"),
            ContactInput(kind="phone", value="+40721000111"),
        ],
    )


def test_log_in_filter_the_list_and_open_a_card(page, manager):
    _lead(manager, "Ion", "Popescu", temperature="hot", company_name="Solaris SRL")
    _lead(manager, "Ana", "Rusu", temperature="cold")

    log_in(page, manager)
    page.goto("/leads/")
    expect(page.get_by_role("link", name="Ion Popescu")).to_be_visible()
    expect(page.get_by_role("link", name="Ana Rusu")).to_be_visible()

    page.get_by_label("Temperature").select_option("hot")
    expect(page.get_by_role("link", name="Ana Rusu")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"temperature=hot"))

    page.get_by_role("link", name="Ion Popescu").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ion Popescu")
    expect(page.get_by_text("Solaris SRL").first).to_be_visible()
    screenshot(page, "card")
    assert LeadEvent.objects.filter(type=EventType.CREATED).count() == 2


def test_log_a_call_from_the_card(page, manager):
    lead = _lead(manager, "Ion", "Popescu")
    log_in(page, manager)
    page.goto(f"/leads/{lead.pk}/")

    composer = page.locator("#activity-call")
    composer.locator("summary").click()
    composer.get_by_label("How did the call go?").select_option("reached")
    composer.get_by_label("Note").fill("Wants a quote for 10 kW")
    composer.get_by_role("button", name="Log call").click()

    expect(page.locator("#timeline, .timeline").first).to_contain_text("Wants a quote for 10 kW")
    call = LeadEvent.objects.get(lead=lead, type=EventType.CALL)
    assert call.params["outcome"] == "reached" and call.actor == manager


def test_move_a_card_on_the_board_by_dragging_it(page, manager):
    lead = _lead(manager, "Ion", "Popescu", company_name="Solaris SRL")
    in_work = Stage.objects.get(code="in_work")
    log_in(page, manager)
    page.goto("/leads/board/")
    card = page.locator(f"#board-card-{lead.pk}")
    expect(card).to_be_visible()
    screenshot(page, "board")

    card.drag_to(page.locator(f'ol.board-cards[data-stage="{in_work.pk}"]'))

    expect(
        page.locator(f'ol.board-cards[data-stage="{in_work.pk}"] #board-card-{lead.pk}')
    ).to_be_visible()
    _wait_for(lambda: Lead.objects.get(pk=lead.pk).stage_id == in_work.pk)
    assert LeadEvent.objects.filter(lead=lead, type=EventType.STAGE_CHANGED).count() == 1


def test_convert_a_lead_to_a_client(page, manager):
    lead = _lead(manager, "Ion", "Popescu", company_name="Solaris SRL")
    log_in(page, manager)
    page.goto(f"/leads/{lead.pk}/")
    page.get_by_role("link", name="Convert to client").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Convert to client")
    expect(page.get_by_label("First name")).to_have_value("Ion")

    page.get_by_label("Tax id").fill("RO12345678")
    page.get_by_label("Registration number").fill("J40/1234/2020")
    page.get_by_label("Billing address").fill("Str. Lipscani 10, București")
    page.get_by_label("Amount").fill("12500")
    page.get_by_role("button", name="Convert to client").click()

    expect(page.get_by_text("Solaris SRL").first).to_be_visible()
    _wait_for(lambda: Conversion.objects.filter(lead=lead).exists())
    lead.refresh_from_db()
    assert lead.stage.kind == StageKind.WON and lead.converted_at is not None
    assert str(lead.deal_value) == "12500.00"
    conversion = Conversion.objects.get(lead=lead)
    assert conversion.account.tax_id == "RO12345678"
    assert conversion.contact.first_name == "Ion"


def test_reject_a_lead_with_a_reason(page, manager):
    lead = _lead(manager, "Ion", "Popescu")
    log_in(page, manager)
    page.goto(f"/leads/{lead.pk}/")

    page.locator("#stage-form").get_by_role("button", name="Rejected").click()
    page.get_by_text("No budget").click()
    page.get_by_role("button", name="Reject", exact=True).click()

    expect(page.locator("#stage-form .stage-why")).to_contain_text("No budget")
    _wait_for(lambda: Lead.objects.get(pk=lead.pk).rejection_reason_id is not None)
    lead.refresh_from_db()
    assert lead.stage.kind == StageKind.LOST
    assert lead.rejection_reason.code == "no_budget"
    screenshot(page, "card-rejected")


def _wait_for(condition, seconds: float = 5.0) -> None:
    """The page answered; the live server's write may land a moment later."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the change was not stored")
        time.sleep(0.1)


def test_a_text_search_shows_its_counts_after_the_board_and_the_list(page, manager):
    from galena.leads import selectors

    for first in ("Ionela", "Ionut", "Ioana"):
        _lead(manager, first, "Popescu")
    moved = _lead(manager, "Ion", "Popescu")
    moved.stage = Stage.objects.get(code="in_work")
    moved.save(update_fields=["stage"])
    _lead(manager, "Ana", "Rusu")
    log_in(page, manager)

    # the first read of the matches stops at 2: "New" (3) is past a cap of 1, "In work"
    # is left open and fetches its own count
    original = selectors.SEARCH_SAMPLE, selectors.COUNT_CAP
    selectors.SEARCH_SAMPLE, selectors.COUNT_CAP = 2, 1
    try:
        page.goto("/leads/board/?q=popescu")
        new, in_work = (Stage.objects.get(code=code).pk for code in ("new", "in_work"))
        expect(page.locator(f"#board-count-{new}")).to_have_text("1+")
        expect(page.locator(f"#board-count-{in_work}")).to_have_text("1")
        expect(page.locator("#board-total")).to_contain_text("More than 1 lead")
    finally:
        selectors.SEARCH_SAMPLE, selectors.COUNT_CAP = original

    page.goto("/leads/?q=popescu")
    expect(page.locator(".results-total")).to_have_text("4 leads")
    expect(page.get_by_role("link", name="Ana Rusu")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/leads/\?q=popescu$"))  # the count pushed no URL
    screenshot(page, "search-counted")
