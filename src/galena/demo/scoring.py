"""The demo's behaviour and outcomes for scoring: site visits, downloads and e-mail clicks of
the demo leads (more, and nearer the prices and the payment page, for the hotter ones),
anonymous visitors who never left a contact (interest), deal values of the leads that
became clients; then every lead scored by the seeded rules and, when the history allows, a
predictive model trained on it. Deterministic for a seed."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid
from decimal import Decimal

from galena.core.bulk import insert_many, update_many
from galena.demo import catalogue as cat
from galena.leads.models import Lead, StageKind, Temperature
from galena.scoring import predictive
from galena.scoring.models import PredictiveModel, TrackedEvent, TrackedKind, TrackedOrigin, Visitor
from galena.scoring.services import leads_scores_recompute

# (share of leads with tracked behaviour, events per such lead) by the demo's temperature
BEHAVIOUR = {
    Temperature.HOT: (0.8, (3, 9)),
    Temperature.WARM: (0.6, (2, 6)),
    Temperature.COLD: (0.3, (1, 3)),
    Temperature.UNKNOWN: (0.15, (1, 2)),
}
# page categories a visit goes to, by temperature
PAGES = {
    Temperature.HOT: {"pricing": 30, "product": 25, "contacts": 15, "payment": 8, "blog": 10},
    Temperature.WARM: {"pricing": 18, "product": 35, "contacts": 8, "payment": 2, "blog": 25},
    Temperature.COLD: {"pricing": 6, "product": 30, "contacts": 3, "blog": 50, "careers": 8},
    Temperature.UNKNOWN: {"product": 40, "blog": 50, "careers": 10},
}
PATHS = {
    "pricing": "/pricing",
    "product": "/products/solar-kit",
    "contacts": "/contacts",
    "payment": "/checkout",
    "blog": "/blog/how-solar-pays-off",
    "careers": "/careers",
}
# what the first deal was worth, by product (in the country's currency units)
DEAL_VALUES = {
    cat.HOME_SOLAR: (4_000, 9_500),
    cat.COMMERCIAL: (25_000, 140_000),
    cat.BATTERY: (3_000, 8_000),
    cat.EV_CHARGER: (900, 2_500),
    cat.MAINTENANCE: (300, 1_200),
}
ANONYMOUS_VISITORS = 400


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _event(lead: Lead | None, visitor: str, category: str, when: dt.datetime) -> TrackedEvent:
    return TrackedEvent(
        lead=lead,
        visitor_key=visitor,
        kind=TrackedKind.PAGE_VIEW,
        category=category,
        url=cat.SITE + PATHS[category],
        origin=TrackedOrigin.BROWSER,
        occurred_at=when,
        received_at=when,
    )


def _lead_behaviour(lead: Lead, closed: dt.datetime, rng: random.Random, visitor: str):
    temperature = Temperature(lead.temperature)
    share, (low, high) = BEHAVIOUR[temperature]
    if rng.random() >= share:
        return []
    start = lead.created_at - dt.timedelta(days=rng.uniform(0, 10))  # a visit or two before
    span = max((closed - start).total_seconds(), 3600.0)
    events = []
    for _ in range(rng.randint(low, high)):
        when = start + dt.timedelta(seconds=rng.uniform(0, span))
        events.append(_event(lead, visitor, _weighted(rng, PAGES[temperature]), when))
    if rng.random() < 0.25:
        when = start + dt.timedelta(seconds=rng.uniform(0, span))
        events.append(
            TrackedEvent(
                lead=lead,
                visitor_key=visitor,
                kind=TrackedKind.DOWNLOAD,
                url=cat.SITE + "/files/price-list.pdf",
                occurred_at=when,
                received_at=when,
            )
        )
    if lead.stage.kind == StageKind.WON and rng.random() < 0.6:
        when = closed - dt.timedelta(hours=rng.uniform(2, 72))
        events.append(
            TrackedEvent(
                lead=lead,
                kind=TrackedKind.OFFER_VIEWED,
                origin=TrackedOrigin.SERVER,
                occurred_at=when,
                received_at=when,
            )
        )
    return events


def demo_scoring_create(*, seed: int, now: dt.datetime) -> None:
    """Behaviour, deal values, scores and (when there is enough history) the model."""
    rng = random.Random(seed * 31 + 7)  # noqa: S311 - repeatable demo data, not secrets
    leads = list(
        Lead.objects.filter(merged_into__isnull=True).select_related("stage").order_by("pk")
    )
    events: list[TrackedEvent] = []
    visitors: list[Visitor] = []
    won: list[Lead] = []
    for lead in leads:
        closed = lead.converted_at or lead.rejected_at or now
        visitor = uuid.UUID(int=rng.getrandbits(128)).hex
        made = _lead_behaviour(lead, min(closed, now), rng, visitor)
        if made:
            events.extend(made)
            first = min(e.occurred_at for e in made)
            visitors.append(
                Visitor(
                    key=visitor,
                    lead=lead,
                    first_seen_at=first,
                    last_seen_at=max(e.occurred_at for e in made),
                    identified_at=lead.created_at,
                )
            )
        if lead.stage.kind == StageKind.WON:
            low, high = DEAL_VALUES.get(lead.interest, (1_000, 5_000))
            activity = sum(1 for e in made if e.kind == TrackedKind.PAGE_VIEW)
            value = rng.uniform(low, high) * (1 + 0.06 * activity)
            lead.deal_value = Decimal(round(value, -1)).quantize(Decimal("0.01"))
            lead.deal_currency = _currency(lead.country)
            won.append(lead)
    for _ in range(ANONYMOUS_VISITORS):  # interest: people who looked and never wrote
        visitor = uuid.UUID(int=rng.getrandbits(128)).hex
        first = now - dt.timedelta(days=rng.uniform(0, 180))
        made = [
            _event(
                None,
                visitor,
                _weighted(rng, PAGES[Temperature.COLD]),
                first + dt.timedelta(minutes=5 * i),
            )
            for i in range(rng.randint(1, 4))
        ]
        events.extend(made)
        visitors.append(
            Visitor(key=visitor, first_seen_at=first, last_seen_at=made[-1].occurred_at)
        )
    insert_many(Visitor, visitors)
    insert_many(TrackedEvent, events)
    update_many(Lead, won, ["deal_value", "deal_currency"])
    # the demo's history is generated: its scores are set, not changed (no events)
    leads_scores_recompute(now=now, record=False, workers=1)
    _train()


def demo_scoring_wipe() -> None:
    """What the demo left besides its leads: anonymous visitors and their events, the model
    trained on the demo's history."""
    TrackedEvent.objects.filter(lead__isnull=True).delete()
    Visitor.objects.all().delete()
    PredictiveModel.objects.all().delete()


def _currency(country: str) -> str:
    for entry in cat.COUNTRIES:
        if entry.code == country:
            return entry.currency
    return "EUR"


def _train() -> None:
    from galena.scoring.training import model_train

    # a small demo: the rule score stands alone, as it would for a new business
    with contextlib.suppress(predictive.NotEnoughOutcomes):
        model_train(seed=0)
