"""Nurture's part of the JSON API: the sequences, stopping a lead's nurture, and the farewell
questionnaire's answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from galena.accounts.roles import can_see_marketing, can_work_leads
from galena.core.api import ErrorOut, QuerySchema, keyset_page
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import ActorSource
from galena.leads.services import Actor
from galena.nurture import selectors, services
from galena.nurture.models import EnrollmentStatus, Sequence, StopReason

router = Router(tags=["nurture"])

READ_ERRORS = {401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class StepOut(Schema):
    order: int
    language: str = Field(description="Empty: for every language without its own version.")
    wait_days: int | None = Field(description="Days after the previous e-mail.")
    send_on: dt.date | None = Field(description="Or a fixed date (a holiday greeting).")
    repeat_yearly: bool
    subject: str


class SequenceOut(Schema):
    id: int
    name: str
    audience: str = Field(description="rejected, deferred or cold.")
    rejection_reasons: list[str]
    source_ids: list[int]
    languages: list[str]
    is_active: bool
    active_enrollments: int
    steps: list[StepOut]


@router.get(
    "/nurture/sequences",
    response={200: list[SequenceOut], **READ_ERRORS},
    summary="List nurture sequences",
)
def list_sequences(request: HttpRequest):
    """Every nurture sequence with its audience rules, its steps and how many leads are in
    it now."""
    user = _user(request)
    if not (can_work_leads(user) or can_see_marketing(user)):
        raise PermissionDenied("Your role does not give access to nurture sequences.")
    sequences = (
        Sequence.objects.annotate(
            active=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE))
        )
        .prefetch_related("steps", "sources")
        .order_by("name")
    )
    return [
        {
            "id": sequence.pk,
            "name": sequence.name,
            "audience": sequence.audience,
            "rejection_reasons": sequence.rejection_reasons,
            "source_ids": [source.pk for source in sequence.sources.all()],
            "languages": sequence.languages,
            "is_active": sequence.is_active,
            "active_enrollments": sequence.active,
            "steps": list(sequence.steps.all()),
        }
        for sequence in sequences
    ]


class StopIn(Schema):
    sequence_id: int | None = Field(None, description="One sequence; none: every sequence.")


class StopOut(Schema):
    stopped: int = Field(description="How many active enrolments were stopped.")


@router.post(
    "/leads/{lead_id}/nurture/stop",
    response={200: StopOut, **WRITE_ERRORS},
    summary="Stop a lead's nurture e-mails",
)
def stop_nurture(request: HttpRequest, lead_id: int, payload: StopIn):
    """Stop the lead's nurture sequences (all, or one): no more e-mails go out; a
    ``nurture_stopped`` event says who stopped them."""
    user = _user(request)
    lead = access.lead_get_for(user=user, lead_id=lead_id)
    sequence = None
    if payload.sequence_id is not None:
        sequence = Sequence.objects.filter(pk=payload.sequence_id).first()
        if sequence is None:
            raise ValidationFailed({"sequence_id": f"No sequence with id {payload.sequence_id}."})
    stopped = services.enrollments_stop(
        actor=Actor(user=user, source=ActorSource.API),
        lead=lead,
        reason=StopReason.BY_HAND,
        sequence=sequence,
    )
    return {"stopped": stopped}


class AnswersQuery(QuerySchema):
    since: dt.datetime | None = Field(None, description="Answers given at or after this time.")
    cursor: str | None = None
    limit: int = Field(settings.API_PAGE_SIZE, ge=1, le=settings.API_MAX_PAGE_SIZE)


class AnswerOut(Schema):
    id: int
    lead_id: int
    answered_at: dt.datetime
    answers: dict[str, Any] = Field(description="Question code → the answer.")
    may_write_later: bool | None
    sent_at: dt.datetime
    rejection_reason: str = Field(description="The reason's code when the farewell was sent.")
    source: str | None


class AnswerPageOut(Schema):
    items: list[AnswerOut]
    next_cursor: str | None


@router.get(
    "/nurture/farewell-answers",
    response={200: AnswerPageOut, 400: ErrorOut, **READ_ERRORS},
    summary="List farewell questionnaire answers",
)
def list_farewell_answers(request: HttpRequest, query: Query[AnswersQuery]):
    """What rejected leads answered, newest first, for heads of sales (their team's leads),
    marketers and admins."""
    answers = selectors.farewell_answers(user=_user(request), since=query.since)
    items, next_cursor = keyset_page(
        answers,
        ordering=("-answered_at", "-id"),
        scope="farewell-answers",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {
        "items": [
            {
                "id": answer.pk,
                "lead_id": answer.lead_id,
                "answered_at": answer.answered_at,
                "answers": answer.answers,
                "may_write_later": answer.may_write_later,
                "sent_at": answer.invitation.sent_at,
                "rejection_reason": answer.invitation.rejection_reason_code,
                "source": answer.lead.source.name if answer.lead.source_id else None,
            }
            for answer in items
        ],
        "next_cursor": next_cursor,
    }
