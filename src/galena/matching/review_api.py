"""The possible-duplicate review API: the open pairs with their evidence, and "not the same
person". Merging a pair is the matching API's POST /matching/merges.

Views are thin: reads go through galena.matching.review, the decision through
galena.matching.duplicates, and every refusal is an ApplicationError that the API turns
into its JSON error envelope.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from galena.core.api import ErrorOut, keyset_page
from galena.leads.api import Out, PageQuery, UserRef
from galena.matching import review
from galena.matching.duplicates import duplicate_dismiss
from galena.matching.models import DuplicateCandidate, DuplicateFoundBy, DuplicateStatus

router = Router(tags=["matching"])

LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
ORDERING = ("-probability", "-id")


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


class PairLeadOut(Out):
    id: int
    display_name: str

    @staticmethod
    def resolve_display_name(lead: Any) -> str:
        return str(lead)


class ComparisonOut(Out):
    comparison: str = Field(description="The comparison's code, e.g. first_name, phone.")
    level: str = Field(description="The agreement level's code, e.g. exact, nickname.")
    weight: float = Field(description="What it counted, in bits: + for one person, − against.")
    label: str = Field(description="The comparison in words, in the request's language.")
    level_label: str = Field(description="The level in words, in the request's language.")


class ExplanationOut(Out):
    prior_weight: float | None = Field(description="Where every pair starts, in bits.")
    match_weight: float | None = Field(description="The prior plus every comparison's weight.")
    household: bool = Field(
        description="The first names differ outright: what a household shares (phone, "
        "e-mail, address) counted for nothing."
    )
    swapped_names: bool = Field(description="First and last names were compared crosswise.")
    fields: list[ComparisonOut] = Field(description="Every comparison both leads had data for.")


class DuplicateOut(Out):
    id: int
    lead: PairLeadOut = Field(description="The newer lead.")
    other: PairLeadOut = Field(description="The older lead.")
    probability: float = Field(description="That both are the same person, 0..1.")
    weight: float = Field(description="The match weight, in bits (log2 of the odds).")
    found_by: DuplicateFoundBy = Field(description="intake, batch (galena dedupe) or card.")
    status: DuplicateStatus = Field(description="open, merged or dismissed.")
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by: UserRef | None
    explanation: ExplanationOut

    @staticmethod
    def resolve_explanation(pair: DuplicateCandidate) -> dict[str, Any]:
        return dataclasses.asdict(review.explanation_of(pair.explanation))


class DuplicatePageOut(Out):
    items: list[DuplicateOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class DuplicateQuery(PageQuery):
    found_by: DuplicateFoundBy | None = Field(None, description="Only pairs found this way.")
    min_probability: float | None = Field(
        None, ge=0, le=1, description="Only pairs at least this probable (0..1)."
    )
    lead: int | None = Field(None, description="Only pairs this lead id is in, either side.")


@router.get(
    "/matching/duplicates",
    response={200: DuplicatePageOut, **LIST_ERRORS},
    summary="Possible duplicates",
)
def list_duplicates(request: HttpRequest, query: Query[DuplicateQuery]):
    """Open pairs of leads that may be the same person, most probable first, with the
    evidence: each comparison's level and weight. Only pairs whose both leads you may see;
    merged leads are left out. For heads of sales and admins."""
    filters = review.DuplicateFilters(
        found_by=query.found_by or "", min_probability=query.min_probability, lead=query.lead
    )
    pairs = review.duplicates_open(user=_user(request), filters=filters)
    items, next_cursor = keyset_page(
        pairs.prefetch_related(None).select_related("decided_by"),  # no contacts here
        ordering=ORDERING,
        scope="matching-duplicates",
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/matching/duplicates/{candidate_id}/dismiss",
    response={200: DuplicateOut, **WRITE_ERRORS},
    summary="Not the same person",
)
def dismiss_duplicate(request: HttpRequest, candidate_id: int):
    """Keep the two leads apart: the pair leaves the queue and is not asked again. A pair
    already merged or dismissed is refused (400) and left as it is."""
    user = _user(request)
    pair = review.duplicate_for(user=user, candidate_id=candidate_id)
    duplicate_dismiss(candidate=pair, user=user)
    return review.duplicate_for(user=user, candidate_id=candidate_id)
