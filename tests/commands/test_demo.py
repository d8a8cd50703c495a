"""`galena demo`: the demo business, loaded once, as the lead services would have written it."""

import datetime as dt
import io
import os
import statistics
from collections import Counter, defaultdict
from unittest import mock

import phonenumbers
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from galena.accounts.models import Profile, Role
from galena.demo import catalogue as cat
from galena.demo.catalogue import DEMO_PASSWORD
from galena.demo.models import DemoLoad
from galena.leads.models import (
    ActorSource,
    CampaignSpend,
    Channel,
    ContactKind,
    ContactPoint,
    EventType,
    Lead,
    LeadEvent,
    OfflineEvent,
    Source,
    StageKind,
    Task,
)
from galena.leads.normalise import normalise_contact
from galena.leads.selectors import SENT_TO_SALES
from galena.leads.services import EDITABLE_FIELDS, Actor, ContactInput, lead_create
from galena.notifications.models import Notification, NotificationKind
from galena.routing import sla_rules
from galena.routing.calendar import business_hours_errors, zone
from galena.routing.models import (
    Absence,
    Holiday,
    RoutingMember,
    RoutingRule,
    SlaClock,
    SlaStatus,
    TargetKind,
    TeamRouting,
)
from galena.routing.rules import condition_errors, target_errors

LEADS = 300


def demo(*args: str) -> str:
    out = io.StringIO()
    # with SITE_URL given, the command leaves it (and this process's environment) alone
    with mock.patch.dict(os.environ, {"SITE_URL": settings.SITE_URL}):
        call_command("demo", "--no-serve", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded_once(module_db):
    return demo("--leads", str(LEADS))


@pytest.fixture
def loaded(loaded_once, db):
    """The demo, loaded once for the module; what a test changes is rolled back after it."""
    return loaded_once


def test_demo_creates_a_user_of_every_role_with_the_printed_password(loaded):
    roles = set(Profile.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for profile in Profile.objects.select_related("user"):
        assert profile.user.check_password(DEMO_PASSWORD)
        assert profile.user.username in loaded
    sellers = Profile.objects.filter(role__in=[Role.SALES_MANAGER, Role.TELEMARKETER])
    assert all(p.team_id and p.languages and p.products and p.capacity_per_day for p in sellers)


def test_demo_sources_cover_the_channels_with_campaign_spend(loaded):
    channels = set(Source.objects.values_list("channel", flat=True))
    assert {
        Channel.ORGANIC_SEARCH,
        Channel.PAID_SEARCH,
        Channel.BANNER,
        Channel.SOCIAL,
        Channel.EMAIL_CAMPAIGN,
        Channel.REFERRAL,
        Channel.EXHIBITION,
        Channel.COLD_CALL,
        Channel.QUIZ,
        Channel.CALLBACK,
        Channel.CHAT,
        Channel.PHONE_CALL,
        Channel.BOUGHT_LIST,
    } <= channels
    assert all(Source.objects.filter(channel=Channel.BOUGHT_LIST).values_list("vendor", flat=True))
    assert OfflineEvent.objects.filter(source__channel=Channel.EXHIBITION).exists()
    assert set(CampaignSpend.objects.values_list("currency", flat=True)) == {"EUR", "RON", "RUB"}
    assert not CampaignSpend.objects.filter(amount__lte=0).exists()


def test_demo_leads_have_valid_normalised_contact_points(loaded):
    assert Lead.objects.count() == LEADS
    points = list(ContactPoint.objects.select_related("lead"))
    assert points
    primaries = Counter((p.lead_id, p.kind) for p in points if p.is_primary)
    assert set(primaries.values()) == {1}
    assert len(primaries) == len({(p.lead_id, p.kind) for p in points})
    for point in points:
        normalised = normalise_contact(point.kind, point.value_raw, region=point.lead.country)
        assert (point.value, point.is_valid) == (normalised.value, normalised.is_valid)
        if not point.is_valid:  # only a mistyped second number, which the checks flag
            assert not point.is_primary
            assert "phone_invalid" in {r["code"] for r in point.lead.quality_reasons}
            continue
        if point.kind == ContactKind.PHONE:
            number = phonenumbers.parse(point.value)
            assert phonenumbers.region_code_for_number(number) == point.lead.country
    assert {lead.country for lead in Lead.objects.all()} == {"RO", "RU", "ES", "FI", "GB", "US"}


def test_demo_lead_matches_what_lead_create_writes(loaded):
    demo_lead = Lead.objects.filter(company_name__gt="").order_by("id").first()
    created = demo_lead.events.get(type=EventType.CREATED)
    points = demo_lead.contact_points.order_by("id")

    lead = lead_create(
        actor=Actor.system(),
        data=created.params["fields"],
        contacts=[ContactInput(kind=p.kind, value=p.value_raw) for p in points],
    )

    assert lead.display_name == demo_lead.display_name
    assert lead.search_text == demo_lead.search_text
    assert list(lead.contact_points.order_by("id").values_list("kind", "value", "is_primary")) == [
        (p.kind, p.value, p.is_primary) for p in points
    ]
    assert lead.events.get(type=EventType.CREATED).params == created.params
    assert set(created.params["fields"]) <= set(EDITABLE_FIELDS)


def test_demo_lead_timestamps_follow_the_story(loaded):
    now = timezone.now()
    events = defaultdict(list)
    for event in LeadEvent.objects.order_by("occurred_at", "id"):
        events[event.lead_id].append(event)
    tasks = defaultdict(list)
    for task in Task.objects.all():
        tasks[task.lead_id].append(task)

    for lead in Lead.objects.select_related("stage"):
        story = events[lead.pk]
        assert story[0].type == EventType.CREATED
        assert story[0].occurred_at == lead.created_at
        assert all(lead.created_at <= e.occurred_at <= now for e in story)
        assert lead.updated_at == story[-1].occurred_at
        assigned = [e for e in story if e.type == EventType.ASSIGNED]
        assert bool(assigned) == (lead.owner_id is not None)
        if assigned:
            assert assigned[-1].params["to"] == lead.owner_id
            assert lead.assigned_at == assigned[-1].occurred_at >= lead.created_at
            assert lead.team_id == lead.owner.profile.team_id
        done = [t.done_at for t in tasks[lead.pk] if t.done_at]
        assert lead.first_response_at == (min(done) if done else None)
        if lead.first_response_at:
            assert lead.first_response_at >= assigned[0].occurred_at
        handed = [e for e in story if e.type == EventType.HANDED_OFF]
        assert bool(handed) == (lead.original_owner_id is not None)
        if handed:  # a telemarketer's qualified lead, passed on to sales
            (event,) = handed
            assert event.params["from"] == event.actor_id == lead.original_owner_id
            assert event.params["to"] == lead.owner_id
            assert lead.handed_off_at == event.occurred_at <= lead.assigned_at
            assert lead.qualified_at <= lead.handed_off_at

        moves = [e for e in story if e.type == EventType.STAGE_CHANGED]
        codes = ["new"] + [e.params["to"] for e in moves]
        assert [e.params["from"] for e in moves] == codes[:-1]
        assert codes[-1] == lead.stage.code
        assert (lead.converted_at is not None) == (lead.stage.kind == StageKind.WON)
        assert (lead.rejected_at is not None) == (lead.stage.kind == StageKind.LOST)
        assert (lead.qualified_at is not None) == ("qualified" in codes)
        if lead.stage.kind == StageKind.DEFERRED:
            assert lead.recontact_at is not None
        if lead.converted_at:
            assert lead.converted_at == moves[-1].occurred_at >= lead.first_response_at


def test_demo_events_name_their_actor_and_tasks(loaded):
    task_ids = set(Task.objects.values_list("id", flat=True))
    events = list(LeadEvent.objects.all())
    types = {e.type for e in events}
    assert {
        EventType.CREATED,
        EventType.ASSIGNED,
        EventType.STAGE_CHANGED,
        EventType.TASK_CREATED,
        EventType.TASK_COMPLETED,
        EventType.NOTE_ADDED,
    } <= types
    for event in events:
        assert event.actor_source in ActorSource.values
        if event.type in (EventType.TASK_CREATED, EventType.TASK_COMPLETED):
            assert event.params["task_id"] in task_ids
            assert event.actor_id is not None
        if event.actor_source in (ActorSource.WEB_FORM, ActorSource.RULE, ActorSource.SYSTEM):
            assert event.actor_id is None
    stages = Counter(Lead.objects.values_list("stage__code", flat=True))
    assert stages["in_work"] + stages["new"] > stages["converted"] > 0
    assert Task.objects.filter(done_at__isnull=True, due_at__lt=timezone.now()).exists()
    assert Task.objects.filter(done_at__isnull=False).exclude(outcome="").exists()


def test_demo_routing_rules_calendars_and_members_are_valid(loaded):
    rules = list(RoutingRule.objects.order_by("order", "id"))
    assert [r.name for r in rules[:-1]] == [r.name for r in cat.ROUTING_RULES]
    assert rules[-1].conditions == [] and rules[-1].target_kind == TargetKind.QUEUE
    for rule in rules:
        assert condition_errors(rule.conditions) == ""
        assert target_errors(rule.target_kind, rule.user_id, rule.team_id) == {}
    assert {r.strategy for r in rules if r.target_kind == TargetKind.TEAM} == {
        "round_robin",
        "weighted",
        "least_loaded",
        "skills",
    }
    assert RoutingRule.objects.get(target_kind=TargetKind.USER).user.profile.role == (
        Role.SALES_MANAGER
    )

    routing = {r.team.name: r for r in TeamRouting.objects.select_related("team")}
    assert set(routing) == {"East", "South", "North"}
    assert all(business_hours_errors(r.business_hours) == "" for r in routing.values())
    holidays = Counter(Holiday.objects.values_list("team__name", flat=True))
    assert set(holidays) == {"East", "South", "North"}
    assert not Holiday.objects.filter(team__isnull=True).exists()

    sellers = Profile.objects.filter(role__in=[Role.SALES_MANAGER, Role.TELEMARKETER])
    members = {m.user_id: m for m in RoutingMember.objects.all()}
    assert set(members) == set(sellers.values_list("user_id", flat=True))
    assert sorted(m.weight for m in members.values())[-2:] == [1, 2]
    assert sum(m.last_sequence > 0 for m in members.values()) > len(members) // 2
    (absence,) = Absence.objects.select_related("user__profile")
    assert absence.user.profile.role == Role.SALES_MANAGER
    assert absence.starts_at <= timezone.now() < absence.ends_at
    # nobody gives a lead to a manager on leave
    assert not Lead.objects.filter(owner=absence.user, assigned_at__gte=absence.starts_at).exists()


def test_demo_sla_clocks_follow_the_leads_history(loaded):
    now = timezone.now()
    calendars = {
        r.team_id: sla_rules.Calendar(
            hours=r.business_hours,
            tz=zone(r.team.time_zone),
            holidays=frozenset(r.team.holidays.values_list("date", flat=True)),
        )
        for r in TeamRouting.objects.select_related("team")
    }
    leads = Lead.objects.select_related("sla_clock__policy", "owner", "stage")
    for_sales = leads.filter(quality_status__in=SENT_TO_SALES, merged_into__isnull=True)
    assert SlaClock.objects.count() == for_sales.count()
    held = leads.exclude(quality_status__in=SENT_TO_SALES)
    assert not held.filter(response_due_at__isnull=False).exists()

    for lead in for_sales:
        clock = lead.sla_clock
        policy = sla_rules.policy_spec(clock.policy)
        deadline = sla_rules.deadline_for(policy, clock.started_at, calendars[lead.team_id])
        if (clock.due_at, clock.warn_at) != (deadline.due_at, deadline.warn_at):
            # an unanswered lead the demo's scoring turned warmer after its clock started:
            # the stricter policy's deadline counted from then (routing.sla.leads_sla_tighten)
            latest = sla_rules.deadline_for(policy, now, calendars[lead.team_id])
            assert clock.met_at is None and clock.breached_at is None
            assert deadline.due_at < clock.due_at <= latest.due_at
        assert clock.started_at >= lead.created_at and clock.due_at > clock.started_at
        left_unanswered = clock.met_at is None and lead.stage.kind != "open"
        assert lead.response_due_at == (None if left_unanswered else clock.due_at)
        assert clock.met_at == lead.first_response_at
        if clock.met_at is not None:
            assert clock.met_by in ("call", "email") and clock.next_check_at is None
            late = clock.met_at > clock.due_at
            assert clock.breached_at == (clock.due_at if late else None)
            assert clock.escalation_step == int(late)
        elif clock.breached_at is not None:
            assert clock.breached_at == clock.due_at < now
            assert clock.escalation_step >= sla_rules.Escalated.REMINDED
        if clock.next_check_at is not None:  # live work for the running sweep
            assert clock.met_at is None and clock.next_check_at >= clock.started_at

    clocks = list(SlaClock.objects.select_related("policy"))
    fresh = [c for c in clocks if c.next_check_at and c.started_at > now - dt.timedelta(hours=1)]
    assert any(c.policy.response_minutes == 5 and c.due_at > now for c in fresh)
    # old leads nobody answered went up the whole chain, or their chain is over
    assert any(c.escalation_step == sla_rules.Escalated.ALERTED for c in clocks)
    assert not [c for c in clocks if c.next_check_at and c.due_at < now - dt.timedelta(days=3)]


def test_demo_first_responses_are_fast_and_slow_managers_breach_more(loaded):
    clocks = list(SlaClock.objects.select_related("policy", "lead__owner"))
    hot = [c for c in clocks if c.met_at and c.policy.response_minutes == 5]
    minutes = statistics.median((c.met_at - c.started_at).total_seconds() / 60 for c in hot)
    assert minutes < 5
    judged = [c for c in clocks if c.status != SlaStatus.DUE]
    met = [c for c in judged if c.status == SlaStatus.MET]
    assert len(met) > 0.7 * len(judged)

    def within(clocks):
        return sum(c.status == SlaStatus.MET for c in clocks) / len(clocks)

    owned = [c for c in judged if c.lead.owner_id]
    slow = {name for name, pace in cat.RESPONSE_PACE.items() if pace > 1}
    slow_ones = [c for c in owned if c.lead.owner.username in slow]
    rest = [c for c in owned if c.lead.owner.username not in slow]
    assert within(slow_ones) < within(rest) - 0.1


def test_demo_users_find_notifications_of_the_last_day(loaded):
    now = timezone.now()
    notices = list(Notification.objects.select_related("user__profile", "lead"))
    assert all(n.created_at <= now and not n.email_wanted and n.in_app for n in notices)
    assert all(n.read_at is None or n.created_at <= n.read_at <= now for n in notices)
    unread = [n for n in notices if n.read_at is None]
    assert all(n.created_at > now - dt.timedelta(days=1) for n in unread)
    assert {NotificationKind.LEAD_ASSIGNED, NotificationKind.HOT_LEAD} <= {n.kind for n in unread}
    roles = {n.user.profile.role for n in unread}
    assert {Role.SALES_MANAGER, Role.HEAD_OF_SALES} <= roles
    for notice in notices:
        if notice.kind in (NotificationKind.LEAD_ASSIGNED, NotificationKind.HOT_LEAD):
            assert notice.lead.owner_id == notice.user_id or notice.lead.handed_off_at
        if notice.kind in (NotificationKind.QUEUE_ALERT, NotificationKind.SLA_ESCALATED):
            assert notice.user.profile.role == Role.HEAD_OF_SALES


def test_rerunning_demo_keeps_the_data(loaded):
    counts = (Lead.objects.count(), LeadEvent.objects.count(), get_user_model().objects.count())

    output = demo("--leads", str(LEADS))

    assert "already loaded" in output
    assert (
        Lead.objects.count(),
        LeadEvent.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    assert DemoLoad.objects.count() == 1


def test_demo_capture_forms_are_valid_and_their_pages_open(loaded, client):
    from galena.intake.models import Form

    forms = {form.slug: form for form in Form.objects.all()}

    assert set(forms) == {"contact", "solar-quiz", "call-me", "expo"}
    for form in forms.values():
        form.full_clean()  # the quiz definition and fields pass the admin's checks
    assert forms["expo"].offline_event is not None
    for slug in ("contact", "solar-quiz", "call-me"):
        assert client.get(f"/f/{slug}/").status_code == 200
    assert "What do you want to power with the sun?" in client.get("/f/solar-quiz/").text


# --- the work on the leads (demo/work.py) and nurture (demo/nurture.py) ------------------


def test_demo_rejected_and_deferred_leads_carry_what_reject_and_defer_write(loaded):
    from galena.leads.models import TaskKind

    rejected = list(
        Lead.objects.filter(stage__kind=StageKind.LOST).select_related("rejection_reason")
    )
    deferred = list(Lead.objects.filter(stage__kind=StageKind.DEFERRED))

    assert rejected and deferred
    assert all(lead.rejection_reason is not None for lead in rejected)
    assert len({lead.rejection_reason.code for lead in rejected}) >= 4  # a mix, not one reason
    assert any(lead.rejection_note for lead in rejected)
    last_move = {}
    for event in LeadEvent.objects.filter(type=EventType.STAGE_CHANGED).order_by(
        "occurred_at", "id"
    ):
        last_move[event.lead_id] = event
    for lead in rejected:
        params = last_move[lead.pk].params
        assert params["rejection_reason"] == lead.rejection_reason.code
        assert params.get("note", "") == lead.rejection_note
    now = timezone.now()
    for lead in deferred:
        params = last_move[lead.pk].params
        assert lead.recontact_at is not None
        assert params["recontact_at"] == lead.recontact_at.isoformat()
        assert lead.recontact_at > last_move[lead.pk].occurred_at
        if lead.owner_id:
            task = Task.objects.get(lead=lead, title="Call back (deferred lead)")
            assert (task.kind, task.due_at, task.assignee_id) == (
                TaskKind.CALL,
                lead.recontact_at,
                lead.owner_id,
            )
    assert any(now < lead.recontact_at < now + dt.timedelta(days=8) for lead in deferred)


def test_demo_calls_emails_offers_and_meetings_are_written_as_the_services_write_them(loaded):
    from django.core.files.storage import default_storage

    from galena.activities.models import EmailStatus, Meeting, SentEmail, Signature
    from galena.leads.models import CallOutcome, TaskKind

    calls = list(LeadEvent.objects.filter(type=EventType.CALL))
    assert calls
    assert {call.params["outcome"] for call in calls} <= set(CallOutcome.values)
    assert all(0 <= call.params["duration_seconds"] <= 3600 for call in calls)

    sent = list(SentEmail.objects.filter(status=EmailStatus.SENT))
    events = {
        event.params["sent_email_id"]: event
        for event in LeadEvent.objects.filter(params__has_key="sent_email_id")
    }
    assert sent
    for email in sent:
        event = events[email.pk]
        assert (event.type, event.lead_id, event.occurred_at) == (
            email.event_type,
            email.lead_id,
            email.sent_at,
        )
        for attachment in email.attachments:
            assert default_storage.exists(
                SentEmail._meta.apps.get_model("activities", "Document")
                .objects.get(pk=attachment["document_id"])
                .file.name
            )
    assert any(email.attachments for email in sent)  # offers with the price lists
    failed = SentEmail.objects.filter(status=EmailStatus.FAILED)
    assert failed.exists() and all(email.error for email in failed)
    assert not LeadEvent.objects.filter(params__sent_email_id__in=[e.pk for e in failed]).exists()

    meetings = list(Meeting.objects.select_related("task"))
    assert meetings
    for meeting in meetings:
        assert meeting.task.kind == TaskKind.MEETING
        assert meeting.task.due_at == meeting.starts_at
        assert LeadEvent.objects.filter(
            type=EventType.MEETING_SCHEDULED, params__meeting_id=meeting.pk
        ).exists()
    assert Signature.objects.filter(user__username="ioana").exists()


def test_demo_my_day_of_a_manager_looks_like_a_working_day(loaded):
    from galena.activities.selectors import my_day

    day = my_day(user=get_user_model().objects.get(username="ioana"))

    assert day.overdue or day.calls or day.today
    assert day.meetings
    assert day.waiting
    assert day.replies


def test_demo_deferred_base_nurture_and_farewell_report_have_content(loaded):
    from galena.nurture.models import (
        DeferredDemand,
        Enrollment,
        FarewellAnswer,
        NurtureMessage,
        Suppression,
    )
    from galena.nurture.selectors import BaseFilters, deferred_base, farewell_report

    admin = get_user_model().objects.get(username="admin")

    assert deferred_base(user=admin, filters=BaseFilters()).total > 0
    assert (
        DeferredDemand.objects.filter(left_at=None).count()
        == Lead.objects.filter(stage__kind__in=(StageKind.LOST, StageKind.DEFERRED)).count()
    )
    assert farewell_report(user=admin).total.answered > 0
    assert (
        FarewellAnswer.objects.count()
        == LeadEvent.objects.filter(type=EventType.FAREWELL_ANSWERED).count()
    )
    assert Enrollment.objects.filter(next_send_at__gt=timezone.now()).exists()
    assert (
        NurtureMessage.objects.count()
        == LeadEvent.objects.filter(type=EventType.NURTURE_SENT).count()
    )
    assert Suppression.objects.exists()
    assert LeadEvent.objects.filter(type=EventType.UNSUBSCRIBED).count() == (
        Suppression.objects.count()
    )
    reactivated = LeadEvent.objects.filter(type=EventType.REACTIVATED)
    assert reactivated.exists()
    for event in reactivated:
        assert Notification.objects.filter(
            lead_id=event.lead_id, kind=NotificationKind.LEAD_REACTIVATED
        ).exists()
        assert Lead.objects.get(pk=event.lead_id).stage.kind == StageKind.OPEN


def test_demo_nothing_happens_before_its_lead_was_created_nor_after_now(loaded):
    from django.db.models import F

    from galena.activities.models import Meeting, SentEmail
    from galena.nurture.models import FarewellAnswer, NurtureMessage

    now = timezone.now()

    assert not LeadEvent.objects.filter(occurred_at__lt=F("lead__created_at")).exists()
    assert not LeadEvent.objects.filter(occurred_at__gt=now).exists()
    assert not Task.objects.filter(created_at__lt=F("lead__created_at")).exists()
    assert not SentEmail.objects.filter(created_at__lt=F("lead__created_at")).exists()
    assert not Meeting.objects.filter(created_at__lt=F("lead__created_at")).exists()
    assert not NurtureMessage.objects.filter(sent_at__lt=F("lead__created_at")).exists()
    assert not FarewellAnswer.objects.filter(answered_at__lt=F("lead__created_at")).exists()


# --- what the other apps make of the demo -----------------------------------------------


def test_the_demo_writes_its_consents_and_unsubscribes_to_the_ledger(loaded):
    """Nurture's consented demo leads may be written to by the ledger's answer too."""
    from galena.consent.models import ConsentRecord
    from galena.nurture.consent import marketing_email_allowed_many
    from galena.nurture.models import Enrollment, EnrollmentStatus

    assert ConsentRecord.objects.filter(purpose="marketing_email", status="given").exists()
    withdrawn = ConsentRecord.objects.filter(status="withdrawn", method="unsubscribe")
    assert withdrawn.count() == LeadEvent.objects.filter(type=EventType.UNSUBSCRIBED).count()
    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).values_list(
        "lead_id", flat=True
    )
    permissions = marketing_email_allowed_many(active)
    refused = {pk: p.reason for pk, p in permissions.items() if not p.allowed}
    # the ledger refuses none of them (a few were suppressed since: the sweep stops those)
    assert permissions and not set(refused.values()) & {"no_consent", "withdrawn", "restricted"}


def test_the_demo_business_has_a_rate_for_every_spend_day(loaded):
    from galena.analytics.cost import cost_table
    from galena.analytics.filters import ReportFilter

    today = timezone.localdate()
    admin = get_user_model().objects.get(profile__role=Role.ADMIN)

    table = cost_table(
        admin,
        ReportFilter(date_from=today - dt.timedelta(days=200), date_to=today, group_by="campaign"),
    )

    assert table.missing_rates == []
    assert set(CampaignSpend.objects.values_list("currency", flat=True)) == {"EUR", "RON", "RUB"}
    assert table.totals["spend"] > 0 and table.totals["leads"] > 0
    assert table.totals["revenue"] > 0


def test_the_demos_won_leads_are_clients_and_a_reset_wipes_them(loaded):
    from galena.clients.models import Account, ClientLead, Contact, Conversion, Deal, DealKind
    from galena.demo.loader import demo_data_wipe

    won = Lead.objects.filter(stage__kind=StageKind.WON, merged_into__isnull=True)
    assert won.exists()
    assert Conversion.objects.count() == won.count() == ClientLead.objects.count()
    assert LeadEvent.objects.filter(type=EventType.CONVERTED).count() == won.count()
    for conversion in Conversion.objects.select_related("lead", "deal", "contact"):
        lead = conversion.lead
        assert conversion.deal.lead_id == lead.pk
        assert conversion.deal.amount == lead.deal_value
        assert conversion.converted_at == lead.converted_at
        assert conversion.contact.owner_id == lead.owner_id
        assert conversion.lead_time.total_seconds() >= 0
        assert conversion.contact.created_at == lead.converted_at  # the demo's history
    names = list(Account.objects.values_list("name", flat=True))
    assert len(names) == len({name.casefold() for name in names})
    assert (
        Account.objects.filter(tax_id="").exists()
        or Account.objects.filter(billing_address="").exists()
    )
    assert Deal.objects.exclude(kind=DealKind.NEW).exists()

    demo_data_wipe()

    assert (Conversion.objects.count(), Contact.objects.count(), Account.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_demo_has_a_register_with_an_overdue_request_and_a_reload_replaces_it(loaded, client):
    from django.urls import reverse

    from galena.compliance.models import DataRequest, RequestStatus
    from galena.demo.loader import demo_data_load, demo_data_wipe

    requests = list(DataRequest.objects.all())
    assert len(requests) == 6
    assert [r.pk for r in requests if r.is_overdue] != []
    assert {r.status for r in requests} == set(RequestStatus.values)
    assert all(r.events.exists() for r in requests)
    handler = next(r.handler for r in requests if r.handler is not None)
    client.force_login(handler)
    page = client.get(reverse("compliance-requests"))
    assert page.status_code == 200 and "past its deadline" in page.text
    # the block done last month was carried out: the person's leads are blocked since then
    from galena.consent.models import Restriction
    from galena.consent.services import is_restricted

    done = next(r for r in requests if r.kind == "restrict" and r.status == "done")
    restriction = Restriction.objects.get(lifted_at__isnull=True)
    assert restriction.requested_at == done.closed_at < timezone.now() - dt.timedelta(days=30)
    blocked = LeadEvent.objects.filter(type="restricted", params__restriction=restriction.pk)
    assert blocked.exists() and {e.occurred_at for e in blocked} == {done.closed_at}
    assert all(is_restricted(event.lead) for event in blocked)

    demo_data_wipe()
    assert DataRequest.objects.count() == 0
    demo_data_load(leads=200, seed=3, progress=False)

    assert DataRequest.objects.count() == 6
