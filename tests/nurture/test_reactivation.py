# ruff: noqa: F811 (the intake fixtures, imported for the end-to-end test)
"""A rejected or deferred lead comes back to the pipeline when it inquires again or warms
up: a reactivated event saying why, its nurture stopped, its owner told (or a new owner)."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.leads.models import EventType, LeadEvent, RejectionReason, Temperature
from galena.leads.services import Actor, lead_defer, lead_reject
from galena.matching.services import lead_inquiry_hooks
from galena.matching.tasks import repeat_inquiry_heard
from galena.notifications.models import Notification
from galena.nurture.models import Enrollment, StopReason
from galena.nurture.services import reactivation_sweep
from tests.intake.conftest import form, source  # noqa: F401
from tests.nurture.conftest import make_lead, make_sequence

pytestmark = pytest.mark.django_db


def reject(lead, user, code="no_budget"):
    return lead_reject(
        actor=Actor(user=user), lead=lead, reason=RejectionReason.objects.get(code=code)
    )


def test_a_repeat_inquiry_brings_a_rejected_lead_back(lead, manager):
    make_sequence()
    reject(lead, manager)

    repeat_inquiry_heard(lead_id=lead.pk, submission_id=None, channel="landing_page")

    lead.refresh_from_db()
    assert lead.stage.code == "new"
    event = LeadEvent.objects.get(lead=lead, type=EventType.REACTIVATED)
    assert event.params["why"] == "repeat_inquiry"
    assert event.params["from"] == "rejected"
    assert event.params["rejection_reason"] == "no_budget"
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", StopReason.ANSWERED)
    notice = Notification.objects.get(user=manager, kind="lead_reactivated")
    assert notice.params == {"why": "repeat_inquiry"}


def test_an_e_mail_reply_brings_a_deferred_lead_back(lead, manager):
    lead_defer(
        actor=Actor(user=manager), lead=lead, recontact_at=timezone.localdate() + dt.timedelta(30)
    )
    lead_inquiry_hooks(lead=lead, actor=Actor.system(), kind="email_reply")
    lead.refresh_from_db()
    assert lead.stage.code == "new"
    assert lead.recontact_at is None  # the deferral's date is cleared on leaving
    assert LeadEvent.objects.get(type=EventType.REACTIVATED).params["why"] == "email_reply"


def test_an_inquiry_from_an_open_lead_changes_no_stage(lead):
    lead_inquiry_hooks(lead=lead, actor=Actor.system(), kind="repeat_inquiry")
    assert not LeadEvent.objects.filter(type=EventType.REACTIVATED).exists()
    assert not Notification.objects.exists()


def test_a_lead_whose_owner_left_goes_to_someone_else(lead, manager, colleague):
    reject(lead, manager)
    manager.is_active = False
    manager.save()
    lead_inquiry_hooks(lead=lead, actor=Actor.system(), kind="repeat_inquiry")
    lead.refresh_from_db()
    assert lead.stage.code == "new"
    assert lead.owner_id != manager.pk
    assert not Notification.objects.filter(user=manager).exists()


def test_a_rejected_lead_that_warms_up_comes_back(lead, manager):
    reject(lead, manager)  # cold or unknown when it left
    type(lead).objects.filter(pk=lead.pk).update(temperature=Temperature.WARM)

    assert reactivation_sweep() == 1
    assert reactivation_sweep() == 0
    lead.refresh_from_db()
    assert lead.stage.code == "new"
    event = LeadEvent.objects.get(type=EventType.REACTIVATED)
    assert (event.params["why"], event.params["temperature"]) == ("warmed", "warm")


def test_a_lead_rejected_while_already_warm_stays_rejected(manager, team):
    lead = make_lead(owner=manager, team=team, temperature=Temperature.WARM)
    reject(lead, manager)
    assert reactivation_sweep() == 0
    lead.refresh_from_db()
    assert lead.stage.code == "rejected"


def test_the_warming_sweep_reads_a_fixed_number_of_queries_when_none_warmed(
    manager, team, django_assert_num_queries
):
    for i in range(3):
        reject(make_lead(owner=manager, team=team, email=f"p{i}@example.com"), manager)
    with django_assert_num_queries(2):
        assert reactivation_sweep() == 0


def test_the_same_person_submitting_again_through_a_form_comes_back(
    monkeypatch, manager, team, form
):
    """End to end: intake's matching stage attaches the repeat inquiry, and after its
    commit the inquiry hooks bring the rejected lead back."""
    from tests.matching.test_stage import existing_lead, submit

    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )
    lead = existing_lead(
        owner=manager, first_name="Ana", last_name="Popescu", contacts=[("email", "ana.p@mail.ro")]
    )
    reject(lead, manager)

    submission = submit(form, {"name": "Ana Popescu", "email": "ana.p@mail.ro"})

    assert submission.lead_id == lead.pk
    lead.refresh_from_db()
    assert lead.stage.code == "new"
    event = LeadEvent.objects.get(lead=lead, type=EventType.REACTIVATED)
    assert event.params["why"] == "repeat_inquiry"
    assert Notification.objects.filter(user=manager, kind="lead_reactivated").exists()


def test_the_owners_notice_says_why_in_words(lead, manager):
    from galena.notifications.presenting import present

    reject(lead, manager)
    lead_inquiry_hooks(lead=lead, actor=Actor.system(), kind="email_reply")
    (notice,) = present(list(Notification.objects.filter(kind="lead_reactivated")))
    assert notice.title == f"{lead} is back in the pipeline"
    assert notice.details == ["Why: the person replied by e-mail"]
