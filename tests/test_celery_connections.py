"""A Celery worker's database connections between tasks (decision 0011): kept while healthy,
as the web keeps them between requests, replaced when broken; an eager task's left alone.

The tasks here are not run: the signals a worker sends around each task are sent as the
worker sends them, with Celery's own Django fixup (what the worker installs) beside ours.
"""

import psycopg
import pytest
from celery.fixups.django import DjangoWorkerFixup
from celery.signals import task_postrun, task_prerun
from django.db import OperationalError, connection, transaction

from galena.config.celery import app as celery_app
from galena.intake.tasks import drain_submissions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def run_as_worker(fixup: DjangoWorkerFixup, body=backend_pid):
    """One task as a worker runs it: the fixup's and our handlers before and after."""
    fixup.on_task_prerun(sender=drain_submissions)
    task_prerun.send(sender=drain_submissions, task_id="t", task=drain_submissions, args=())
    try:
        return body()
    finally:
        fixup.on_task_postrun(sender=drain_submissions)
        task_postrun.send(sender=drain_submissions, task_id="t", task=drain_submissions, args=())


def test_a_worker_keeps_its_connection_from_task_to_task():
    fixup = DjangoWorkerFixup(celery_app)
    pids = {run_as_worker(fixup) for _ in range(5)}
    assert len(pids) == 1  # one PostgreSQL backend for the five tasks
    assert connection.connection is not None


def test_without_the_setting_celery_would_open_a_connection_a_task():
    fixup = DjangoWorkerFixup(celery_app)
    fixup.db_reuse_max = None  # what the fixup reads when CELERY_DB_REUSE_MAX is not set
    pids = [run_as_worker(fixup) for _ in range(3)]
    assert len(set(pids)) == 3


def test_a_connection_broken_between_tasks_is_replaced_before_the_next_one_uses_it():
    # e.g. PostgreSQL restarted while the worker waited for work
    fixup = DjangoWorkerFixup(celery_app)
    first = run_as_worker(fixup)
    with psycopg.connect(**connection.get_connection_params()) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [first])
    second = run_as_worker(fixup)  # no error: checked before use (CONN_HEALTH_CHECKS)
    assert second != first
    assert run_as_worker(fixup) == second


def test_a_connection_a_task_broke_is_replaced_after_it():
    fixup = DjangoWorkerFixup(celery_app)
    first = run_as_worker(fixup)

    def break_it():
        assert backend_pid() == first  # checked once a task: later queries are not
        with psycopg.connect(**connection.get_connection_params()) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [first])
        with pytest.raises(OperationalError):
            backend_pid()

    run_as_worker(fixup, break_it)
    assert run_as_worker(fixup) != first


def test_an_eager_task_inside_a_transaction_leaves_the_connection_alone():
    drain_submissions.push_request(is_eager=True)
    try:
        with transaction.atomic():
            before = backend_pid()
            task_prerun.send(sender=drain_submissions, task_id="t", task=drain_submissions)
            task_postrun.send(sender=drain_submissions, task_id="t", task=drain_submissions)
            assert connection.in_atomic_block
            assert backend_pid() == before
    finally:
        drain_submissions.pop_request()
