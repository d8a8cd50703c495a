"""The tracking API: what a site's tracking script sends (``POST /api/v1/track``) and asks
(``GET /api/v1/track/greeting``), public and named by the site's key; and what the
business's systems report about a lead (``POST /api/v1/track/server``), with a user's
API token like the rest of the API.

The public endpoints answer every request — errors too — with the CORS headers of the
site's allowed origins (the same rules as the capture API's) and are rate-limited per
client address and per visitor. They take ``text/plain`` JSON, which is what
``navigator.sendBeacon`` sends without a preflight.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, field_validator
from pydantic import ValidationError as SchemaError

from galena.core.api import ErrorOut, error_body
from galena.core.errors import (
    ApplicationError,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)

# the capture API's CORS and rate limits, shared rather than copied
from galena.intake.api import allowed_origin, client_address, cors_headers
from galena.intake.throttle import rate_hit
from galena.scoring import server_events, site_tracking
from galena.scoring.models import TrackedEvent, TrackedKind, TrackingSite
from galena.scoring.tracking import EventInput

router = Router(tags=["tracking"])

MAX_EVENTS = 50
MAX_PROPERTIES = 20
MAX_PROPERTY_TEXT = 500
MAX_AGE_MS = 24 * 3600 * 1000
VISITOR = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
VISITOR_RULE = "A visitor id is 8 to 64 letters, digits, - or _."


def _setting(name: str) -> int:
    return int(getattr(settings, name))


# --------------------------------------------------------------------------- schemas


def _properties_checked(value: dict[str, Any]) -> dict[str, Any]:
    if len(value) > MAX_PROPERTIES:
        raise ValueError(f"At most {MAX_PROPERTIES} properties, not {len(value)}")
    for name, item in value.items():
        if not 1 <= len(name) <= 40:
            raise ValueError(f"Property names are 1 to 40 characters: {name[:40]!r}")
        if item is not None and not isinstance(item, str | int | float | bool):
            raise ValueError(f"The property {name!r} is not text, a number, true/false or null")
        if isinstance(item, str) and len(item) > MAX_PROPERTY_TEXT:
            raise ValueError(f"The property {name!r} is over {MAX_PROPERTY_TEXT} characters")
    return value


class BrowserEventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The script's own id of the event: an event sent twice is stored once.",
    )
    kind: str = Field(description=f"One of {', '.join(site_tracking.BROWSER_KINDS)}.")
    url: str = Field("", max_length=2000)
    title: str = Field("", max_length=300)
    referrer: str = Field("", max_length=2000)
    category: str = Field(
        "",
        max_length=40,
        description="The page's category as the page names it; empty: by the category rules.",
    )
    age_ms: int = Field(
        0, ge=0, le=MAX_AGE_MS, description="How long ago it happened, in milliseconds."
    )
    properties: dict[str, Any] = Field(
        default_factory=dict,
        description=f"At most {MAX_PROPERTIES}: text (up to {MAX_PROPERTY_TEXT} characters), "
        "numbers, true/false or null.",
    )

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value in site_tracking.BROWSER_KINDS:
            return value
        if value in TrackedKind.values:
            raise ValueError(
                f"{value!r} is not reported from a browser: servers send it to "
                "/api/v1/track/server, and Galena records e-mails and forms itself"
            )
        raise ValueError(f"Use one of {', '.join(site_tracking.BROWSER_KINDS)}")

    @field_validator("properties")
    @classmethod
    def _properties(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _properties_checked(value)


class TrackIn(Schema):
    model_config = ConfigDict(extra="forbid")

    visitor: str = Field(description="The visitor's id from the galena_vid cookie.")
    glid: str | None = Field(
        None, max_length=500, description="The glid parameter of a tracked e-mail link."
    )
    events: list[BrowserEventIn] = Field(min_length=1, max_length=MAX_EVENTS)

    @field_validator("visitor")
    @classmethod
    def _visitor(cls, value: str) -> str:
        if not VISITOR.match(value):
            raise ValueError(VISITOR_RULE)
        return value


class TrackOut(Schema):
    stored: int = Field(description="Events stored now (an event sent before is not).")


class GreetingOut(Schema):
    message: str = Field(description="Plain text: show it with textContent, never as HTML.")
    offer_text: str
    offer_url: str


# --------------------------------------------------------------------------- helpers


def _path(location: tuple[Any, ...]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return "This field is required."
    if error.get("type") == "extra_forbidden":
        return "This field is not known here: remove it (see /api/v1/docs for the fields)."
    message = str(error.get("msg", "This value is not valid.")).removeprefix("Value error, ")
    return message if message.endswith(".") else f"{message}."


def _parsed(body: bytes) -> TrackIn:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            {"__all__": "The request body is not valid JSON: send a JSON object."}
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed({"__all__": "The request body is not a JSON object: send one."})
    try:
        return TrackIn.model_validate(data)
    except SchemaError as error:
        fields: dict[str, str] = {}
        for item in error.errors():
            fields.setdefault(_path(item.get("loc", ())) or "__all__", _message(item))
        raise ValidationFailed(fields) from None


def _throttle(scope: str, who: str | None, limit: int, whose: str) -> None:
    if not who or limit <= 0:
        return
    wait = rate_hit(f"{scope}:{who}", limit)
    if wait is not None:
        raise RateLimited(
            f"Too many tracking requests from {whose}; try again in {wait} seconds.",
            retry_after=wait,
        )


def _origin_check(site: TrackingSite, allowed: str | None, request: HttpRequest) -> None:
    origin = request.headers.get("Origin")
    if origin and not allowed and site.allowed_origins:
        raise PermissionDenied(
            f"{origin} may not use this site's key: add it to the site's allowed origins."
        )


def _respond(status: int, body: dict[str, Any] | None, allowed: str | None) -> HttpResponse:
    response = HttpResponse(status=status) if body is None else JsonResponse(body, status=status)
    for name, value in cors_headers(allowed).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _error(error: ApplicationError, allowed: str | None) -> HttpResponse:
    fields = None
    if isinstance(error, ValidationFailed):
        fields = {k: v for k, v in error.errors.items() if k != "__all__"}
    body = error_body(
        code=error.code,
        message=error.message,
        field=error.field if error.field != "__all__" else None,
        fields=fields,
    )
    response = _respond(error.status, body, allowed)
    for name, value in error.headers.items():
        response[name] = value
    return response


def _preflight(key: str, request: HttpRequest) -> HttpResponse:
    try:
        site = site_tracking.site_for_key(key)
    except ApplicationError as error:
        return _error(error, None)
    return _respond(204, None, allowed_origin(site, request.headers))


def _events_of(payload: TrackIn, now: dt.datetime) -> list[EventInput]:
    events = []
    for item in payload.events:
        properties = dict(item.properties)
        if item.referrer:
            properties["referrer"] = item.referrer
        events.append(
            EventInput(
                kind=item.kind,
                occurred_at=now - dt.timedelta(milliseconds=item.age_ms),
                category=item.category,
                url=item.url,
                title=item.title,
                properties=properties,
                external_id=item.id,
            )
        )
    return events


PUBLIC_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut, 429: ErrorOut}


# --------------------------------------------------------------------------- browser


@router.api_operation(["OPTIONS"], "/track", auth=None, include_in_schema=False)
def track_preflight(request: HttpRequest, site: str = ""):
    return _preflight(site, request)


@router.post(
    "/track",
    auth=None,
    response={200: TrackOut, 413: ErrorOut, **PUBLIC_ERRORS},
    summary="Record what a visitor did on a tracked site",
    description=(
        "The tracking script's batches (at most 50 events): page views, downloads, videos, "
        "webinars and the site's own events. `site` is the site's public key. The body is "
        "JSON, sent as `text/plain` (what `navigator.sendBeacon` sends) or "
        "`application/json`. Events of a visitor Galena knows go to their lead and count "
        "to its score; the others are kept as interest until the visitor identifies. "
        "A new visitor's first page view records where the visit came from (first touch: "
        "its address's UTM tags and ad click ids, else the referring site), which puts "
        "the visitor in a channel, source and campaign of the funnel report. "
        "Browsers may post only from the site's allowed origins."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "text/plain": {"schema": {"$ref": "#/components/schemas/TrackIn"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/TrackIn"}},
            },
            "required": True,
        }
    },
)
def track(request: HttpRequest, site: str = ""):
    allowed = None
    try:
        tracked_site = site_tracking.site_for_key(site)
        allowed = allowed_origin(tracked_site, request.headers)
        _origin_check(tracked_site, allowed, request)
        limit = _setting("TRACKING_MAX_BODY_BYTES")
        size = int(request.META.get("CONTENT_LENGTH") or 0)
        if size > limit:
            raise PayloadTooLarge(f"The batch is {size} bytes; the limit is {limit}.")
        address = client_address(request)
        _throttle("track:addr", address, _setting("TRACKING_RATE_PER_ADDRESS"), "your address")
        body = request.body
        if len(body) > limit:
            raise PayloadTooLarge(f"The batch is {len(body)} bytes; the limit is {limit}.")
        payload = _parsed(body)
        _throttle(
            "track:visitor",
            payload.visitor,
            _setting("TRACKING_RATE_PER_VISITOR"),
            "this visitor",
        )
        stored = site_tracking.site_events_record(
            site=tracked_site,
            visitor_key=payload.visitor,
            events=_events_of(payload, timezone.now()),
            lead_token=payload.glid,
        )
    except ApplicationError as error:
        return _error(error, allowed)
    return _respond(200, {"stored": len(stored)}, allowed)


@router.api_operation(["OPTIONS"], "/track/greeting", auth=None, include_in_schema=False)
def greeting_preflight(request: HttpRequest, site: str = ""):
    return _preflight(site, request)


@router.get(
    "/track/greeting",
    auth=None,
    response={200: GreetingOut, 204: None, **PUBLIC_ERRORS},
    summary="The greeting for a returning known visitor",
    description=(
        "The first active greeting whose conditions the visitor's lead meets, on a page of "
        "`category` (or of the category of `url`); 204 when the visitor is not known or no "
        "greeting fits. It shows only what its text names (the person's first name, their "
        "interest). `glid`: the parameter of a tracked e-mail link the page was opened with."
    ),
)
def greeting(
    request: HttpRequest,
    site: str = "",
    vid: str = "",
    url: str = "",
    category: str = "",
    glid: str = "",
):
    allowed = None
    try:
        tracked_site = site_tracking.site_for_key(site)
        allowed = allowed_origin(tracked_site, request.headers)
        _origin_check(tracked_site, allowed, request)
        _throttle(
            "greeting:addr",
            client_address(request),
            _setting("TRACKING_RATE_PER_ADDRESS"),
            "your address",
        )
        if not VISITOR.match(vid):
            raise ValidationFailed({"vid": VISITOR_RULE})
        shown = site_tracking.site_greeting(
            site=tracked_site,
            visitor_key=vid,
            page_url=url[:2000],
            category=category[:40],
            lead_token=glid[:500] or None,
        )
    except ApplicationError as error:
        return _error(error, allowed)
    if shown is None:
        return _respond(204, None, allowed)
    body = {"message": shown.message, "offer_text": shown.offer_text, "offer_url": shown.offer_url}
    return _respond(200, body, allowed)


# --------------------------------------------------------------------------- servers


class ServerEventIn(Schema):
    model_config = ConfigDict(extra="forbid")

    lead_id: int | None = Field(None, description="The lead; or name it by email or phone.")
    email: str | None = Field(None, max_length=320, description="An e-mail of the lead.")
    phone: str | None = Field(None, max_length=40, description="A phone number of the lead.")
    kind: str = Field(description=f"One of {', '.join(server_events.SERVER_KINDS)}.")
    occurred_at: dt.datetime | None = Field(
        None, description="When it happened, with its zone; now when left out."
    )
    category: str = Field("", max_length=40)
    url: str = Field("", max_length=2000)
    title: str = Field("", max_length=300)
    properties: dict[str, Any] = Field(
        default_factory=dict, description='What the rules may read, e.g. {"minutes": 12}.'
    )
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=90,
        description="Your id of the event (a call's id): sent again, it is stored once.",
    )

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in server_events.SERVER_KINDS:
            raise ValueError(f"Use one of {', '.join(server_events.SERVER_KINDS)}")
        return value


class ServerEventOut(Schema):
    stored: bool = Field(description="False when an event with this external id was stored before.")
    event_id: int | None
    lead_id: int


@router.post(
    "/track/server",
    response={
        201: ServerEventOut,
        200: ServerEventOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
    },
    summary="Record what a lead did outside the browser",
    description=(
        "A call answered, the qualifying questions answered, an offer viewed, a webinar "
        "attended…: stored as the lead's event and counted to its score. Name the lead by "
        "`lead_id`, or by an `email` or `phone` of its contacts (compared normalised) — only "
        "a lead you may see. With an `external_id`, sending the event again stores nothing "
        "(200 instead of 201)."
    ),
)
def track_server(request: HttpRequest, payload: ServerEventIn):
    user = request.auth  # type: ignore[attr-defined]
    given = [name for name in ("lead_id", "email", "phone") if getattr(payload, name)]
    if len(given) > 1:
        raise ValidationFailed({given[1]: "Name the lead one way: lead_id, email or phone."})
    lead = server_events.lead_find_for(
        user=user, lead_id=payload.lead_id, email=payload.email or "", phone=payload.phone or ""
    )
    external_id = f"api:{payload.external_id}" if payload.external_id else None
    event = server_events.server_event_record(
        lead=lead,
        kind=payload.kind,
        occurred_at=payload.occurred_at,
        properties=payload.properties,
        category=payload.category,
        url=payload.url,
        title=payload.title,
        external_id=external_id,
    )
    if event is not None:
        return Status(201, {"stored": True, "event_id": event.pk, "lead_id": event.lead_id})
    earlier = TrackedEvent.objects.filter(external_id=external_id).first()
    same_lead = earlier is not None and earlier.lead_id in (lead.pk, lead.merged_into_id)
    return Status(
        200,
        {
            "stored": False,
            "event_id": earlier.pk if same_lead else None,
            "lead_id": earlier.lead_id if same_lead else lead.pk,
        },
    )
