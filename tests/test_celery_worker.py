"""Background tasks through a real Celery worker and Redis, and in-process without a broker."""

import os
import socket
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from celery.worker import state as worker_state
from django.db import connections

from galena.config.celery import app as celery_app
from galena.leads.services import Actor, lead_assign
from galena.notifications.models import Notification
from galena.notifications.tasks import notifications_email, notifications_email_waiting
from tests.factories import LeadFactory

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The worker runs in another thread with its own database connection, so these tests commit
# for real (transaction=True). What the flush after each such test drops, the data
# migrations' seeds, tests/conftest.py puts back.


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def wait_for(condition, *, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"Not true after {seconds} s: {condition.__doc__ or condition}")


def tasks_done(task, before: int, count: int):
    """A condition for ``wait_for``: ``count`` more runs of ``task`` than ``before`` were
    taken and the worker is idle (Celery counts a task when the worker takes it, not when it
    ends)."""

    def done():
        """the tasks were taken and the worker is idle"""
        taken = worker_state.total_count[task.name] - before
        return taken >= count and not worker_state.active_requests

    return done


def forget_broker_connections(app) -> None:
    """Drop pooled broker connections: they were made for the broker URL in force before."""
    # Even an eager apply_async takes a producer from the pool, so earlier tests leave one
    # bound to the default broker. kombu keeps the pools per connection URL: forgetting
    # them here makes the app look up the pools of the URL now configured.
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    app._pool = None


def close_worker_connections(**kwargs):
    # The worker thread's own database connections must not outlive the test database.
    connections.close_all()


@pytest.fixture
def redis_worker():
    """The galena Celery app pointed at a Redis database of its own, with a worker thread."""
    if not redis_reachable():
        pytest.skip(f"needs Redis at {REDIS_HOST}:{REDIS_PORT} (start it with redis-server)")
    import redis

    worker_index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    broker_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{15 - worker_index % 8}"
    redis.Redis.from_url(broker_url).flushdb()
    keys = ("broker_url", "task_always_eager", "result_backend")
    saved = {key: celery_app.conf[key] for key in keys}
    forget_broker_connections(celery_app)
    celery_app.conf.update(broker_url=broker_url, task_always_eager=False, result_backend=None)
    task_postrun.connect(close_worker_connections, weak=False)
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            yield celery_app
    finally:
        task_postrun.disconnect(close_worker_connections)
        forget_broker_connections(celery_app)
        celery_app.conf.update(saved)
        redis.Redis.from_url(broker_url).flushdb()


def assign_a_lead(team, head, manager):
    lead = LeadFactory(team=team)
    lead_assign(actor=Actor(user=head), lead=lead, owner=manager)
    return Notification.objects.get(lead=lead, user=manager)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_e_mails_the_new_owner_once(redis_worker, team, head, manager, mailoutbox):
    before = worker_state.total_count[notifications_email.name]
    woken_before = worker_state.total_count[notifications_email_waiting.name]

    notification = assign_a_lead(team, head, manager)

    def emailed():
        """the notification is stamped emailed_at"""
        notification.refresh_from_db()
        return notification.emailed_at

    stamp = wait_for(emailed)
    # sent by the task the commit woke (a moment later, with whatever else came meanwhile)
    assert worker_state.total_count[notifications_email_waiting.name] > woken_before
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert mailoutbox[0].subject == f"{notification.lead} is now yours"
    assert f"/leads/{notification.lead_id}/" in mailoutbox[0].body

    # the same task again, through the worker: nothing more is sent
    notifications_email.delay([notification.pk])
    wait_for(tasks_done(notifications_email, before, 1))
    notification.refresh_from_db()
    assert notification.emailed_at == stamp
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_tasks_run_in_process(settings, team, head, manager, mailoutbox):
    assert settings.CELERY_BROKER_URL == ""
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert celery_app.conf.task_always_eager is True

    notification = assign_a_lead(team, head, manager)

    notification.refresh_from_db()
    assert notification.emailed_at
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert notifications_email.apply(args=[[notification.pk]]).get() == 0
    assert len(mailoutbox) == 1


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_recompute_reaches_the_workers_a_task_per_chunk(redis_worker, monkeypatch):
    from galena.leads.models import Lead, Temperature
    from galena.scoring.models import LeadScore, ScoreRule
    from galena.scoring.tasks import recompute_scores, recompute_scores_chunk
    from tests.scoring.calibration_helpers import profile_rule

    ScoreRule.objects.all().delete()
    profile_rule(points=35)
    leads = [LeadFactory(position="Director" if n % 3 == 0 else "Clerk") for n in range(9)]
    Lead.objects.update(score=0, temperature=Temperature.UNKNOWN)
    monkeypatch.setattr("galena.scoring.services.CHUNK_SIZE", 2)
    before = worker_state.total_count[recompute_scores_chunk.name]

    recompute_scores.delay()

    wait_for(tasks_done(recompute_scores_chunk, before, 5))
    scores = dict(Lead.objects.values_list("pk", "score"))
    assert scores == {lead.pk: 35 if n % 3 == 0 else 0 for n, lead in enumerate(leads)}
    assert LeadScore.objects.count() == 9

    # run again (each chunk as a redelivered task would be): nothing more is written
    stored = list(LeadScore.objects.order_by("lead_id").values_list("lead_id", "computed_at"))
    recompute_scores.delay()
    wait_for(tasks_done(recompute_scores_chunk, before, 10))
    again = list(LeadScore.objects.order_by("lead_id").values_list("lead_id", "computed_at"))
    assert again == stored
