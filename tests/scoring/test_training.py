"""The predictive model trained on the business's own won and lost leads, stored, used for
open leads, explained on the card, and refused with too little history."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import Lead, Stage, StageKind
from galena.leads.services import Actor, ContactInput, lead_create
from galena.scoring import predictive, training
from galena.scoring.models import PredictiveModel, ScoreSettings, TrackedEvent, TrackedKind
from galena.scoring.services import leads_scores_write
from galena.scoring.training import lead_prediction, leads_predict, model_train, training_set
from tests.factories import LeadFactory


@pytest.fixture
def history(db):
    """400 closed leads: directors and pricing-page visitors win far more often."""
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(min_outcomes=100, min_outcomes_per_class=20)
    won = Stage.objects.filter(kind=StageKind.WON).first()
    lost = Stage.objects.filter(kind=StageKind.LOST).first()
    rng = random.Random(5)
    now = timezone.now()
    for index in range(400):
        director = rng.random() < 0.25
        pricing = rng.random() < 0.5
        chance = 0.1 + 0.5 * director + 0.3 * pricing
        is_won = rng.random() < chance
        lead = LeadFactory(
            position="Director" if director else rng.choice(["Clerk", "Assistant"]),
            country=rng.choice(["RO", "MD"]),
            stage=won if is_won else lost,
            converted_at=now if is_won else None,
            rejected_at=None if is_won else now,
            attributes={"budget": rng.choice(["small", "medium", "large"])},
        )
        if pricing:
            TrackedEvent.objects.create(
                lead=lead,
                kind=TrackedKind.PAGE_VIEW,
                category="pricing",
                occurred_at=now - timezone.timedelta(days=1),
            )
    return won, lost


def test_the_training_set_counts_behaviour_only_before_the_outcome(history):
    won, _lost = history
    lead = Lead.objects.filter(stage=won).first()
    TrackedEvent.objects.create(
        lead=lead, kind=TrackedKind.PAGE_VIEW, category="payment", occurred_at=timezone.now()
    )

    rows, labels = training_set()

    assert len(rows) == len(labels) == 400
    row = rows[
        list(
            Lead.objects.filter(stage__kind__in=["won", "lost"])
            .order_by("pk")
            .values_list("pk", flat=True)
        ).index(lead.pk)
    ]
    assert row.get("pages.payment", 0) == 0  # after it was won: not a predictor
    assert row["attributes.budget"] in ("small", "medium", "large")


def test_a_model_is_trained_stored_and_gives_open_leads_a_probability(history):
    open_director = LeadFactory(position="Director", country="RO")
    open_clerk = LeadFactory(position="Clerk", country="RO")

    result = model_train()

    stored = PredictiveModel.objects.get(is_active=True)
    assert stored == result.model
    assert (stored.won + stored.lost, stored.trained_on) == (400, 400)
    assert stored.metrics["cv_auc"] > 0.7
    open_director.refresh_from_db()
    open_clerk.refresh_from_db()
    assert open_director.predicted_probability > open_clerk.predicted_probability
    assert Lead.objects.filter(stage__kind="won", predicted_probability__isnull=False).count() == 0


ANA = {"first_name": "Ana", "position": "Director", "country": "RO"}


def test_a_new_lead_gets_the_active_models_probability_at_once(history):
    model_train()

    lead = lead_create(actor=Actor.system(), data=ANA, contacts=[ContactInput("email", "ana@x.ro")])

    lead.refresh_from_db()
    assert lead.predicted_probability is not None


def test_without_a_model_a_new_lead_has_no_probability_and_costs_no_savepoint(db):
    leads = [LeadFactory(position="Director") for _ in range(3)]

    with CaptureQueriesContext(connection) as queries:
        leads_scores_write(leads=leads)

    assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    assert not Lead.objects.filter(predicted_probability__isnull=False).exists()


def test_a_prediction_that_fails_costs_the_prediction_not_the_lead(history, monkeypatch):
    model_train()

    def broken(**_kwargs):
        Lead.objects.update(predicted_probability=0.5)  # written, then undone with the error
        raise RuntimeError("the model cannot read this lead")

    monkeypatch.setattr(training, "leads_predict", broken)
    lead = lead_create(actor=Actor.system(), data=ANA, contacts=[ContactInput("email", "ana@x.ro")])

    lead.refresh_from_db()
    assert lead.pk and lead.predicted_probability is None


def test_the_prediction_explains_itself(history):
    model_train()
    lead = LeadFactory(position="Director", country="RO")

    prediction = lead_prediction(lead)

    assert 0 <= prediction.probability <= 1
    assert prediction.up[0].label == "position"
    assert prediction.up[0].value == "Director"
    assert prediction.up[0].effect > 0


def test_too_little_history_is_refused_with_how_much_is_needed(db):
    ScoreSettings.objects.all().delete()
    ScoreSettings.objects.create(min_outcomes=200, min_outcomes_per_class=30)
    won = Stage.objects.filter(kind=StageKind.WON).first()
    for _ in range(5):
        LeadFactory(stage=won)

    with pytest.raises(predictive.NotEnoughOutcomes) as refused:
        model_train()

    assert "5 won and 0 lost" in str(refused.value)
    assert "30 more lost" in str(refused.value)
    assert not PredictiveModel.objects.exists()
    assert leads_predict() == 0  # no model: the rule score stands alone


def test_the_card_shows_the_probability_and_its_factors(history, admin_client):
    model_train()
    lead = LeadFactory(position="Director", country="RO")

    response = admin_client.get(reverse("lead-detail", args=[lead.pk]))

    text = response.content.decode()
    assert "Predicted chance of becoming a client" in text
    assert "Pushing it up:" in text
    assert "position = Director" in text


def test_galena_score_train_says_what_it_trained(history):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("score", "train", stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "on 400 closed leads" in text
    assert "is now active" in text
    assert PredictiveModel.objects.filter(is_active=True).count() == 1


def test_galena_score_train_without_history_says_how_much_is_needed(db):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as refused:
        call_command("score", "train", stdout=StringIO(), stderr=StringIO())

    assert "Not enough outcomes to learn from: 0 won and 0 lost" in str(refused.value)
    assert "the rule score stands alone" in str(refused.value)


def test_galena_score_recompute_rescores_every_lead(db):
    from io import StringIO

    from django.core.management import call_command

    lead = LeadFactory(position="Director", company_name="", score=0)
    out = StringIO()

    call_command("score", "recompute", stdout=out, stderr=StringIO())

    lead.refresh_from_db()
    assert lead.score == 15  # the seeded "Decision maker by position" rule
    assert out.getvalue().startswith("Scored 1 lead")
