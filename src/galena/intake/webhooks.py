"""Inbound channels over HTTP: e-mail, call tracking, chats and ad-platform lead forms.

No user token: each URL carries the key of its mailbox or integration, and each request
proves itself with that integration's secret (a signature, a bearer secret, Meta's app
secret, Google's key). Everything accepted is stored as received before the answer."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from ninja import Router, Schema
from pydantic import Field

from galena.core.api import ErrorOut
from galena.core.errors import PayloadTooLarge, ValidationFailed
from galena.intake.adapters import calls, chat, google_ads, meta
from galena.intake.adapters import email as email_adapter
from galena.intake.adapters.common import active
from galena.intake.api import client_address
from galena.intake.models import (
    AdPlatform,
    AdPlatformIntegration,
    IntegrationKind,
    IntegrationProvider,
    Mailbox,
    WebhookIntegration,
)

router = Router(tags=["inbound channels"], auth=None)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut, 413: ErrorOut}
EMAIL_FIELDS = ("message", "email", "body-mime")
EMAIL_MEDIA_TYPES = ("message/rfc822", "text/plain", "application/octet-stream")


class AcceptedOut(Schema):
    status: str = Field(description="accepted: stored, and processed or queued.")
    reference: int = Field(description="The submission's number, to quote to support.")


class AcceptedManyOut(Schema):
    status: str = Field(description="accepted: stored, and processed or queued.")
    references: list[int] = Field(description="One submission per lead the webhook announced.")


def _body(request: HttpRequest, limit: int) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit:
        raise PayloadTooLarge(f"The body is {length} bytes; the limit is {limit}.")
    # read() rather than .body: a large e-mail may exceed DATA_UPLOAD_MAX_MEMORY_SIZE
    body = request.read(limit + 1)
    if len(body) > limit:
        raise PayloadTooLarge(f"The body is over the limit of {limit} bytes.")
    return body


def _accepted(submission, created: bool) -> JsonResponse:
    return JsonResponse(
        {"status": "accepted", "reference": submission.pk}, status=201 if created else 200
    )


# --- e-mail ---------------------------------------------------------------------------


@router.post(
    "/inbound/email/{mailbox_key}",
    response={201: AcceptedOut, 200: AcceptedOut, **ERRORS},
    summary="Deliver an inbound e-mail",
    description=(
        "Post one raw RFC 822 message (as received by your mail server: headers and body) "
        "as the request body with Content-Type message/rfc822 or text/plain, or as the "
        "`message` field of a multipart/form-data upload. The mailbox's key in the URL is "
        "its secret. The same Message-ID posted again answers 200 and stores nothing new."
    ),
    openapi_extra={
        "requestBody": {
            "content": {"message/rfc822": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
def inbound_email(request: HttpRequest, mailbox_key: str):
    mailbox = active(Mailbox, mailbox_key, what="mailbox")
    limit = settings.INTAKE_MAX_EMAIL_BYTES
    media_type = (request.content_type or "").lower()
    if media_type == "multipart/form-data":
        raw = _uploaded_message(request, limit)
    elif media_type in EMAIL_MEDIA_TYPES:
        raw = _body(request, limit)
    else:
        raise ValidationFailed(
            {
                "Content-Type": "Send the raw message as message/rfc822 (or text/plain), or "
                "upload it as the 'message' field of multipart/form-data."
            }
        )
    if not raw.strip():
        raise ValidationFailed({"message": "The message is empty: send the raw RFC 822 text."})
    submission, created = email_adapter.receive(
        raw=raw,
        endpoint=email_adapter.mailbox_endpoint(mailbox.pk),
        mailbox_id=mailbox.pk,
        via="http",
        headers={"User-Agent": request.headers.get("User-Agent", "")},
        remote_addr=client_address(request),
    )
    return _accepted(submission, created)


def _uploaded_message(request: HttpRequest, limit: int) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit:
        raise PayloadTooLarge(f"The body is {length} bytes; the limit is {limit}.")
    try:
        files, fields = request.FILES, request.POST
    except RequestDataTooBig as error:
        raise PayloadTooLarge(
            "Upload the message as a file field, not a text field: it is too large."
        ) from error
    for name in EMAIL_FIELDS:
        if name in files:
            return files[name].read(limit + 1)
        if name in fields:
            return fields[name].encode("utf-8")
    raise ValidationFailed(
        {"message": "Upload the raw message as the 'message' field (a file or text)."}
    )


# --- calls ----------------------------------------------------------------------------


def _public_urls(request: HttpRequest) -> list[str]:
    """The URLs the caller may have signed: the public one (SITE_URL) and the one this
    server sees, each with and without the scheme's default port."""
    seen = [settings.SITE_URL + request.get_full_path(), request.build_absolute_uri()]
    urls: list[str] = []
    for url in seen:
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        default = {"https": ":443", "http": ":80"}.get(scheme, "")
        bare = host.removesuffix(default) if default else host
        for variant in (bare, bare + default):
            candidate = f"{scheme}://{variant}{slash}{path}"
            if candidate not in urls:
                urls.append(candidate)
    return urls


@router.post(
    "/inbound/calls/{key}",
    response={201: AcceptedOut, 200: AcceptedOut, 204: None, **ERRORS},
    summary="Report a call's event (call tracking)",
    description=(
        "Generic integrations post JSON {event: started|answered|ended|missed, call_id, "
        "caller, called, started_at, duration_s, recording_url, direction}, signed with "
        "`X-Galena-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>`. "
        "Twilio integrations take Twilio's voice status callback as Twilio sends it, "
        "checked with X-Twilio-Signature; they answer 204. Each call's event is stored once."
    ),
)
def inbound_call(request: HttpRequest, key: str):
    integration = active(
        WebhookIntegration, key, what="call-tracking integration", kind=IntegrationKind.CALLS
    )
    body = _body(request, settings.INTAKE_MAX_WEBHOOK_BYTES)
    address = client_address(request)
    if integration.provider == IntegrationProvider.TWILIO:
        if request.content_type != "application/x-www-form-urlencoded":
            raise ValidationFailed(
                {"Content-Type": "Twilio posts application/x-www-form-urlencoded fields."}
            )
        fields = QueryDict(body, encoding="utf-8")
        calls.receive_twilio(
            integration=integration,
            urls=_public_urls(request),
            body=body,
            fields={name: fields.getlist(name) for name in fields},
            headers=request.headers,
            remote_addr=address,
        )
        return HttpResponse(status=204)
    submission, created = calls.receive_generic(
        integration=integration, body=body, headers=request.headers, remote_addr=address
    )
    return _accepted(submission, created)


# --- chats ----------------------------------------------------------------------------


@router.post(
    "/inbound/chat/{key}",
    response={201: AcceptedOut, 200: AcceptedOut, **ERRORS},
    summary="Deliver a chat or messenger dialog",
    description=(
        "JSON {channel, dialog_id, visitor_id, started_at, messages: [{from: visitor|agent|"
        "bot|system, text, at}], contact: {name, phone, email, telegram, whatsapp…}, "
        "utm_source…utm_content, page, referrer}, with `Authorization: Bearer <secret>` or "
        "an X-Galena-Signature. Post the dialog again as it grows: the messages not yet "
        "recorded are added to the same lead."
    ),
)
def inbound_chat(request: HttpRequest, key: str):
    integration = active(
        WebhookIntegration, key, what="chat integration", kind=IntegrationKind.CHAT
    )
    body = _body(request, settings.INTAKE_MAX_WEBHOOK_BYTES)
    submission, created = chat.receive(
        integration=integration,
        body=body,
        headers=request.headers,
        remote_addr=client_address(request),
    )
    return _accepted(submission, created)


# --- ad platforms ---------------------------------------------------------------------


@router.get(
    "/inbound/meta/{key}",
    response={200: str, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut},
    summary="Meta webhook verification",
    description="Meta's subscription check: answers hub.challenge when hub.verify_token matches.",
)
def meta_verify(request: HttpRequest, key: str):
    integration = active(
        AdPlatformIntegration, key, what="Meta integration", platform=AdPlatform.META
    )
    challenge = meta.verify_subscription(integration, request.GET)
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


@router.post(
    "/inbound/meta/{key}",
    response={200: AcceptedManyOut, **ERRORS},
    summary="Meta Lead Ads webhook",
    description=(
        "Meta's leadgen webhook, signed with X-Hub-Signature-256 (the app secret). Each "
        "announced lead is stored; its fields are then read from the Graph API."
    ),
)
def meta_leads(request: HttpRequest, key: str):
    integration = active(
        AdPlatformIntegration, key, what="Meta integration", platform=AdPlatform.META
    )
    body = _body(request, settings.INTAKE_MAX_WEBHOOK_BYTES)
    results = meta.receive(
        integration=integration,
        body=body,
        headers=request.headers,
        remote_addr=client_address(request),
    )
    return JsonResponse(
        {"status": "accepted", "references": [submission.pk for submission, _ in results]}
    )


@router.post(
    "/inbound/google-ads/{key}",
    response={200: AcceptedOut, **ERRORS},
    summary="Google Ads lead form webhook",
    description=(
        "Google's lead form webhook JSON (lead_id, user_column_data, campaign_id, "
        "google_key…); google_key must equal the integration's key."
    ),
)
def google_ads_lead(request: HttpRequest, key: str):
    integration = active(
        AdPlatformIntegration, key, what="Google Ads integration", platform=AdPlatform.GOOGLE
    )
    body = _body(request, settings.INTAKE_MAX_WEBHOOK_BYTES)
    submission, _ = google_ads.receive(
        integration=integration,
        body=body,
        headers=request.headers,
        remote_addr=client_address(request),
    )
    # Google wants 200 for a lead it may consider delivered, new or not.
    return JsonResponse({"status": "accepted", "reference": submission.pk})
