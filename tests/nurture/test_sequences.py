"""Nurture sequences: enrolment when a lead is rejected or deferred, the sweep that sends
due steps at most once and only with consent, and stopping."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from galena.consent.services import consent_record
from galena.leads.models import EventType, LeadEvent, RejectionReason, Temperature
from galena.leads.services import Actor, lead_change_stage, lead_defer, lead_reject
from galena.nurture import services
from galena.nurture.models import (
    Audience,
    Enrollment,
    EnrollmentStatus,
    MessageStatus,
    NurtureMessage,
    SequenceStep,
    StopReason,
    Suppression,
)
from galena.nurture.services import cold_leads_enroll, nurture_sweep, plan_next, step_for
from tests.nurture.conftest import make_lead, make_sequence, stage

pytestmark = pytest.mark.django_db


def reject(lead, user, code="no_budget"):
    return lead_reject(
        actor=Actor(user=user), lead=lead, reason=RejectionReason.objects.get(code=code)
    )


def make_due(enrollment):
    Enrollment.objects.filter(pk=enrollment.pk).update(
        next_send_at=timezone.now() - dt.timedelta(minutes=1)
    )


def test_a_rejected_lead_with_consent_is_enrolled(lead, manager):
    sequence = make_sequence()
    reject(lead, manager)
    enrollment = Enrollment.objects.get(lead=lead)
    assert enrollment.sequence == sequence
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.next_step == 1


def test_a_rejected_lead_without_marketing_consent_is_not_enrolled(manager, team):
    make_sequence()
    lead = make_lead(owner=manager, team=team, consent={"purposes": ["contact"]})
    reject(lead, manager)
    assert not Enrollment.objects.filter(lead=lead).exists()


def test_a_sequence_for_other_reasons_does_not_take_the_lead(lead, manager):
    make_sequence(rejection_reasons=["bought_elsewhere"])
    reject(lead, manager, code="no_budget")
    assert not Enrollment.objects.filter(lead=lead).exists()


def test_a_deferred_lead_enters_the_deferred_sequences(lead, manager):
    deferred = make_sequence(audience=Audience.DEFERRED, name="Deferred")
    make_sequence(audience=Audience.REJECTED, name="Rejected")
    lead_defer(
        actor=Actor(user=manager), lead=lead, recontact_at=timezone.localdate() + dt.timedelta(10)
    )
    assert list(Enrollment.objects.filter(lead=lead).values_list("sequence", flat=True)) == [
        deferred.pk
    ]


def test_the_sweep_sends_the_due_step_once_with_an_unsubscribe_link(lead, manager):
    make_sequence()
    reject(lead, manager)
    enrollment = Enrollment.objects.get(lead=lead)
    make_due(enrollment)

    first = nurture_sweep()
    second = nurture_sweep()

    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.subject == "Step 1 for Ana"
    assert "/u/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    record = NurtureMessage.objects.get()
    assert (record.status, record.step_order) == (MessageStatus.SENT, 1)
    assert LeadEvent.objects.filter(lead=lead, type=EventType.NURTURE_SENT).count() == 1
    enrollment.refresh_from_db()
    assert enrollment.next_step == 2
    assert enrollment.next_send_at > timezone.now() + dt.timedelta(days=29)


def test_the_last_step_finishes_the_enrollment(lead, manager):
    make_sequence(steps=((1, 0),))
    reject(lead, manager)
    make_due(Enrollment.objects.get(lead=lead))
    result = nurture_sweep()
    assert (result.sent, result.finished) == (1, 1)
    assert Enrollment.objects.get(lead=lead).status == EnrollmentStatus.FINISHED


def test_a_step_already_recorded_is_never_sent_again(lead, manager):
    """A crash after the record and before the enrolment moved on: the step stays sent."""
    make_sequence()
    reject(lead, manager)
    enrollment = Enrollment.objects.get(lead=lead)
    NurtureMessage.objects.create(
        enrollment=enrollment, lead=lead, step_order=1, email="ana@example.com", subject="x"
    )
    make_due(enrollment)
    nurture_sweep()
    assert mail.outbox == []
    assert NurtureMessage.objects.count() == 1
    enrollment.refresh_from_db()
    assert enrollment.next_step == 2


def test_a_refused_e_mail_is_recorded_as_failed_and_not_retried(lead, manager, monkeypatch):
    make_sequence()
    reject(lead, manager)
    make_due(Enrollment.objects.get(lead=lead))

    def refuse(email):
        raise OSError("connection refused")

    monkeypatch.setattr(services, "email_deliver", refuse)
    result = nurture_sweep()
    assert (result.sent, result.failed) == (0, 1)
    record = NurtureMessage.objects.get()
    assert record.status == MessageStatus.FAILED
    assert "connection refused" in record.error
    assert not LeadEvent.objects.filter(type=EventType.NURTURE_SENT).exists()


def test_a_suppressed_lead_is_sent_nothing_and_its_enrollment_stops(lead, manager):
    make_sequence()
    reject(lead, manager)
    enrollment = Enrollment.objects.get(lead=lead)
    make_due(enrollment)
    Suppression.objects.create(email="ana@example.com", method="bounce")

    result = nurture_sweep()

    assert (result.sent, result.stopped) == (0, 1)
    assert mail.outbox == []
    assert not NurtureMessage.objects.exists()
    assert not LeadEvent.objects.filter(type=EventType.NURTURE_SENT).exists()
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.stop_reason) == (
        EnrollmentStatus.STOPPED,
        StopReason.UNSUBSCRIBED,
    )


def test_a_lead_whose_consent_is_gone_is_sent_nothing(lead, manager):
    make_sequence()
    reject(lead, manager)
    make_due(Enrollment.objects.get(lead=lead))
    consent_record(  # the person withdrew on the phone
        actor=Actor(user=manager),
        lead=lead,
        purpose="marketing_email",
        status="withdrawn",
        method="call",
    )
    nurture_sweep()
    assert mail.outbox == []
    assert not NurtureMessage.objects.exists()
    assert Enrollment.objects.get(lead=lead).stop_reason == StopReason.NO_CONSENT


def test_back_in_the_pipeline_stops_the_nurture(lead, manager):
    make_sequence()
    reject(lead, manager)
    lead_change_stage(actor=Actor(user=manager), lead=lead, stage=stage("in_work"))
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.status, enrollment.stop_reason) == (
        EnrollmentStatus.STOPPED,
        StopReason.REENTERED,
    )
    stopped = LeadEvent.objects.get(lead=lead, type=EventType.NURTURE_STOPPED)
    assert stopped.params == {"reason": "reentered", "sequences": ["Later"]}


@pytest.mark.parametrize("count", [2, 8])
def test_the_sweep_reads_in_bulk_and_writes_a_few_rows_per_e_mail(
    manager, team, count, monkeypatch, django_assert_num_queries
):
    """Besides the e-mails themselves (activities' email_send), a batch costs a fixed number
    of reads and five statements per e-mail: the message recorded in a savepoint and the
    enrolment moved on."""
    make_sequence()
    leads = [make_lead(owner=manager, team=team, email=f"p{i}@example.com") for i in range(count)]
    for lead in leads:
        reject(lead, manager)
    Enrollment.objects.update(next_send_at=timezone.now() - dt.timedelta(minutes=1))
    monkeypatch.setattr(services, "email_deliver", lambda email: None)
    with django_assert_num_queries(16 + 5 * count):
        result = nurture_sweep()
    assert result.sent == count


def test_cold_leads_are_enrolled_once_and_refusals_recorded(manager, team):
    sequence = make_sequence(audience=Audience.COLD)
    warm_consent = make_lead(owner=manager, team=team, temperature=Temperature.COLD)
    no_consent = make_lead(
        owner=manager, team=team, temperature=Temperature.COLD, email="b@example.com", consent=None
    )
    make_lead(owner=manager, team=team, temperature=Temperature.WARM, email="c@example.com")

    assert cold_leads_enroll() == 1
    assert cold_leads_enroll() == 0
    assert Enrollment.objects.get(lead=warm_consent, sequence=sequence).status == "active"
    refused = Enrollment.objects.get(lead=no_consent)
    assert (refused.status, refused.stop_reason) == ("stopped", "no_consent")


def test_a_step_in_the_leads_language_is_chosen_else_the_general_one():
    sequence = make_sequence(steps=())
    general = SequenceStep(sequence=sequence, order=1, wait_days=0, language="")
    romanian = SequenceStep(sequence=sequence, order=1, wait_days=0, language="ro")
    assert step_for([general, romanian], 1, "ro-RO") is romanian
    assert step_for([general, romanian], 1, "fi") is general
    assert step_for([romanian], 1, "fi") is None


def test_a_dated_step_goes_out_on_its_day_and_a_past_one_is_skipped(db):
    sequence = make_sequence(steps=())
    now = timezone.make_aware(dt.datetime(2026, 12, 1, 12))
    past = SequenceStep(sequence=sequence, order=1, send_on=dt.date(2026, 3, 8))
    greeting = SequenceStep(sequence=sequence, order=2, send_on=dt.date(2026, 12, 24))
    plan = plan_next([past, greeting], after_order=None, since=now)
    assert plan.order == 2
    assert timezone.localtime(plan.send_at).date() == dt.date(2026, 12, 24)


def test_a_yearly_step_goes_out_next_year_when_this_years_day_passed(db):
    sequence = make_sequence(steps=())
    now = timezone.make_aware(dt.datetime(2026, 12, 28, 12))
    greeting = SequenceStep(
        sequence=sequence, order=1, send_on=dt.date(2025, 12, 24), repeat_yearly=True
    )
    plan = plan_next([greeting], after_order=None, since=now)
    assert timezone.localtime(plan.send_at).date() == dt.date(2027, 12, 24)


def test_a_sequences_sources_and_languages_narrow_its_audience(db):
    from galena.nurture.services import LeadFacts, sequence_takes

    sequence = make_sequence(languages=["ro"])
    facts = LeadFacts(
        audience="rejected", rejection_reason="no_budget", source_id=7, language="ro-RO"
    )
    assert sequence_takes(sequence, set(), facts)
    assert not sequence_takes(sequence, {8}, facts)
    assert not sequence_takes(sequence, set(), LeadFacts("rejected", "no_budget", 7, "fi"))
    assert not sequence_takes(sequence, set(), LeadFacts("deferred", "", 7, "ro"))


def test_the_admin_previews_who_a_sequence_would_take(admin_client, manager, team):
    from django.urls import reverse

    sequence = make_sequence()
    lead = make_lead(owner=manager, team=team, first_name="Prevu", last_name="Lead")
    reject(lead, manager)
    response = admin_client.get(reverse("admin:nurture_sequence_change", args=[sequence.pk]))
    assert response.status_code == 200
    assert "1 leads match the rules now" in response.text
    assert "Prevu Lead" in response.text
