"""`galena demo`: the demo business, loaded once, as the lead services would have written it."""

import io
from collections import Counter, defaultdict

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from galena.accounts.models import Profile, Role
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
from galena.leads.services import EDITABLE_FIELDS, Actor, ContactInput, lead_create
from tests.factories import LeadFactory

LEADS = 300


@pytest.fixture(autouse=True)
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def loaded(db):
    return demo("--leads", str(LEADS))


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


def test_demo_banner_prints_the_url_from_port(db, monkeypatch):
    monkeypatch.setenv("PORT", "8765")
    output = demo("--leads", "5")
    assert "http://127.0.0.1:8765" in output
    assert DEMO_PASSWORD in output


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
            assert lead.first_response_at >= lead.assigned_at

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


def test_same_seed_gives_the_same_leads(db):
    demo("--leads", "60", "--seed", "7")
    first = list(Lead.objects.order_by("id").values_list("display_name", "search_text"))

    demo("--leads", "60", "--seed", "7", "--reset")
    again = list(Lead.objects.order_by("id").values_list("display_name", "search_text"))

    demo("--leads", "60", "--seed", "8", "--reset")
    other = list(Lead.objects.order_by("id").values_list("display_name", "search_text"))

    assert first == again
    assert first != other
    assert DemoLoad.objects.get().seed == 8


def test_demo_refuses_a_database_with_other_leads(db):
    LeadFactory()

    with pytest.raises(CommandError, match="already holds 1 leads"):
        demo("--leads", "5")

    assert not DemoLoad.objects.exists()
    assert Lead.objects.count() == 1


def test_demo_starts_the_server_unless_told_not_to(db, monkeypatch):
    from galena.core.management.commands import serve

    started = []
    monkeypatch.setattr(serve.GalenaServer, "run", lambda self: started.append(self.cfg.bind))

    call_command("demo", "--leads", "5", "--port", "8123", stdout=io.StringIO())

    assert started == [["127.0.0.1:8123"]]


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
