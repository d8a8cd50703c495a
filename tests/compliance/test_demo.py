from django.urls import reverse

from galena.compliance.models import DataRequest, RequestStatus
from galena.demo.loader import demo_data_load, demo_data_wipe


def test_the_demo_has_a_register_with_an_overdue_request_and_a_reload_replaces_it(db, client):
    demo_data_load(leads=200, seed=3, progress=False)

    requests = list(DataRequest.objects.all())
    assert len(requests) == 6
    assert [r.pk for r in requests if r.is_overdue] != []
    assert {r.status for r in requests} == set(RequestStatus.values)
    assert all(r.events.exists() for r in requests)
    admin = next(r.handler for r in requests if r.handler is not None)
    client.force_login(admin)
    page = client.get(reverse("compliance-requests"))
    assert page.status_code == 200 and "past its deadline" in page.text

    demo_data_wipe()
    assert DataRequest.objects.count() == 0
    demo_data_load(leads=200, seed=3, progress=False)

    assert DataRequest.objects.count() == 6
