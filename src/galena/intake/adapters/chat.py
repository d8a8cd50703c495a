"""The chat adapter: a site chat or messenger dialog posted to /api/v1/inbound/chat/<key>
(authenticated by ``Authorization: Bearer <secret>`` or an HMAC-SHA256 X-Galena-Signature).

{channel, dialog_id, visitor_id, started_at, messages: [{from, text, at}], contact: {name,
phone, email, telegram…}, utm_source…, page, referrer} becomes a lead with the transcript as
a CHAT event and the messenger handle as a contact. A later post of the same dialog (keyed by
dialog id and its last message's time) adds the messages not yet recorded to the same lead."""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.adapters import capture
from galena.intake.adapters.common import (
    SIGNATURE_HEADER,
    Unauthenticated,
    aware_datetime,
    check_sha256_signature,
    json_object,
    text,
)
from galena.intake.contract import Attribution, ParsedSubmission, Person, Signals, TimelineEntry
from galena.leads.models import Channel, ContactKind, EventType
from galena.leads.services import ContactInput

SENDERS = ("visitor", "agent", "bot", "system")
MAX_MESSAGES = 1000
MAX_MESSAGE_CHARS = 10_000
MAX_DIALOG_ID_CHARS = 80
KEPT_HEADERS = ("User-Agent", "Content-Type")
ATTRIBUTION_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def validate(data: Mapping[str, Any]) -> dict[str, str]:
    """Field -> what is wrong with a posted dialog; empty when it can be stored."""
    errors: dict[str, str] = {}
    dialog_id = data.get("dialog_id")
    if isinstance(dialog_id, bool) or not isinstance(dialog_id, str | int) or not text(dialog_id):
        errors["dialog_id"] = "This field is required: the dialog's id, the same in every post."
    elif len(text(dialog_id)) > MAX_DIALOG_ID_CHARS:
        errors["dialog_id"] = f"Use at most {MAX_DIALOG_ID_CHARS} characters."
    if data.get("channel") is not None and (
        not isinstance(data["channel"], str) or len(data["channel"]) > 40
    ):
        errors["channel"] = "Name the channel in at most 40 characters, e.g. telegram."
    if data.get("started_at") not in (None, "") and aware_datetime(data["started_at"]) is None:
        errors["started_at"] = "Give the time as ISO 8601 with its zone, e.g. 2026-05-01T15:00Z."
    messages = data.get("messages")
    if not isinstance(messages, list):
        errors["messages"] = "Expected a list of {from, text, at}."
    elif len(messages) > MAX_MESSAGES:
        errors["messages"] = f"Send at most {MAX_MESSAGES} messages in one post."
    else:
        for i, message in enumerate(messages):
            path = f"messages[{i}]"
            if not isinstance(message, dict):
                errors[path] = "Expected an object {from, text, at}."
                continue
            if message.get("from") not in SENDERS:
                errors[f"{path}.from"] = f"Use one of: {', '.join(SENDERS)}."
            if not isinstance(message.get("text"), str):
                errors[f"{path}.text"] = "Expected the message's text."
            elif len(message["text"]) > MAX_MESSAGE_CHARS:
                errors[f"{path}.text"] = f"Use at most {MAX_MESSAGE_CHARS} characters."
            if aware_datetime(message.get("at")) is None:
                errors[f"{path}.at"] = "Give the time as ISO 8601 with its zone."
    contact = data.get("contact")
    if contact is not None and not isinstance(contact, dict):
        errors["contact"] = "Expected an object such as {name, phone, email, telegram}."
    elif isinstance(contact, dict):
        for name, value in contact.items():
            if value is not None and not isinstance(value, str | int | float):
                errors[f"contact.{name}"] = "Expected text."
            elif len(text(value)) > 320:
                errors[f"contact.{name}"] = "Use at most 320 characters."
    for name in (*ATTRIBUTION_FIELDS, "page", "referrer", "visitor_id"):
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 2000):
            errors[name] = "Expected text of at most 2000 characters."
    return errors


def check_auth(*, integration, body: bytes, headers: Mapping[str, str]) -> None:
    """A bearer secret or an HMAC signature: 401 with neither, 403 when it is wrong."""
    authorization = headers.get("Authorization", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), integration.secret.encode()
        ):
            raise PermissionDenied(
                "The bearer secret is not this integration's secret.", field="Authorization"
            )
        return
    if not headers.get(SIGNATURE_HEADER):
        raise Unauthenticated(
            "Authenticate with 'Authorization: Bearer <the integration's secret>' or sign the "
            f"body: {SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body>."
        )
    check_sha256_signature(
        secret=integration.secret,
        body=body,
        header=headers.get(SIGNATURE_HEADER),
        name=SIGNATURE_HEADER,
    )


def _last_time(data: Mapping[str, Any]) -> dt.datetime | None:
    times = [aware_datetime(m.get("at")) for m in data.get("messages") or []]
    times = [t for t in times if t is not None]
    return max(times) if times else aware_datetime(data.get("started_at"))


def dialog_endpoint(integration_key: str, dialog_id: str) -> str:
    """Submissions of one dialog share an endpoint, so its earlier posts are one indexed
    lookup away."""
    return f"{integration_key}:{dialog_id}"


def receive(
    *, integration, body: bytes, headers: Mapping[str, str], remote_addr: str | None
) -> tuple[Any, bool]:
    """Authenticate, validate, store one post of a dialog and queue it."""
    from galena.intake.services import submission_enqueue, submission_receive

    check_auth(integration=integration, body=body, headers=headers)
    data = json_object(body)
    if errors := validate(data):
        raise ValidationFailed(errors)
    dialog_id = text(data["dialog_id"])
    last = _last_time(data)
    submission, created = submission_receive(
        adapter="chat",
        channel=Channel.CHAT,
        endpoint=dialog_endpoint(integration.key, dialog_id),
        content_type=headers.get("Content-Type", ""),
        raw_body=body.decode("utf-8", errors="replace"),
        payload=data,
        headers={name: headers[name] for name in KEPT_HEADERS if name in headers},
        remote_addr=remote_addr,
        idempotency_key=f"{dialog_id}:{last.astimezone(dt.UTC).isoformat() if last else '-'}",
    )
    if created:
        submission_enqueue(submission)
    return submission, created


def _recorded_until(keys: list[str | None], dialog_id: str) -> dt.datetime | None:
    """The latest message time earlier posts recorded, read from their idempotency keys."""
    times = [aware_datetime((key or "").removeprefix(f"{dialog_id}:")) for key in keys]
    times = [t for t in times if t is not None]
    return max(times) if times else None


def parse(submission) -> ParsedSubmission:
    """A stored dialog post as Galena's parsed submission."""
    from galena.intake.models import Submission, SubmissionStatus, WebhookIntegration

    data = submission.payload or {}
    if errors := validate(data):
        raise ValueError(f"Not a chat dialog: {errors}")
    integration_key = submission.endpoint.partition(":")[0]
    integration = WebhookIntegration.objects.filter(key=integration_key).first()
    earlier = list(
        Submission.objects.filter(
            endpoint=submission.endpoint,
            status=SubmissionStatus.PROCESSED,
            lead__isnull=False,
        )
        .exclude(pk=submission.pk)
        .order_by("-pk")
        .values_list("lead_id", "idempotency_key")
    )
    existing_lead_id = earlier[0][0] if earlier else None
    recorded_until = _recorded_until([key for _, key in earlier], text(data["dialog_id"]))
    messages = sorted(
        (
            {
                "from": m["from"],
                "text": m["text"],
                "at": aware_datetime(m["at"]).isoformat(),
            }
            for m in data["messages"]
        ),
        key=lambda m: m["at"],
    )
    new_messages = [
        m
        for m in messages
        if recorded_until is None or dt.datetime.fromisoformat(m["at"]) > recorded_until
    ]
    channel_name = text(data.get("channel"), 40) or "site_chat"
    contact = capture.canonical(data.get("contact") or {})
    visitor_id = text(data.get("visitor_id"), 100)
    contacts = capture.contacts_of(contact)
    if (
        channel_name in capture.MESSENGER_FIELDS
        and visitor_id
        and not any(c.kind == ContactKind.MESSENGER and c.label == channel_name for c in contacts)
    ):
        # In a messenger the visitor's id is how to write to them again.
        contacts.append(
            ContactInput(kind=ContactKind.MESSENGER, value=visitor_id, label=channel_name)
        )
    first_question = next((m["text"] for m in messages if m["from"] == "visitor"), "")
    started_at = aware_datetime(data.get("started_at"))
    event = {
        "channel": channel_name,
        "dialog_id": text(data["dialog_id"]),
        "visitor_id": visitor_id,
        "page": text(data.get("page")),
        "started_at": started_at.isoformat() if started_at else None,
        "messages": new_messages,
        "continued": existing_lead_id is not None,
        "submission_id": submission.pk,
    }
    return ParsedSubmission(
        channel=Channel.CHAT,
        received_at=submission.received_at,
        person=Person(full_name=text(contact.get("full_name"), 255)),
        contacts=contacts,
        attribution=Attribution(
            channel=Channel.CHAT,
            source_id=integration.source_id if integration else None,
            campaign_id=integration.campaign_id if integration else None,
            **{name: text(data.get(name), 200) for name in ATTRIBUTION_FIELDS},
            referrer=text(data.get("referrer")),
            landing_page=text(data.get("page")),
        ),
        comment=first_question[:MAX_MESSAGE_CHARS],
        timeline=[
            TimelineEntry(
                type=EventType.CHAT,
                params=event,
                occurred_at=(
                    dt.datetime.fromisoformat(new_messages[0]["at"]) if new_messages else None
                ),
            )
        ],
        signals=Signals(visitor_id=visitor_id, remote_addr=submission.remote_addr),
        owner_id=integration.default_owner_id if integration else None,
        team_id=integration.default_team_id if integration else None,
        default_region=(integration.default_region if integration else "")
        or settings.DEFAULT_REGION,
        existing_lead_id=existing_lead_id,
    )
