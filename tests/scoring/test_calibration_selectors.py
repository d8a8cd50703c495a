"""What the calibration report reads from the database: which leads are closed in the
period, which rules gave them points before they closed, why the lost ones were lost, and
in how many queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.scoring import calibration as cal
from galena.scoring import selectors
from galena.scoring.calibration import Options
from galena.scoring.models import PredictiveModel, TrackedEvent
from tests.factories import LeadFactory
from tests.scoring.calibration_helpers import (
    DAY,
    behaviour_points,
    behaviour_rule,
    lost,
    no_seeded_rules,  # noqa: F401
    profile_points,
    profile_rule,
    rejection_event,
    stage,
    won,
)

pytestmark = pytest.mark.usefixtures("no_seeded_rules")


def inputs(user, period=None, **options):
    return selectors.calibration_inputs(
        user=user, period=period or selectors.Period.last(), options=Options(**options)
    )


def test_closed_leads_are_those_won_or_lost_in_the_period(admin_user):
    won_lead = won(score=70, days_ago=5)
    lost_lead = lost(score=20, days_ago=300)
    won(days_ago=400)  # before the period
    LeadFactory()  # open
    merged = won(days_ago=5)
    merged.merged_into = won_lead
    merged.save()
    # moved back to work: a stamp alone does not make a lead closed
    LeadFactory(stage=stage("in_work"), rejected_at=timezone.now() - DAY)

    found = inputs(admin_user)

    assert sorted((x.id, x.won) for x in found.leads) == sorted(
        [(won_lead.pk, True), (lost_lead.pk, False)]
    )


def test_the_period_counts_by_the_day_the_lead_was_won_or_lost(admin_user):
    today = timezone.localdate()
    inside = won(days_ago=30)
    won(days_ago=100)

    found = inputs(admin_user, selectors.Period.of(today - dt.timedelta(days=60), today))

    assert [x.id for x in found.leads] == [inside.pk]


def test_a_lead_has_the_rules_that_gave_it_points_before_it_closed(admin_user):
    director = profile_rule()
    prices = behaviour_rule()
    webinar = behaviour_rule("Attended a webinar", 15, "webinar")
    lead = won(score=40, days_ago=10)
    closed = lead.converted_at
    profile_points(lead, director)
    behaviour_points(lead, prices, at=closed - 2 * DAY)
    behaviour_points(lead, prices, at=closed - 1 * DAY)
    behaviour_points(lead, webinar, at=closed + DAY)  # after it was won: says nothing
    TrackedEvent.objects.create(lead=lead, kind="page_view", occurred_at=closed - 3 * DAY)

    (found,) = inputs(admin_user).leads

    assert found.rules == frozenset({director.pk, prices.pk})
    assert found.activity == 3  # the two scored page views and the unscored one
    assert found.engagement == 20.0


def test_the_report_reads_active_rules_only(admin_user):
    director = profile_rule(points=15)
    profile_rule("Old rule", is_active=False)

    found = inputs(admin_user)

    assert [(r.id, r.name, r.kind, r.points) for r in found.rules] == [
        (director.pk, "Director", "profile", 15)
    ]


def test_a_lost_lead_gives_the_reason_of_its_last_rejection(admin_user, settings):
    lead = lost(score=80)
    rejection_event(lead, reason="Went with a competitor", days_ago=30)
    rejection_event(lead, reason="Budget cut", days_ago=10)
    rejection_event(lead, reason="Not a stage into lost", days_ago=5, to_kind="open")

    (found,) = inputs(admin_user).leads

    assert found.lost_reason == "Budget cut"
    assert found.lost_reason_source == cal.REASON_STAGE


def test_without_a_given_reason_the_quality_checks_messages_are_used(admin_user):
    lead = lost(
        score=80,
        quality_reasons=[
            {"code": "disposable_email", "message": "A throw-away mailbox"},
            {"code": "test_values", "message": ""},
        ],
    )
    rejection_event(lead, reason="", days_ago=10)

    (found,) = inputs(admin_user).leads

    assert found.lost_reason == "A throw-away mailbox; Test values"
    assert found.lost_reason_source == cal.REASON_QUALITY


def test_a_lost_lead_with_nothing_recorded_has_no_reason(admin_user):
    lost(score=80)

    (found,) = inputs(admin_user).leads

    assert (found.lost_reason, found.lost_reason_source) == ("", cal.REASON_NONE)


def test_figures_of_the_lead_itself(admin_user):
    lead = won(
        score=65,
        deal_value="1250.50",
        currency="MDL",
        predicted_probability=0.42,
        city="Chișinău",
        attributes={"budget": 5000},
    )

    (found,) = inputs(admin_user).leads

    assert found.score == 65
    assert found.probability == 0.42
    assert (found.deal_value, found.deal_currency) == (Decimal("1250.50"), "MDL")
    assert found.closed_at == lead.converted_at
    assert found.values["city"] == "Chișinău"
    assert found.values["attributes"] == {"budget": 5000}
    assert found.name == lead.display_name


def test_all_leads_of_the_period_are_the_profile_population(admin_user):
    won(city="Cahul")
    LeadFactory(city="Bălți")  # open, came in today
    LeadFactory(city="Orhei", created_at=timezone.now() - 500 * DAY)  # long before

    found = inputs(admin_user)

    assert sorted(row["city"] for row in found.population) == ["Bălți", "Cahul"]
    assert found.population_total is None


def test_many_leads_are_read_as_an_even_sample(admin_user, monkeypatch):
    monkeypatch.setattr(selectors, "PROFILE_SAMPLE", 2)
    for _ in range(5):
        LeadFactory()

    found = inputs(admin_user)

    # every third lead by id: one or two of five, and the five remembered
    assert 1 <= len(found.population) <= 2
    assert found.population_total == 5


def test_a_head_of_sales_sees_figures_of_all_but_lists_only_their_teams_leads(
    head, team, other_team
):
    mine = lost(score=90, team=team)
    theirs = lost(score=95, team=other_team)

    found = inputs(head)

    assert {x.id for x in found.leads} == {mine.pk, theirs.pk}
    assert found.visible == frozenset({mine.pk})
    report = cal.calibration_report(found)
    assert [x.id for x in report.lost.leads] == [mine.pk]
    assert report.lost.not_listed == 1


def test_an_admin_may_open_every_lead(admin_user):
    lost(score=90)

    assert inputs(admin_user).visible is None


def test_the_thresholds_and_the_active_model_come_from_the_settings(admin_user):
    from galena.scoring.models import ScoreSettings

    ScoreSettings.objects.update(warm_threshold=20, hot_threshold=50)
    trained = timezone.now() - 30 * DAY
    PredictiveModel.objects.create(
        algorithm="logistic",
        trained_on=100,
        won=40,
        lost=60,
        is_active=True,
        created_at=trained,
        metrics={"cv_auc": 0.77},
    )

    found = inputs(admin_user)

    assert (found.warm, found.hot) == (20, 50)
    assert found.model == cal.ModelInfo(
        name="logistic", trained_at=trained, cv_auc=0.77, trained_on=100
    )


@pytest.mark.parametrize("role_user", ["manager", "telemarketer", "marketer"])
def test_only_heads_of_sales_and_admins_get_the_report(role_user, request):
    user = request.getfixturevalue(role_user)

    with pytest.raises(PermissionDenied):
        inputs(user)


def test_a_period_that_starts_after_it_ends_is_refused():
    today = timezone.localdate()

    with pytest.raises(ValidationFailed):
        selectors.Period.of(today, today - dt.timedelta(days=1))


def closed_leads_with_everything(n, rules):
    director, prices = rules
    for i in range(n):
        make = won if i % 2 else lost
        lead = make(score=10 * i, deal_value="100" if i % 2 else None, city=f"City {i % 3}")
        closed = lead.converted_at or lead.rejected_at
        profile_points(lead, director)
        behaviour_points(lead, prices, at=closed - DAY)
        if not i % 2:
            rejection_event(lead, reason="Too expensive")


def test_the_report_reads_in_a_fixed_number_of_queries(admin_user, django_assert_max_num_queries):
    rules = (profile_rule(), behaviour_rule())
    closed_leads_with_everything(6, rules)
    period = selectors.Period.last()

    with django_assert_max_num_queries(12) as few:
        selectors.calibration_report_for(user=admin_user, period=period)
    closed_leads_with_everything(30, rules)
    with django_assert_max_num_queries(len(few.captured_queries)):
        report = selectors.calibration_report_for(user=admin_user, period=period)

    assert report.summary.closed == 36
