"""The JSON API at /api/v1/: one NinjaAPI, routers from the apps.

Every endpoint takes a personal API token (``Authorization: Bearer <token>``) or the signed-in
session (CSRF-protected, for the pages). Every error, whatever raised it, is the JSON
envelope of galena.core.api.error_body, so clients parse one shape.
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.security import HttpBearer, SessionAuth

from galena.accounts.services import api_token_authenticate
from galena.activities.api import router as activities_router
from galena.analytics.api import router as analytics_router
from galena.clients.api import router as clients_router
from galena.compliance.api import router as compliance_router
from galena.consent.api import router as consent_router
from galena.core.api import error_body
from galena.core.errors import ApplicationError, ValidationFailed
from galena.intake.api import router as intake_router
from galena.intake.webhooks import router as inbound_router
from galena.leads.api import router as leads_router
from galena.matching.api import router as matching_router
from galena.matching.review_api import router as matching_review_router
from galena.notifications.api import router as notifications_router
from galena.nurture.api import router as nurture_router
from galena.privacy.api import router as privacy_router
from galena.quality.api import router as quality_router
from galena.routing.api import router as routing_router
from galena.routing.assign_api import router as assign_router
from galena.scoring.api import router as scoring_router
from galena.scoring.calibration_api import router as calibration_router
from galena.scoring.tracking_api import router as tracking_router

logger = logging.getLogger("galena.api")

HOW_TO_AUTHENTICATE = (
    "Send a personal API token as 'Authorization: Bearer <token>' "
    "(create one with `galena token create USERNAME`), or sign in and call the API "
    "from the site with its session and CSRF token."
)


class ApiTokenAuth(HttpBearer):
    """A personal API token: ``Authorization: Bearer gln_…``."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class SessionCsrfAuth(SessionAuth):
    """The signed-in session, CSRF-checked; silent when there is no session user.

    Ninja's session auth runs the CSRF check before it knows whether anyone is signed in,
    so a token client sending a wrong token to a POST endpoint would hear "CSRF failed"
    instead of "your token is wrong". Checking for a session user first keeps the 401.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class GalenaAPI(NinjaAPI):
    """NinjaAPI whose URL space answers in JSON everywhere, including unknown paths and methods."""

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            pattern.callback = _json_method_not_allowed(pattern.callback)
        patterns.append(re_path(r"^.+$", _unknown_endpoint, name="unknown-endpoint"))
        return patterns, app_name, namespace


def _json_method_not_allowed(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            body = error_body(
                code="method_not_allowed",
                message=f"{request.method} is not allowed here; use {allowed}.",
            )
            json_response = api.create_response(request, body, status=405)
            json_response["Allow"] = allowed
            return json_response
        return response

    return wrapper


@csrf_exempt
def _unknown_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    message = f"There is no API endpoint at {request.path}."
    if request.path.endswith("/"):
        message += " API paths have no trailing slash."
    message += " The endpoints are listed at /api/v1/docs."
    return api.create_response(request, error_body(code="not_found", message=message), status=404)


api = GalenaAPI(
    title="Galena API",
    version="1",
    urls_namespace="api",
    description=(
        "Leads, their timeline, tasks, stages, sources and campaigns.\n\n"
        f"**Authentication**: {HOW_TO_AUTHENTICATE}\n\n"
        "**Errors** are always JSON: "
        '`{"error": {"code": …, "message": …, "field": …, "fields": {…}}}`.\n\n'
        "**Lists** are paginated with cursors: pass the response's `next_cursor` as "
        "`cursor` to get the next page, with the same filters and sort; "
        "`next_cursor` is null on the last page."
    ),
    auth=[ApiTokenAuth(), SessionCsrfAuth()],
)


def _respond(
    request: HttpRequest,
    status: int,
    *,
    code: str,
    message: str,
    field: str | None = None,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    body = error_body(code=code, message=message, field=field, fields=fields)
    return api.create_response(request, body, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    if isinstance(exc, ValidationFailed):
        fields = {name: message for name, message in exc.errors.items() if name != "__all__"}
        field = exc.field if exc.field != "__all__" else None
        response = _respond(
            request, exc.status, code=exc.code, message=exc.message, field=field, fields=fields
        )
    else:
        response = _respond(
            request, exc.status, code=exc.code, message=exc.message, field=exc.field
        )
    for name, value in getattr(exc, "headers", {}).items():  # e.g. Retry-After
        response[name] = value
    return response


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    # ("body", "payload", "contacts", 0, "kind") -> "contacts[0].kind": the body's first
    # element is the view's parameter name, which the client never sees.
    parts = list(location[2:] if location and location[0] == "body" else location[1:])
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _human_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return "This field is required."
    if kind == "extra_forbidden":
        return "This field is not known here: remove it (see /api/v1/docs for the fields)."
    message = str(error.get("msg", "This value is not valid.")).removeprefix("Value error, ")
    return message if message.endswith(".") else f"{message}."


@api.exception_handler(RequestValidationError)
def _request_validation_error(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    fields: dict[str, str] = {}
    for error in exc.errors:
        path = _field_path(error.get("loc", ()))
        if not path:
            return _respond(
                request,
                400,
                code="invalid",
                message="The request body is missing: send a JSON object.",
            )
        fields.setdefault(path, _human_message(error))
    field, message = next(iter(fields.items()))
    return _respond(request, 400, code="invalid", message=message, field=field, fields=fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request.headers.get("Authorization"):
        message = (
            "The API token is not valid: it is mistyped, revoked, or its user is inactive. "
            "Send 'Authorization: Bearer <token>' with an active token "
            "(`galena token list USERNAME` shows them, `galena token create USERNAME` makes one)."
        )
    else:
        message = f"Authentication required. {HOW_TO_AUTHENTICATE}"
    response = _respond(request, 401, code="unauthenticated", message=message)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


_HTTP_ERROR_CODES = {
    400: "invalid",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if message == "Cannot parse request body" or message.startswith("Cannot parse request body "):
        message = "The request body is not valid JSON: send a JSON object."
    elif "CSRF" in message:
        message = (
            "The CSRF check failed: from the site, send the 'X-CSRFToken' header with the "
            "csrftoken cookie's value; from scripts, use an API token instead of the session."
        )
    elif not message.endswith("."):
        message += "."
    code = _HTTP_ERROR_CODES.get(exc.status_code, "error")
    return _respond(request, exc.status_code, code=code, message=message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, 404, code="not_found", message="Not found.")


@api.exception_handler(DjangoPermissionDenied)
def _forbidden(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
    return _respond(request, 403, code="forbidden", message="You are not allowed to do this.")


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Logged with its traceback for the operators; the client learns nothing internal.
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return _respond(
        request,
        500,
        code="server_error",
        message="Something went wrong on our side and it was logged. "
        "Try again later; if it keeps happening, tell the administrator.",
    )


api.add_router("/", leads_router)
api.add_router("/", notifications_router)
api.add_router("/", intake_router)
api.add_router("/", inbound_router)
api.add_router("/", quality_router)
api.add_router("/", matching_router)
api.add_router("/", matching_review_router)
api.add_router("/", tracking_router)
api.add_router("/", calibration_router)
api.add_router("/", routing_router)
api.add_router("/", assign_router)
api.add_router("/", scoring_router)
api.add_router("/", activities_router)
api.add_router("/", clients_router)
api.add_router("/", nurture_router)
api.add_router("/", consent_router)
api.add_router("/", compliance_router)
api.add_router("/", privacy_router)
api.add_router("/", analytics_router)
