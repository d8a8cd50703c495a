"""The match model as stored: ``ComparisonWeight`` rows and the ``MatchSettings`` row, read
into a ``MatchModel`` (cached briefly, as every submission needs it) and written back after
an EM estimate."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

from galena.matching.comparisons import COMPARISONS
from galena.matching.model import MatchModel
from galena.matching.models import ComparisonWeight, MatchSettings, WeightSource

CACHE_KEY = "galena:matching:model"
CACHE_SECONDS = 30


def settings_row() -> MatchSettings:
    """The matching settings (the seeded row; defaults if it was deleted)."""
    return MatchSettings.objects.order_by("pk").first() or MatchSettings()


# this process's copy, for CACHE_SECONDS: the stage asks for every batch, and even a
# local-memory cache unpickles the model each time
_local: dict[str, tuple[float, MatchModel]] = {}


def match_model(*, cached: bool = True) -> MatchModel:
    """The model the stage and ``galena dedupe`` score with: stored weights and thresholds
    (kept CACHE_SECONDS in this process and in the shared cache)."""
    if cached:
        held = _local.get(CACHE_KEY)
        if held is not None and held[0] > time.monotonic():
            return held[1]
        model = cache.get(CACHE_KEY)
        if model is not None:
            _local[CACHE_KEY] = (time.monotonic() + CACHE_SECONDS, model)
            return model
    row = settings_row()
    model = MatchModel.from_rows(
        {(w.comparison, w.level): (w.m, w.u) for w in ComparisonWeight.objects.all()},
        prior=row.prior,
        same_threshold=row.same_threshold,
        possible_threshold=row.possible_threshold,
    )
    cache.set(CACHE_KEY, model, CACHE_SECONDS)
    _local[CACHE_KEY] = (time.monotonic() + CACHE_SECONDS, model)
    return model


def match_model_forget() -> None:
    """After the weights change: this process reads them at once, others within
    CACHE_SECONDS."""
    cache.delete(CACHE_KEY)
    _local.clear()


@transaction.atomic
def weights_store(*, model: MatchModel, source: str = WeightSource.ESTIMATED) -> None:
    """Store a model's m and u for every level, and its prior."""
    rows = model.rows()
    existing = {(w.comparison, w.level): w for w in ComparisonWeight.objects.select_for_update()}
    for key, (m, u) in rows.items():
        weight = existing.get(key) or ComparisonWeight(comparison=key[0], level=key[1])
        weight.m, weight.u, weight.source = m, u, source
        weight.save()
    settings = settings_row()
    settings.prior = model.prior
    settings.save()
    transaction.on_commit(match_model_forget)


def weights_sync(*, weight_model=ComparisonWeight, settings_model=MatchSettings) -> None:
    """Create the rows of levels that have none (with the code's defaults) and the settings
    row; rows that exist are kept. Called by the seed migration with historical models."""
    existing = set(weight_model.objects.values_list("comparison", "level"))
    weight_model.objects.bulk_create(
        weight_model(comparison=c.code, level=level.code, m=level.m, u=level.u, source="default")
        for c in COMPARISONS
        for level in c.levels
        if (c.code, level.code) not in existing
    )
    if not settings_model.objects.exists():
        settings_model.objects.create()
