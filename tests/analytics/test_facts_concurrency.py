"""The daily facts under concurrent writers and refreshes, on two PostgreSQL connections."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from galena.analytics.facts import facts_refresh, facts_verify
from galena.analytics.models import DirtyDay, LeadFact
from galena.leads.models import Channel, Lead
from tests.factories import LeadFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)


def _channel_leads(channel: str) -> int:
    return sum(
        LeadFact.objects.filter(grain=0, dimension="channel", value=channel).values_list(
            "leads", flat=True
        )
    )


def _in_flight(work, *, written: threading.Event, release: threading.Event, errors: list):
    """Run ``work`` in a transaction on a connection of its own and hold it open."""

    def run():
        try:
            with transaction.atomic():
                work()
                written.set()
                assert release.wait(20)
        except Exception as error:  # reported by the test
            errors.append(repr(error))
            written.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert written.wait(20)
    return thread


def test_a_refresh_leaves_the_mark_of_a_writer_still_in_flight(db):
    lead = LeadFactory(created_at=DAY, channel=Channel.SOCIAL)
    facts_refresh()
    written, release, errors = threading.Event(), threading.Event(), []

    thread = _in_flight(
        lambda: Lead.objects.filter(pk=lead.pk).update(channel=Channel.REFERRAL),
        written=written,
        release=release,
        errors=errors,
    )
    try:
        # a committed write marks the same day: the refresh recomputes it, but the update
        # is not committed — it cannot see it, and must not take its mark
        LeadFactory(created_at=DAY, channel=Channel.QUIZ)
        assert facts_refresh() >= 1
        assert _channel_leads(Channel.SOCIAL) == 1
        assert _channel_leads(Channel.QUIZ) == 1
    finally:
        release.set()
        thread.join()

    assert errors == []
    assert DirtyDay.objects.exists()  # the writer's mark outlived the refresh
    facts_refresh()
    assert _channel_leads(Channel.SOCIAL) == 0
    assert _channel_leads(Channel.REFERRAL) == 1
    assert facts_verify() == []


def test_two_writers_of_the_same_day_do_not_wait_for_each_other(db):
    written, release, errors = threading.Event(), threading.Event(), []
    thread = _in_flight(
        lambda: LeadFactory(created_at=DAY, channel=Channel.SOCIAL),
        written=written,
        release=release,
        errors=errors,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        # marks the same day while the first writer's mark is uncommitted: no wait
        LeadFactory(created_at=DAY + dt.timedelta(hours=1), channel=Channel.SOCIAL)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
        release.set()
        thread.join()

    assert errors == []
    assert DirtyDay.objects.filter(kind="lead").count() == 2  # one per writing transaction
    facts_refresh()
    assert _channel_leads(Channel.SOCIAL) == 2
    assert facts_verify() == []


def test_two_refreshes_at_once_write_each_fact_once(db):
    for day in range(1, 29):
        LeadFactory(created_at=DAY.replace(day=day), channel=Channel.SOCIAL)
    barrier = threading.Barrier(2)
    outcomes = []

    def refresh():
        try:
            barrier.wait()
            outcomes.append(facts_refresh())
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # one took the marks and recomputed; the other waited, then found none (or nothing left)
    assert sorted(outcomes)[-1] > 0
    assert all(isinstance(outcome, int) for outcome in outcomes)
    assert _channel_leads(Channel.SOCIAL) == 28
    assert facts_verify() == []
