"""Reads of the work on a lead: the card's activities panel and a manager's day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from galena.activities.models import (
    EmailStatus,
    EmailTemplate,
    Meeting,
    MeetingStatus,
    SentEmail,
)
from galena.leads.models import EventType, Lead, LeadEvent, StageKind, Task, TaskKind, Temperature

SENT_SHOWN = 10
REPLIES_DAYS = 3
DAY_LIST_LIMIT = 100


def email_templates_for(lead: Lead | None = None):
    """Active templates: those in the lead's language first, then those for any language,
    then the others (one query; nothing hidden, the manager chooses)."""
    language = ((lead.language if lead else "") or "").split("-")[0].lower()
    whens = [When(language__iexact=language, then=Value(0))] if language else []
    fit = Case(
        *whens, When(language="", then=Value(1)), default=Value(2), output_field=IntegerField()
    )
    return (
        EmailTemplate.objects.filter(is_active=True)
        .alias(fit=fit)
        .order_by("fit", "order", "name", "id")
    )


def lead_sent_emails(*, lead: Lead, limit: int = SENT_SHOWN) -> list[SentEmail]:
    return list(lead.sent_emails.select_related("sender").order_by("-created_at", "-id")[:limit])


def lead_meetings(*, lead: Lead) -> list[Meeting]:
    """The lead's meetings still to come, soonest first."""
    return list(
        lead.meetings.filter(
            status=MeetingStatus.SCHEDULED, ends_at__gte=timezone.now() - dt.timedelta(hours=1)
        ).order_by("starts_at", "id")
    )


@dataclass
class Day:
    """A manager's day: what is late, what is due today, who waits for an answer."""

    user: Any
    start: dt.datetime
    end: dt.datetime
    overdue: list[Task] = field(default_factory=list)
    calls: list[Task] = field(default_factory=list)
    today: list[Task] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    waiting: list[Lead] = field(default_factory=list)
    replies: list[LeadEvent] = field(default_factory=list)
    failed_emails: list[SentEmail] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.overdue
            or self.calls
            or self.today
            or self.meetings
            or self.waiting
            or self.replies
        )


def day_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Today in the current time zone, as [start, end) instants."""
    now = timezone.localtime(now)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def my_day(*, user, now: dt.datetime | None = None) -> Day:
    """The user's day in six indexed queries, whatever the number of tasks: overdue tasks,
    calls and other tasks due today (task_assignee_due), meetings today
    (meeting_organizer_day), hot or unanswered leads whose first response is due
    (lead_owner_response_due), replies of the last days and e-mails that failed."""
    now = now or timezone.now()
    start, end = day_bounds(now)
    open_tasks = (
        Task.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("lead", "lead__stage")
        # by due time alone, so the (assignee, done_at, due_at) index gives the order and the
        # limit stops the scan (an id tie-break forces a sort of every open task)
        .order_by("due_at")
    )
    overdue = list(open_tasks.filter(due_at__lt=now)[:DAY_LIST_LIMIT])
    due_today = list(
        open_tasks.filter(due_at__gte=now, due_at__lt=end).exclude(kind=TaskKind.MEETING)[
            :DAY_LIST_LIMIT
        ]
    )
    meetings = list(
        Meeting.objects.filter(
            organizer=user, status=MeetingStatus.SCHEDULED, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("lead")
        .order_by("starts_at", "id")
    )
    waiting = list(
        Lead.objects.filter(
            owner=user,
            first_response_at__isnull=True,
            merged_into__isnull=True,
            stage__kind=StageKind.OPEN,
        )
        .filter(Q(response_due_at__isnull=False) | Q(temperature=Temperature.HOT))
        .select_related("stage")
        .order_by("response_due_at", "-created_at")[:DAY_LIST_LIMIT]
    )
    replies = list(
        LeadEvent.objects.filter(
            type=EventType.EMAIL_RECEIVED,
            occurred_at__gte=now - dt.timedelta(days=REPLIES_DAYS),
            lead__owner=user,
        )
        .select_related("lead")
        .order_by("-occurred_at", "-id")[:20]
    )
    failed = list(
        SentEmail.objects.filter(sender=user, status=EmailStatus.FAILED)
        .select_related("lead")
        .order_by("-created_at")[:20]
    )
    return Day(
        user=user,
        start=start,
        end=end,
        overdue=overdue,
        calls=[t for t in due_today if t.kind == TaskKind.CALL],
        today=[t for t in due_today if t.kind != TaskKind.CALL],
        meetings=meetings,
        waiting=waiting,
        replies=replies,
        failed_emails=failed,
    )
