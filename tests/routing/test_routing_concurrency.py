"""Parallel intake on PostgreSQL: every lead gets one owner, and the round robin stays exact."""

import threading
from collections import Counter

import pytest
from django.db import connection

from galena.leads.models import EventType, Lead, LeadEvent
from galena.leads.services import Actor, ContactInput, LeadDraft, leads_build, leads_create_bulk
from galena.routing.models import RoutingMember, TeamRouting
from tests.routing.conftest import member

THREADS, BATCHES, BATCH = 4, 5, 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_batches_assign_each_lead_once_and_share_them_evenly(team, team_rule):
    members = [member(n, team, capacity_per_day=0) for n in ("ana", "bob", "cem", "dan", "eve")]
    barrier = threading.Barrier(THREADS)
    errors = []

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for batch in range(BATCHES):
                drafts = [
                    LeadDraft(
                        data={"first_name": f"Lead{worker}x{batch}x{i}"},
                        contacts=[
                            ContactInput(kind="email", value=f"w{worker}b{batch}i{i}@example.com")
                        ],
                    )
                    for i in range(BATCH)
                ]
                leads_create_bulk(actor=Actor.system(), built=leads_build(drafts=drafts))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = THREADS * BATCHES * BATCH
    assert Lead.objects.count() == total
    assert Lead.objects.filter(owner__isnull=True).count() == 0
    assigned = LeadEvent.objects.filter(type=EventType.ASSIGNED)
    assert assigned.count() == total  # one assignment per lead, none twice
    assert assigned.values("lead").distinct().count() == total
    shares = Counter(Lead.objects.values_list("owner_id", flat=True))
    assert set(shares.values()) == {total // len(members)}  # 200 leads, 40 each
    assert TeamRouting.objects.get(team=team).sequence == total
    sequences = sorted(RoutingMember.objects.values_list("last_sequence", flat=True))
    assert sequences == list(range(total - len(members) + 1, total + 1))
