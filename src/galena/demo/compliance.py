"""The demo's register of data-subject requests, about some of the demo's people: one asked
on the public page yesterday and has not confirmed yet, one access request in progress, one
erasure past its deadline (the list shows it overdue), a block done last month, a refused
request never confirmed, a correction in progress. Written as the services would have (each
step a DataRequestEvent by the demo's admin); the register is cleared first, so a reload
does not add another set. Deterministic for a seed; it runs after the leads exist."""

from __future__ import annotations

import datetime as dt
import random

from galena.accounts.models import Profile, Role
from galena.compliance.models import (
    DataRequest,
    DataRequestEvent,
    RequestAction,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from galena.compliance.services import request_due_at
from galena.leads.models import ContactKind, ContactPoint

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
    admin = (
        Profile.objects.filter(role=Role.ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    handler = admin.user if admin is not None else None
    emails = list(
        ContactPoint.objects.filter(kind=ContactKind.EMAIL, is_primary=True)
        .order_by("pk")
        .values_list("value", flat=True)[:500]
    )
    if len(emails) < len(STORIES):
        return 0
    people = rng.sample(emails, len(STORIES))
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
    return len(STORIES)


def demo_compliance_wipe() -> None:
    """The register goes with the demo's people (its audit log stays: it is evidence)."""
    DataRequest.objects.all().delete()
