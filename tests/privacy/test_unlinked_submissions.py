"""Submissions that made no lead (interests) are found for a person's request by the contacts
intake indexed when it processed them (privacy.SubmissionContact), not by reading every
body; one still waiting or failed is read; the index goes with the erasure and the
retention sweep."""

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.utils import timezone

from galena.intake.models import Submission
from galena.leads.services import ContactInput
from galena.privacy.access import subject_report
from galena.privacy.erasure import erase_subject
from galena.privacy.models import SubmissionContact
from galena.privacy.registry import table_for
from galena.privacy.retention import retention_sweep
from galena.privacy.subjects import find_subject
from galena.privacy.submissions import contact_values, submission_contacts_record
from tests.privacy.scenario import make_form

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def processed_at_once(monkeypatch):
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )


def submissions_of(email: str) -> list[int]:
    subject = find_subject(email=email)
    return sorted(table_for("intake.Submission").rows(subject).values_list("pk", flat=True))


def test_an_interest_is_indexed_by_the_address_in_its_message_and_found(client, team, admin_user):
    form = make_form(team)

    client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps({"name": "Ana", "message": "Prices? Write to Ana.Pop@Mail.RO please"}),
        content_type="application/json",
    )

    submission = Submission.objects.get()
    assert (submission.lead_id, submission.outcome) == (None, "interest")
    assert list(SubmissionContact.objects.values_list("submission_id", "value")) == [
        (submission.pk, "ana.pop@mail.ro")
    ]
    report = subject_report(find_subject(email="ana.pop@mail.ro"), actor=admin_user)
    rows = {section.model_label: section.rows for section in report.sections}
    assert [row["pk"] for row in rows["intake.Submission"]] == [submission.pk]


def test_the_erasure_empties_the_interest_and_drops_its_index(client, team, admin_user):
    form = make_form(team)
    client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps({"name": "Ana", "message": "Write to ana.pop@mail.ro"}),
        content_type="application/json",
    )

    result = erase_subject(find_subject(email="ana.pop@mail.ro"), actor=admin_user, reason="x")

    submission = Submission.objects.get()
    assert (submission.raw_body, submission.payload) == ("", {"name": "", "message": ""})
    assert not SubmissionContact.objects.exists()
    assert result.counts == {"intake.Submission": 1, "privacy.SubmissionContact": 1}


def test_a_processed_submission_is_found_by_its_index_not_by_its_body(db):
    body = {"name": "Ana", "email": "ana@mail.ro"}
    indexed = Submission.objects.create(
        channel="landing_page", adapter="capture", payload=body, status="processed"
    )
    submission_contacts_record(submission=indexed)
    # the same body, never indexed: a body is not read for a processed submission
    Submission.objects.create(
        channel="landing_page", adapter="capture", payload=body, status="processed"
    )

    assert submissions_of("ana@mail.ro") == [indexed.pk]


def test_a_failed_or_waiting_submission_is_found_by_its_body(db):
    failed = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        raw_body='{"email": "ana@mail.ro"}',
        status="failed",
    )
    waiting = Submission.objects.create(
        channel="landing_page", adapter="capture", payload={"email": "ana@mail.ro"}
    )

    assert submissions_of("ana@mail.ro") == sorted([failed.pk, waiting.pk])
    assert submissions_of("someone@mail.ro") == []


def test_the_contacts_are_normalised_as_contact_points_are():
    values = contact_values(
        payload={"who": {"tel": "0722 987 654"}, "note": "call 0722 at noon", "n": 3},
        raw_body="From: Ana <Ana@Mail.RO>",
        contacts=[ContactInput(kind="phone", value="+40 733 111 222")],
    )

    assert values == {"+40722987654", "+40733111222", "ana@mail.ro"}


def test_the_data_migration_indexes_the_interests_received_before(db):
    interest = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        payload={"email": "Ana@Mail.ro", "phone": "0722 987 654"},
        status="processed",
    )
    Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        payload={"email": "waiting@mail.ro"},
        status="received",
    )
    migration = importlib.import_module(
        "galena.privacy.migrations.0004_index_contacts_of_unlinked_submissions"
    )

    migration.index_contacts(apps, None)

    assert sorted(SubmissionContact.objects.values_list("submission_id", "value")) == [
        (interest.pk, "+40722987654"),
        (interest.pk, "ana@mail.ro"),
    ]


def test_the_retention_sweep_drops_the_index_of_what_it_empties(db):
    now = timezone.now()
    old = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        payload={"email": "ana@mail.ro"},
        status="processed",
        received_at=now - dt.timedelta(days=400),
    )
    submission_contacts_record(submission=old)

    retention_sweep(now=now)

    assert not SubmissionContact.objects.exists()
    assert submissions_of("ana@mail.ro") == []
