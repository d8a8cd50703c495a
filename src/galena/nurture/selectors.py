"""Reads of the deferred-demand base: the base's list with its counts, the card panel's
facts and the farewell answers' report. Each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext

from galena.accounts.models import Role
from galena.accounts.roles import MARKETING_ROLES, role_of
from galena.consent.models import ConsentRecord, ConsentStatus, Purpose
from galena.core.errors import PermissionDenied
from galena.leads import access
from galena.leads.models import Lead, Stage, StageKind, Temperature
from galena.nurture.consent import marketing_email_allowed_many
from galena.nurture.models import (
    Enrollment,
    EnrollmentStatus,
    FarewellAnswer,
    FarewellInvitation,
    FarewellQuestion,
    QuestionKind,
)

DEFERRED_KINDS = (StageKind.LOST, StageKind.DEFERRED)
PAGE_SIZE = 50


def deferred_stage_ids() -> list[int]:
    return list(Stage.objects.filter(kind__in=DEFERRED_KINDS).values_list("pk", flat=True))


@dataclass(frozen=True)
class BaseFilters:
    """The base's filters: ``kind`` rejected/deferred, a rejection reason code, a source
    and owner id (owner 0: nobody), ``due``: recontact date passed or within a week,
    ``consent`` "yes"/"no" for marketing e-mail, ``q`` a name, company or contact."""

    kind: str = ""
    reason: str = ""
    source: int | None = None
    owner: int | None = None
    due: bool = False
    consent: str = ""
    q: str = ""


def _consented() -> Q:
    """Leads whose latest marketing e-mail record in the consent ledger, through the lead, is
    "given" (a filter's approximation: each e-mail is decided by
    consent.marketing_email_allowed, which also reads the records of the lead's address)."""
    latest = (
        ConsentRecord.objects.filter(lead=OuterRef("pk"), purpose=Purpose.MARKETING_EMAIL)
        .order_by("-recorded_at", "-id")
        .values("status")[:1]
    )
    return Q(Exact(Coalesce(Subquery(latest), Value("")), ConsentStatus.GIVEN))


def base_queryset(*, user, filters: BaseFilters, with_reason: bool = True) -> QuerySet[Lead]:
    """The rejected and deferred leads the user may see, filtered."""
    leads = access.leads_visible_to(user).filter(stage_id__in=deferred_stage_ids())
    if filters.kind in DEFERRED_KINDS:
        leads = leads.filter(stage__kind=filters.kind)
    if with_reason and filters.reason:
        leads = leads.filter(rejection_reason__code=filters.reason)
    if filters.source is not None:
        leads = leads.filter(source_id=filters.source)
    if filters.owner == 0:
        leads = leads.filter(owner__isnull=True)
    elif filters.owner is not None:
        leads = leads.filter(owner_id=filters.owner)
    if filters.due:
        leads = leads.filter(recontact_at__lte=timezone.now() + dt.timedelta(days=7))
    if filters.consent == "yes":
        leads = leads.filter(_consented())
    elif filters.consent == "no":
        leads = leads.exclude(_consented())
    if filters.q.strip():
        leads = leads.filter(search_text__contains=filters.q.strip().casefold())
    return leads


@dataclass
class BaseRow:
    lead: Lead
    enrollments: list[Enrollment] = field(default_factory=list)
    invitation: FarewellInvitation | None = None
    answer: FarewellAnswer | None = None
    may_email: bool = False
    refusal: str = ""


@dataclass
class DeferredBase:
    page: Page
    rows: list[BaseRow]
    reason_counts: list[dict[str, Any]]
    total: int


def deferred_base(*, user, filters: BaseFilters, page_number: int = 1) -> DeferredBase:
    """One page of the base: each lead with its reason, recontact date, nurture, farewell
    and consent; counts per reason. A fixed number of queries whatever the page's size."""
    leads = (
        base_queryset(user=user, filters=filters)
        .select_related("stage", "owner", "source", "rejection_reason")
        .order_by(F("recontact_at").asc(nulls_last=True), "-rejected_at", "-id")
    )
    page = Paginator(leads, PAGE_SIZE).get_page(page_number)
    page_leads = list(page.object_list)
    ids = [lead.pk for lead in page_leads]
    enrollments: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in (
        Enrollment.objects.filter(lead_id__in=ids, status=EnrollmentStatus.ACTIVE)
        .select_related("sequence")
        .order_by("next_send_at")
    ):
        enrollments[enrollment.lead_id].append(enrollment)
    invitations = {
        invitation.lead_id: invitation
        for invitation in FarewellInvitation.objects.filter(lead_id__in=ids).select_related(
            "answer"
        )
    }
    permissions = marketing_email_allowed_many(ids)
    rows = []
    for lead in page_leads:
        invitation = invitations.get(lead.pk)
        permission = permissions.get(lead.pk)
        rows.append(
            BaseRow(
                lead=lead,
                enrollments=enrollments.get(lead.pk, []),
                invitation=invitation,
                answer=getattr(invitation, "answer", None) if invitation else None,
                may_email=bool(permission and permission.allowed),
                refusal=permission.reason if permission else "",
            )
        )
    counts = (
        base_queryset(user=user, filters=filters, with_reason=False)
        .values("rejection_reason__code", "rejection_reason__name")
        .annotate(leads=Count("pk"))
        .order_by("-leads", "rejection_reason__code")
    )
    reason_counts = [
        {
            "code": row["rejection_reason__code"] or "",
            "name": gettext(row["rejection_reason__name"]) if row["rejection_reason__name"] else "",
            "leads": row["leads"],
        }
        for row in counts
    ]
    return DeferredBase(
        page=page, rows=rows, reason_counts=reason_counts, total=page.paginator.count
    )


# --- the card panel -------------------------------------------------------------------


@dataclass
class CardNurture:
    in_base: bool
    kind: str
    enrollments: list[Enrollment]
    invitation: FarewellInvitation | None
    answer: FarewellAnswer | None
    questions: list[FarewellQuestion]
    may_email: bool
    refusal: str


def card_nurture(lead: Lead) -> CardNurture:
    """What the card's nurture panel shows of one lead: nothing to read for an open lead
    that is not cold (only cold ones are nurtured in the pipeline), six queries for a lead
    in the deferred-demand base."""
    kind = lead.stage.kind
    in_base = kind in DEFERRED_KINDS
    if not in_base and lead.temperature != Temperature.COLD:
        return CardNurture(False, kind, [], None, None, [], False, "")
    enrollments = list(
        Enrollment.objects.filter(lead=lead)
        .select_related("sequence")
        .order_by("-enrolled_at")[:10]
    )
    if not in_base and not enrollments:
        return CardNurture(False, kind, [], None, None, [], False, "")
    invitation = (
        FarewellInvitation.objects.filter(lead=lead)
        .select_related("answer", "questionnaire")
        .first()
    )
    answer = getattr(invitation, "answer", None) if invitation else None
    questions = list(invitation.questionnaire.questions.all()) if answer else []
    permission = marketing_email_allowed_many([lead.pk])[lead.pk]
    return CardNurture(
        in_base=in_base,
        kind=kind,
        enrollments=enrollments,
        invitation=invitation,
        answer=answer,
        questions=questions,
        may_email=permission.allowed,
        refusal=permission.reason,
    )


# --- the farewell answers' report -----------------------------------------------------

REPORT_ROLES = MARKETING_ROLES | {Role.HEAD_OF_SALES}


def require_report_access(user) -> None:
    if role_of(user) not in REPORT_ROLES:
        raise PermissionDenied("The farewell answers are for heads of sales and marketers.")


def _report_invitations(user, days: int) -> QuerySet[FarewellInvitation]:
    since = timezone.now() - dt.timedelta(days=days)
    invitations = FarewellInvitation.objects.filter(sent_at__gte=since)
    if role_of(user) == Role.HEAD_OF_SALES:
        # a head of sales reads their team's leads' answers
        condition = access.visible_leads_filter(user)
        invitations = invitations.filter(lead__in=Lead.objects.filter(condition))
    return invitations


@dataclass
class ReportGroup:
    key: str
    name: str
    sent: int = 0
    answered: int = 0
    choices: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    scale_sum: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    scale_count: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None

    @property
    def ranked(self) -> dict[str, list[tuple[str, int]]]:
        """Each choice question's answers, most picked first."""
        return {code: counter.most_common() for code, counter in self.choices.items()}

    @property
    def averages(self) -> dict[str, float]:
        """Each scale question's average answer."""
        return {
            code: round(self.scale_sum[code] / count, 1)
            for code, count in self.scale_count.items()
            if count
        }


@dataclass
class FarewellReport:
    days: int
    questions: list[FarewellQuestion]
    by_reason: list[ReportGroup]
    by_source: list[ReportGroup]
    total: ReportGroup
    texts: list[dict[str, Any]]

    @property
    def is_empty(self) -> bool:
        return self.total.sent == 0


def _add(group: ReportGroup, answers: dict | None, kinds: dict[str, str]) -> None:
    group.sent += 1
    if answers is None:
        return
    group.answered += 1
    for code, value in answers.items():
        if kinds.get(code) == QuestionKind.CHOICE:
            group.choices[code][value] += 1
        elif kinds.get(code) == QuestionKind.SCALE and isinstance(value, int):
            group.scale_sum[code] += value
            group.scale_count[code] += 1


def farewell_report(*, user, days: int = 365) -> FarewellReport:
    """Farewell e-mails sent in the period and their answers, per rejection reason and
    per source: how many answered, how each choice was picked, the scales' averages and
    the latest free-text answers. Three queries."""
    require_report_access(user)
    rows = list(
        _report_invitations(user, days)
        .values(
            "rejection_reason_code",
            "lead__rejection_reason__name",
            "lead__source_id",
            "lead__source__name",
            "answer__answers",
            "answer__answered_at",
        )
        .order_by("-answer__answered_at")
    )
    questions = list(FarewellQuestion.objects.filter(questionnaire__is_active=True))
    kinds = {question.code: question.kind for question in questions}
    reasons: dict[str, ReportGroup] = {}
    sources: dict[str, ReportGroup] = {}
    total = ReportGroup(key="", name="")
    texts = []
    for row in rows:
        answers = row["answer__answers"]
        reason = row["rejection_reason_code"] or ""
        reason_group = reasons.setdefault(
            reason,
            ReportGroup(
                key=reason,
                name=gettext(row["lead__rejection_reason__name"] or reason),
            ),
        )
        source = str(row["lead__source_id"] or "")
        source_group = sources.setdefault(
            source, ReportGroup(key=source, name=row["lead__source__name"] or "")
        )
        for group in (reason_group, source_group, total):
            _add(group, answers, kinds)
        if answers and len(texts) < 50:
            for code, value in answers.items():
                if kinds.get(code) == QuestionKind.TEXT and value:
                    texts.append(
                        {"question": code, "text": value, "at": row["answer__answered_at"]}
                    )
    order = lambda groups: sorted(groups.values(), key=lambda g: (-g.sent, g.name))  # noqa: E731
    return FarewellReport(
        days=days,
        questions=questions,
        by_reason=order(reasons),
        by_source=order(sources),
        total=total,
        texts=texts,
    )


def farewell_answers(*, user, since: dt.datetime | None = None) -> QuerySet[FarewellAnswer]:
    """The farewell answers the user may read (heads of sales: their team's leads), with
    the lead's rejection reason and source."""
    require_report_access(user)
    answers = FarewellAnswer.objects.select_related(
        "invitation", "lead__source", "lead__rejection_reason"
    )
    if role_of(user) == Role.HEAD_OF_SALES:
        answers = answers.filter(lead__in=Lead.objects.filter(access.visible_leads_filter(user)))
    if since is not None:
        answers = answers.filter(answered_at__gte=since)
    return answers


# --- the admin's preview of a sequence ------------------------------------------------


@dataclass
class SequencePreview:
    matching: int
    sample: list[tuple[Lead, bool, str]]  # lead, may get marketing e-mail, refusal


def sequence_audience(sequence) -> QuerySet[Lead]:
    """The leads a sequence's audience rules take now (consent is checked per e-mail)."""
    leads = Lead.objects.filter(merged_into__isnull=True)
    if sequence.audience == "rejected":
        leads = leads.filter(stage__kind=StageKind.LOST)
        if sequence.rejection_reasons:
            leads = leads.filter(rejection_reason__code__in=sequence.rejection_reasons)
    elif sequence.audience == "deferred":
        leads = leads.filter(stage__kind=StageKind.DEFERRED)
    else:
        leads = leads.filter(stage__kind=StageKind.OPEN, temperature="cold")
    if sequence.pk and sequence.sources.exists():
        leads = leads.filter(source__in=sequence.sources.all())
    if sequence.languages:
        language = Q()
        for code in sequence.languages:
            language |= Q(language__iexact=code) | Q(language__istartswith=f"{code}-")
        leads = leads.filter(language)
    return leads


def sequence_preview(sequence, *, limit: int = 20) -> SequencePreview:
    """Who the sequence would take now: how many, and a sample with their consent."""
    leads = sequence_audience(sequence)
    sample = list(leads.order_by("-id")[:limit])
    permissions = marketing_email_allowed_many(lead.pk for lead in sample)
    return SequencePreview(
        matching=leads.count(),
        sample=[
            (lead, permissions[lead.pk].allowed, permissions[lead.pk].reason) for lead in sample
        ],
    )
