"""Public capture endpoint: POST /api/v1/capture/{form_key}. No user token: the form key
names the form, its source and the defaults of the leads it brings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema
from pydantic import Field

from galena.core.api import ErrorOut, error_body
from galena.core.errors import (
    ApplicationError,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from galena.intake import services
from galena.intake.models import Form
from galena.intake.throttle import capture_throttle

router = Router(tags=["capture"], auth=None)


class CaptureOut(Schema):
    status: str = Field(description="accepted: stored, and processed or queued.")
    reference: int = Field(description="The submission's number, to quote to support.")
    message: str = Field(description="The form's thank-you message.")
    redirect_url: str = Field(description="Where the form sends the visitor next, if anywhere.")
    incentive: str = Field(description="The quiz's reward (e.g. a discount code), if any.")


def client_address(request: HttpRequest) -> str | None:
    """The client's address; behind N trusted proxies, the Nth address from the right of
    X-Forwarded-For (a client can forge the left end, not what our proxies appended)."""
    return address_from(request.headers.get("X-Forwarded-For", ""), request.META.get("REMOTE_ADDR"))


def address_from(forwarded: str, remote_addr: str | None) -> str | None:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return remote_addr or None


def allowed_origin(form: Form, headers: Mapping[str, str]) -> str | None:
    origin = headers.get("Origin")
    if origin and origin.rstrip("/") in [o.rstrip("/") for o in form.allowed_origins]:
        return origin
    return None


def cors_headers(origin: str | None) -> dict[str, str]:
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
        "Access-Control-Max-Age": "86400",
        "Vary": "Origin",
    }


@dataclass
class CaptureReply:
    """What the capture endpoint answers, whichever server path carried the request."""

    status: int
    body: dict[str, Any] | None
    headers: dict[str, str]


def _error_reply(error: ApplicationError) -> CaptureReply:
    body = error_body(
        code=error.code,
        message=error.message,
        field=error.field if error.field != "__all__" else None,
        fields=(
            {k: v for k, v in error.errors.items() if k != "__all__"}
            if isinstance(error, ValidationFailed)
            else None
        ),
    )
    return CaptureReply(error.status, body, dict(error.headers))


def capture_preflight_handle(*, form_key: str, headers: Mapping[str, str]) -> CaptureReply:
    """The CORS preflight of the capture endpoint."""
    try:
        form = services.capture_form_for(form_key)
    except ApplicationError as error:
        return _error_reply(error)
    return CaptureReply(204, None, cors_headers(allowed_origin(form, headers)))


def capture_handle(
    *,
    form_key: str,
    headers: Mapping[str, str],
    remote_addr: str | None,
    content_length: int,
    read_body: Callable[[], bytes],
    read_form: Callable[[bytes], Mapping[str, list[str]]],
) -> CaptureReply:
    """Validate, store and queue one capture POST; errors carry the CORS headers too, so a
    form on an allowed site can show them. ``read_body`` is called only once the request
    passed the cheap checks (form, size, origin, rate); ``read_form`` parses a form-encoded
    body into lists of values."""
    allowed = None
    try:
        form = services.capture_form_for(form_key)
        allowed = allowed_origin(form, headers)
        reply = _capture(form, allowed, headers, remote_addr, content_length, read_body, read_form)
    except ApplicationError as error:
        reply = _error_reply(error)
    reply.headers.update(cors_headers(allowed))
    return reply


def _too_large(size: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The submission is {size} bytes; the limit is {settings.INTAKE_MAX_BODY_BYTES}."
    )


def _capture(
    form: Form,
    allowed: str | None,
    headers: Mapping[str, str],
    remote_addr: str | None,
    content_length: int,
    read_body: Callable[[], bytes],
    read_form: Callable[[bytes], Mapping[str, list[str]]],
) -> CaptureReply:
    if content_length > settings.INTAKE_MAX_BODY_BYTES:
        raise _too_large(content_length)
    origin = headers.get("Origin")
    if origin and not allowed and form.allowed_origins:
        raise PermissionDenied(
            f"{origin} may not post to this form: add it to the form's allowed origins."
        )
    address = address_from(headers.get("X-Forwarded-For", ""), remote_addr)
    capture_throttle(form_key=form.key, address=address)
    body = read_body()
    if len(body) > settings.INTAKE_MAX_BODY_BYTES:
        raise _too_large(len(body))
    content_type = headers.get("Content-Type", "")
    media_type = content_type.split(";")[0].strip().lower()
    form_data = (
        read_form(body)
        if media_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        else None
    )
    result = services.capture_submit(
        form=form,
        body=body,
        content_type=content_type,
        form_data=form_data,
        headers=headers,
        remote_addr=address,
        idempotency_key=headers.get("Idempotency-Key") or None,
    )
    payload = {
        "status": "accepted",
        "reference": result.submission.pk,
        "message": form.thank_you_message,
        "redirect_url": form.redirect_url,
        "incentive": form.incentive,
    }
    return CaptureReply(201 if result.created else 200, payload, {})


def _django_response(reply: CaptureReply) -> HttpResponse:
    response = (
        HttpResponse(status=reply.status)
        if reply.body is None
        else JsonResponse(reply.body, status=reply.status)
    )
    for name, value in reply.headers.items():
        response[name] = value
    return response


@router.api_operation(
    ["OPTIONS"], "/capture/{form_key}", include_in_schema=False, response={204: None}
)
def capture_preflight(request: HttpRequest, form_key: str):
    return _django_response(capture_preflight_handle(form_key=form_key, headers=request.headers))


@router.post(
    "/capture/{form_key}",
    response={
        201: CaptureOut,
        200: CaptureOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        410: ErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    summary="Submit a lead from a form",
    description=(
        "Send the visitor's fields as a JSON object or form-encoded: `first_name`, "
        "`last_name` (or `name`), `email`, `phone`, `company`, `message`, `interest`, "
        "`utm_source`…`utm_content`, `referrer`, `landing_page`, `consent` (true) and any "
        "other field, kept on the lead as an attribute. An `Idempotency-Key` header makes a "
        "retried request answer with the first result and store nothing new (200 instead of "
        "201). Cross-site posts must come from one of the form's allowed origins."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"type": "object", "additionalProperties": True}},
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
            },
            "required": True,
        }
    },
)
def capture(request: HttpRequest, form_key: str):
    reply = capture_handle(
        form_key=form_key,
        headers=request.headers,
        remote_addr=request.META.get("REMOTE_ADDR"),
        content_length=int(request.META.get("CONTENT_LENGTH") or 0),
        read_body=lambda: request.body,
        read_form=lambda body: {k: request.POST.getlist(k) for k in request.POST},
    )
    return _django_response(reply)
