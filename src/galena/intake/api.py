"""Public capture endpoint: POST /api/v1/capture/{form_key}. No user token: the form key
names the form, its source and the defaults of the leads it brings."""

from __future__ import annotations

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
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _allowed_origin(form: Form, request: HttpRequest) -> str | None:
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") in [o.rstrip("/") for o in form.allowed_origins]:
        return origin
    return None


def _with_cors(response: HttpResponse, origin: str | None) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response["Access-Control-Max-Age"] = "86400"
        response["Vary"] = "Origin"
    return response


@router.api_operation(
    ["OPTIONS"], "/capture/{form_key}", include_in_schema=False, response={204: None}
)
def capture_preflight(request: HttpRequest, form_key: str):
    form = services.capture_form_for(form_key)
    return _with_cors(HttpResponse(status=204), _allowed_origin(form, request))


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
    # Errors carry the CORS headers too, so a form on an allowed site can show them.
    allowed = None
    try:
        form = services.capture_form_for(form_key)
        allowed = _allowed_origin(form, request)
        response = _capture(request, form, allowed)
    except ApplicationError as error:
        response = JsonResponse(
            error_body(
                code=error.code,
                message=error.message,
                field=error.field if error.field != "__all__" else None,
                fields=(
                    {k: v for k, v in error.errors.items() if k != "__all__"}
                    if isinstance(error, ValidationFailed)
                    else None
                ),
            ),
            status=error.status,
        )
        for name, value in error.headers.items():
            response[name] = value
    return _with_cors(response, allowed)


def _capture(request: HttpRequest, form: Form, allowed: str | None) -> HttpResponse:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.INTAKE_MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The submission is {length} bytes; the limit is {settings.INTAKE_MAX_BODY_BYTES}."
        )
    origin = request.headers.get("Origin")
    if origin and not allowed and form.allowed_origins:
        raise PermissionDenied(
            f"{origin} may not post to this form: add it to the form's allowed origins."
        )
    address = client_address(request)
    capture_throttle(form_key=form.key, address=address)
    body = request.body
    if len(body) > settings.INTAKE_MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The submission is {len(body)} bytes; the limit is {settings.INTAKE_MAX_BODY_BYTES}."
        )
    content_type = request.content_type or ""
    form_data = (
        {k: request.POST.getlist(k) for k in request.POST}
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
        else None
    )
    result = services.capture_submit(
        form=form,
        body=body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        form_data=form_data,
        headers=request.headers,
        remote_addr=address,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
    )
    status = 201 if result.created else 200
    payload = {
        "status": "accepted",
        "reference": result.submission.pk,
        "message": form.thank_you_message,
        "redirect_url": form.redirect_url,
        "incentive": form.incentive,
    }
    return JsonResponse(payload, status=status)
