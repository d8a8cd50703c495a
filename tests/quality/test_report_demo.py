"""`galena demo` shows the quality gate: held and rejected leads with realistic reasons,
a review queue, and a bought list that the credibility report shows as less credible."""

import datetime as dt
import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from galena.demo import quality as demo_quality
from galena.demo.quality import PseudoQuota
from galena.intake.models import DecisionReason, Submission
from galena.leads.models import Channel, EventType, Lead, LeadEvent, QualityStatus
from galena.leads.services import Actor
from galena.quality.selectors import Period, source_credibility
from galena.quality.services import lead_quality_release

LEADS = 2500


@pytest.fixture(scope="module")
def loaded_once(module_db):
    call_command(
        "demo", "--no-serve", "--leads", str(LEADS), stdout=io.StringIO(), stderr=io.StringIO()
    )


@pytest.fixture
def loaded(loaded_once, db):
    """The demo, loaded once for the module; what a test changes is rolled back after it."""


def test_demo_leads_come_with_submissions_reasons_and_reviews(loaded):
    leads = Submission.objects.filter(lead__isnull=False)
    assert leads.count() == LEADS
    assert Submission.objects.filter(outcome="interest", lead__isnull=True).exists()
    statuses = Counter(Lead.objects.values_list("quality_status", flat=True))
    assert statuses["quarantined"] > 0 and statuses["rejected"] > 0 and statuses["accepted"] > 0
    for lead in Lead.objects.exclude(quality_reasons=[]):
        codes = sorted(r["code"] for r in lead.quality_reasons)
        stored = sorted(DecisionReason.objects.filter(lead=lead).values_list("code", flat=True))
        assert codes == stored
        assert all(r["message"] and r["evidence"] for r in lead.quality_reasons)
    reasons = set(DecisionReason.objects.values_list("code", flat=True))
    assert {"honeypot", "too_fast", "disposable_email", "test_value", "phone_invalid"} <= reasons

    # held and rejected leads were never worked
    for lead in Lead.objects.exclude(quality_status="accepted"):
        assert lead.owner_id is None and lead.stage.code == "new"
        assert not lead.tasks.exists()
        types = set(lead.events.values_list("type", flat=True))
        assert types <= {
            EventType.CREATED,
            EventType.SUBMISSION_RECEIVED,
            EventType.QUALITY_DECIDED,
        }

    # reviewed leads carry the reviewer's decision
    decisions = LeadEvent.objects.filter(type=EventType.QUALITY_DECIDED).select_related("lead")
    assert {event.params["decision"] for event in decisions} == {"released", "rejected"}
    for event in decisions:
        assert event.actor.profile.role == "head_of_sales"
        assert event.lead.quality_status == event.params["after"]
        assert Submission.objects.get(lead=event.lead).outcome == "quarantined"


def test_the_bought_lists_look_less_credible_and_the_queue_can_be_worked(loaded, admin_user):
    today = timezone.localdate()
    report = source_credibility(
        user=admin_user, period=Period(start=today - dt.timedelta(days=200), end=today)
    )

    bought = [row for row in report.rows if row.name.startswith("Bought list")]
    own = [row for row in report.rows if not row.name.startswith("Bought list")]
    own_rate = sum(row.pseudo for row in own) / sum(row.leads for row in own)
    assert len(bought) == 2
    assert own_rate < 0.06
    assert all(row.pseudo_rate > 4 * own_rate for row in bought)
    assert all(row.name.startswith("Bought list") for row in report.rows[:2])
    assert report.total.waiting > 0 and report.total.released > 0

    # and the queue can be worked
    waiting = list(Lead.objects.filter(quality_status="quarantined").values_list("pk", flat=True))

    outcome = lead_quality_release(actor=Actor(user=admin_user), leads=waiting)

    assert len(outcome.changed) == len(waiting)
    assert not Lead.objects.filter(quality_status="quarantined").exists()


def test_wiping_the_demo_removes_its_submissions(loaded):
    call_command(
        "demo", "--no-serve", "--reset", "--leads", "50", stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert Submission.objects.filter(lead__isnull=False).count() == 50


@given(
    share=st.floats(min_value=0, max_value=1),
    leads=st.integers(min_value=0, max_value=400),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_every_demo_source_gets_its_share_of_pseudo_leads_within_one(share, leads, seed):
    quota = PseudoQuota(random.Random(seed))

    taken = sum(quota.take("leadmarket", share) for _ in range(leads))
    others = sum(quota.take("google_ads", 0.0) for _ in range(leads))

    assert abs(taken - share * leads) <= 1
    assert others == 0


@given(seed=st.integers(min_value=0, max_value=10_000))
def test_a_week_of_form_leads_always_leaves_one_held_lead_waiting(seed):
    rng = random.Random(seed)
    quota = PseudoQuota(rng)
    # 1 / WAITING_SHARE form leads make one held lead; a few more for the source's own
    # pseudo-leads (2.5 %), which take a lead's turn
    leads = round(1 / demo_quality.WAITING_SHARE) + 5

    verdicts = [
        demo_quality.verdict_for(
            rng,
            quota=quota,
            source_key="website",  # the default share of pseudo-leads
            channel=Channel.LANDING_PAGE,
            contacts=[],
            age=dt.timedelta(days=rng.uniform(0, demo_quality.WAITING_DAYS)),
        )
        for _ in range(leads)
    ]

    waiting = [v for v in verdicts if v.status == QualityStatus.QUARANTINED and not v.review]
    assert waiting
    assert all(v.reasons and v.outcome == "quarantined" for v in waiting)
