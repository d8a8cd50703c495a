"""The call-tracking adapters: a call's events posted to /api/v1/inbound/calls/<key>, either
in Galena's generic JSON (signed with HMAC-SHA256) or as Twilio's voice status callback
(form-encoded, signed as Twilio documents: HMAC-SHA1 over the URL and the sorted fields).

Each event of a call is one submission (idempotency key: call id + event). The called number
names the tracking number, and so the source and campaign; a caller a lead already has gets
the call on that lead's timeline, an unknown caller becomes a lead with a call-back task, and
a missed call asks for an urgent call-back."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from django.conf import settings

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.adapters.common import (
    SIGNATURE_HEADER,
    Unauthenticated,
    aware_datetime,
    check_sha256_signature,
    json_object,
    lead_with_phone,
    text,
)
from galena.intake.contract import Attribution, ParsedSubmission, Person, TaskRequest, TimelineEntry
from galena.leads.models import Channel, ContactKind, EventType, TaskKind
from galena.leads.normalise import normalise_phone
from galena.leads.services import ContactInput

EVENTS = ("started", "answered", "ended", "missed")
DIRECTIONS = ("inbound", "outbound")
# Twilio's CallStatus values, as the call events Galena knows.
TWILIO_EVENTS = {
    "queued": "started",
    "initiated": "started",
    "ringing": "started",
    "in-progress": "answered",
    "completed": "ended",
    "busy": "missed",
    "no-answer": "missed",
    "canceled": "missed",
    "failed": "missed",
}
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
WITHHELD = {"anonymous", "unknown", "private", "restricted", "unavailable", "withheld"}
KEPT_HEADERS = ("User-Agent", "Content-Type", "I-Twilio-Idempotency-Token")
FOLLOW_UP_AFTER = dt.timedelta(hours=24)


# --- receiving ------------------------------------------------------------------------


def validate_generic(data: Mapping[str, Any]) -> dict[str, str]:
    """Field -> what is wrong with a generic call event; empty when it can be stored."""
    errors: dict[str, str] = {}
    if data.get("event") not in EVENTS:
        errors["event"] = f"Use one of: {', '.join(EVENTS)}."
    call_id = data.get("call_id")
    if not isinstance(call_id, str | int) or isinstance(call_id, bool) or not text(call_id):
        errors["call_id"] = "Give the call's id as text: the same for every event of one call."
    elif len(text(call_id)) > 100:
        errors["call_id"] = "Use at most 100 characters."
    for name in ("caller", "called"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = "Give the phone number as text, e.g. +40722123456 (or 'anonymous')."
        elif len(value) > 40:
            errors[name] = "Use at most 40 characters."
    if data.get("started_at") not in (None, "") and aware_datetime(data["started_at"]) is None:
        errors["started_at"] = "Give the time as ISO 8601 with its zone, e.g. 2026-05-01T15:00Z."
    duration = data.get("duration_s")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int | float) or duration < 0
    ):
        errors["duration_s"] = "Give the duration as a number of seconds, 0 or more."
    recording = data.get("recording_url")
    if recording not in (None, "") and (
        not isinstance(recording, str) or not recording.startswith(("https://", "http://"))
    ):
        errors["recording_url"] = "Give the recording's address as an http(s) URL."
    direction = data.get("direction")
    if direction not in (None, "") and direction not in DIRECTIONS:
        errors["direction"] = f"Use one of: {', '.join(DIRECTIONS)}."
    return errors


def receive_generic(
    *, integration, body: bytes, headers: Mapping[str, str], remote_addr: str | None
) -> tuple[Any, bool]:
    """Check the signature, validate, store one generic call event and queue it."""
    check_sha256_signature(
        secret=integration.secret,
        body=body,
        header=headers.get(SIGNATURE_HEADER),
        name=SIGNATURE_HEADER,
    )
    data = json_object(body)
    if errors := validate_generic(data):
        raise ValidationFailed(errors)
    return _store(
        adapter="calls",
        integration=integration,
        body=body,
        content_type=headers.get("Content-Type", ""),
        payload=data,
        headers=headers,
        remote_addr=remote_addr,
        key=f"{text(data['call_id'])}:{data['event']}",
    )


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1, keyed with the auth token, of the full
    URL followed by every POST field's name and value, sorted by name (then value)."""
    by_name: dict[str, set[str]] = {}
    for name, value in params:
        by_name.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(by_name) for value in sorted(by_name[name])
    )
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def receive_twilio(
    *,
    integration,
    urls: Iterable[str],
    body: bytes,
    fields: Mapping[str, list[str]],
    headers: Mapping[str, str],
    remote_addr: str | None,
) -> tuple[Any, bool]:
    """Check Twilio's signature against the URLs the request may have been sent to (behind
    a proxy the public one differs from the one seen here), validate, store, queue."""
    signature = headers.get(TWILIO_SIGNATURE_HEADER)
    if not signature:
        raise Unauthenticated(
            f"Twilio signs its requests with {TWILIO_SIGNATURE_HEADER}; this one has none."
        )
    params = [(name, value) for name, values in fields.items() for value in values]
    if not any(
        hmac.compare_digest(twilio_signature(integration.secret, url, params), signature)
        for url in urls
    ):
        raise PermissionDenied(
            f"The {TWILIO_SIGNATURE_HEADER} does not match: check that the integration's "
            "secret is the Twilio account's auth token and that SITE_URL is the public "
            "address Twilio calls.",
            field=TWILIO_SIGNATURE_HEADER,
        )
    data = {name: values[0] if len(values) == 1 else values for name, values in fields.items()}
    errors: dict[str, str] = {}
    for name in ("CallSid", "From", "To"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            errors[name] = "This field is required."
    if data.get("CallStatus") not in TWILIO_EVENTS:
        errors["CallStatus"] = f"Use one of Twilio's call statuses: {', '.join(TWILIO_EVENTS)}."
    if errors:
        raise ValidationFailed(errors)
    event = TWILIO_EVENTS[data["CallStatus"]]
    return _store(
        adapter="twilio",
        integration=integration,
        body=body,
        content_type=headers.get("Content-Type", ""),
        payload=data,
        headers=headers,
        remote_addr=remote_addr,
        key=f"{data['CallSid']}:{event}",
    )


def _store(*, adapter, integration, body, content_type, payload, headers, remote_addr, key):
    from galena.intake.services import submission_enqueue, submission_receive

    submission, created = submission_receive(
        adapter=adapter,
        channel=Channel.PHONE_CALL,
        endpoint=integration.key,
        content_type=content_type,
        raw_body=body.decode("utf-8", errors="replace"),
        payload=payload,
        headers={name: headers[name] for name in KEPT_HEADERS if name in headers},
        remote_addr=remote_addr,
        idempotency_key=key[:200],
    )
    if created:
        submission_enqueue(submission)
    return submission, created


# --- parsing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One event of a call, whatever the provider."""

    provider: str
    call_id: str
    event: str
    caller: str
    called: str
    direction: str = "inbound"
    status: str = ""
    started_at: dt.datetime | None = None
    duration_s: int | None = None
    recording_url: str = ""
    caller_name: str = ""


def call_of(adapter: str, payload: Mapping[str, Any]) -> Call:
    """The call event a stored payload describes (generic JSON or Twilio's fields)."""
    if adapter == "twilio":
        status = text(payload.get("CallStatus"))
        if status not in TWILIO_EVENTS:
            raise ValueError(f"Unknown Twilio CallStatus {status!r}.")
        started_at = None
        if stamp := text(payload.get("Timestamp")):
            try:
                started_at = parsedate_to_datetime(stamp)
            except (TypeError, ValueError, IndexError):
                started_at = None
        duration = text(payload.get("CallDuration"))
        return Call(
            provider="twilio",
            call_id=text(payload.get("CallSid")),
            event=TWILIO_EVENTS[status],
            caller=text(payload.get("From")),
            called=text(payload.get("To")),
            direction="outbound"
            if text(payload.get("Direction")).startswith("outbound")
            else "inbound",
            status=status,
            started_at=started_at if started_at and started_at.tzinfo else None,
            duration_s=int(duration) if duration.isdigit() else None,
            recording_url=text(payload.get("RecordingUrl")),
            caller_name=text(payload.get("CallerName"), 255),
        )
    if errors := validate_generic(payload):
        raise ValueError(f"Not a valid call event: {errors}")
    duration = payload.get("duration_s")
    return Call(
        provider="generic",
        call_id=text(payload["call_id"]),
        event=payload["event"],
        caller=text(payload["caller"]),
        called=text(payload["called"]),
        direction=payload.get("direction") or "inbound",
        status=payload["event"],
        started_at=aware_datetime(payload.get("started_at")),
        duration_s=int(duration) if duration is not None else None,
        recording_url=text(payload.get("recording_url")),
        caller_name=text(payload.get("caller_name"), 255),
    )


def _e164(number: str, region: str) -> str:
    if not number or number.strip().lower() in WITHHELD:
        return ""
    normalised = normalise_phone(number, region)
    return normalised.value if normalised.is_valid else ""


def parse(submission) -> ParsedSubmission:
    """A stored call event as Galena's parsed submission."""
    from galena.intake.models import TrackingNumber, WebhookIntegration

    call = call_of(submission.adapter, submission.payload or {})
    integration = WebhookIntegration.objects.filter(key=submission.endpoint).first()
    region = (integration.default_region if integration else "") or settings.DEFAULT_REGION
    outbound = call.direction == "outbound"
    # The person is the other end of the line; our number is the one they called (or that
    # called them).
    their_number, our_number = (
        (call.called, call.caller) if outbound else (call.caller, call.called)
    )
    person_number = _e164(their_number, region)
    tracking_number = _e164(our_number, region)
    tracking = (
        TrackingNumber.objects.filter(number=tracking_number).first() if tracking_number else None
    )
    existing_lead_id = lead_with_phone(person_number, region=region) if person_number else None
    shown_number = person_number or their_number
    params = {
        "call_id": call.call_id,
        "event": call.event,
        "status": call.status,
        "direction": call.direction,
        "caller": call.caller,
        "called": call.called,
        "tracking_number": tracking_number,
        "duration_s": call.duration_s,
        "recording_url": call.recording_url,
        "started_at": call.started_at.isoformat() if call.started_at else None,
        "provider": call.provider,
        "submission_id": submission.pk,
    }
    tasks = []
    if not outbound and person_number:
        if call.event == "missed":
            tasks.append(
                TaskRequest(
                    kind=TaskKind.CALL,
                    title=f"Missed call from {shown_number}: call back now",
                    due_at=submission.received_at,
                    description=f"Called {call.called} and was not answered ({call.status}).",
                )
            )
        elif existing_lead_id is None:
            tasks.append(
                TaskRequest(
                    kind=TaskKind.CALL,
                    title=f"Call back {shown_number}",
                    due_at=submission.received_at + FOLLOW_UP_AFTER,
                    description=f"A new caller rang {call.called}.",
                )
            )
    return ParsedSubmission(
        channel=Channel.PHONE_CALL,
        received_at=submission.received_at,
        person=Person(full_name=call.caller_name),
        contacts=(
            [ContactInput(kind=ContactKind.PHONE, value=person_number, label="caller")]
            if person_number
            else []
        ),
        attribution=Attribution(
            channel=Channel.PHONE_CALL,
            source_id=tracking.source_id if tracking else None,
            campaign_id=tracking.campaign_id if tracking else None,
            tracking_number=tracking_number,
        ),
        timeline=[
            TimelineEntry(
                type=EventType.CALL,
                params=params,
                occurred_at=call.started_at if call.event == "started" else None,
            )
        ],
        tasks=tasks,
        owner_id=integration.default_owner_id if integration else None,
        team_id=integration.default_team_id if integration else None,
        default_region=region,
        existing_lead_id=existing_lead_id,
    )
