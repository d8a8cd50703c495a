"""Where notifications come from in the apps before routing: a lead given an owner
(leads' LEAD_ASSIGNED_HOOKS), a lead turning hot later (scoring), a repeat inquiry
(intake with matching)."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from galena.leads.models import Temperature
from galena.leads.services import Actor, ContactInput, lead_assign, lead_create
from galena.notifications.models import Notification
from galena.scoring.models import RuleKind, ScoreRule, ScoreSettings, TrackedKind
from galena.scoring.services import leads_scores_recompute, scores_decay_sweep
from galena.scoring.tracking import EventInput, events_record
from tests.factories import LeadFactory
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401
from tests.matching.test_stage import existing_lead, submit


def kinds_of(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


# --- assignment -------------------------------------------------------------------------


def test_a_lead_created_for_someone_else_tells_them(head, manager):
    lead = lead_create(
        actor=Actor(user=head),
        data={"first_name": "Ana", "last_name": "Marin"},
        contacts=[ContactInput(kind="email", value="ana@example.com")],
        owner=manager,
    )

    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.lead) == (
        manager,
        "lead_assigned",
        lead,
    )


def test_a_manager_entering_a_lead_for_themselves_is_not_told(manager):
    lead_create(
        actor=Actor(user=manager),
        data={"first_name": "Ana", "last_name": "Marin"},
        contacts=[ContactInput(kind="email", value="ana@example.com")],
    )

    assert not Notification.objects.exists()


def test_assigning_a_hot_lead_tells_the_owner_both(head, manager, team):
    lead = LeadFactory(team=team, temperature=Temperature.HOT)

    lead_assign(actor=Actor(user=head), lead=lead, owner=manager, reason="speaks Finnish")

    assert kinds_of(manager) == ["hot_lead", "lead_assigned"]
    assigned = Notification.objects.get(kind="lead_assigned")
    assert assigned.params == {"reason": "speaks Finnish"}


def test_the_system_assigning_tells_the_owner(manager, team):
    lead = LeadFactory(team=team)

    lead_assign(actor=Actor.system(), lead=lead, owner=manager)

    assert kinds_of(manager) == ["lead_assigned"]


def test_unassigning_tells_nobody(head, manager, team):
    lead = LeadFactory(team=team, owner=manager)

    lead_assign(actor=Actor(user=head), lead=lead, owner=None)

    assert not Notification.objects.exists()


def test_the_assignment_e_mail_is_sent_once(
    head, manager, team, django_capture_on_commit_callbacks
):
    from galena.notifications.tasks import notifications_email

    lead = LeadFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):
        lead_assign(actor=Actor(user=head), lead=lead, owner=manager)
    notification = Notification.objects.get()

    assert notifications_email([notification.pk]) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"{lead} is now yours"


# --- hot later (scoring) ------------------------------------------------------------------


@pytest.fixture
def hot_rule(db):
    ScoreRule.objects.all().delete()
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(half_life_days=10, warm_threshold=20, hot_threshold=40)
    return ScoreRule.objects.create(
        name="Opened the payment page",
        kind=RuleKind.BEHAVIOUR,
        event_kind=TrackedKind.PAGE_VIEW,
        conditions=[{"field": "category", "operator": "eq", "value": "payment"}],
        points=5,
        hot_signal=True,
    )


def payment_view():
    return EventInput(
        kind=TrackedKind.PAGE_VIEW,
        category="payment",
        url="https://shop.example.com/pay",
        occurred_at=timezone.now(),
    )


def test_a_lead_turning_hot_later_tells_its_owner(hot_rule, manager, team):
    lead = LeadFactory(team=team, owner=manager)

    events_record(events=[payment_view()], lead=lead)

    lead.refresh_from_db()
    assert lead.temperature == Temperature.HOT
    notification = Notification.objects.get()
    assert (notification.user, notification.kind, notification.params) == (
        manager,
        "hot_lead",
        {"signal": "Opened the payment page"},
    )


def test_a_lead_without_an_owner_turning_hot_tells_nobody(hot_rule, team):
    lead = LeadFactory(team=team)

    events_record(events=[payment_view()], lead=lead)

    lead.refresh_from_db()
    assert lead.temperature == Temperature.HOT
    assert not Notification.objects.exists()


def test_a_recompute_after_a_rule_edit_tells_nobody(manager, team, hot_rule):
    ScoreRule.objects.create(
        name="Everyone",
        kind=RuleKind.PROFILE,
        conditions=[{"field": "channel", "operator": "eq", "value": "landing_page"}],
        points=50,
    )
    lead = LeadFactory(team=team, owner=manager)

    leads_scores_recompute(lead_ids=[lead.pk])

    lead.refresh_from_db()
    assert lead.temperature == Temperature.HOT
    assert not Notification.objects.exists()


def test_the_decay_sweep_tells_the_owner_of_a_lead_it_makes_hot(hot_rule, manager, team):
    from galena.scoring.models import LeadScore

    lead = LeadFactory(team=team, owner=manager, temperature=Temperature.COLD)
    # a hot signal stored but not yet applied to the lead's snapshot
    LeadScore.objects.create(
        lead=lead,
        hot_until=timezone.now() + dt.timedelta(days=1),
        hot_reason="Opened the payment page",
    )

    assert scores_decay_sweep() == 1

    assert kinds_of(manager) == ["hot_lead"]


# --- repeat inquiry ------------------------------------------------------------------------


@pytest.mark.usefixtures("commit_callbacks_run")
def test_a_repeat_inquiry_tells_the_owner(form, manager):
    lead = existing_lead(
        owner=manager,
        first_name="Александр",
        last_name="Иванов",
        contacts=[("email", "a.ivanov@mail.ru")],
    )

    submit(form, {"name": "Sasha Ivanov", "email": "A.Ivanov@mail.ru"})

    notification = Notification.objects.get(kind="repeat_inquiry")
    assert (notification.user, notification.lead) == (manager, lead)
    assert notification.params == {"channel": form.channel}


@pytest.mark.usefixtures("commit_callbacks_run")
def test_a_repeat_inquiry_on_a_lead_without_an_owner_tells_nobody(form):
    existing_lead(
        first_name="Александр", last_name="Иванов", contacts=[("email", "a.ivanov@mail.ru")]
    )

    submit(form, {"name": "Sasha Ivanov", "email": "A.Ivanov@mail.ru"})

    assert not Notification.objects.filter(kind="repeat_inquiry").exists()
