"""The demo's register of data-subject requests, about some of the demo's people: one asked
on the public page yesterday and has not confirmed yet, one access request in progress, one
erasure past its deadline (the list shows it overdue), a block done last month (carried out
by the register's own service: the person's leads are blocked, on their card and out of
routing, nurture and exports), a refused request never confirmed, a correction in progress.
Written as the services would have (each step a DataRequestEvent by the demo's data
protection officer); the register is cleared first, so a reload does not add another set.
Deterministic for a seed; it runs after the leads exist."""

from __future__ import annotations

import datetime as dt
import random

from galena.accounts.models import Profile, Role
from galena.compliance.fulfilment import carry_out
from galena.compliance.models import (
    AuditEntry,
    DataRequest,
    DataRequestEvent,
    RequestAction,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from galena.compliance.services import request_due_at
from galena.consent.models import Restriction
from galena.leads.models import ContactKind, ContactPoint, Lead, LeadEvent
from galena.nurture.models import EnrollmentStatus

DAY = dt.timedelta(days=1)

# (kind, channel, received days ago, status, steps after receipt: (action, days later, text))
STORIES = [
    (RequestKind.ERASE, RequestChannel.PUBLIC_PAGE, 1, RequestStatus.NEW, []),
    (
        RequestKind.ACCESS,
        RequestChannel.PUBLIC_PAGE,
        9,
        RequestStatus.IN_PROGRESS,
        [(RequestAction.VERIFIED, 0.1, ""), (RequestAction.TAKEN, 1, "")],
    ),
    (
        RequestKind.ERASE,
        RequestChannel.STAFF,
        34,
        RequestStatus.VERIFIED,
        [(RequestAction.VERIFIED, 0, "Letter signed by the person, copy of ID seen.")],
    ),
    (
        RequestKind.RESTRICT,
        RequestChannel.PUBLIC_PAGE,
        40,
        RequestStatus.DONE,
        [
            (RequestAction.VERIFIED, 0.2, ""),
            (RequestAction.TAKEN, 2, ""),
            (RequestAction.FULFILLED, 3, "The person's data is blocked."),
            (RequestAction.DONE, 3, "Blocked; the person was told by e-mail."),
        ],
    ),
    (
        RequestKind.WITHDRAW_CONSENT,
        RequestChannel.PUBLIC_PAGE,
        50,
        RequestStatus.REFUSED,
        [(RequestAction.REFUSED, 10, "The e-mail link was never confirmed.")],
    ),
    (
        RequestKind.RECTIFY,
        RequestChannel.STAFF,
        6,
        RequestStatus.IN_PROGRESS,
        [
            (RequestAction.VERIFIED, 0, "Called back the number on file."),
            (RequestAction.TAKEN, 0, ""),
            (RequestAction.NOTE, 1, "The company name changed last year; asked for the new one."),
        ],
    ),
]
DETAILS = {
    RequestKind.RECTIFY: "My surname is misspelled and my company has a new name.",
    RequestKind.ERASE: "Please delete everything you have about me.",
}


def demo_compliance_create(*, seed: int, now: dt.datetime) -> int:
    """Clear the register and write the stories above about random demo people."""
    DataRequest.objects.all().delete()
    rng = random.Random(seed * 7_919 + 13)  # noqa: S311 - repeatable demo data
    # the data protection officer handles the requests (an admin when there is none)
    profiles = Profile.objects.filter(user__is_active=True).select_related("user")
    officer = (
        profiles.filter(role=Role.DATA_PROTECTION_OFFICER).order_by("pk").first()
        or profiles.filter(role=Role.ADMIN).order_by("pk").first()
    )
    handler = officer.user if officer is not None else None
    emails = list(
        ContactPoint.objects.filter(kind=ContactKind.EMAIL, is_primary=True)
        .order_by("pk")
        .values_list("value", flat=True)[:500]
    )
    if len(emails) < len(STORIES):
        return 0
    people = rng.sample(emails, len(STORIES))
    # the person who had their data blocked is not one nurture is still writing to (the
    # nurture sweep would have stopped that since)
    nurtured = set(
        ContactPoint.objects.filter(
            value__in=emails,
            lead__enrollments__status=EnrollmentStatus.ACTIVE,
        ).values_list("value", flat=True)
    )
    blocked_at = next(n for n, story in enumerate(STORIES) if story[0] == RequestKind.RESTRICT)
    quiet = [e for e in emails if e not in nurtured and e not in people]
    if people[blocked_at] in nurtured and quiet:
        people[blocked_at] = rng.choice(quiet)
    for (kind, channel, days_ago, status, steps), email in zip(STORIES, people, strict=True):
        received = now - days_ago * DAY
        verified = next((received + d * DAY for a, d, _t in steps if a == "verified"), None)
        closing = next((received + d * DAY for a, d, _t in steps if a in ("done", "refused")), None)
        item = DataRequest.objects.create(
            kind=kind,
            email=email,
            details=DETAILS.get(kind, ""),
            channel=channel,
            language="en",
            received_at=received,
            due_at=request_due_at(received),
            verified_at=verified,
            status=status,
            handler=handler if status != RequestStatus.NEW else None,
            outcome=next((t for a, _d, t in steps if a in ("done", "refused")), ""),
            closed_at=closing,
        )
        staff = handler if channel == RequestChannel.STAFF else None
        events = [
            DataRequestEvent(
                request=item, action=RequestAction.RECEIVED, occurred_at=received, actor=staff
            )
        ]
        for action, days, text in steps:
            by_link = action == RequestAction.VERIFIED and channel == RequestChannel.PUBLIC_PAGE
            events.append(
                DataRequestEvent(
                    request=item,
                    action=action,
                    occurred_at=received + days * DAY,
                    actor=None if by_link else handler,
                    text=text,
                    params={"how": "email_link" if by_link else "staff"}
                    if action == RequestAction.VERIFIED
                    else {},
                )
            )
        DataRequestEvent.objects.bulk_create(events)
        if kind == RequestKind.RESTRICT and status == RequestStatus.DONE and handler:
            _blocked(item, handler, when=closing or received)
    return len(STORIES)


def _blocked(item: DataRequest, handler, *, when: dt.datetime) -> None:
    """Carry the block out as the register does, dated the day it was done."""
    result = carry_out(actor=handler, data_request=item)
    restriction_id = result.params["restriction_id"]
    Restriction.objects.filter(pk=restriction_id).update(requested_at=when)
    marked = LeadEvent.objects.filter(type="restricted", params__restriction=restriction_id)
    lead_ids = list(marked.values_list("lead_id", flat=True))
    marked.update(occurred_at=when)
    # the lead was last touched by its latest event: the block, when it is the latest
    Lead.objects.filter(pk__in=lead_ids, updated_at__lt=when).update(updated_at=when)
    AuditEntry.objects.filter(params__restriction_id=restriction_id).update(occurred_at=when)


def demo_compliance_wipe() -> None:
    """The register goes with the demo's people (its audit log stays: it is evidence)."""
    DataRequest.objects.all().delete()
