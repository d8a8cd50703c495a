"""Two workers sweep at once on PostgreSQL: each claims other enrolments (skip locked),
neither waits for the other, and every step is sent exactly once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from galena.leads.models import Stage
from galena.nurture import services
from galena.nurture.models import Enrollment, NurtureMessage
from tests.nurture.conftest import make_lead, make_sequence


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_sweeps_share_the_work_and_send_each_step_once(manager, team, monkeypatch):
    sequence = make_sequence(steps=((1, 0),))
    rejected = Stage.objects.get(code="rejected")
    for i in range(20):
        lead = make_lead(owner=manager, team=team, email=f"p{i}@example.com")
        lead.stage = rejected
        lead.save()
        Enrollment.objects.create(
            lead=lead,
            sequence=sequence,
            next_step=1,
            next_send_at=timezone.now() - dt.timedelta(minutes=1),
        )
    both_claimed = threading.Barrier(2, timeout=10)
    prepare = services._prepare
    claimed: dict[str, list[int]] = {}
    delivered: list[int] = []
    lock = threading.Lock()

    def prepare_together(enrollments, now, result):
        # both workers hold their claimed rows locked here at the same time
        claimed.setdefault(threading.current_thread().name, []).extend(e.pk for e in enrollments)
        both_claimed.wait()
        return prepare(enrollments, now, result)

    def deliver(email):
        with lock:
            delivered.append(email.lead_id)

    monkeypatch.setattr(services, "_prepare", prepare_together)
    monkeypatch.setattr(services, "email_deliver", deliver)
    results = {}

    def sweep(name):
        try:
            results[name] = services.nurture_sweep(batch_size=10, max_batches=1).sent
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(n,), name=n) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == {"a": 10, "b": 10}
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(delivered) == len(set(delivered)) == 20
    assert NurtureMessage.objects.filter(status="sent").count() == 20
    assert not Enrollment.objects.filter(status="active").exists()
