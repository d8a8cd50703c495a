"""Predictive scoring on the business's own history: closed leads (won against lost) turned
into feature rows, a model trained on them (``predictive``), stored, and used to give open
leads a calibrated probability of being won with the factors behind it.

A lead's features are what was known of it while it was open: its profile (fields, answers,
classification, source), when it arrived, and its behaviour *before* it was won or lost —
events after the outcome would teach the model what winning looks like afterwards, not what
predicts it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from galena.core.bulk import update_many
from galena.core.memo import config_changed, fresh, marked
from galena.leads.models import Lead, QualityStatus, Source, StageKind
from galena.quality.fit import ATTRIBUTES
from galena.scoring import predictive
from galena.scoring.models import LeadScore, PredictiveModel, TrackedEvent
from galena.scoring.services import PROFILE_LEAD_FIELDS, profile_values, settings_get

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
# An answer with more distinct values than this across leads is free text, not a category.
_MAX_ATTRIBUTE_DEPTH = 2
# Fields that say nothing about buying (free text read better by the rules).
_SKIPPED = {"comment", "referrer", "landing_page", "preferred_contact_time"}
_MODEL_CACHE: dict[str, Any] = {}


# --------------------------------------------------------------------------- features


def _flatten(prefix: str, value: Any, out: dict[str, Any], depth: int = 0) -> None:
    if isinstance(value, Mapping):
        if depth >= _MAX_ATTRIBUTE_DEPTH:
            return
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}", inner, out, depth + 1)
    elif isinstance(value, list | tuple):
        scalars = [v for v in value if isinstance(v, str | int | float) and not isinstance(v, bool)]
        if scalars:
            out[prefix] = ", ".join(sorted(str(v) for v in scalars))
    elif isinstance(value, bool):
        out[prefix] = "yes" if value else "no"
    elif isinstance(value, str | int | float):
        out[prefix] = value


def feature_row(
    values: Mapping[str, Any],
    *,
    created_at=None,
    fit_points: float | None = None,
    behaviour: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """One lead as the model reads it: profile values (as profile rules read them, answers
    flattened to ``attributes.<answer>``), arrival time, profile points and behaviour counts."""
    row: dict[str, Any] = {}
    for name in (*PROFILE_LEAD_FIELDS, "source"):
        if name in _SKIPPED or name == ATTRIBUTES:
            continue
        value = values.get(name)
        row[name] = value if value not in ("", None) else None
    row["has_company"] = "yes" if values.get("company_name") else "no"
    attributes = values.get(ATTRIBUTES)
    if isinstance(attributes, Mapping):
        _flatten(ATTRIBUTES, attributes, row)
    if created_at is not None:
        local = timezone.localtime(created_at)
        row["arrived_weekday"] = str(local.isoweekday())
        row["arrived_hour"] = local.hour
    if fit_points is not None:
        row["profile_points"] = fit_points
    for name, count in (behaviour or {}).items():
        row[name] = count
    return row


def _behaviour_counts(
    lead_ids: Sequence[int], cutoffs: Mapping[int, Any] | None = None
) -> dict[int, dict[str, int]]:
    """Per lead: tracked events by kind and page category (``events.<kind>``,
    ``pages.<category>``), counting only events before the lead's cutoff when given."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = TrackedEvent.objects.filter(lead_id__in=lead_ids).values_list(
        "lead_id", "kind", "category", "occurred_at"
    )
    for lead_id, kind, category, occurred_at in rows:
        cutoff = cutoffs.get(lead_id) if cutoffs else None
        if cutoff is not None and occurred_at >= cutoff:
            continue
        bucket = counts[lead_id]
        bucket[f"events.{kind}"] += 1
        if category:
            bucket[f"pages.{category}"] += 1
    return counts


_LEAD_FIELDS = (
    "id",
    "created_at",
    "converted_at",
    "rejected_at",
    "source_id",
    "attributes",
    *(f for f in PROFILE_LEAD_FIELDS if f != ATTRIBUTES),
)


def _rows_for(leads: Sequence[Lead], *, closed: bool) -> list[dict[str, Any]]:
    ids = [lead.pk for lead in leads]
    names = dict(
        Source.objects.filter(pk__in={lead.source_id for lead in leads} - {None}).values_list(
            "pk", "name"
        )
    )
    fit_points = dict(
        LeadScore.objects.filter(lead_id__in=ids).values_list("lead_id", "fit_points")
    )
    cutoffs = {lead.pk: lead.converted_at or lead.rejected_at for lead in leads} if closed else None
    behaviour = _behaviour_counts(ids, cutoffs)
    return [
        feature_row(
            profile_values(lead, names.get(lead.source_id, "")),
            created_at=lead.created_at,
            fit_points=fit_points.get(lead.pk, 0.0),
            behaviour=behaviour.get(lead.pk, {}),
        )
        for lead in leads
    ]


def _fill_behaviour(rows: list[dict[str, Any]]) -> None:
    """Every row names every behaviour count (0 when the lead had none): missing would
    mean "unknown", and no event is a known zero."""
    names = {k for row in rows for k in row if k.startswith(("events.", "pages."))}
    for row in rows:
        for name in names:
            row.setdefault(name, 0)


def _chunks(queryset) -> Iterator[list[Lead]]:
    """The queryset's leads in primary-key order, ``CHUNK_SIZE`` at a time."""
    last = 0
    while chunk := list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK_SIZE]):
        last = chunk[-1].pk
        yield chunk


def closed_leads() -> Any:
    """Leads whose outcome is known: won or lost, not merged away, not pseudo-leads."""
    return (
        Lead.objects.filter(
            stage__kind__in=(StageKind.WON, StageKind.LOST), merged_into__isnull=True
        )
        .exclude(quality_status=QualityStatus.REJECTED)
        .order_by("pk")
    )


def training_set(progress: Callable[[int], None] | None = None) -> tuple[list[dict], list[int]]:
    """Feature rows and outcomes (1 won, 0 lost) of every closed lead."""
    rows: list[dict[str, Any]] = []
    labels: list[int] = []
    queryset = closed_leads().select_related("stage").only(*_LEAD_FIELDS, "stage__kind")
    for chunk in _chunks(queryset):
        rows.extend(_rows_for(chunk, closed=True))
        labels.extend(1 if lead.stage.kind == StageKind.WON else 0 for lead in chunk)
        if progress is not None:
            progress(len(chunk))
    _fill_behaviour(rows)
    return rows, labels


# --------------------------------------------------------------------------- training


@dataclass(frozen=True)
class TrainResult:
    model: PredictiveModel
    predicted: int


def model_train(*, progress: Callable[[int], None] | None = None, seed: int = 0) -> TrainResult:
    """Train a model on every closed lead, make it the active one and give every open lead
    its probability. Raises ``predictive.NotEnoughOutcomes`` (the message says how many more
    are needed) when there is too little history: the rule score then stands alone."""
    settings_row = settings_get()
    rows, labels = training_set(progress)
    trained = predictive.train(
        rows,
        labels,
        min_outcomes=settings_row.min_outcomes,
        min_per_class=settings_row.min_outcomes_per_class,
        seed=seed,
    )
    won = sum(labels)
    with transaction.atomic():
        PredictiveModel.objects.filter(is_active=True).update(is_active=False)
        stored = PredictiveModel.objects.create(
            is_active=True,
            algorithm=trained.algorithm,
            trained_on=len(labels),
            won=won,
            lost=len(labels) - won,
            metrics=_json_safe(trained.metrics),
            features=[{"name": f.name, "kind": str(f.kind)} for f in trained.features],
            artifact=predictive.to_bytes(trained),
        )
    _MODEL_CACHE.clear()
    return TrainResult(model=stored, predicted=leads_predict())


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def active_model() -> tuple[int, predictive.TrainedModel] | None:
    """The active trained model (loaded once per process per model), or None. Which model
    is active is asked when the shared generation changed (core.memo) or
    ``SCORING_CONFIG_SECONDS`` passed."""
    if fresh(_MODEL_CACHE, settings.SCORING_CONFIG_SECONDS):
        return _MODEL_CACHE.get("loaded")
    mark = marked()
    found = PredictiveModel.objects.filter(is_active=True).values_list("pk", flat=True).first()
    _MODEL_CACHE.update(mark)
    _MODEL_CACHE["loaded"] = None
    if found is None:
        return None
    if _MODEL_CACHE.get("id") != found:
        artifact = (
            PredictiveModel.objects.filter(pk=found).values_list("artifact", flat=True).first()
        )
        if artifact is None:
            return None
        _MODEL_CACHE.update(id=found, model=predictive.from_bytes(bytes(artifact)))
    _MODEL_CACHE["loaded"] = (found, _MODEL_CACHE["model"])
    return _MODEL_CACHE["loaded"]


def model_forget(**_kwargs: Any) -> None:
    """Forget which model is active (a model was saved here; the other processes learn it
    from the shared generation)."""
    _MODEL_CACHE.clear()
    config_changed()


def open_leads() -> Any:
    return Lead.objects.filter(merged_into__isnull=True).exclude(
        Q(stage__kind__in=(StageKind.WON, StageKind.LOST))
        | Q(quality_status=QualityStatus.REJECTED)
    )


def leads_predict(
    *, lead_ids: Iterable[int] | None = None, progress: Callable[[int], None] | None = None
) -> int:
    """Give open leads the active model's probability (all open leads, or these); returns
    how many were written. Without a model, nothing."""
    loaded = active_model()
    if loaded is None:
        return 0
    _model_id, model = loaded
    queryset = open_leads().order_by("pk").only(*_LEAD_FIELDS, "predicted_probability")
    if lead_ids is not None:
        queryset = queryset.filter(pk__in=list(lead_ids))
    written = 0
    for chunk in _chunks(queryset):
        rows = _rows_for(chunk, closed=False)
        for name in model_behaviour_names(model):
            for row in rows:
                row.setdefault(name, 0)
        probabilities = model.predict(rows)
        changed = []
        for lead, probability in zip(chunk, probabilities, strict=True):
            value = round(float(probability), 4)
            if lead.predicted_probability != value:
                lead.predicted_probability = value
                changed.append(lead)
        if changed:
            update_many(Lead, changed, ["predicted_probability"])
        written += len(changed)
        if progress is not None:
            progress(len(chunk))
    return written


def model_behaviour_names(model: predictive.TrainedModel) -> list[str]:
    return [f.name for f in model.features if f.name.startswith(("events.", "pages."))]


# --------------------------------------------------------------------------- explaining


FEATURE_LABELS = {
    "country": gettext_lazy("country"),
    "region": gettext_lazy("region"),
    "city": gettext_lazy("city"),
    "language": gettext_lazy("language"),
    "company_name": gettext_lazy("company"),
    "has_company": gettext_lazy("gave a company"),
    "position": gettext_lazy("position"),
    "interest": gettext_lazy("interest"),
    "channel": gettext_lazy("channel"),
    "source": gettext_lazy("source"),
    "fit": gettext_lazy("fit"),
    "origin": gettext_lazy("origin"),
    "contact_type": gettext_lazy("contact type"),
    "verification": gettext_lazy("verification"),
    "arrived_weekday": gettext_lazy("weekday it arrived"),
    "arrived_hour": gettext_lazy("hour it arrived"),
    "profile_points": gettext_lazy("profile points"),
}


def feature_label(name: str) -> str:
    """A feature's name for people: "position", "answer: budget", "page views: pricing"."""
    if name in FEATURE_LABELS:
        return str(FEATURE_LABELS[name])
    if name.startswith(ATTRIBUTES + "."):
        return _("answer: %(name)s") % {"name": name[len(ATTRIBUTES) + 1 :]}
    if name.startswith("events."):
        return _("events: %(kind)s") % {"kind": name[len("events.") :].replace("_", " ")}
    if name.startswith("pages."):
        return _("pages viewed: %(category)s") % {"category": name[len("pages.") :]}
    return name.replace("_", " ")


@dataclass(frozen=True)
class FactorLine:
    label: str
    value: Any
    effect: float  # on the probability, -1…1


@dataclass(frozen=True)
class LeadPrediction:
    probability: float
    up: list[FactorLine]
    down: list[FactorLine]
    model: PredictiveModel | None


def lead_prediction(lead: Lead, *, top: int = 3) -> LeadPrediction | None:
    """The active model's probability for a lead, with the factors pushing it up and down."""
    loaded = active_model()
    if loaded is None:
        return None
    model_id, model = loaded
    row = _rows_for([lead], closed=False)[0]
    for name in model_behaviour_names(model):
        row.setdefault(name, 0)
    [explanation] = model.explain([row], top=top)
    probability = float(model.predict([row])[0])

    def lines(factors):
        return [FactorLine(feature_label(f.feature), f.value, f.effect) for f in factors]

    return LeadPrediction(
        probability=probability,
        up=lines(explanation.up),
        down=lines(explanation.down),
        model=PredictiveModel.objects.filter(pk=model_id)
        .only("id", "created_at", "algorithm", "metrics")
        .first(),
    )
