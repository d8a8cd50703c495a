"""The audit log: real exports write their entries (who, when, how many, which filter, from
where); only admins read the log."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.compliance import audit
from galena.compliance.models import AuditEntry
from galena.intake.models import ImportJob
from galena.leads.models import Source
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def test_a_lead_export_writes_who_how_many_which_filter_and_from_where(client, manager, colleague):
    mine = LeadFactory.create_batch(2, owner=manager)
    theirs = LeadFactory(owner=colleague)
    client.force_login(manager)

    response = client.post(
        reverse("lead-bulk"),
        {
            "ids": [lead.pk for lead in [*mine, theirs]],
            "action": "export_csv",
            "query": "q=ana%40example.org&stage=new",
        },
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    entry = AuditEntry.objects.get()
    assert entry.actor == manager
    assert entry.action == "bulk_export" and entry.object_type == "leads.Lead"
    assert entry.count == 2  # what was exported: the colleague's lead is out of sight
    assert entry.params == {
        "format": "csv",
        "ticked": 3,
        "filter": {"q": "ana@example.org", "stage": "new"},
    }
    assert entry.ip == "203.0.113.7"
    assert entry.path == reverse("lead-bulk")
    assert timezone.now() - entry.occurred_at < dt.timedelta(minutes=1)


def test_an_xlsx_export_is_recorded_too(client, manager):
    LeadFactory(owner=manager)
    client.force_login(manager)

    client.post(
        reverse("lead-bulk"),
        {"ids": [LeadFactory(owner=manager).pk], "action": "export_xlsx", "query": ""},
    )

    entry = AuditEntry.objects.get()
    assert (entry.params["format"], entry.count) == ("xlsx", 1)


def test_a_bulk_action_that_is_not_an_export_writes_no_entry(client, head, manager, team):
    lead = LeadFactory(owner=manager, team=team)
    client.force_login(head)

    client.post(
        reverse("lead-bulk"),
        {"ids": [lead.pk], "action": "assign", "owner": manager.pk, "note": ""},
    )

    assert AuditEntry.objects.count() == 0


def test_downloading_an_imports_problems_is_recorded(client, head, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.INTAKE_IMPORT_IN_THREAD = False
    source = Source.objects.create(name="Fair", channel="exhibition")
    client.force_login(head)
    client.post(
        reverse("import-start"),
        {
            "file": SimpleUploadedFile(
                "fair.csv",
                b"Name;E-mail\nAna;ana@example.org\nPablo;pablo@\n",
                content_type="text/csv",
            ),
            "source": source.pk,
            "encoding": "auto",
            "delimiter": "",
        },
    )
    job = ImportJob.objects.get()
    mapping = {f"column-{i}": target for i, target in enumerate(job.mapping)}
    client.post(reverse("import-job-action", args=[job.pk]), {**mapping, "action": "dry_run"})

    response = client.get(reverse("import-job-errors", args=[job.pk]))

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.actor == head and entry.action == "bulk_export"
    assert entry.object_type == "intake.ImportJob problems"
    assert entry.count == 1
    assert entry.params == {"import_job": job.pk, "dry_run": True}


def test_a_refused_download_writes_no_entry(client, manager, db):
    client.force_login(manager)

    response = client.get(reverse("import-job-errors", args=[1]))

    assert response.status_code == 403
    assert AuditEntry.objects.count() == 0


# --- the page ------------------------------------------------------------------------------


def test_admins_read_the_log_and_filter_it(client, admin_user, manager, head):
    audit.record(actor=manager, action=audit.BULK_EXPORT, object_type="leads.Lead", count=40)
    audit.record(actor=head, action=audit.ERASURE, object_type="leads.Lead", count=1)
    client.force_login(admin_user)

    everything = client.get(reverse("compliance-audit"))
    by_action = client.get(reverse("compliance-audit"), {"action": "erasure"})
    by_actor = client.get(reverse("compliance-audit"), {"actor": manager.pk})

    assert everything.status_code == 200
    assert [e.action for e in everything.context["rows"]] == ["erasure", "bulk_export"]
    assert [e.actor for e in by_action.context["rows"]] == [head]
    assert [e.count for e in by_actor.context["rows"]] == [40]


def test_the_log_filters_by_day(client, admin_user, manager):
    old = audit.record(actor=manager, action=audit.BULK_EXPORT, object_type="leads.Lead", count=1)
    AuditEntry.objects.filter(pk=old.pk).update(occurred_at=timezone.now() - dt.timedelta(days=10))
    audit.record(actor=manager, action=audit.BULK_EXPORT, object_type="leads.Lead", count=2)
    client.force_login(admin_user)
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    response = client.get(reverse("compliance-audit"), {"since": since})

    assert [e.count for e in response.context["rows"]] == [2]


@pytest.mark.parametrize("role", ["head", "manager", "telemarketer", "marketer"])
def test_other_roles_are_refused_the_log(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("compliance-audit")).status_code == 403


def test_a_report_export_is_recorded_and_the_page_itself_is_not(client, admin_user):
    client.force_login(admin_user)
    period = {"from": "2026-01-01", "to": "2026-01-31"}

    client.get("/analytics/funnel/", period)
    assert AuditEntry.objects.count() == 0
    response = client.get("/analytics/funnel/", {**period, "format": "xlsx"})

    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.object_type) == (
        admin_user,
        "bulk_export",
        "analytics.funnel",
    )
    assert entry.params == {"format": "xlsx", **period}


def test_the_log_takes_the_same_queries_for_one_or_many_entries(client, admin_user, manager):
    client.force_login(admin_user)
    audit.record(actor=manager, action=audit.BULK_EXPORT, object_type="leads.Lead", count=1)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("compliance-audit"))
    for number in range(10):
        actor = manager if number % 2 else admin_user
        audit.record(actor=actor, action=audit.BULK_VIEW, object_type="leads.Lead", count=number)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("compliance-audit"))

    assert len(many) == len(one)
