"""Group commit: concurrent capture requests stored by one writer thread, one commit per
batch, each request answered only with its own committed row."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from galena.intake import group_commit
from galena.intake.models import Submission
from galena.intake.services import submission_receive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def group_commit_on(settings):
    settings.INTAKE_GROUP_COMMIT = True


def receive(n: int, key: str | None = None):
    return submission_receive(
        adapter="capture",
        channel="landing_page",
        endpoint="f_group",
        payload={"name": f"Person {n}", "phone": f"+4072100{n:04d}"},
        idempotency_key=key,
    )


def receive_in_thread(n: int, key: str | None = None):
    try:
        return receive(n, key)
    finally:
        connection.close()  # each pool thread opened its own connection


def test_concurrent_requests_each_get_their_own_committed_row(group_commit_on):
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(receive_in_thread, range(200)))

    ids = [submission.pk for submission, created in results]
    assert all(created for _, created in results)
    assert len(set(ids)) == 200
    stored = dict(Submission.objects.values_list("pk", "payload"))
    assert len(stored) == 200
    for n, (submission, _) in enumerate(results):
        assert stored[submission.pk]["name"] == f"Person {n}"


@pytest.mark.postgres  # SQLite's shared-cache test database locks tables between threads
def test_one_idempotency_key_raced_in_one_batch_stores_one_row(group_commit_on):
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: receive_in_thread(n, key="same-key"), range(8)))

    assert Submission.objects.filter(idempotency_key="same-key").count() == 1
    (stored,) = Submission.objects.filter(idempotency_key="same-key")
    assert {submission.pk for submission, _ in results} == {stored.pk}
    assert sum(created for _, created in results) == 1


def test_a_failing_row_fails_only_its_own_request(group_commit_on):
    writer = group_commit.GroupCommitWriter()
    good = {"adapter": "capture", "channel": "landing_page", "payload": {"n": 1}}
    bad = {**good, "channel": None}  # NOT NULL: the database refuses this row

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(writer.store, fields) for fields in (good, bad, good)]
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result().pk)
        except Exception as error:
            outcomes.append(type(error).__name__)

    assert outcomes[1] == "IntegrityError"
    assert Submission.objects.count() == 2
    assert {outcomes[0], outcomes[2]} == set(Submission.objects.values_list("pk", flat=True))


def test_a_caller_inside_its_own_transaction_stores_the_row_itself(group_commit_on):
    with transaction.atomic():
        assert not group_commit.group_commit_wanted()
        submission, created = receive(1)
        # visible inside the caller's transaction: it was not written by another thread
        assert Submission.objects.filter(pk=submission.pk).exists()
    assert created


def test_off_in_tests_unless_asked(settings):
    assert settings.INTAKE_GROUP_COMMIT is False
    assert not group_commit.group_commit_wanted()


def test_a_committed_batch_wakes_the_workers_once(settings, monkeypatch):
    from galena.intake import services
    from galena.intake.tasks import drain_submissions

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(drain_submissions, "delay", lambda: queued.append(1))
    submissions = [Submission(adapter="capture", channel="landing_page") for _ in range(3)]

    services.submissions_wake(submissions)
    for submission in submissions:  # what capture_submit does next, for each request
        services.submission_enqueue(submission)

    assert queued == [1]
    assert all(s.workers_woken for s in submissions)
