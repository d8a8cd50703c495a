"""Every action on the lead card: success writes through the service and records an event;
refused input shows the error on the form and writes nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads import services
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent, Stage, Task
from galena.leads.services import Actor, task_complete
from tests.factories import LeadFactory, TaskFactory

HTMX = {"HX-Request": "true"}


def url(name, lead, *args):
    return reverse(name, args=[lead.pk, *args])


def events(lead, type_):
    return LeadEvent.objects.filter(lead=lead, type=type_)


# --- notes ------------------------------------------------------------------------------


def test_note_without_htmx_redirects_back_to_the_card(manager_client, manager, lead):
    response = manager_client.post(url("lead-note-add", lead), {"text": "Called, no answer"})

    assert response.status_code == 302
    assert response.url == url("lead-detail", lead)
    note = events(lead, EventType.NOTE_ADDED).get()
    assert note.params == {"text": "Called, no answer"}
    assert note.actor == manager
    assert note.actor_source == "manual"


def test_note_with_htmx_returns_the_refreshed_card(manager_client, lead):
    response = manager_client.post(url("lead-note-add", lead), {"text": "Hello"}, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#lead-card"
    assert response["HX-Reswap"] == "outerHTML"
    assert response.text.lstrip().startswith('<article id="lead-card"')
    assert "Hello" in response.text
    assert "Note added." in response.text
    assert "<html" not in response.text


def test_empty_note_shows_an_error_and_writes_nothing(manager_client, lead):
    before = LeadEvent.objects.count()

    response = manager_client.post(url("lead-note-add", lead), {"text": "   "})

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert '<details class="action" id="action-note" data-shortcut="n" open>' in response.text
    assert LeadEvent.objects.count() == before


def test_empty_note_with_htmx_returns_only_the_form(manager_client, lead):
    before = LeadEvent.objects.count()

    response = manager_client.post(url("lead-note-add", lead), {"text": ""}, headers=HTMX)

    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assert response.text.lstrip().startswith('<form id="note-form"')
    assert 'aria-invalid="true"' in response.text
    assert LeadEvent.objects.count() == before


# --- tasks ------------------------------------------------------------------------------


def test_add_task_with_a_due_time(manager_client, manager, lead):
    response = manager_client.post(
        url("lead-task-add", lead),
        {"kind": "meeting", "title": "Demo", "due_at": "2030-05-01T10:30", "description": ""},
    )

    assert response.status_code == 302
    task = Task.objects.get(lead=lead)
    assert (task.kind, task.title, task.assignee) == ("meeting", "Demo", manager)
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") == "2030-05-01 10:30"
    assert events(lead, EventType.TASK_CREATED).get().params["task_id"] == task.pk


def test_task_with_unknown_kind_is_refused(manager_client, lead):
    response = manager_client.post(url("lead-task-add", lead), {"kind": "party", "title": "x"})

    assert response.status_code == 200
    assert "Select a valid choice." in response.text
    assert not Task.objects.exists()
    assert not events(lead, EventType.TASK_CREATED).exists()


def test_head_may_give_a_task_to_a_team_member(head_client, manager, lead):
    response = head_client.post(
        url("lead-task-add", lead), {"kind": "call", "title": "", "assignee": manager.pk}
    )

    assert response.status_code == 302
    assert Task.objects.get(lead=lead).assignee == manager


def test_complete_task_with_outcome(manager_client, manager, lead):
    task = TaskFactory(lead=lead, assignee=manager)

    response = manager_client.post(
        url("lead-task-complete", lead, task.pk), {"outcome": "Sent the price list"}
    )

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None
    assert task.outcome == "Sent the price list"
    assert events(lead, EventType.TASK_COMPLETED).get().params["outcome"] == "Sent the price list"


def test_completing_a_done_task_again_is_refused(manager_client, manager, lead):
    task = TaskFactory(lead=lead, assignee=manager)
    task_complete(actor=Actor(user=manager), task=task, outcome="first")

    response = manager_client.post(
        url("lead-task-complete", lead, task.pk), {"outcome": "again"}, headers=HTMX
    )

    assert "This task is already done." in response.text
    assert response.text.lstrip().startswith(f'<form id="done-form-{task.pk}"')
    assert events(lead, EventType.TASK_COMPLETED).count() == 1


def test_completing_a_task_of_another_lead_is_404(manager_client, manager, lead, team):
    other = LeadFactory(owner=manager, team=team)
    task = TaskFactory(lead=other)

    response = manager_client.post(url("lead-task-complete", lead, task.pk), {"outcome": ""})

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


# --- contacts ---------------------------------------------------------------------------


def test_add_contact(manager_client, lead):
    response = manager_client.post(
        url("lead-contact-add", lead),
        {"kind": "messenger", "value": "@ana_marin", "label": "telegram", "verified": "on"},
    )

    assert response.status_code == 302
    point = ContactPoint.objects.get(lead=lead, kind="messenger")
    assert (point.value_raw, point.label, point.verified) == ("@ana_marin", "telegram", True)
    assert events(lead, EventType.CONTACT_ADDED).count() == 1


def test_known_contact_is_refused_on_the_value_field(manager_client, lead):
    response = manager_client.post(
        url("lead-contact-add", lead), {"kind": "phone", "value": "+40 722 123 456"}, headers=HTMX
    )

    assert "This lead already has this contact." in response.text
    assert 'id="contact-value_error"' in response.text
    assert ContactPoint.objects.filter(lead=lead).count() == 2
    assert not events(lead, EventType.CONTACT_ADDED).exists()


# --- editing ----------------------------------------------------------------------------


def edit_data(lead, **changes):
    data = {
        "first_name": lead.first_name,
        "middle_name": lead.middle_name,
        "last_name": lead.last_name,
        "company_name": lead.company_name,
        "position": lead.position,
        "interest": lead.interest,
        "comment": lead.comment,
        "preferred_contact_time": lead.preferred_contact_time,
        "language": lead.language,
        "country": lead.country,
        "region": lead.region,
        "city": lead.city,
        "temperature": lead.temperature,
        "fit": lead.fit,
        "origin": lead.origin,
        "contact_type": lead.contact_type,
        "channel": lead.channel,
        "source": lead.source_id or "",
        "campaign": lead.campaign_id or "",
        "recontact_at": "",
    }
    data.update(changes)
    return data


def test_edit_sends_only_the_changed_fields(manager_client, lead):
    response = manager_client.post(
        url("lead-edit", lead), edit_data(lead, company_name="Lumo Oy", temperature="hot")
    )

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.company_name, lead.temperature) == ("Lumo Oy", "hot")
    assert events(lead, EventType.UPDATED).get().params["changes"] == {
        "company_name": ["Solaris SRL", "Lumo Oy"],
        "temperature": ["cold", "hot"],
    }


def test_edit_without_changes_writes_no_event(manager_client, lead):
    response = manager_client.post(url("lead-edit", lead), edit_data(lead), headers=HTMX)

    assert "Nothing changed." in response.text
    assert not events(lead, EventType.UPDATED).exists()


def test_edit_with_an_invalid_choice_is_refused(manager_client, lead):
    response = manager_client.post(
        url("lead-edit", lead), edit_data(lead, temperature="boiling", city="Cluj"), headers=HTMX
    )

    assert response.text.lstrip().startswith('<form id="edit-form"')
    assert "Select a valid choice." in response.text
    lead.refresh_from_db()
    assert lead.city == ""
    assert not events(lead, EventType.UPDATED).exists()


def test_edit_refused_by_the_service_shows_its_message_on_the_field(
    manager_client, lead, monkeypatch
):
    def refuse(**kwargs):
        raise ValidationFailed({"company_name": "Companies from this list are refused."})

    monkeypatch.setattr(services, "lead_update", refuse)

    response = manager_client.post(
        url("lead-edit", lead), edit_data(lead, company_name="Acme"), headers=HTMX
    )

    assert 'id="edit-company_name_error"' in response.text
    assert "Companies from this list are refused." in response.text
    lead.refresh_from_db()
    assert lead.company_name == "Solaris SRL"


def test_service_permission_refusal_without_a_field_shows_on_the_form(
    manager_client, lead, monkeypatch
):
    def refuse(**kwargs):
        raise PermissionDenied("Closed leads cannot get notes.")

    monkeypatch.setattr(services, "note_add", refuse)

    response = manager_client.post(url("lead-note-add", lead), {"text": "x"}, headers=HTMX)

    assert response.status_code == 200
    assert '<div class="form-errors" role="alert">' in response.text
    assert "Closed leads cannot get notes." in response.text


# --- stage and owner --------------------------------------------------------------------


def test_change_stage(manager_client, lead):
    in_work = Stage.objects.get(code="in_work")

    response = manager_client.post(url("lead-stage", lead), {"stage": in_work.pk}, headers=HTMX)

    assert response["HX-Retarget"] == "#lead-card"
    lead.refresh_from_db()
    assert lead.stage == in_work
    assert events(lead, EventType.STAGE_CHANGED).get().params["to"] == "in_work"


def test_unknown_stage_is_refused(manager_client, lead):
    response = manager_client.post(url("lead-stage", lead), {"stage": 9999}, headers=HTMX)

    assert response.text.lstrip().startswith('<form id="stage-form"')
    assert "Select a valid choice." in response.text
    assert not events(lead, EventType.STAGE_CHANGED).exists()


def test_head_assigns_a_team_member(head_client, colleague, lead):
    response = head_client.post(url("lead-assign", lead), {"owner": colleague.pk, "reason": ""})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.owner == colleague
    assert events(lead, EventType.ASSIGNED).filter(params__to=colleague.pk).exists()


def test_head_cannot_assign_someone_outside_the_team(head_client, outsider, lead):
    response = head_client.post(url("lead-assign", lead), {"owner": outsider.pk}, headers=HTMX)

    assert "Select a valid choice." in response.text
    lead.refresh_from_db()
    assert lead.owner.username == "manager"


def test_manager_cannot_hand_a_lead_to_a_colleague(manager_client, colleague, lead):
    assigned_before = events(lead, EventType.ASSIGNED).count()

    response = manager_client.post(url("lead-assign", lead), {"owner": colleague.pk})

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.owner.username == "manager"
    assert events(lead, EventType.ASSIGNED).count() == assigned_before


def test_manager_takes_an_unassigned_team_lead(manager_client, manager, team):
    lead = LeadFactory(owner=None, team=team)

    response = manager_client.post(url("lead-assign", lead), {"take": "1"}, headers=HTMX)

    assert response["HX-Retarget"] == "#lead-card"
    assert "You took this lead." in response.text
    lead.refresh_from_db()
    assert lead.owner == manager
    assert events(lead, EventType.ASSIGNED).get().params["to"] == manager.pk


# --- leads that are not yours ----------------------------------------------------------

ACTIONS = [
    ("lead-note-add", {"text": "sneaky"}),
    ("lead-task-add", {"kind": "call", "title": "sneaky"}),
    ("lead-contact-add", {"kind": "email", "value": "spy@example.com"}),
    ("lead-stage", {"stage": "2"}),
    ("lead-assign", {"take": "1"}),
    ("lead-edit", {"first_name": "Sneaky"}),
]


@pytest.mark.parametrize(("name", "data"), ACTIONS)
def test_posts_on_a_colleagues_lead_are_404_and_write_nothing(
    manager_client, colleague_lead, name, data
):
    events_before = LeadEvent.objects.count()

    response = manager_client.post(url(name, colleague_lead), data)

    assert response.status_code == 404
    assert LeadEvent.objects.count() == events_before
    assert not Task.objects.exists()
    assert ContactPoint.objects.filter(lead=colleague_lead).count() == 1
    colleague_lead.refresh_from_db()
    assert colleague_lead.first_name == "Pekka"
    assert colleague_lead.owner.username == "colleague"


def test_task_completion_on_a_colleagues_lead_is_404(manager_client, colleague_lead):
    task = TaskFactory(lead=colleague_lead, due_at=timezone.now() + dt.timedelta(days=1))

    response = manager_client.post(url("lead-task-complete", colleague_lead, task.pk), {})

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


@pytest.mark.parametrize(("name", "data"), ACTIONS)
def test_marketer_posts_are_403_and_write_nothing(marketer_client, lead, name, data):
    events_before = LeadEvent.objects.count()

    response = marketer_client.post(url(name, lead), data)

    assert response.status_code == 403
    assert LeadEvent.objects.count() == events_before


def test_actions_refuse_get(manager_client, lead):
    assert manager_client.get(url("lead-note-add", lead)).status_code == 405
    assert Lead.objects.count() == 1
