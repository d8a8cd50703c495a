"""The consent ledger: records given and withdrawn, who may record them, the latest record
wins, append-only, and the consents of submissions and of the events before the ledger."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galena.consent.intake import submission_consents_record
from galena.consent.models import AppendOnly, ConsentRecord
from galena.consent.services import (
    EVENT_CONSENT,
    consent_record,
    consent_state,
    consent_states_many,
    primary_contacts,
    purposes_from,
)
from galena.core.errors import NotFound, PermissionDenied, ValidationFailed
from galena.intake import batching
from galena.intake.services import submission_process, submission_receive
from galena.leads.models import EventType, Lead, LeadEvent
from galena.leads.services import Actor
from tests.consent.conftest import make_lead

pytestmark = pytest.mark.django_db


def record(actor, lead, status="given", purpose="marketing_email", **more):
    return consent_record(
        actor=Actor(user=actor) if actor is not None else Actor.system(),
        lead=lead,
        purpose=purpose,
        status=status,
        method=more.pop("method", "call"),
        **more,
    )


# --- recording, and who may ------------------------------------------------------------


def test_the_owner_records_a_consent_given_by_phone(manager, lead):
    given = record(manager, lead, evidence={"call_id": 17})
    assert (given.email, given.phone) == ("ana@example.com", "+40722123456")
    assert (given.lead, given.purpose, given.status, given.method) == (
        lead,
        "marketing_email",
        "given",
        "call",
    )
    assert given.actor == manager and given.evidence == {"call_id": 17}
    event = LeadEvent.objects.get(lead=lead, type=EVENT_CONSENT)
    assert event.params == {
        "record": given.pk,
        "purpose": "marketing_email",
        "status": "given",
        "method": "call",
    }
    assert consent_state(lead=lead, purpose="marketing_email") == "given"


@pytest.mark.parametrize("who", ["admin_user", "head"])
def test_admins_and_heads_of_sales_record_consents(request, who, lead):
    user = request.getfixturevalue(who)
    assert record(user, lead).actor == user


def test_a_manager_who_only_sees_the_lead_may_not_record_a_consent(manager, team):
    queue_lead = make_lead(team=team)  # the team's unassigned lead: visible, not theirs
    with pytest.raises(PermissionDenied):
        record(manager, queue_lead)
    assert not ConsentRecord.objects.exists()
    assert not LeadEvent.objects.filter(type=EVENT_CONSENT).exists()


def test_but_may_record_a_withdrawal(manager, team):
    queue_lead = make_lead(team=team)
    assert record(manager, queue_lead, status="withdrawn").status == "withdrawn"


def test_someone_who_does_not_see_the_lead_is_told_it_does_not_exist(outsider, lead):
    with pytest.raises(NotFound):
        record(outsider, lead, status="withdrawn")
    assert not ConsentRecord.objects.exists()


def test_a_marketer_records_nothing(marketer, lead):
    with pytest.raises(PermissionDenied):
        record(marketer, lead)


def test_without_a_lead_only_an_admin_records(head, admin_user):
    with pytest.raises(PermissionDenied):
        consent_record(
            actor=Actor(user=head),
            email="ana@example.com",
            purpose="marketing_email",
            status="withdrawn",
            method="email",
        )
    done = consent_record(
        actor=Actor(user=admin_user),
        email=" Ana@Example.COM ",
        purpose="marketing_email",
        status="withdrawn",
        method="email",
    )
    assert done.email == "ana@example.com" and done.lead is None


@pytest.mark.parametrize(
    "change, field",
    [
        ({"purpose": "astrology"}, "purpose"),
        ({"status": "maybe"}, "status"),
        ({"method": "telepathy"}, "method"),
        ({"method": "import"}, "basis"),
        ({"recorded_at": timezone.now() + dt.timedelta(days=1)}, "recorded_at"),
    ],
)
def test_a_wrong_record_is_refused_and_nothing_is_written(manager, lead, change, field):
    values = {"purpose": "marketing_email", "status": "given", "method": "call", **change}
    with pytest.raises(ValidationFailed) as refused:
        consent_record(actor=Actor(user=manager), lead=lead, **values)
    assert refused.value.field == field
    assert not ConsentRecord.objects.exists()


def test_an_import_records_its_stated_basis(admin_user, lead):
    done = record(admin_user, lead, method="import", basis="Art. 6(1)(a), fair sign-up list")
    assert done.basis == "Art. 6(1)(a), fair sign-up list"


# --- the latest record wins ------------------------------------------------------------


def test_the_latest_record_of_the_person_wins(manager, lead):
    earlier = timezone.now() - dt.timedelta(days=3)
    record(manager, lead, recorded_at=earlier)
    assert consent_state(lead=lead, purpose="marketing_email") == "given"
    record(manager, lead, status="withdrawn")
    assert consent_state(lead=lead, purpose="marketing_email") == "withdrawn"
    # a record entered late for an earlier moment does not override the later one
    record(manager, lead, recorded_at=earlier + dt.timedelta(days=1))
    assert consent_state(lead=lead, purpose="marketing_email") == "withdrawn"


def test_purposes_are_separate(manager, lead):
    record(manager, lead, purpose="contact_phone")
    assert consent_state(lead=lead, purpose="contact_phone") == "given"
    assert consent_state(lead=lead, purpose="marketing_email") == "none"


def test_a_withdrawal_by_address_covers_every_lead_of_the_person(admin_user, manager, lead):
    record(manager, lead)
    other = make_lead(owner=manager, email="ana@example.com")
    consent_record(
        actor=Actor(user=admin_user),
        email="ana@example.com",
        purpose="marketing_email",
        status="withdrawn",
        method="email",
    )
    states = consent_states_many([lead.pk, other.pk], "marketing_email")
    assert states == {lead.pk: "withdrawn", other.pk: "withdrawn"}
    assert consent_state(email="ANA@example.com", purpose="marketing_email") == "withdrawn"


def test_many_leads_cost_two_queries(manager, django_assert_num_queries):
    leads = [make_lead(owner=manager, email=f"p{i}@example.com") for i in range(6)]
    for lead in leads[:3]:
        record(manager, lead)
    with django_assert_num_queries(2):
        states = consent_states_many([lead.pk for lead in leads], "marketing_email")
    assert [states[lead.pk] for lead in leads] == ["given"] * 3 + ["none"] * 3


# --- append-only -----------------------------------------------------------------------


def test_a_record_cannot_be_changed(manager, lead):
    given = record(manager, lead)
    given.status = "withdrawn"
    with pytest.raises(AppendOnly):
        given.save()
    with pytest.raises(AppendOnly):
        ConsentRecord.objects.filter(pk=given.pk).update(status="withdrawn")
    assert ConsentRecord.objects.get(pk=given.pk).status == "given"


def test_a_record_cannot_be_deleted(manager, lead):
    given = record(manager, lead)
    with pytest.raises(AppendOnly):
        given.delete()
    with pytest.raises(AppendOnly):
        ConsentRecord.objects.all().delete()
    assert ConsentRecord.objects.count() == 1


def test_deleting_a_lead_keeps_its_records(manager, lead):
    record(manager, lead)
    lead.delete()
    kept = ConsentRecord.objects.get()
    assert kept.lead is None and kept.email == "ana@example.com"


# --- intake ----------------------------------------------------------------------------


def test_purposes_named_by_channels_map_to_the_ledgers():
    assert purposes_from(["Contact", "newsletter", "partners", "horoscope"]) == [
        "contact_phone",
        "contact_email",
        "marketing_email",
        "transfer_partners",
        "horoscope",
    ]


def test_a_submitted_consent_becomes_records_with_its_evidence(form):
    submission, _ = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload={"name": "Ana Marin", "email": "Ana@Example.com", "consent": True},
        remote_addr="203.0.113.7",
        headers={"User-Agent": "Firefox/140"},
    )
    lead = submission_process(submission_id=submission.pk).lead
    records = list(ConsentRecord.objects.filter(lead=lead).order_by("purpose"))
    assert [r.purpose for r in records] == ["contact_email", "contact_phone", "marketing_email"]
    first = records[0]
    assert (first.email, first.status, first.method, first.form, first.text_version) == (
        "ana@example.com",
        "given",
        "form",
        "contact-us",
        "2026-03",
    )
    assert first.evidence["submission_id"] == submission.pk
    assert first.evidence["ip"] == "203.0.113.7"
    assert first.evidence["user_agent"] == "Firefox/140"
    assert first.evidence["text"] == "I agree to be contacted and to receive news."
    assert consent_state(lead=lead, purpose="marketing_email") == "given"


def test_a_batch_records_each_persons_consent_with_the_contacts_it_just_wrote(form):
    """The worker's batch: the records name each lead's primary e-mail and phone as stored,
    taken from the contact points just written, not read back."""
    people = [("Ana Marin", "Ana@Example.com", "0722 123 456"), ("Ion Pop", "", "0744 518 203")]
    for name, email, phone in people:
        submission_receive(
            adapter="capture",
            channel=form.channel,
            endpoint=form.key,
            form=form,
            payload={"name": name, "email": email, "phone": phone, "consent": True},
            remote_addr="203.0.113.7",
        )

    with CaptureQueriesContext(connection) as queries:
        assert batching.submissions_process_pending(limit=10) == 2

    primary_first = 'ORDER BY 1 ASC, "leads_contactpoint"."is_primary" DESC'  # primary_contacts
    assert not [q for q in queries.captured_queries if primary_first in q["sql"]]
    for lead in Lead.objects.all():
        stored = primary_contacts([lead.pk])[lead.pk]
        records = ConsentRecord.objects.filter(lead=lead)
        assert records.exists()
        assert {(r.email, r.phone) for r in records} == {stored}
    assert {
        (r.lead.first_name, r.email, r.phone) for r in ConsentRecord.objects.select_related("lead")
    } == {("Ana", "ana@example.com", "+40722123456"), ("Ion", "", "+40744518203")}


def test_a_submission_without_consent_records_nothing(form):
    submission, _ = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload={"name": "Ana Marin", "email": "ana@example.com"},
        remote_addr="203.0.113.7",
    )
    lead = submission_process(submission_id=submission.pk).lead
    assert lead is not None
    assert not ConsentRecord.objects.exists()


def test_a_consent_without_purposes_is_consent_to_processing_the_inquiry(manager, lead):
    event = LeadEvent.objects.create(
        lead=lead,
        type=EventType.SUBMISSION_RECEIVED,
        actor_source="api",
        params={"consent": True, "submission_id": 5},
    )
    (done,) = submission_consents_record([(event, None)])
    assert (done.purpose, done.method, done.evidence["submission_id"]) == ("processing", "api", 5)


def test_the_migration_turns_earlier_events_into_records(manager, lead):
    given_at = "2026-01-05T10:00:00+00:00"
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.CREATED,
        actor_source="import",
        params={"consent": {"purposes": ["marketing"], "given_at": given_at}},
    )
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.UNSUBSCRIBED,
        actor_source="email",
        params={"email": "ana@example.com", "method": "link"},
    )
    LeadEvent.objects.create(lead=lead, type=EventType.NOTE_ADDED, actor_source="manual")
    migration = importlib.import_module("galena.consent.migrations.0002_consents_from_lead_events")
    migration.forwards(apps, None)
    given, withdrawn = ConsentRecord.objects.order_by("recorded_at")
    assert (given.purpose, given.status, given.method, given.basis) == (
        "marketing_email",
        "given",
        "import",
        "consent stated in the imported file",
    )
    assert given.recorded_at == dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    assert (withdrawn.status, withdrawn.method, withdrawn.email) == (
        "withdrawn",
        "unsubscribe",
        "ana@example.com",
    )
    assert consent_state(lead=lead, purpose="marketing_email") == "withdrawn"


def test_the_admin_shows_records_but_changes_none(client, admin_user, manager, lead):
    from django.urls import reverse

    given = record(manager, lead)
    client.force_login(admin_user)
    assert client.get(reverse("admin:consent_consentrecord_changelist")).status_code == 200
    page = client.get(reverse("admin:consent_consentrecord_change", args=[given.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.get(reverse("admin:consent_consentrecord_add")).status_code == 403
    deleted = client.post(
        reverse("admin:consent_consentrecord_delete", args=[given.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert ConsentRecord.objects.filter(pk=given.pk).exists()
