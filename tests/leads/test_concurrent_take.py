"""Two managers take the same unassigned lead at the same moment: exactly one gets it."""

import threading

import pytest
from django.db import connection

from galena.core.errors import NotFound
from galena.leads.models import EventType, LeadEvent
from galena.leads.services import Actor, lead_assign
from tests.factories import LeadFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_of_two_simultaneous_takes_wins(manager, colleague, team):
    lead = LeadFactory(owner=None, team=team)
    barrier = threading.Barrier(2)
    outcomes = {}

    def take(user):
        try:
            barrier.wait()
            lead_assign(actor=Actor(user=user), lead=lead, owner=user)
            outcomes[user.username] = "took it"
        except NotFound:
            outcomes[user.username] = "not found"
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (manager, colleague)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes.values()) == ["not found", "took it"]
    lead.refresh_from_db()
    winner = next(name for name, outcome in outcomes.items() if outcome == "took it")
    assert lead.owner.username == winner
    assert LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).count() == 1
