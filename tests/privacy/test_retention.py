"""Retention: each purpose's period, the dry run's exact plan, the sweep's exact outcome."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from galena.intake.models import Submission
from galena.leads.models import (
    ContactKind,
    ContactPoint,
    Lead,
    LeadEvent,
    QualityStatus,
    Stage,
    StageKind,
)
from galena.matching.models import MatchKey
from galena.privacy.models import ErasedLead, Erasure, RetentionPolicy
from galena.privacy.retention import retention_description, retention_plan, retention_sweep
from tests.factories import ContactPointFactory, LeadFactory

NOW = timezone.now()


def stage(kind):
    return Stage.objects.filter(kind=kind).order_by("order").first()


def aged(days, *, kind=StageKind.OPEN, name="Old", **fields):
    """A lead last changed ``days`` ago (and created then), with an e-mail and a key."""
    when = NOW - dt.timedelta(days=days)
    lead = LeadFactory(first_name=name, last_name="Person", stage=stage(kind), **fields)
    ContactPointFactory(lead=lead, kind=ContactKind.EMAIL, value=f"{name.lower()}@mail.ro")
    MatchKey.objects.create(lead=lead, key=f"n:{name.lower()}")
    LeadEvent.objects.create(lead=lead, type="created", actor_source="system", occurred_at=when)
    extra = {"rejected_at": when} if kind == StageKind.LOST else {}
    if kind == StageKind.WON:
        extra = {"converted_at": when}
    Lead.objects.filter(pk=lead.pk).update(created_at=when, updated_at=when, **extra)
    return lead


@pytest.fixture
def leads(db):
    return {
        "old_rejected": aged(3 * 365 + 1, kind=StageKind.LOST, name="Rejold"),
        "new_rejected": aged(3 * 365 - 1, kind=StageKind.LOST, name="Rejnew"),
        "old_open": aged(2 * 365 + 5, name="Openold"),
        "old_open_recent_event": aged(2 * 365 + 5, name="Openbusy"),
        "new_open": aged(30, name="Opennew"),
        "old_pseudo": aged(91, name="Spam", quality_status=QualityStatus.REJECTED),
        "old_won": aged(6 * 365, kind=StageKind.WON, name="Client"),
        "old_deferred": aged(3 * 365 + 1, kind=StageKind.DEFERRED, name="Deferold"),
        "new_deferred": aged(100, kind=StageKind.DEFERRED, name="Defernew"),
    }


@pytest.fixture
def busy(leads):
    LeadEvent.objects.create(
        lead=leads["old_open_recent_event"], type="call", actor_source="manual", occurred_at=NOW
    )
    return leads


def test_the_defaults_are_seeded(db):
    assert {(p.purpose, p.days, p.is_active) for p in RetentionPolicy.objects.all()} == {
        ("pseudo_leads", 90, True),
        ("rejected_leads", 1095, True),
        ("deferred_leads", 1095, True),
        ("open_leads", 730, True),
        ("converted_leads", 1825, False),
        ("unlinked_submissions", 180, True),
    }


def test_dry_run_names_exactly_the_leads_past_their_period_and_changes_nothing(busy):
    plan = {p.purpose: p for p in retention_plan(now=NOW)}

    assert plan["rejected_leads"].count == 1
    assert [row["pk"] for row in plan["rejected_leads"].sample] == [busy["old_rejected"].pk]
    assert [row["pk"] for row in plan["open_leads"].sample] == [busy["old_open"].pk]
    assert [row["pk"] for row in plan["pseudo_leads"].sample] == [busy["old_pseudo"].pk]
    assert [row["pk"] for row in plan["deferred_leads"].sample] == [busy["old_deferred"].pk]
    assert "converted_leads" not in plan  # off by default
    assert not Erasure.objects.exists()
    assert Lead.objects.get(pk=busy["old_open"].pk).first_name == "Openold"


def test_sweep_depersonalises_exactly_those_leads_and_keeps_their_figures(busy):
    result = retention_sweep(now=NOW, batch_size=1)

    assert result.leads == {
        "rejected_leads": 1,
        "open_leads": 1,
        "pseudo_leads": 1,
        "deferred_leads": 1,
    }
    erased = {busy[k].pk for k in ("old_rejected", "old_open", "old_pseudo", "old_deferred")}
    assert set(ErasedLead.objects.values_list("lead_id", flat=True)) == erased
    for pk in erased:
        lead = Lead.objects.get(pk=pk)
        assert (lead.first_name, lead.last_name, lead.search_text) == ("", "", "")
        assert not MatchKey.objects.filter(lead_id=pk).exists()
        assert ContactPoint.objects.get(lead_id=pk).value.startswith("erased-")
    assert Lead.objects.get(pk=busy["old_rejected"].pk).stage.kind == StageKind.LOST
    for key in ("new_rejected", "old_open_recent_event", "new_open", "old_won", "new_deferred"):
        lead = Lead.objects.get(pk=busy[key].pk)
        assert lead.last_name == "Person"
        assert MatchKey.objects.filter(lead=lead).exists()
    assert Erasure.objects.count() == 4  # one per batch of one
    assert set(Erasure.objects.values_list("origin", flat=True)) == {"retention"}
    assert Erasure.objects.filter(actor__isnull=True).count() == 4


def test_a_second_sweep_finds_nothing_more(busy):
    retention_sweep(now=NOW)

    again = retention_sweep(now=NOW)

    assert again.total == 0
    assert all(p.count == 0 for p in retention_plan(now=NOW))


def test_a_switched_off_purpose_is_left_alone_and_a_switched_on_one_taken(busy):
    RetentionPolicy.objects.filter(purpose="open_leads").update(is_active=False)
    RetentionPolicy.objects.filter(purpose="converted_leads").update(is_active=True)

    result = retention_sweep(now=NOW)

    assert result.leads == {
        "rejected_leads": 1,
        "pseudo_leads": 1,
        "converted_leads": 1,
        "deferred_leads": 1,
    }
    assert Lead.objects.get(pk=busy["old_open"].pk).first_name == "Openold"


def test_unlinked_submissions_lose_their_body_after_their_period(db):
    old = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        raw_body='{"name": "Interest Only", "email": "i@mail.ro"}',
        payload={"name": "Interest Only"},
        remote_addr="203.0.113.5",
        received_at=NOW - dt.timedelta(days=181),
    )
    recent = Submission.objects.create(
        channel="landing_page",
        adapter="capture",
        raw_body='{"name": "Recent"}',
        payload={"name": "Recent"},
        received_at=NOW - dt.timedelta(days=10),
    )

    result = retention_sweep(now=NOW)

    assert result.submissions == 1
    old.refresh_from_db()
    assert (old.raw_body, old.payload, old.remote_addr) == ("", {}, None)
    assert old.channel == "landing_page"
    recent.refresh_from_db()
    assert recent.raw_body == '{"name": "Recent"}'


def test_the_command_dry_run_reports_and_writes_nothing(busy, capsys):
    call_command("privacy", "retention", "--dry-run", "--now", NOW.isoformat())

    out = capsys.readouterr().out
    assert "Rejected leads" in out and "1095" in out
    assert not Erasure.objects.exists()


def test_the_command_sweeps(busy, capsys):
    call_command("privacy", "retention", "--now", NOW.isoformat())

    assert ErasedLead.objects.count() == 4


def test_retention_is_described_for_the_processing_register(db):
    text = retention_description("leads.Lead")
    assert "Rejected leads: 1095 days" in text
    assert "Converted" not in text
    assert "Submissions that made no lead: 180 days" in retention_description("intake.Submission")


def test_the_periodic_task_is_scheduled_daily_and_sweeps(busy, settings):
    from galena.privacy.tasks import retention_sweep as task

    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention"]
    assert (entry["task"], entry["schedule"]) == ("galena.privacy.tasks.retention_sweep", 86400.0)

    outcome = task.apply().get()

    assert outcome == {
        "leads": {"deferred_leads": 1, "open_leads": 1, "pseudo_leads": 1, "rejected_leads": 1},
        "submissions": 0,
    }


def test_the_admin_edits_a_retention_period(client, admin_user):
    policy = RetentionPolicy.objects.get(purpose="rejected_leads")
    client.force_login(admin_user)

    assert client.get("/admin/privacy/retentionpolicy/").status_code == 200
    response = client.post(
        f"/admin/privacy/retentionpolicy/{policy.pk}/change/",
        {"days": "400", "is_active": "on", "note": "Our lawyer's advice"},
    )

    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.days, policy.note) == (400, "Our lawyer's advice")
    assert client.get("/admin/privacy/retentionpolicy/add/").status_code == 403


def test_a_retention_period_of_zero_days_is_refused_in_the_admin(client, admin_user):
    policy = RetentionPolicy.objects.get(purpose="rejected_leads")
    client.force_login(admin_user)

    response = client.post(
        f"/admin/privacy/retentionpolicy/{policy.pk}/change/", {"days": "0", "is_active": "on"}
    )

    assert response.status_code == 200  # the form again, with the error
    policy.refresh_from_db()
    assert policy.days == 1095


def test_the_find_command_lists_where_a_person_is(busy, capsys):
    call_command("privacy", "find", "--email", "rejold@mail.ro")

    out = capsys.readouterr().out
    assert f"Leads [{busy['old_rejected'].pk}]" in out
    assert "Contact details of leads (leads.ContactPoint): 1" in out
