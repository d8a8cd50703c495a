import pytest
from django.core import mail

from galena.core.errors import NotFound, PermissionDenied
from galena.leads.models import EventType, LeadEvent
from galena.leads.services import Actor, lead_assign
from galena.notifications.models import Notification
from tests.factories import LeadFactory


@pytest.fixture
def unassigned(team):
    return LeadFactory(owner=None, team=team)


def test_head_assigns_and_the_owner_is_emailed(
    head, manager, unassigned, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead_assign(actor=Actor(user=head), lead=unassigned, owner=manager, reason="speaks Finnish")

    unassigned.refresh_from_db()
    assert unassigned.owner == manager
    assert unassigned.assigned_at is not None
    event = LeadEvent.objects.get(lead=unassigned, type=EventType.ASSIGNED)
    assert event.params["from"] is None
    assert event.params["to"] == manager.pk
    assert event.params["reason"] == "speaks Finnish"
    assert Notification.objects.get().user == manager
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [manager.email]


def test_manager_takes_an_unassigned_team_lead_without_email(
    manager, unassigned, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead_assign(actor=Actor(user=manager), lead=unassigned, owner=manager)

    unassigned.refresh_from_db()
    assert unassigned.owner == manager
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_manager_cannot_assign_to_a_colleague(manager, colleague, unassigned):
    with pytest.raises(PermissionDenied):
        lead_assign(actor=Actor(user=manager), lead=unassigned, owner=colleague)

    unassigned.refresh_from_db()
    assert unassigned.owner is None
    assert not LeadEvent.objects.exists()


def test_head_cannot_assign_outside_the_team(head, outsider, unassigned):
    with pytest.raises(PermissionDenied):
        lead_assign(actor=Actor(user=head), lead=unassigned, owner=outsider)

    assert not LeadEvent.objects.exists()


def test_outsider_cannot_touch_another_teams_lead(outsider, unassigned):
    with pytest.raises(NotFound):
        lead_assign(actor=Actor(user=outsider), lead=unassigned, owner=outsider)

    unassigned.refresh_from_db()
    assert unassigned.owner is None


def test_reassigning_to_the_same_owner_writes_nothing(head, manager, team):
    lead = LeadFactory(owner=manager, team=team)

    lead_assign(actor=Actor(user=head), lead=lead, owner=manager)

    assert not LeadEvent.objects.exists()


def test_assignment_moves_the_lead_to_the_owners_team(admin_user, outsider, other_team, unassigned):
    lead_assign(actor=Actor(user=admin_user), lead=unassigned, owner=outsider)

    unassigned.refresh_from_db()
    assert unassigned.team == other_team
