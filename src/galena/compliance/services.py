"""Data-subject requests: receiving them (the public page, with e-mail verification, or staff
registering one received by letter or call), and every step of their handling — each in one
transaction, checked against the actor's role, and recorded as a ``DataRequestEvent``.

Status flow: ``new`` (identity not verified) → ``verified`` (the e-mail link, or staff
verifying another way) → ``in_progress`` (a handler took it or carried it out) → ``done`` or
``refused``; a closed request can be reopened. Nothing is carried out (exported, erased,
blocked) for a request whose identity is not verified.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from galena.compliance import fulfilment
from galena.compliance.access import require_handler
from galena.compliance.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    DataRequest,
    DataRequestEvent,
    RequestAction,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from galena.core.errors import ApplicationError, ValidationFailed
from galena.leads import contact_values
from galena.leads.normalise import email_value, phone_value

logger = logging.getLogger("galena.compliance")

VERIFICATION_SALT = "galena.compliance.verify"
_DIGEST_SALT = "galena.compliance.verify.email"
DETAILS_MAX = 4000
NOTE_MAX = 4000
# a person (an address) gets at most this many unverified requests a day: the page is not a
# way to fill someone else's mailbox
PENDING_PER_EMAIL_PER_DAY = 3
EXTENSION_MAX_DAYS = 60


# --- deadlines ----------------------------------------------------------------------------


def request_due_at(received_at: dt.datetime) -> dt.datetime:
    """When the answer to a request received then is owed (``COMPLIANCE_REQUEST_DAYS``)."""
    return received_at + dt.timedelta(days=settings.COMPLIANCE_REQUEST_DAYS)


def verification_max_age() -> dt.timedelta:
    return dt.timedelta(hours=settings.COMPLIANCE_VERIFICATION_MAX_AGE_HOURS)


# --- the subject's contact values ---------------------------------------------------------


def clean_email(raw: str, *, required: bool) -> str:
    text = (raw or "").strip()
    if not text:
        if required:
            raise ValidationFailed({"email": _("Give the e-mail address the request is about.")})
        return ""
    result = email_value(text, contact_values.normalise_email(text))
    if not result.is_valid:
        raise ValidationFailed({"email": _("This is not a valid e-mail address.")})
    return result.value


def clean_phone(raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        return ""
    result = phone_value(text, contact_values.normalise_phone(text, settings.DEFAULT_REGION))
    if not result.is_valid:
        raise ValidationFailed(
            {"phone": _("This is not a valid phone number; give it with its country code.")}
        )
    return result.value


def _event(
    data_request: DataRequest,
    action: str,
    actor: Any = None,
    text: str = "",
    **params: Any,
) -> DataRequestEvent:
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return DataRequestEvent.objects.create(
        request=data_request, action=action, actor=user, text=text, params=params
    )


def _lock(data_request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().get(pk=data_request.pk)


# --- receiving ----------------------------------------------------------------------------


def _kind(kind: str) -> str:
    if kind not in RequestKind.values:
        raise ValidationFailed({"kind": _("Choose what you are asking for.")})
    return kind


def _details(details: str) -> str:
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ValidationFailed(
            {"details": _("Please keep it under %(n)s characters.") % {"n": DETAILS_MAX}}
        )
    return details


@dataclass(frozen=True)
class Submitted:
    """What the public page tells the person: when the answer is due; ``data_request`` is
    None when nothing was stored (too many unconfirmed requests for the address)."""

    due_at: dt.datetime
    data_request: DataRequest | None


def request_submit(
    *, kind: str, email: str, phone: str = "", details: str = "", language: str = ""
) -> Submitted:
    """A request from the public page: stored as ``new`` and a verification link e-mailed to
    the address; it counts as verified once the person opens the link and confirms."""
    kind = _kind(kind)
    email = clean_email(email, required=True)
    phone = clean_phone(phone)
    details = _details(details)
    now = timezone.now()
    due_at = request_due_at(now)
    with transaction.atomic():
        pending = DataRequest.objects.filter(
            email=email, status=RequestStatus.NEW, received_at__gte=now - dt.timedelta(days=1)
        ).count()
        if pending >= PENDING_PER_EMAIL_PER_DAY:
            return Submitted(due_at=due_at, data_request=None)
        data_request = DataRequest.objects.create(
            kind=kind,
            email=email,
            phone=phone,
            details=details,
            channel=RequestChannel.PUBLIC_PAGE,
            language=language[:10],
            received_at=now,
            due_at=due_at,
            status=RequestStatus.NEW,
        )
        _event(data_request, RequestAction.RECEIVED, channel=RequestChannel.PUBLIC_PAGE.value)
    try:
        verification_send(data_request=data_request)
    except Exception as error:  # the mail server: the request stays, unconfirmed
        logger.exception("The verification e-mail of request #%s was not sent", data_request.pk)
        raise ApplicationError(
            _("We could not send the confirmation e-mail just now. Please try again later."),
            code="mail_failed",
        ) from error
    return Submitted(due_at=due_at, data_request=data_request)


def request_create(
    *,
    actor: Any,
    kind: str,
    email: str = "",
    phone: str = "",
    details: str = "",
    received_at: dt.datetime | None = None,
    verified: bool = False,
    channel: str = RequestChannel.STAFF,
) -> DataRequest:
    """A request staff received another way (a letter, a call, an e-mail) entered in the
    register; ``verified`` when the person's identity was already checked."""
    require_handler(actor)
    kind = _kind(kind)
    email = clean_email(email, required=False)
    phone = clean_phone(phone)
    if not email and not phone:
        raise ValidationFailed({"email": _("Give the person's e-mail address or phone.")})
    details = _details(details)
    now = timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise ValidationFailed({"received_at": _("A request cannot be received in the future.")})
    with transaction.atomic():
        data_request = DataRequest.objects.create(
            kind=kind,
            email=email,
            phone=phone,
            details=details,
            channel=channel,
            received_at=received_at,
            due_at=request_due_at(received_at),
            status=RequestStatus.VERIFIED if verified else RequestStatus.NEW,
            verified_at=now if verified else None,
        )
        _event(data_request, RequestAction.RECEIVED, actor, channel=str(channel))
        if verified:
            _event(data_request, RequestAction.VERIFIED, actor, how="staff")
    return data_request


# --- the verification link ------------------------------------------------------------------


def email_digest(email: str) -> str:
    """A keyed digest of an address: binds a link to it without writing it into the URL."""
    return salted_hmac(_DIGEST_SALT, email.strip().casefold(), algorithm="sha256").hexdigest()[:32]


def verification_token(*, data_request: DataRequest) -> str:
    """A signed, time-stamped token naming the request and (by digest) its address."""
    payload = {"r": data_request.pk, "e": email_digest(data_request.email)}
    return signing.dumps(payload, salt=VERIFICATION_SALT)


def verification_url(*, data_request: DataRequest) -> str:
    token = verification_token(data_request=data_request)
    return settings.SITE_URL + reverse("compliance-public-verify", kwargs={"token": token})


def _language(code: str) -> str:
    available = {c for c, _name in settings.LANGUAGES}
    code = (code or "").lower()
    for candidate in (code, code.split("-")[0]):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def verification_send(*, data_request: DataRequest) -> None:
    """E-mail the person the link that verifies their request (Django's mail backend)."""
    url = verification_url(data_request=data_request)
    expires_at = timezone.now() + verification_max_age()
    with translation.override(_language(data_request.language)):
        context = {
            "kind": data_request.get_kind_display(),
            "url": url,
            "expires_at": expires_at,
            "hours": settings.COMPLIANCE_VERIFICATION_MAX_AGE_HOURS,
            "due_at": data_request.due_at,
            "reference": data_request.pk,
        }
        message = EmailMultiAlternatives(
            subject=_("Confirm your request about your personal data"),
            body=render_to_string("compliance/email/verify.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[data_request.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(
            render_to_string("compliance/email/verify.html", context), "text/html"
        )
    message.send()


class VerificationState(StrEnum):
    READY = "ready"  # valid: the page offers the button (GET never verifies)
    CONFIRMED = "confirmed"  # the POST just verified
    ALREADY = "already"  # verified before
    EXPIRED = "expired"  # signed by us, too old
    INVALID = "invalid"  # not signed by us: tampered, cut, made up
    GONE = "gone"  # the request is no longer on file, or for another address


VERIFICATION_STATUS = {
    VerificationState.READY: 200,
    VerificationState.CONFIRMED: 200,
    VerificationState.ALREADY: 200,
    VerificationState.EXPIRED: 410,
    VerificationState.INVALID: 400,
    VerificationState.GONE: 410,
}


@dataclass(frozen=True)
class Verification:
    state: VerificationState
    data_request: DataRequest | None = None


def _read_token(token: str, max_age: dt.timedelta | None) -> tuple[int, str] | None:
    """(request id, e-mail digest), None when the token is not ours; raises
    SignatureExpired when it is ours but too old."""
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    request_id, digest = payload.get("r"), payload.get("e")
    if not isinstance(request_id, int) or not isinstance(digest, str):
        return None
    return request_id, digest


def _resolve(token: str, *, for_update: bool, max_age: dt.timedelta | None) -> Verification:
    expired = False
    max_age = verification_max_age() if max_age is None else max_age
    try:
        read = _read_token(token, max_age)
    except signing.SignatureExpired:
        read, expired = _read_token(token, None), True
    if read is None:
        return Verification(VerificationState.INVALID)
    request_id, digest = read
    requests = DataRequest.objects.select_for_update() if for_update else DataRequest.objects
    data_request = requests.filter(pk=request_id).first()
    if data_request is None or email_digest(data_request.email) != digest:
        return Verification(VerificationState.GONE)
    if data_request.verified_at is not None:
        return Verification(VerificationState.ALREADY, data_request)
    if expired:
        return Verification(VerificationState.EXPIRED, data_request)
    if data_request.status != RequestStatus.NEW:  # refused before it was confirmed
        return Verification(VerificationState.GONE, data_request)
    return Verification(VerificationState.READY, data_request)


def verification_check(*, token: str, max_age: dt.timedelta | None = None) -> Verification:
    """What a verification link stands for, writing nothing (the page's GET)."""
    return _resolve(token, for_update=False, max_age=max_age)


@transaction.atomic
def request_verify(*, token: str, max_age: dt.timedelta | None = None) -> Verification:
    """Verify the request by its e-mail link (the page's POST): it enters the staff queue as
    ``verified``; expired, forged or cut links change nothing."""
    verification = _resolve(token, for_update=True, max_age=max_age)
    if verification.state != VerificationState.READY:
        return verification
    data_request = verification.data_request
    data_request.status = RequestStatus.VERIFIED
    data_request.verified_at = timezone.now()
    data_request.save(update_fields=["status", "verified_at", "updated_at"])
    _event(data_request, RequestAction.VERIFIED, how="email_link")
    return Verification(VerificationState.CONFIRMED, data_request)


# --- handling -----------------------------------------------------------------------------


def _require_open(data_request: DataRequest) -> None:
    if data_request.status in CLOSED_STATUSES:
        raise ValidationFailed({"status": _("This request is closed; reopen it first.")})


def _require_verified(data_request: DataRequest) -> None:
    if data_request.verified_at is None:
        raise ValidationFailed(
            {"status": _("The person's identity is not verified yet: verify it first.")}
        )


def _text(value: str, field: str, message: str, limit: int = NOTE_MAX) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed({field: message})
    if len(value) > limit:
        raise ValidationFailed({field: _("Please keep it under %(n)s characters.") % {"n": limit}})
    return value


@transaction.atomic
def request_mark_verified(*, actor: Any, data_request: DataRequest, how: str) -> DataRequest:
    """Staff verified the person's identity another way (a call back, a document seen)."""
    require_handler(actor)
    how = _text(how, "how", _("Say how the identity was verified."))
    data_request = _lock(data_request)
    _require_open(data_request)
    if data_request.verified_at is not None:
        raise ValidationFailed({"status": _("This request is already verified.")})
    data_request.verified_at = timezone.now()
    data_request.status = RequestStatus.VERIFIED
    data_request.save(update_fields=["verified_at", "status", "updated_at"])
    _event(data_request, RequestAction.VERIFIED, actor, how, how="staff")
    return data_request


@transaction.atomic
def request_take(*, actor: Any, data_request: DataRequest, handler: Any = None) -> DataRequest:
    """Give the request a handler (the actor by default); a verified one is then in progress."""
    require_handler(actor)
    handler = handler or actor
    require_handler(handler)
    data_request = _lock(data_request)
    _require_open(data_request)
    data_request.handler = handler
    fields = ["handler", "updated_at"]
    if data_request.status == RequestStatus.VERIFIED:
        data_request.status = RequestStatus.IN_PROGRESS
        fields.append("status")
    data_request.save(update_fields=fields)
    _event(data_request, RequestAction.TAKEN, actor, handler_id=handler.pk)
    return data_request


@transaction.atomic
def request_note(*, actor: Any, data_request: DataRequest, text: str) -> DataRequestEvent:
    """A note on the request's trail (what was asked, checked, answered)."""
    require_handler(actor)
    text = _text(text, "text", _("Write the note."))
    data_request = _lock(data_request)
    return _event(data_request, RequestAction.NOTE, actor, text)


@transaction.atomic
def request_extend(
    *, actor: Any, data_request: DataRequest, days: int, reason: str, tell: bool = False
) -> DataRequest:
    """Move the deadline later (complex or numerous requests), with the reason the person is
    to be told (by e-mail when ``tell``)."""
    require_handler(actor)
    reason = _text(reason, "reason", _("Give the reason for the extension."))
    if not 1 <= days <= EXTENSION_MAX_DAYS:
        raise ValidationFailed(
            {"days": _("Extend by 1 to %(n)s days.") % {"n": EXTENSION_MAX_DAYS}}
        )
    data_request = _lock(data_request)
    _require_open(data_request)
    if tell and not can_tell(data_request):
        raise ValidationFailed({"tell": _("There is no e-mail address to tell the person.")})
    before = data_request.due_at
    data_request.due_at = before + dt.timedelta(days=days)
    data_request.save(update_fields=["due_at", "updated_at"])
    _event(
        data_request,
        RequestAction.EXTENDED,
        actor,
        reason,
        before=before.isoformat(),
        after=data_request.due_at.isoformat(),
        told_by_email=bool(tell),
    )
    if tell:
        transaction.on_commit(lambda: extension_send(data_request=data_request, reason=reason))
    return data_request


def extension_send(*, data_request: DataRequest, reason: str) -> None:
    """Tell the person their answer comes later, when, and why."""
    with translation.override(_language(data_request.language)):
        context = {
            "kind": data_request.get_kind_display(),
            "reference": data_request.pk,
            "due_at": data_request.due_at,
            "reason": reason,
        }
        message = EmailMultiAlternatives(
            subject=_("Your request about your personal data needs more time"),
            body=render_to_string("compliance/email/extended.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[data_request.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
    message.send()


@transaction.atomic
def request_fulfil(*, actor: Any, data_request: DataRequest) -> fulfilment.Result:
    """Carry the request out with the privacy and consent services (access report, erasure,
    restriction, consent withdrawal): only for a verified, open request."""
    require_handler(actor)
    data_request = _lock(data_request)
    _require_open(data_request)
    _require_verified(data_request)
    result = fulfilment.carry_out(actor=actor, data_request=data_request)
    fields = ["updated_at"]
    if result.linked:
        data_request.linked = {**data_request.linked, **result.linked}
        fields.append("linked")
    if data_request.status != RequestStatus.IN_PROGRESS:
        data_request.status = RequestStatus.IN_PROGRESS
        fields.append("status")
    if data_request.handler_id is None:
        data_request.handler = actor
        fields.append("handler")
    data_request.save(update_fields=fields)
    _event(data_request, RequestAction.FULFILLED, actor, result.summary, **result.params)
    if data_request.kind == RequestKind.ERASE and data_request.email:
        # the erasure also hashed the request's own address: tell the person now, while this
        # copy of it is still in memory, once the erasure is committed
        address, language, number = data_request.email, data_request.language, data_request.pk
        transaction.on_commit(
            lambda: erasure_notice_send(email=address, language=language, number=number)
        )
    return result


def erasure_notice_send(*, email: str, language: str, number: int) -> None:
    """Tell the person their data was erased (the answer to their request)."""
    with translation.override(_language(language)):
        message = EmailMultiAlternatives(
            subject=_("Your personal data has been erased"),
            body=render_to_string("compliance/email/erased.txt", {"reference": number}),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
            headers={"Auto-Submitted": "auto-generated"},
        )
    message.send()


@transaction.atomic
def request_complete(
    *, actor: Any, data_request: DataRequest, outcome: str, tell: bool = False
) -> DataRequest:
    """Close the request as done, with what was done (the answer the person gets; e-mailed
    to them when ``tell``)."""
    require_handler(actor)
    outcome = _text(outcome, "outcome", _("Say what was done."))
    data_request = _lock(data_request)
    _require_open(data_request)
    _require_verified(data_request)
    return _close(actor, data_request, RequestStatus.DONE, RequestAction.DONE, outcome, tell)


@transaction.atomic
def request_refuse(
    *, actor: Any, data_request: DataRequest, reason: str, tell: bool = False
) -> DataRequest:
    """Close the request as refused, with the reason the person is told (by e-mail when
    ``tell``)."""
    require_handler(actor)
    reason = _text(reason, "outcome", _("Give the reason for the refusal."))
    data_request = _lock(data_request)
    _require_open(data_request)
    return _close(actor, data_request, RequestStatus.REFUSED, RequestAction.REFUSED, reason, tell)


def can_tell(data_request: DataRequest) -> bool:
    """Whether the person can be e-mailed (an address, not erased to its hash)."""
    return "@" in data_request.email


def _close(actor, data_request, status, action, outcome, tell) -> DataRequest:
    if tell and not can_tell(data_request):
        raise ValidationFailed({"tell": _("There is no e-mail address to send the answer to.")})
    data_request.status = status
    data_request.outcome = outcome
    data_request.closed_at = timezone.now()
    if data_request.handler_id is None:
        data_request.handler = actor
    data_request.save(update_fields=["status", "outcome", "closed_at", "handler", "updated_at"])
    _event(data_request, action, actor, outcome, told_by_email=bool(tell))
    if tell:
        transaction.on_commit(lambda: answer_send(data_request=data_request))
    return data_request


def answer_send(*, data_request: DataRequest) -> None:
    """E-mail the person the answer to their request (its outcome)."""
    with translation.override(_language(data_request.language)):
        context = {
            "kind": data_request.get_kind_display(),
            "reference": data_request.pk,
            "outcome": data_request.outcome,
            "refused": data_request.status == RequestStatus.REFUSED,
        }
        message = EmailMultiAlternatives(
            subject=_("The answer to your request about your personal data"),
            body=render_to_string("compliance/email/answer.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[data_request.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
    message.send()


@transaction.atomic
def request_reopen(*, actor: Any, data_request: DataRequest, reason: str) -> DataRequest:
    """Open a closed request again (the person wrote back); its deadline stays."""
    require_handler(actor)
    reason = _text(reason, "reason", _("Say why it is reopened."))
    data_request = _lock(data_request)
    if data_request.status in OPEN_STATUSES:
        raise ValidationFailed({"status": _("This request is open.")})
    data_request.status = (
        RequestStatus.IN_PROGRESS if data_request.verified_at else RequestStatus.NEW
    )
    data_request.closed_at = None
    data_request.save(update_fields=["status", "closed_at", "updated_at"])
    _event(data_request, RequestAction.REOPENED, actor, reason)
    return data_request
