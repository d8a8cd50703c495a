"""Two imports of the same campaign days at the same moment: each day stored once."""

import threading

import pytest
from django.db import connection

from galena.analytics.cost_import import campaign_spend_import
from galena.leads.models import CampaignSpend
from tests.factories import CampaignFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_imports_of_the_same_days_store_each_day_once(admin_user, marketer):
    CampaignFactory(name="RO panels", currency="RON")
    rows = [
        {"campaign": "RO panels", "date": f"2026-01-{day:02d}", "amount": str(100 + day)}
        for day in range(1, 29)
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def run(user):
        try:
            barrier.wait()
            outcomes.append(campaign_spend_import(user=user, raw_rows=rows).created)
        except Exception as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in (admin_user, marketer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == [28, 28]
    assert CampaignSpend.objects.count() == 28
