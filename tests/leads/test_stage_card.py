"""The card's stage bar: a stage that needs fields asks for them, rejection and deferral
from the card, the completeness of the next stage, and the timeline in words."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from galena.leads import views
from galena.leads.models import EventType, LeadEvent, RejectionReason, Stage, Task
from galena.leads.services import Actor, lead_defer, lead_reject
from tests.factories import LeadFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def lead(manager, team):
    return LeadFactory(owner=manager, team=team, interest="")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def stage(code):
    return Stage.objects.get(code=code)


def post_stage(client, lead, data, **kwargs):
    return client.post(reverse("lead-stage", args=[lead.pk]), data, **kwargs)


def test_clicking_rejected_asks_for_the_reason_and_writes_nothing(manager_client, lead):
    response = post_stage(manager_client, lead, {"stage": stage("rejected").pk}, headers=HTMX)

    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<form id="stage-form"')
    assert f'name="filling" value="{stage("rejected").pk}"' in html
    assert "No budget" in html and "Bought elsewhere" in html
    assert 'name="rejection_note"' in html
    assert "This field is required" not in html
    lead.refresh_from_db()
    assert lead.stage.code == "new"
    assert not LeadEvent.objects.exists()


def test_sending_the_reason_rejects_the_lead(manager_client, lead):
    rejected = stage("rejected")
    reason = RejectionReason.objects.get(code="no_need_now")

    response = post_stage(
        manager_client,
        lead,
        {
            "stage": rejected.pk,
            "filling": rejected.pk,
            "rejection_reason": reason.pk,
            "rejection_note": "Call in spring",
        },
        headers=HTMX,
    )

    assert response["HX-Retarget"] == "#lead-card"
    assert "Lead rejected." in response.text
    lead.refresh_from_db()
    assert (lead.stage, lead.rejection_reason, lead.rejection_note) == (
        rejected,
        reason,
        "Call in spring",
    )
    assert "No need now" in response.text  # the card says why


def test_filling_without_a_reason_shows_the_error_on_the_field(manager_client, lead):
    rejected = stage("rejected")

    response = post_stage(
        manager_client, lead, {"stage": rejected.pk, "filling": rejected.pk}, headers=HTMX
    )

    assert "This field is required." in response.text
    assert not LeadEvent.objects.exists()


def test_deferring_from_the_card_sets_the_day_and_plans_the_call(manager_client, manager, lead):
    deferred = stage("deferred")
    day = timezone.localdate() + dt.timedelta(days=20)

    response = post_stage(
        manager_client,
        lead,
        {"stage": deferred.pk, "filling": deferred.pk, "recontact_day": day.isoformat()},
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == deferred
    assert timezone.localtime(lead.recontact_at).date() == day
    assert Task.objects.get(lead=lead).assignee == manager


def test_deferring_to_the_past_puts_the_error_on_the_day(manager_client, lead):
    deferred = stage("deferred")
    day = timezone.localdate() - dt.timedelta(days=1)

    response = post_stage(
        manager_client,
        lead,
        {"stage": deferred.pk, "filling": deferred.pk, "recontact_day": day.isoformat()},
        headers=HTMX,
    )

    assert "Choose a day in the future" in response.text
    assert not Task.objects.exists()
    lead.refresh_from_db()
    assert lead.stage.code == "new"


def test_a_required_field_is_asked_with_the_edit_forms_label(manager_client, lead):
    qualified = stage("qualified")
    qualified.required_fields = ["interest", "temperature"]
    qualified.save()

    asked = post_stage(manager_client, lead, {"stage": qualified.pk}, headers=HTMX)
    assert "Interest" in asked.text and 'name="temperature"' in asked.text
    assert '<option value="unknown"' not in asked.text

    post_stage(
        manager_client,
        lead,
        {"stage": qualified.pk, "filling": qualified.pk, "interest": "Solar", "temperature": "hot"},
        headers=HTMX,
    )

    lead.refresh_from_db()
    assert (lead.stage, lead.interest, lead.temperature) == (qualified, "Solar", "hot")


def test_a_won_stage_goes_to_the_conversion_page_when_there_is_one(
    manager_client, lead, monkeypatch
):
    monkeypatch.setattr(views, "convert_url", lambda lead_id: f"/leads/{lead_id}/convert/")

    response = post_stage(manager_client, lead, {"stage": stage("converted").pk}, headers=HTMX)

    assert response["HX-Redirect"] == f"/leads/{lead.pk}/convert/"
    lead.refresh_from_db()
    assert lead.stage.code == "new"


def test_the_card_shows_what_the_next_stage_needs(manager_client, lead):
    in_work = stage("in_work")
    in_work.required_fields = ["interest", "company_name"]
    in_work.save()

    response = manager_client.get(reverse("lead-detail", args=[lead.pk]))

    html = response.text
    assert "Before “In work”" in html
    assert "✗ Interest" in html and "✓ Company" in html


def test_the_timeline_tells_the_rejection_and_what_leaving_it_cleared(
    manager_client, manager, lead
):
    actor = Actor(user=manager)
    lead_reject(
        actor=actor,
        lead=lead,
        reason=RejectionReason.objects.get(code="bought_elsewhere"),
        note="Chose a rival",
    )
    lead_defer(actor=actor, lead=lead, recontact_at=timezone.now() + dt.timedelta(days=3))

    html = manager_client.get(reverse("lead-detail", args=[lead.pk])).text

    assert "Bought elsewhere" in html
    assert "Chose a rival" in html
    assert "come back on" in html
    assert "No longer holds:" in html


@pytest.mark.parametrize(
    "type_",
    [
        EventType.EMAIL_SENT,
        EventType.OFFER_SENT,
        EventType.MEETING_SCHEDULED,
        EventType.CONVERTED,
        EventType.REACTIVATED,
        EventType.FAREWELL_SENT,
        EventType.FAREWELL_ANSWERED,
        EventType.NURTURE_SENT,
        EventType.NURTURE_STOPPED,
        EventType.UNSUBSCRIBED,
    ],
)
def test_the_timeline_names_the_work_events(manager_client, lead, type_):
    LeadEvent.objects.create(
        lead=lead, type=type_, actor_source="system", params={"subject_line": "Hello"}
    )

    html = manager_client.get(reverse("lead-detail", args=[lead.pk])).text

    assert str(EventType(type_).label) in html
    if type_ not in settings.TIMELINE_PRESENTERS:  # else the app that writes it words it
        assert "Subject line" in html and "Hello" in html
