"""Scores stored, refreshed, decayed and rebuilt: the intake stage, the hooks on lead
creation and change, behaviour events, the decay sweep, the full recompute and merges."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galena.intake.models import Submission
from galena.leads.models import (
    ActorSource,
    EventType,
    Lead,
    LeadEvent,
    Temperature,
)
from galena.leads.services import Actor, ContactInput, lead_create, lead_update
from galena.matching.services import leads_merge
from galena.scoring.models import (
    Frequency,
    LeadScore,
    RuleKind,
    ScoreComponent,
    ScoreRule,
    ScoreSettings,
    TrackedEvent,
    TrackedKind,
)
from galena.scoring.services import (
    lead_breakdown,
    lead_events_score,
    lead_score_release,
    leads_scores_recompute,
    recompute_spans,
    scores_decay_sweep,
)
from galena.scoring.tracking import EventInput, events_record, submission_track, visitor_identify

SYSTEM = Actor.system()


@pytest.fixture
def rules(db):
    """A small rule set instead of the seeded one: every figure below is easy to follow."""
    ScoreRule.objects.all().delete()
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(half_life_days=10, warm_threshold=20, hot_threshold=40)
    return {
        "director": ScoreRule.objects.create(
            name="Director",
            kind=RuleKind.PROFILE,
            conditions=[{"field": "position", "operator": "contains", "value": ["director"]}],
            points=15,
        ),
        "callback": ScoreRule.objects.create(
            name="Asked for a call back",
            kind=RuleKind.PROFILE,
            conditions=[{"field": "channel", "operator": "eq", "value": "callback"}],
            points=5,
            hot_signal=True,
        ),
        "pricing": ScoreRule.objects.create(
            name="Viewed the prices",
            kind=RuleKind.BEHAVIOUR,
            event_kind=TrackedKind.PAGE_VIEW,
            conditions=[{"field": "category", "operator": "eq", "value": "pricing"}],
            points=10,
            frequency=Frequency.EACH,
            cap=30,
        ),
        "payment": ScoreRule.objects.create(
            name="Opened the payment page",
            kind=RuleKind.BEHAVIOUR,
            event_kind=TrackedKind.PAGE_VIEW,
            conditions=[{"field": "category", "operator": "eq", "value": "payment"}],
            points=5,
            frequency=Frequency.ONCE,
            hot_signal=True,
        ),
        "again": ScoreRule.objects.create(
            name="Wrote again",
            kind=RuleKind.BEHAVIOUR,
            event_kind=TrackedKind.FORM_SUBMIT,
            points=10,
            frequency=Frequency.EACH,
        ),
    }


def new_lead(**data):
    data = {"first_name": "Ana", "last_name": "Marin", **data}
    return lead_create(
        actor=SYSTEM,
        data=data,
        contacts=[ContactInput(kind="email", value=f"{data['first_name'].lower()}@example.com")],
    )


def pricing_view(days_ago=0.0, category="pricing"):
    return EventInput(
        kind=TrackedKind.PAGE_VIEW,
        category=category,
        url=f"https://shop.example.com/{category}",
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def temperature_events(lead):
    return list(
        LeadEvent.objects.filter(
            lead=lead, type=EventType.CLASSIFIED, params__changes__has_key="temperature"
        ).order_by("id")
    )


# --- creation ---------------------------------------------------------------------------


def test_a_new_lead_gets_its_profile_score_and_stored_components(rules):
    lead = new_lead(position="Sales director")

    lead.refresh_from_db()
    assert (lead.score, lead.temperature) == (15, Temperature.COLD)
    state = LeadScore.objects.get(lead=lead)
    assert state.fit_points == 15
    assert state.fit_breakdown == [
        {"rule": rules["director"].pk, "name": "Director", "group": "fit", "points": 15}
    ]
    assert state.temperature_by_hand is False


def test_a_temperature_given_at_creation_that_the_rules_would_not_give_is_kept_as_by_hand(rules):
    lead = new_lead(temperature=Temperature.WARM)

    lead.refresh_from_db()
    assert lead.temperature == Temperature.WARM
    assert LeadScore.objects.get(lead=lead).temperature_by_hand is True


def test_the_intake_stage_scores_a_callback_as_hot_before_the_lead_is_written(
    rules, client, form, commit_callbacks_run
):
    form.channel = "callback"
    form.save()
    response = client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps({"name": "Ana Marin", "phone": "0722 123 456"}),
        content_type="application/json",
    )

    assert response.status_code == 201
    lead = Submission.objects.get().lead
    assert lead.channel == "callback"
    assert (lead.score, lead.temperature) == (5, Temperature.HOT)
    assert LeadScore.objects.get(lead=lead).fit_points == 5
    # the stage and the creation hook agree: no temperature "change" was recorded
    assert temperature_events(lead) == []


# --- behaviour ----------------------------------------------------------------------------


def test_events_of_a_known_lead_give_points_as_components(rules):
    lead = new_lead()

    events_record(events=[pricing_view(), pricing_view()], lead=lead)

    lead.refresh_from_db()
    assert lead.score == 20
    assert lead.temperature == Temperature.WARM
    assert list(ScoreComponent.objects.filter(lead=lead).values_list("points", flat=True)) == [
        10,
        10,
    ]
    [event] = temperature_events(lead)
    assert event.params["changes"] == {"temperature": ["cold", "warm"]}
    assert event.actor_source == ActorSource.RULE


def test_anonymous_events_are_kept_and_count_once_the_visitor_is_the_lead(rules):
    events_record(events=[pricing_view(10), pricing_view(0)], visitor_key="v-1")
    assert TrackedEvent.objects.filter(lead__isnull=True).count() == 2
    lead = new_lead()

    stitched = visitor_identify(lead_id=lead.pk, visitor_key="v-1")

    assert stitched == 2
    lead.refresh_from_db()
    # the visit ten days ago is worth half: 5 + 10
    assert lead.score == 15
    assert TrackedEvent.objects.filter(lead=lead).count() == 2
    assert visitor_identify(lead_id=lead.pk, visitor_key="v-1") == 0  # idempotent
    # later events of that browser go straight to the lead
    events_record(events=[pricing_view()], visitor_key="v-1")
    assert TrackedEvent.objects.filter(lead=lead).count() == 3


def test_a_hot_behaviour_signal_makes_the_lead_hot_whatever_its_points(rules):
    lead = new_lead()

    events_record(events=[pricing_view(category="payment")], lead=lead)

    lead.refresh_from_db()
    assert (lead.score, lead.temperature) == (5, Temperature.HOT)
    [event] = temperature_events(lead)
    assert event.params["reason"] == "Hot signal: Opened the payment page"


def test_a_repeat_inquiry_is_tracked_once_per_submission(rules):
    lead = new_lead()

    assert submission_track(lead_id=lead.pk, submission_id=7, channel="web_form") == 1
    assert submission_track(lead_id=lead.pk, submission_id=7, channel="web_form") == 0

    lead.refresh_from_db()
    assert lead.score == 10
    assert TrackedEvent.objects.filter(lead=lead, kind=TrackedKind.FORM_SUBMIT).count() == 1


# --- decay -----------------------------------------------------------------------------------


def test_the_decay_sweep_cools_a_lead_whose_interest_faded(rules):
    lead = new_lead()
    events_record(events=[pricing_view(), pricing_view()], lead=lead)  # 20: warm

    nothing = scores_decay_sweep(now=timezone.now() + dt.timedelta(days=1))
    changed = scores_decay_sweep(now=timezone.now() + dt.timedelta(days=10))

    assert nothing == 1  # the score drifted from 20 to 19; still warm
    assert changed == 1
    lead.refresh_from_db()
    assert (lead.score, lead.temperature) == (10, Temperature.COLD)
    assert [e.params["changes"]["temperature"] for e in temperature_events(lead)] == [
        ["cold", "warm"],
        ["warm", "cold"],
    ]


def test_the_breakdown_shows_what_each_rule_gave_and_is_worth_now(rules):
    lead = new_lead(position="Director")
    events_record(events=[pricing_view(10)], lead=lead)

    breakdown = lead_breakdown(lead)

    assert breakdown.fit == 15
    assert breakdown.engagement == pytest.approx(5, abs=0.01)
    assert breakdown.total == pytest.approx(20, abs=0.01)
    assert [(line.name, line.points, round(line.now, 1)) for line in breakdown.lines] == [
        ("Director", 15, 15),
        ("Viewed the prices", 10, 5),
    ]


# --- changes by people --------------------------------------------------------------------


def test_a_change_to_what_a_rule_reads_rescores(rules, admin_user):
    lead = new_lead()

    lead_update(actor=Actor(user=admin_user), lead=lead, data={"position": "Director"})

    lead.refresh_from_db()
    assert lead.score == 15


def test_a_temperature_set_by_hand_stays_until_released(rules, admin_user):
    lead = new_lead()
    lead_update(actor=Actor(user=admin_user), lead=lead, data={"temperature": "hot"})

    events_record(events=[pricing_view()], lead=lead)
    lead.refresh_from_db()
    assert (lead.score, lead.temperature) == (10, Temperature.HOT)

    lead_score_release(lead=lead, actor=Actor(user=admin_user))
    lead.refresh_from_db()
    assert lead.temperature == Temperature.COLD


# --- rebuilding ----------------------------------------------------------------------------


def test_recompute_rebuilds_every_lead_after_the_rules_change(rules):
    first, second = new_lead(position="Director"), new_lead(first_name="Ion")
    events_record(events=[pricing_view(), pricing_view(), pricing_view()], lead=second)
    rules["director"].points = 25
    rules["director"].save()
    rules["pricing"].cap = 15
    rules["pricing"].save()

    changed = leads_scores_recompute()

    first.refresh_from_db()
    second.refresh_from_db()
    assert changed == 2
    assert first.score == 25
    assert second.score == 15
    assert sorted(ScoreComponent.objects.filter(lead=second).values_list("points", flat=True)) == [
        5,
        10,
    ]
    assert LeadScore.objects.get(lead=first).fit_points == 25


def test_recompute_reads_the_events_properties(rules):
    ScoreRule.objects.create(
        name="Watched half a minute",
        kind=RuleKind.BEHAVIOUR,
        event_kind=TrackedKind.VIDEO,
        conditions=[{"field": "properties.seconds", "operator": "gte", "value": 30}],
        points=7,
        frequency=Frequency.EACH,
    )
    watched, skimmed = new_lead(first_name="Ion"), new_lead(first_name="Eva")
    now = timezone.now()
    for lead, seconds in ((watched, 45), (watched, 45), (watched, 10), (skimmed, 10)):
        TrackedEvent.objects.create(
            lead=lead,
            kind=TrackedKind.VIDEO,
            occurred_at=now,
            properties={"seconds": seconds},
        )
    TrackedEvent.objects.create(lead=skimmed, kind=TrackedKind.VIDEO, occurred_at=now)
    Lead.objects.update(score=0)

    leads_scores_recompute()

    assert Lead.objects.get(pk=watched.pk).score == 14  # the two of 45 s, not the one of 10
    assert Lead.objects.get(pk=skimmed.pk).score == 0  # 10 s, and one without properties


def test_recompute_without_changes_writes_nothing(rules):
    lead = new_lead(position="Director")
    events_before = LeadEvent.objects.count()
    stored = LeadScore.objects.get(lead=lead)
    assert stored.fit_breakdown  # the stored breakdown, read back as text, compares equal

    assert leads_scores_recompute(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert LeadEvent.objects.count() == events_before
    assert LeadScore.objects.get(lead=lead).computed_at == stored.computed_at  # not rewritten


def test_a_merge_gives_the_survivor_the_merged_leads_behaviour(rules, admin_user):
    survivor, other = new_lead(), new_lead(first_name="Anna")
    events_record(events=[pricing_view(), pricing_view()], lead=other)

    leads_merge(survivor=survivor, others=[other], actor=Actor(user=admin_user))

    survivor.refresh_from_db()
    assert survivor.score == 20
    assert ScoreComponent.objects.filter(lead=survivor).count() == 2
    assert LeadScore.objects.filter(lead=other).exists()  # each lead keeps its own state


def test_events_for_a_lead_without_behaviour_rules_only_refresh(rules):
    ScoreRule.objects.filter(kind=RuleKind.BEHAVIOUR).delete()
    lead = new_lead(position="Director")
    event = TrackedEvent.objects.create(lead=lead, kind=TrackedKind.PAGE_VIEW)

    assert lead_events_score(lead=lead, events=[event]) == []
    assert Lead.objects.get(pk=lead.pk).score == 15


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recompute_in_forked_workers_gives_what_one_process_gives(monkeypatch):
    ScoreRule.objects.all().delete()
    ScoreRule.objects.create(
        name="Director",
        kind=RuleKind.PROFILE,
        conditions=[{"field": "position", "operator": "contains", "value": ["director"]}],
        points=35,
    )
    ScoreRule.objects.create(
        name="Viewed the prices",
        kind=RuleKind.BEHAVIOUR,
        event_kind=TrackedKind.PAGE_VIEW,
        conditions=[{"field": "category", "operator": "eq", "value": "pricing"}],
        points=10,
        frequency=Frequency.EACH,
    )
    leads = [
        new_lead(first_name=f"P{i}", position="Director" if i % 3 == 0 else "Clerk")
        for i in range(30)
    ]
    for lead in leads[::2]:
        TrackedEvent.objects.create(lead=lead, kind=TrackedKind.PAGE_VIEW, category="pricing")
    Lead.objects.update(score=0, temperature=Temperature.UNKNOWN)

    monkeypatch.setattr("galena.scoring.services.CHUNK_SIZE", 4)  # spans for two workers

    changed = leads_scores_recompute(workers=2)

    assert changed == 30
    for index, lead in enumerate(leads):
        lead.refresh_from_db()
        expected = (35 if index % 3 == 0 else 0) + (10 if index % 2 == 0 else 0)
        assert lead.score == expected
    assert LeadScore.objects.count() == 30
    assert ScoreComponent.objects.count() == 15


def test_a_recompute_takes_every_strideth_lead_in_each_pass(monkeypatch):
    monkeypatch.setattr("galena.scoring.services.CHUNK_SIZE", 3)
    ids = list(range(1, 14))

    # one pass over the odd ids, then one over the even, in chunks of at most three
    assert recompute_spans(ids, 2) == [[1, 3, 5], [7, 9, 11], [13], [2, 4, 6], [8, 10, 12]]
    assert recompute_spans(ids, 1) == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13]]


def test_a_few_leads_are_not_spread_over_more_chunks_than_they_fill(monkeypatch):
    monkeypatch.setattr("galena.scoring.services.CHUNK_SIZE", 4)

    assert recompute_spans([1, 2, 3], 8) == [[1, 2, 3]]
    assert recompute_spans([1, 2, 3, 4, 5], 8) == [[1, 3, 5], [2, 4]]  # two chunks either way
    assert recompute_spans([], 8) == []


def test_leads_scored_before_are_recomputed_in_strides_new_ones_side_by_side(rules, monkeypatch):
    leads = [new_lead(first_name=f"P{i}") for i in range(6)]
    ids = [lead.pk for lead in leads]
    monkeypatch.setattr("galena.scoring.services.CHUNK_SIZE", 2)
    chunks = []
    monkeypatch.setattr(
        "galena.scoring.services._RecomputeJob.__call__",
        lambda self, span: chunks.append(list(span)) or (0, len(span)),
    )

    leads_scores_recompute()  # every lead has its score stored: scores moved in passes
    strided, chunks[:] = list(chunks), []
    LeadScore.objects.filter(lead_id__in=ids[:4]).delete()  # most never scored
    leads_scores_recompute()

    assert LeadScore.objects.count() == 2
    assert strided == [[ids[0], ids[3]], [ids[1], ids[4]], [ids[2], ids[5]]]
    assert chunks == [ids[0:2], ids[2:4], ids[4:6]]


def test_a_recompute_reads_the_answers_only_when_a_rule_reads_one(rules):
    lead = new_lead(position="Clerk", attributes={"quiz": {"budget": "5000+"}})
    ScoreRule.objects.create(
        name="Big budget",
        kind=RuleKind.PROFILE,
        conditions=[{"field": "attributes.budget", "operator": "eq", "value": "5000+"}],
        points=7,
    )

    with CaptureQueriesContext(connection) as with_answers:
        leads_scores_recompute()
    scored = Lead.objects.get(pk=lead.pk).score
    ScoreRule.objects.filter(name="Big budget").delete()
    with CaptureQueriesContext(connection) as without:
        leads_scores_recompute()

    read_with, read_without = (
        next(
            q["sql"]
            for q in queries
            if q["sql"].startswith('SELECT "leads_lead"."id" AS "id", "leads_lead"."score"')
        )
        for queries in (with_answers, without)
    )
    assert '"leads_lead"."attributes"' in read_with and '"position"' in read_with
    assert '"leads_lead"."attributes"' not in read_without and '"position"' in read_without
    assert '"city"' not in read_without  # no rule reads it
    lead.refresh_from_db()
    assert (scored, lead.score) == (7, 0)  # the quiz's answer read, then not needed


def test_a_recompute_of_one_chunk_does_not_count_the_stored_scores(rules):
    lead = new_lead(position="Director")

    with CaptureQueriesContext(connection) as queries:
        leads_scores_recompute(lead_ids=[lead.pk])

    assert not [q for q in queries if "COUNT(" in q["sql"] and "scoring_leadscore" in q["sql"]]


def test_recomputing_some_leads_leaves_the_others_alone(rules):
    first, middle, last = new_lead(), new_lead(first_name="Ion"), new_lead(first_name="Eva")
    Lead.objects.update(score=7)

    leads_scores_recompute(lead_ids=[first.pk, last.pk])

    assert Lead.objects.get(pk=first.pk).score == 0
    assert Lead.objects.get(pk=middle.pk).score == 7
    assert Lead.objects.get(pk=last.pk).score == 0


def test_recompute_rewrites_only_the_leads_whose_components_changed(rules):
    first, second = new_lead(position="Director"), new_lead(first_name="Ion")
    events_record(events=[pricing_view()], lead=second)
    leads_scores_recompute()
    stored = dict(LeadScore.objects.values_list("lead_id", "computed_at"))
    component = ScoreComponent.objects.get(lead=second)
    rules["director"].points = 25
    rules["director"].save()

    leads_scores_recompute(now=timezone.now() + dt.timedelta(minutes=5))

    after = dict(LeadScore.objects.values_list("lead_id", "computed_at"))
    assert after[first.pk] != stored[first.pk]  # its profile points changed
    assert after[second.pk] == stored[second.pk]  # nothing of it changed: not rewritten
    assert ScoreComponent.objects.get(lead=second).pk == component.pk


def test_a_call_that_verifies_the_lead_rescores_it(rules, admin_user):
    from galena.quality.verification import lead_call_log

    ScoreRule.objects.create(
        name="Verified",
        kind=RuleKind.PROFILE,
        conditions=[{"field": "verification", "operator": "eq", "value": "verified"}],
        points=25,
    )
    lead = lead_create(
        actor=SYSTEM,
        data={"first_name": "Ana", "last_name": "Marin"},
        contacts=[ContactInput(kind="phone", value="+40722123456")],
    )

    lead_call_log(actor=Actor(user=admin_user), lead=lead, outcome="confirmed")

    lead.refresh_from_db()
    assert (lead.verification, lead.score, lead.temperature) == ("verified", 25, Temperature.WARM)


def test_engagement_decayed_to_nothing_leaves_the_sweep(rules):
    lead = new_lead()
    events_record(events=[pricing_view()], lead=lead)
    much_later = timezone.now() + dt.timedelta(days=400)

    assert scores_decay_sweep(now=much_later) == 1  # 10 points, forty half-lives later: 0

    state = LeadScore.objects.get(lead=lead)
    assert (state.engagement_points, state.hot_until) == (0, None)
    assert not LeadScore.objects.exclude(engagement_points=0, hot_until__isnull=True).exists()
    assert ScoreComponent.objects.filter(lead=lead).count() == 1  # the breakdown keeps it
