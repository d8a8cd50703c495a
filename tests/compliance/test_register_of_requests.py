"""The request register: deadlines and overdue, the status flow and its trail, and who may
see and act (admins only)."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.compliance import services
from galena.compliance.models import (
    DataRequest,
    DataRequestEvent,
    RequestAction,
    RequestKind,
    RequestStatus,
)
from galena.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def actions(item) -> list[str]:
    return list(item.events.values_list("action", flat=True))


# --- deadlines --------------------------------------------------------------------------


def test_the_deadline_counts_from_receipt_with_the_configured_days(make_request, settings):
    settings.COMPLIANCE_REQUEST_DAYS = 45

    item = make_request(days_ago=5)

    assert item.due_at == item.received_at + dt.timedelta(days=45)


def test_an_open_request_past_its_deadline_is_overdue_a_closed_one_is_not(make_request, admin_user):
    late = make_request(days_ago=31)
    fresh = make_request(days_ago=29)
    closed = make_request(days_ago=40)
    services.request_complete(actor=admin_user, data_request=closed, outcome="Report sent.")
    closed.refresh_from_db()

    assert late.is_overdue is True
    assert fresh.is_overdue is False
    assert closed.is_overdue is False


def test_the_list_highlights_overdue_requests_and_filters_them(client, admin_user, make_request):
    late = make_request(days_ago=31, email="late@example.org")
    make_request(days_ago=1, email="fresh@example.org")
    client.force_login(admin_user)

    everything = client.get(reverse("compliance-requests"))
    overdue = client.get(reverse("compliance-requests"), {"status": "overdue"})

    assert everything.status_code == 200
    assert "1 request is past its deadline." in everything.text
    assert everything.text.count('class="is-overdue"') == 1
    assert "late@example.org" in everything.text and "fresh@example.org" in everything.text
    assert "late@example.org" in overdue.text and "fresh@example.org" not in overdue.text
    assert [r.pk for r in overdue.context["rows"]] == [late.pk]


def test_the_list_filters_by_kind_and_text(client, admin_user, make_request):
    make_request(kind=RequestKind.ERASE, email="erase@example.org")
    make_request(kind=RequestKind.ACCESS, email="access@example.org")
    client.force_login(admin_user)

    by_kind = client.get(reverse("compliance-requests"), {"kind": "erase"})
    by_text = client.get(reverse("compliance-requests"), {"q": "access@"})

    assert [r.email for r in by_kind.context["rows"]] == ["erase@example.org"]
    assert [r.email for r in by_text.context["rows"]] == ["access@example.org"]


def test_the_list_takes_the_same_queries_for_one_or_many_requests(client, admin_user, make_request):
    client.force_login(admin_user)
    make_request()
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("compliance-requests"))
    for number in range(10):
        item = make_request(email=f"p{number}@example.org")
        services.request_take(actor=admin_user, data_request=item)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("compliance-requests"))

    assert len(many) == len(one)


# --- the status flow ----------------------------------------------------------------------


def test_taking_a_verified_request_puts_it_in_progress(make_request, admin_user):
    item = make_request()

    services.request_take(actor=admin_user, data_request=item)

    item.refresh_from_db()
    assert item.status == RequestStatus.IN_PROGRESS and item.handler == admin_user
    taken = item.events.get(action=RequestAction.TAKEN)
    assert taken.actor == admin_user and taken.occurred_at is not None


def test_an_unverified_request_cannot_be_carried_out_or_done(make_request, admin_user):
    item = make_request(verified=False, kind=RequestKind.ERASE)
    before = actions(item)

    with pytest.raises(ValidationFailed, match="not verified"):
        services.request_fulfil(actor=admin_user, data_request=item)
    with pytest.raises(ValidationFailed, match="not verified"):
        services.request_complete(actor=admin_user, data_request=item, outcome="Erased.")

    item.refresh_from_db()
    assert item.status == RequestStatus.NEW
    assert actions(item) == before


def test_staff_can_verify_the_identity_another_way(make_request, admin_user):
    item = make_request(verified=False)

    services.request_mark_verified(
        actor=admin_user, data_request=item, how="Called back the number on file."
    )

    item.refresh_from_db()
    assert item.status == RequestStatus.VERIFIED and item.verified_at is not None
    event = item.events.get(action=RequestAction.VERIFIED)
    assert event.actor == admin_user and event.text == "Called back the number on file."


def test_done_needs_an_outcome_and_records_it(make_request, admin_user):
    item = make_request()
    with pytest.raises(ValidationFailed):
        services.request_complete(actor=admin_user, data_request=item, outcome="  ")

    services.request_complete(actor=admin_user, data_request=item, outcome="Report sent.")

    item.refresh_from_db()
    assert item.status == RequestStatus.DONE and item.outcome == "Report sent."
    assert item.closed_at is not None and item.handler == admin_user
    assert actions(item)[-1] == RequestAction.DONE


def test_a_refused_request_is_closed_and_can_be_reopened(make_request, admin_user):
    item = make_request(verified=False)

    services.request_refuse(actor=admin_user, data_request=item, reason="Never confirmed.")
    item.refresh_from_db()
    assert item.status == RequestStatus.REFUSED
    with pytest.raises(ValidationFailed, match="closed"):
        services.request_take(actor=admin_user, data_request=item)

    services.request_reopen(actor=admin_user, data_request=item, reason="They wrote back.")

    item.refresh_from_db()
    assert item.status == RequestStatus.NEW and item.closed_at is None


def test_extending_moves_the_deadline_and_records_before_and_after(make_request, admin_user):
    item = make_request(days_ago=25)
    before = item.due_at

    services.request_extend(actor=admin_user, data_request=item, days=30, reason="Many records.")

    item.refresh_from_db()
    assert item.due_at == before + dt.timedelta(days=30)
    event = item.events.get(action=RequestAction.EXTENDED)
    assert event.text == "Many records." and event.params["before"] == before.isoformat()


def test_rectification_is_done_by_hand_not_carried_out(make_request, admin_user):
    item = make_request(kind=RequestKind.RECTIFY)

    with pytest.raises(ValidationFailed, match="lead card"):
        services.request_fulfil(actor=admin_user, data_request=item)

    assert not item.events.filter(action=RequestAction.FULFILLED).exists()


@pytest.mark.parametrize("role", ["head", "manager", "telemarketer", "marketer"])
def test_only_admins_handle_requests(request, role, make_request):
    user = request.getfixturevalue(role)
    item = make_request()
    count = DataRequestEvent.objects.count()

    with pytest.raises(PermissionDenied):
        services.request_take(actor=user, data_request=item)
    with pytest.raises(PermissionDenied):
        services.request_note(actor=user, data_request=item, text="x")
    with pytest.raises(PermissionDenied):
        services.request_create(actor=user, kind="access", email="x@example.org")

    assert DataRequestEvent.objects.count() == count
    assert DataRequest.objects.count() == 1


# --- the pages ------------------------------------------------------------------------------


def test_an_admin_registers_a_request_received_by_letter(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        reverse("compliance-request-new"),
        {"kind": "restrict", "email": "", "phone": "+40 721 234 567", "details": "Letter"},
    )

    item = DataRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("compliance-request", args=[item.pk])
    assert item.phone == "+40721234567" and item.status == RequestStatus.NEW
    assert item.events.get().actor == admin_user


def test_a_request_without_email_or_phone_is_refused(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("compliance-request-new"), {"kind": "access"})

    assert response.status_code == 400
    assert DataRequest.objects.count() == 0


def test_every_action_from_the_page_is_recorded_with_who_and_when(client, admin_user, make_request):
    item = make_request(verified=False)
    client.force_login(admin_user)
    url = reverse("compliance-request-act", args=[item.pk])

    client.post(url, {"action": "verify", "verify-text": "Passport seen at the office."})
    client.post(url, {"action": "take"})
    client.post(url, {"action": "note", "note-text": "Asked for the 2023 records too."})
    client.post(url, {"action": "extend", "extend-days": "10", "extend-text": "Archive."})
    done = client.post(url, {"action": "done", "close-text": "Report handed over."})

    assert done.status_code == 302
    item.refresh_from_db()
    assert item.status == RequestStatus.DONE and item.outcome == "Report handed over."
    events = list(item.events.all())
    assert [e.action for e in events] == [
        "received",
        "verified",
        "taken",
        "note",
        "extended",
        "done",
    ]
    assert all(e.actor == admin_user for e in events)
    detail = client.get(reverse("compliance-request", args=[item.pk]))
    assert "Asked for the 2023 records too." in detail.text
    assert "Report handed over." in detail.text


def test_a_refused_step_on_the_page_says_why_and_changes_nothing(client, admin_user, make_request):
    item = make_request(verified=False)
    client.force_login(admin_user)

    response = client.post(
        reverse("compliance-request-act", args=[item.pk]),
        {"action": "done", "close-text": "Erased."},
    )

    assert response.status_code == 400
    assert "not verified" in response.text
    item.refresh_from_db()
    assert item.status == RequestStatus.NEW


@pytest.mark.parametrize("role", ["head", "manager", "telemarketer", "marketer"])
def test_other_roles_are_refused_every_request_page(client, request, role, make_request):
    item = make_request()
    client.force_login(request.getfixturevalue(role))

    pages = [
        client.get(reverse("compliance-requests")),
        client.get(reverse("compliance-request-new")),
        client.get(reverse("compliance-request", args=[item.pk])),
        client.post(reverse("compliance-request-act", args=[item.pk]), {"action": "take"}),
    ]

    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    item.refresh_from_db()
    assert item.handler is None


def test_the_pages_need_a_login(client, make_request):
    item = make_request()

    response = client.get(reverse("compliance-request", args=[item.pk]))

    assert response.status_code == 302 and "/login" in response["Location"]


def test_admins_see_the_link_in_the_menu_others_do_not(client, admin_user, manager):
    client.force_login(admin_user)
    assert reverse("compliance-requests") in client.get(reverse("dashboard")).text
    client.force_login(manager)
    assert reverse("compliance-requests") not in client.get(reverse("dashboard")).text


def test_verified_at_is_set_only_once(make_request, admin_user):
    item = make_request()
    with pytest.raises(ValidationFailed, match="already verified"):
        services.request_mark_verified(actor=admin_user, data_request=item, how="again")
    assert item.events.filter(action=RequestAction.VERIFIED).count() == 1
    assert timezone.now() >= item.verified_at


def test_the_answer_is_emailed_to_the_person_when_asked(
    make_request, admin_user, django_capture_on_commit_callbacks
):
    item = make_request(email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.request_complete(
            actor=admin_user, data_request=item, outcome="Your report is attached.", tell=True
        )

    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "Your report is attached." in mail.outbox[0].body
    assert item.events.get(action=RequestAction.DONE).params == {"told_by_email": True}


def test_no_answer_is_emailed_unless_asked(
    make_request, admin_user, django_capture_on_commit_callbacks
):
    item = make_request(verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_refuse(actor=admin_user, data_request=item, reason="Never confirmed.")

    assert mail.outbox == []


def test_without_an_address_the_answer_cannot_be_emailed(make_request, admin_user):
    item = services.request_create(
        actor=admin_user, kind="access", phone="+40721234567", verified=True
    )

    with pytest.raises(ValidationFailed, match="no e-mail address"):
        services.request_complete(actor=admin_user, data_request=item, outcome="Sent.", tell=True)

    item.refresh_from_db()
    assert item.status == RequestStatus.VERIFIED


def test_the_page_sends_the_answer_when_the_box_is_ticked(
    client, admin_user, make_request, django_capture_on_commit_callbacks
):
    item = make_request(email="ana@example.org")
    client.force_login(admin_user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("compliance-request-act", args=[item.pk]),
            {"action": "done", "close-text": "Handed over.", "tell": "yes"},
        )

    assert len(mail.outbox) == 1 and "Handed over." in mail.outbox[0].body


def test_an_extension_can_tell_the_person_the_new_deadline_and_why(
    make_request, admin_user, django_capture_on_commit_callbacks
):
    item = make_request(email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.request_extend(
            actor=admin_user, data_request=item, days=30, reason="Ten years of records.", tell=True
        )

    item.refresh_from_db()
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    body = mail.outbox[0].body
    assert "Ten years of records." in body and "we will answer by" in body
