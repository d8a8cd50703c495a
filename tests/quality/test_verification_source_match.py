"""Verification by a match with another, independent source: the intake stage alone, and
through the real pipeline (one by one and in a worker's batch)."""

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from galena.intake import batching
from galena.intake.contract import Action, Attribution, FollowUp, ParsedSubmission
from galena.intake.models import DecisionReason, Form
from galena.intake.pipeline import run_stages
from galena.intake.services import submission_process, submission_receive
from galena.leads.models import ActorSource, EventType, LeadEvent, QualityStatus
from galena.leads.services import ContactInput
from galena.quality.verification import lead_verify_by_source_match, source_match
from tests.factories import SourceFactory
from tests.quality.verification_helpers import create_lead

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC)
ONLY_THIS_STAGE = override_settings(INTAKE_STAGES=["galena.quality.verification.source_match"])


@pytest.fixture
def website(db):
    return SourceFactory(name="Website")


@pytest.fixture
def expo(db):
    return SourceFactory(name="Expo 2026", channel="exhibition")


@pytest.fixture
def known(expo):
    """A lead the exhibition brought earlier."""
    lead = create_lead(phone="+40722123456", email="ana@solaris.example")
    lead.source = expo
    lead.save()
    return lead


def parsed(source, *contacts, received_at=RECEIVED, **kwargs):
    return ParsedSubmission(
        channel="landing_page",
        received_at=received_at,
        contacts=list(contacts),
        attribution=Attribution(channel="landing_page", source_id=source.pk if source else None),
        **kwargs,
    )


def phone(value, **kwargs):
    return ContactInput(kind="phone", value=value, **kwargs)


def email(value, **kwargs):
    return ContactInput(kind="email", value=value, **kwargs)


def decide(*batch, before=()):
    return run_stages(list(batch), [*before, source_match])


def test_a_phone_another_source_brought_verifies_the_new_lead(website, known):
    (decision,) = decide(parsed(website, phone("+40 722 123 456", normalised="+40722123456")))

    assert decision.lead_fields == {
        "verification": "verified",
        "verification_method": "source_match",
        "verified_at": RECEIVED,
    }
    (reason,) = decision.reasons
    assert (reason.stage, reason.code, reason.points) == ("verification", "source_match", 0)
    assert reason.evidence["lead_id"] == known.pk
    assert reason.evidence["source"] == "Expo 2026"
    assert decision.action == Action.CREATE


def test_the_match_asks_to_verify_the_earlier_lead_too(website, known):
    (decision,) = decide(parsed(website, phone("+40722123456")))

    assert decision.follow_ups == [
        FollowUp(
            task="galena.quality.tasks.verify_matched_lead",
            params={"matched_lead_id": known.pk},
        )
    ]


def test_an_earlier_lead_already_verified_is_not_asked_again(website, known):
    known.verification = "verified"
    known.save()

    (decision,) = decide(parsed(website, phone("+40722123456")))

    assert decision.lead_fields["verification"] == "verified"
    assert decision.follow_ups == []


def test_an_email_matches_whatever_its_case(website, known):
    (decision,) = decide(parsed(website, email("ANA@Solaris.example")))

    assert decision.lead_fields["verification_method"] == "source_match"
    assert decision.reasons[0].evidence["kind"] == "email"


def test_an_unnormalised_phone_is_normalised_with_the_submissions_region(website, known):
    (decision,) = decide(parsed(website, phone("0722 123 456"), default_region="RO"))

    assert decision.lead_fields["verification"] == "verified"


def test_the_same_source_is_not_independent(expo, known):
    (decision,) = decide(parsed(expo, phone("+40722123456")))

    assert decision.lead_fields == {}
    assert decision.reasons == []


def test_two_feeds_of_one_vendor_are_not_independent(website, expo, known):
    expo.vendor = website.vendor = "LeadHub"
    expo.save()
    website.save()

    (decision,) = decide(parsed(website, phone("+40722123456")))

    assert decision.lead_fields == {}


def test_a_submission_without_a_source_is_not_matched(known, django_assert_num_queries):
    with django_assert_num_queries(0):
        (decision,) = decide(parsed(None, phone("+40722123456")))

    assert decision.lead_fields == {}


def test_a_known_lead_without_a_source_vouches_for_nobody(website):
    create_lead(phone="+40722123456")

    (decision,) = decide(parsed(website, phone("+40722123456")))

    assert decision.lead_fields == {}


@pytest.mark.parametrize("status", [QualityStatus.REJECTED, QualityStatus.QUARANTINED])
def test_a_pseudo_or_held_lead_vouches_for_nobody(website, known, status):
    known.quality_status = status
    known.save()

    (decision,) = decide(parsed(website, phone("+40722123456")))

    assert decision.lead_fields == {}


def test_an_invalid_contact_is_not_matched(website, known):
    (decision,) = decide(parsed(website, phone("+40722123456", status="invalid")))

    assert decision.lead_fields == {}


def test_a_different_number_is_not_a_match(website, known):
    (decision,) = decide(parsed(website, phone("+40722999888"), email("other@solaris.example")))

    assert decision.lead_fields == {}
    assert decision.reasons == []


@pytest.mark.parametrize("action", [Action.QUARANTINE, Action.REJECT, Action.INTEREST])
def test_held_rejected_or_interest_decisions_are_left_alone(website, known, action):
    def earlier(decision, context):
        return decision.but(action=action)

    (decision,) = decide(parsed(website, phone("+40722123456")), before=[earlier])

    assert decision.action == action
    assert decision.lead_fields == {}
    assert decision.reasons == []


def test_one_query_for_a_whole_batch(website, known, django_assert_num_queries):
    batch = [
        parsed(website, phone("+40722123456")),
        parsed(website, email("ana@solaris.example")),
        parsed(website, phone("+40722000001"), email("nobody@example.com")),
    ]

    with django_assert_num_queries(1):
        decisions = decide(*batch)

    assert [d.lead_fields.get("verification") for d in decisions] == [
        "verified",
        "verified",
        None,
    ]


# --- through the real pipeline --------------------------------------------------------


@pytest.fixture
def form(website):
    return Form.objects.create(
        name="Contact us",
        slug="contact-us",
        source=website,
        fields=[
            {"name": "name", "label": "Your name", "type": "text", "required": True},
            {"name": "phone", "label": "Phone", "type": "tel", "required": False},
            {"name": "email", "label": "E-mail", "type": "email", "required": False},
        ],
    )


def receive(form, payload):
    submission, _ = submission_receive(
        adapter="capture", channel=form.channel, endpoint=form.key, form=form, payload=payload
    )
    return submission


def assert_verified_by_match(submission, known):
    lead = submission.lead
    assert (lead.verification, lead.verification_method) == ("verified", "source_match")
    assert lead.verified_at == submission.received_at
    assert [r["code"] for r in lead.quality_reasons] == ["source_match"]
    assert lead.quality_reasons[0]["evidence"]["lead_id"] == known.pk
    row = DecisionReason.objects.get(submission=submission)
    assert (row.stage, row.code, row.lead_id) == ("verification", "source_match", lead.pk)


@ONLY_THIS_STAGE
def test_the_stage_verifies_a_lead_written_one_by_one(form, known):
    submission = receive(form, {"name": "Ana Marin", "phone": "0722 123 456"})

    submission = submission_process(submission_id=submission.pk)

    assert submission.outcome == "created"
    assert_verified_by_match(submission, known)


@ONLY_THIS_STAGE
def test_the_stage_verifies_a_lead_written_in_a_batch(form, known):
    matched = receive(form, {"name": "Ana Marin", "email": "ana@solaris.example"})
    unmatched = receive(form, {"name": "Ion Popa", "email": "ion@popa.example"})

    assert batching.submissions_process_pending(limit=10) == 2

    matched.refresh_from_db()
    unmatched.refresh_from_db()
    assert_verified_by_match(matched, known)
    assert unmatched.lead.verification == "unverified"
    assert unmatched.lead.verification_method == ""


@ONLY_THIS_STAGE
def test_an_unmatched_lead_stays_unverified(form, known):
    submission = receive(form, {"name": "Ion Popa", "phone": "0722 999 888"})

    lead = submission_process(submission_id=submission.pk).lead

    assert (lead.verification, lead.verification_method, lead.verified_at) == (
        "unverified",
        "",
        None,
    )


def test_after_the_quality_stage_a_double_opt_in_form_mails_and_a_match_verifies(
    form, known, monkeypatch, settings
):
    """With the quality stage before this one: it normalises the contacts and asks for the
    confirmation e-mail, which intake sends after the commit."""
    pytest.importorskip("galena.quality.stage")
    settings.INTAKE_STAGES = [
        "galena.quality.stage.quality",
        "galena.quality.verification.source_match",
    ]
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )
    form.double_opt_in = True
    form.save()
    submission = receive(
        form,
        {
            "name": "Ana Marin",
            "phone": "+40 722 123 456",
            "email": "Ana.Marin@Gmail.com",
            "_ts": int(timezone.now().timestamp() * 1000) - 30_000,
        },
    )

    lead = submission_process(submission_id=submission.pk).lead

    assert lead.verification_method == "source_match"
    (message,) = mail.outbox
    assert message.to == ["ana.marin@gmail.com"]


@ONLY_THIS_STAGE
def test_after_the_commit_the_earlier_lead_is_verified_by_the_match(form, known, monkeypatch):
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )
    submission = receive(form, {"name": "Ana Marin", "phone": "0722 123 456"})

    new = submission_process(submission_id=submission.pk).lead

    known.refresh_from_db()
    assert (known.verification, known.verification_method) == ("verified", "source_match")
    event = LeadEvent.objects.get(lead=known, type=EventType.VERIFIED)
    assert event.actor_source == ActorSource.SYSTEM
    assert event.params == {
        "method": "source_match",
        "lead_id": new.pk,
        "submission_id": submission.pk,
    }


@pytest.mark.parametrize("held", ["new", "earlier"])
def test_a_held_or_rejected_lead_verifies_nothing_after_the_fact(website, known, held):
    new = create_lead(phone="+40722123456", email="")
    target = new if held == "new" else known
    target.quality_status = QualityStatus.QUARANTINED
    target.save()

    assert lead_verify_by_source_match(lead_id=new.pk, matched_lead_id=known.pk) is False

    known.refresh_from_db()
    assert known.verification == "unverified"
    assert not LeadEvent.objects.filter(lead=known, type=EventType.VERIFIED).exists()


def test_verifying_the_earlier_lead_twice_writes_one_event(known):
    new = create_lead(phone="+40722123456", email="")

    assert lead_verify_by_source_match(lead_id=new.pk, matched_lead_id=known.pk) is True
    assert lead_verify_by_source_match(lead_id=new.pk, matched_lead_id=known.pk) is False

    assert LeadEvent.objects.filter(lead=known, type=EventType.VERIFIED).count() == 1


@pytest.mark.parametrize(
    ("code", "points", "verified"),
    [("repeated_payload", 40, False), ("bot_user_agent", 40, False), ("email_typo", 5, True)],
)
def test_a_suspected_bot_or_fake_is_not_vouched_for_an_honest_mistake_is(
    website, known, code, points, verified
):
    from galena.intake.contract import Reason

    def flagged(decision, context):
        reason = Reason(stage="quality", code=code, message="", points=points)
        return decision.but(reasons=[reason])

    (decision,) = decide(parsed(website, phone("+40722123456")), before=[flagged])

    assert decision.action == Action.CREATE
    assert (decision.lead_fields.get("verification") == "verified") is verified
