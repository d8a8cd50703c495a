"""A blocked person writing again: the inquiry is stored on their lead (nothing is lost), but
no task is planned and nobody is told — not the owner, not nurture's reactivation — and the
timeline says why."""

import pytest

from galena.consent.services import EVENT_WITHHELD, lift_restriction
from galena.intake.models import Submission
from galena.leads.models import ContactPoint, EventType, LeadEvent, RejectionReason, Task
from galena.leads.services import Actor, lead_reject
from galena.matching.tasks import repeat_inquiry_heard
from galena.notifications.models import Notification
from tests.consent.test_restriction import block
from tests.consent.test_restriction_reach import INSTAGRAM
from tests.intake.conftest import commit_callbacks_run  # noqa: F401
from tests.matching.test_stage import existing_lead, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("commit_callbacks_run")]

WITHHELD = {
    "reason": "restricted",
    "tasks": ["Repeat inquiry: contact the person again"],
    "notices": ["repeat_inquiry"],
}


def ana(owner):
    return existing_lead(
        owner=owner, first_name="Ana", last_name="Popescu", contacts=[("email", "ana.p@mail.ro")]
    )


def test_a_blocked_persons_repeat_inquiry_is_stored_but_tells_no_one(form, manager, admin_user):
    lead = ana(manager)
    block(admin_user, lead)
    notices_before = Notification.objects.count()

    submission = submit(form, {"name": "Ana Popescu", "email": "ana.p@mail.ro"})

    # stored: the submission on the lead, its events
    assert submission.lead_id == lead.pk and submission.outcome == "attached"
    assert Submission.objects.filter(lead=lead).count() == 1
    assert LeadEvent.objects.filter(lead=lead, type=EventType.REPEAT_INQUIRY).exists()
    assert LeadEvent.objects.filter(lead=lead, type=EventType.SUBMISSION_RECEIVED).exists()
    # nothing planned, nobody told
    assert not Task.objects.filter(lead=lead).exists()
    assert Notification.objects.count() == notices_before
    # and why
    withheld = LeadEvent.objects.get(lead=lead, type=EVENT_WITHHELD)
    assert withheld.params == WITHHELD and withheld.actor_id is None


def test_someone_elses_repeat_inquiry_still_tells_the_owner(form, manager, admin_user):
    ana(manager)
    block(admin_user, email="someone.else@mail.ro")
    submit(form, {"name": "Ana Popescu", "email": "ana.p@mail.ro"})
    assert Notification.objects.filter(user=manager, kind="repeat_inquiry").exists()
    assert Task.objects.filter(assignee=manager).count() == 1
    assert not LeadEvent.objects.filter(type=EVENT_WITHHELD).exists()


def test_a_blocked_rejected_lead_writing_again_is_not_brought_back(form, manager, admin_user):
    lead = ana(manager)
    lead_reject(
        actor=Actor(user=manager), lead=lead, reason=RejectionReason.objects.get(code="no_budget")
    )
    block(admin_user, lead)

    submit(form, {"name": "Ana Popescu", "email": "ana.p@mail.ro"})

    lead.refresh_from_db()
    assert lead.stage.code == "rejected"
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.REACTIVATED).exists()
    assert not Notification.objects.filter(kind="lead_reactivated").exists()
    # the hook the matching stage queued hears nothing of a blocked person
    assert repeat_inquiry_heard(lead_id=lead.pk, channel="landing_page") is False


def test_a_repeat_inquiry_bringing_a_blocked_profile_tells_no_one(form, manager, admin_user):
    """The lead carries only the e-mail; the block names the person's Instagram, which the
    new inquiry brings: once attached, the lead is the blocked person's."""
    lead = ana(manager)
    block(None, contacts=[("social", "instagram.com/Ana.Pop")])

    submit(
        form,
        {"name": "Ana Popescu", "email": "ana.p@mail.ro", "instagram": "instagram.com/ana.pop"},
    )

    assert ContactPoint.objects.filter(lead=lead, kind="social", value=INSTAGRAM).exists()
    assert not Task.objects.filter(lead=lead).exists()
    assert not Notification.objects.filter(kind="repeat_inquiry").exists()
    assert LeadEvent.objects.get(lead=lead, type=EVENT_WITHHELD).params == WITHHELD


def test_once_lifted_a_repeat_inquiry_tells_the_owner_again(form, manager, admin_user):
    lead = ana(manager)
    restriction = block(admin_user, lead)
    lift_restriction(actor=Actor(user=admin_user), restriction=restriction)

    submit(form, {"name": "Ana Popescu", "email": "ana.p@mail.ro"})

    assert Notification.objects.filter(user=manager, kind="repeat_inquiry").exists()
    assert Task.objects.filter(lead=lead).count() == 1
    assert not LeadEvent.objects.filter(type=EVENT_WITHHELD).exists()


def test_the_card_says_why_no_one_was_told(client, form, manager, admin_user):
    lead = ana(manager)
    block(admin_user, lead)
    submit(form, {"name": "Ana Popescu", "email": "ana.p@mail.ro"})
    client.force_login(admin_user)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Nobody told, no task planned" in page
    assert "Repeat inquiry: contact the person again" in page
