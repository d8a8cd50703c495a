"""The matching stage through the real pipeline: a repeat inquiry attaches to the person's
lead, a possible duplicate is created and queued for review, a new person is just new."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.intake.contract import Action, ParsedSubmission, Person
from galena.intake.models import Submission
from galena.intake.pipeline import run_stages
from galena.intake.services import submission_process, submission_receive
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent, Task
from galena.leads.services import Actor, ContactInput, lead_create, lead_update
from galena.matching.models import DuplicateCandidate, DuplicateFoundBy, MatchKey
from tests.factories import UserFactory
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def existing_lead(owner=None, **data) -> Lead:
    contacts = data.pop("contacts")
    return lead_create(
        actor=Actor.system(),
        data=data,
        contacts=[ContactInput(kind=k, value=v) for k, v in contacts],
        owner=owner,
    )


def submit(form, payload) -> Submission:
    submission, _ = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload={"_ts": 15000, **payload},
        headers={"User-Agent": BROWSER, "Accept-Language": "ru-RU,ru;q=0.9"},
        remote_addr="203.0.113.20",
    )
    return submission_process(submission_id=submission.pk)


@pytest.fixture
def owner(team):
    return UserFactory(username="olga", role="sales_manager", team=team)


def test_the_same_person_writing_again_is_a_repeat_inquiry_on_their_lead(form, owner):
    lead = existing_lead(
        owner=owner,
        first_name="Александр",
        last_name="Иванов",
        contacts=[("email", "a.ivanov@mail.ru")],
    )
    submission = submit(
        form, {"name": "Sasha Ivanov", "email": "A.Ivanov@mail.ru", "phone": "+7 916 482-19-35"}
    )
    assert Lead.objects.count() == 1
    assert submission.lead_id == lead.pk
    assert submission.outcome == "attached"
    lead.refresh_from_db()
    assert lead.owner == owner  # the owner is kept
    repeat = LeadEvent.objects.get(lead=lead, type=EventType.REPEAT_INQUIRY)
    assert repeat.params["lead_id"] == lead.pk
    assert repeat.params["probability"] >= 0.99
    assert {f["comparison"] for f in repeat.params["explanation"]["fields"]} >= {
        "first_name",
        "last_name",
        "email_local",
    }
    task = Task.objects.get(lead=lead)
    assert task.assignee == owner
    # the new phone is kept on the lead
    assert set(ContactPoint.objects.filter(lead=lead).values_list("kind", "value")) == {
        ("email", "a.ivanov@mail.ru"),
        ("phone", "+79164821935"),
    }
    assert submission.decision["reasons"][-1]["code"] == "repeat_inquiry"


def test_a_possible_duplicate_is_created_and_queued_for_review(form):
    older = existing_lead(
        first_name="Ekaterina",
        last_name="Smirnova",
        city="Kazan",
        contacts=[("email", "katya.smirnova@yandex.ru")],
    )
    submission = submit(
        form, {"name": "Katya Smirnova", "email": "k.smirnova@gmail.com", "city": "Kazan"}
    )
    assert submission.outcome == "created"
    new = submission.lead
    assert new.pk != older.pk
    pair = DuplicateCandidate.objects.get()
    assert (pair.lead_id, pair.other_id) == (new.pk, older.pk)
    assert pair.found_by == DuplicateFoundBy.INTAKE
    assert 0.5 <= pair.probability < 0.99
    assert pair.explanation["fields"]
    assert "possible_duplicate" in [r["code"] for r in submission.decision["reasons"]]


def test_a_namesake_with_other_contacts_is_a_new_lead(form):
    existing_lead(
        first_name="Ivan",
        last_name="Petrov",
        contacts=[("email", "ivan.petrov@mail.ru"), ("phone", "+79031112233")],
    )
    submission = submit(
        form, {"name": "Oleg Petrov", "email": "oleg.petrov@mail.ru", "phone": "+79265554433"}
    )
    assert submission.outcome == "created"
    assert Lead.objects.count() == 2
    assert not DuplicateCandidate.objects.exists()


def test_a_merged_lead_stands_for_its_survivor_and_rejected_leads_for_nobody(form, owner):
    survivor = existing_lead(
        owner=owner, first_name="Ana", last_name="Popescu", contacts=[("email", "ana@pop.ro")]
    )
    merged = existing_lead(
        first_name="Ana", last_name="Popescu", contacts=[("email", "ana@pop.ro")]
    )
    Lead.objects.filter(pk=merged.pk).update(merged_into=survivor)
    rejected = existing_lead(
        first_name="Ana", last_name="Popescu", contacts=[("email", "ana@pop.ro")]
    )
    Lead.objects.filter(pk=rejected.pk).update(quality_status="rejected")

    submission = submit(form, {"name": "Ana Popescu", "email": "ana@pop.ro"})

    assert submission.outcome == "attached"
    assert submission.lead_id == survivor.pk
    assert not DuplicateCandidate.objects.exists()


def test_keys_are_written_with_the_lead_and_follow_its_changes(db):
    lead = existing_lead(
        first_name="Ion", last_name="Rusu", city="Chisinau", contacts=[("phone", "+37369123456")]
    )
    keys = set(MatchKey.objects.filter(lead=lead).values_list("key", flat=True))
    assert "lc:rusu|i|chisinau" in keys
    assert "p7:9123456" in keys
    assert not any(k.startswith(("e:", "p:", "s:")) for k in keys)  # ContactPoint finds those
    lead_update(actor=Actor.system(), lead=lead, data={"city": "Balti"})
    keys = set(MatchKey.objects.filter(lead=lead).values_list("key", flat=True))
    assert "lc:rusu|i|balti" in keys
    assert "lc:rusu|i|chisinau" not in keys


def test_candidate_search_costs_the_same_queries_for_one_or_fifty_submissions(db):
    for i in range(5):
        existing_lead(
            first_name="Maria", last_name=f"Garcia{i}", contacts=[("email", f"m{i}@x.es")]
        )

    received_at = Lead.objects.first().created_at

    def parsed(i):
        return ParsedSubmission(
            channel="landing_page",
            received_at=received_at,
            person=Person(first_name="Maria", last_name=f"Garcia{i % 5}"),
            contacts=[
                ContactInput(kind="email", value=f"m{i % 5}@x.es", normalised=f"m{i % 5}@x.es")
            ],
        )

    from galena.matching.stage import matching
    from galena.matching.weights import match_model

    match_model()  # the model is cached: its two queries are not per batch
    counts = []
    for size in (1, 50):
        with CaptureQueriesContext(connection) as queries:
            decisions = run_stages([parsed(i) for i in range(size)], stages=[matching])
        counts.append(len(queries))
        assert all(d.action == Action.ATTACH for d in decisions)
    assert counts[0] == counts[1] <= 6


def test_a_name_too_common_to_point_at_one_person_brings_no_candidates(db):
    from galena.matching.duplicates import candidate_ids
    from galena.matching.records import MAX_BLOCK, Record

    for i in range(MAX_BLOCK + 1):
        existing_lead(
            first_name="Maria",
            last_name="Garcia",
            city="Madrid",
            contacts=[("email", f"m{i}@x.es")],
        )
    rare = existing_lead(
        first_name="Maria", last_name="Zubizarreta", city="Madrid", contacts=[("email", "mz@x.es")]
    )

    common, uncommon = candidate_ids(
        [
            Record(0, "Maria", "Garcia", emails=["new@x.es"], city="Madrid"),
            Record(1, "Maria", "Zubizarreta", emails=["other@x.es"], city="Madrid"),
        ]
    )
    assert common == set()
    assert uncommon == {rare.pk}
