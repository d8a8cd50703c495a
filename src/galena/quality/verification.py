"""Verification: a lead is unverified until the person confirms their e-mail address (double
opt-in, a signed link that expires), a call confirms their details, or another independent
source brings the same phone or e-mail.

- ``lead_confirmation_send`` e-mails a signed link to ``/v/<token>/``; the token holds the
  lead's id and a keyed digest of the address (so no address travels in URLs and logs) and
  expires after ``QUALITY_CONFIRMATION_MAX_AGE_DAYS``. ``confirmation_check`` reads a token
  without writing (the page's GET: mail scanners prefetch links); ``lead_email_confirm``
  verifies (the page's POST); ``lead_confirmation_renew`` sends a fresh link for an
  expired one, at most once per ``RENEW_INTERVAL``.
- ``lead_call_log`` records a call and its outcome; "reached — details confirmed" verifies.
  Issue 8 builds full call logging on this service.
- ``source_match`` is an intake stage (after the quality stage): a new lead whose phone or
  e-mail already belongs to a lead from another, independent source is verified, and so is
  that earlier lead once the new one is written (``lead_verify_by_source_match``, queued as
  a follow-up).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Q, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from galena.core.errors import ValidationFailed
from galena.intake.contract import Action, Decision, FollowUp, Reason
from galena.leads import access
from galena.leads.models import (
    ActorSource,
    CallOutcome,
    ContactKind,
    ContactPoint,
    ContactStatus,
    EventType,
    Lead,
    LeadEvent,
    QualityStatus,
    Source,
    Verification,
    VerificationMethod,
)
from galena.leads.normalise import normalise_contact
from galena.leads.services import ACTIVITY_CALL, Actor, _change_hooks, activity_hooks
from galena.quality.checks import REGISTRY
from galena.quality.models import CheckGroup

CONFIRMATION_SALT = "galena.quality.confirm"
_DIGEST_SALT = "galena.quality.confirm.email"


def _event(lead: Lead, actor: Actor, type: str, occurred_at=None, **params: Any) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead,
        type=type,
        occurred_at=occurred_at or timezone.now(),
        actor=actor.user,
        actor_source=actor.source,
        params=params,
    )


def _lock(actor: Actor, lead_id: int) -> Lead:
    """The lead locked for writing, read through the actor's visibility (404 if not theirs)."""
    if actor.user is None:
        return Lead.objects.select_for_update().get(pk=lead_id)
    return access.lead_get_for(user=actor.user, lead_id=lead_id, for_update=True)


def _same_email(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


# --- double opt-in: the signed link -----------------------------------------------------


def email_digest(email: str) -> str:
    """A keyed digest of an address: binds a link to it without writing it into the URL."""
    return salted_hmac(_DIGEST_SALT, email.strip().casefold(), algorithm="sha256").hexdigest()[:32]


def confirmation_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.QUALITY_CONFIRMATION_MAX_AGE_DAYS)


def confirmation_token(*, lead_id: int, email: str) -> str:
    """A signed, time-stamped token for the confirmation link of one address of one lead."""
    return signing.dumps({"l": lead_id, "e": email_digest(email)}, salt=CONFIRMATION_SALT)


def confirmation_url(*, lead_id: int, email: str) -> str:
    token = confirmation_token(lead_id=lead_id, email=email)
    return settings.SITE_URL + reverse("verify-confirm", kwargs={"token": token})


class ConfirmationState(StrEnum):
    READY = "ready"  # valid: the page offers the button
    CONFIRMED = "confirmed"  # the POST just verified
    ALREADY = "already"  # this address was confirmed before
    EXPIRED = "expired"  # signed by us, too old: the page offers a new link
    RENEWED = "renewed"  # a new link was just sent
    RENEWED_RECENTLY = "renewed_recently"  # a link went out minutes ago: no other yet
    INVALID = "invalid"  # not signed by us: tampered, cut, made up
    GONE = "gone"  # the lead or this address is no longer on file


# the page's HTTP status for each state
CONFIRMATION_STATUS = {
    ConfirmationState.READY: 200,
    ConfirmationState.CONFIRMED: 200,
    ConfirmationState.ALREADY: 200,
    ConfirmationState.EXPIRED: 410,
    ConfirmationState.RENEWED: 200,
    ConfirmationState.RENEWED_RECENTLY: 429,
    ConfirmationState.INVALID: 400,
    ConfirmationState.GONE: 410,
}
# Whoever holds an expired link may ask for a new one, but not more often than this: the
# page must not become a way to flood someone's inbox.
RENEW_INTERVAL = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Confirmation:
    """What a confirmation link stands for; only the first name is for the page to show."""

    state: ConfirmationState
    first_name: str = ""
    language: str = ""
    lead_id: int | None = None


def _read_token(token: str, *, max_age: dt.timedelta | None) -> tuple[int, str] | None:
    """The (lead id, e-mail digest) a token holds; None when it is not ours;
    SignatureExpired when it is ours but too old."""
    try:
        payload = signing.loads(token, salt=CONFIRMATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    lead_id, digest = payload.get("l"), payload.get("e")
    if not isinstance(lead_id, int) or not isinstance(digest, str):
        return None
    return lead_id, digest


def _email_point(lead: Lead, digest: str) -> ContactPoint | None:
    for point in lead.contact_points.filter(kind=ContactKind.EMAIL):
        if email_digest(point.value) == digest:
            return point
    return None


def _resolve(token: str, *, for_update: bool, max_age: dt.timedelta | None = None):
    """(state, lead, contact point) for a token; lead and point are None unless found."""
    expired = False
    try:
        read = _read_token(token, max_age=confirmation_max_age() if max_age is None else max_age)
    except signing.SignatureExpired:
        read, expired = _read_token(token, max_age=None), True
    if read is None:
        return ConfirmationState.INVALID, None, None
    lead_id, digest = read
    leads = Lead.objects.select_for_update() if for_update else Lead.objects
    lead = leads.filter(pk=lead_id).first()
    if lead is None:
        return ConfirmationState.GONE, None, None
    point = _email_point(lead, digest)
    if point is None:
        return ConfirmationState.GONE, lead, None
    if point.verified:
        return ConfirmationState.ALREADY, lead, point
    if expired:
        return ConfirmationState.EXPIRED, lead, point
    return ConfirmationState.READY, lead, point


def _confirmation(state: ConfirmationState, lead: Lead | None) -> Confirmation:
    if lead is None:
        return Confirmation(state=state)
    return Confirmation(
        state=state, first_name=lead.first_name, language=lead.language, lead_id=lead.pk
    )


def confirmation_check(*, token: str, max_age: dt.timedelta | None = None) -> Confirmation:
    """What a confirmation link stands for, without writing anything (the page's GET)."""
    state, lead, _point = _resolve(token, for_update=False, max_age=max_age)
    return _confirmation(state, lead)


@transaction.atomic
def lead_email_confirm(*, token: str, max_age: dt.timedelta | None = None) -> Confirmation:
    """Verify the lead by the confirmation link (the page's POST): the lead becomes verified
    by e-mail, the address is marked verified, and a VERIFIED event is written."""
    state, lead, point = _resolve(token, for_update=True, max_age=max_age)
    if state != ConfirmationState.READY:
        return _confirmation(state, lead)
    now = timezone.now()
    point.verified = True
    point.verified_at = now
    point.save(update_fields=["verified", "verified_at"])
    fields = ["updated_at"]
    if lead.verification != Verification.VERIFIED:
        lead.verification = Verification.VERIFIED
        lead.verification_method = VerificationMethod.EMAIL
        lead.verified_at = now
        fields += ["verification", "verification_method", "verified_at"]
    lead.save(update_fields=fields)
    if "verification" in fields:  # later apps read it (a verified lead scores more)
        _change_hooks(lead, Actor(user=None, source=ActorSource.WEB_FORM), {"verification"})
    _event(
        lead,
        Actor(user=None, source=ActorSource.WEB_FORM),
        EventType.VERIFIED,
        occurred_at=now,
        method=VerificationMethod.EMAIL.value,
        email=point.value,
        lead_verified="verification" in fields,
    )
    return _confirmation(ConfirmationState.CONFIRMED, lead)


@transaction.atomic
def lead_confirmation_renew(*, token: str, max_age: dt.timedelta | None = None) -> Confirmation:
    """Send a fresh link for an expired one (the expired page's button), at most once per
    RENEW_INTERVAL per lead; anything but an expired link is answered as it stands."""
    state, lead, point = _resolve(token, for_update=True, max_age=max_age)
    if state != ConfirmationState.EXPIRED:
        return _confirmation(state, lead)
    recently = lead.events.filter(
        type=EventType.VERIFICATION_SENT, occurred_at__gte=timezone.now() - RENEW_INTERVAL
    )
    if recently.exists():
        return _confirmation(ConfirmationState.RENEWED_RECENTLY, lead)
    try:
        lead_confirmation_send(
            lead=lead, email=point.value, actor=Actor(user=None, source=ActorSource.WEB_FORM)
        )
    except ValidationFailed:
        return _confirmation(ConfirmationState.GONE, lead)
    return _confirmation(ConfirmationState.RENEWED, lead)


def language_for(code: str) -> str:
    """A person's language (``ru``, ``ro-RO``…) when Galena speaks it, else the site's."""
    code = (code or "").strip().lower().replace("_", "-")
    available = {c for c, _name in settings.LANGUAGES}
    for candidate in (code, code.split("-")[0]):
        if candidate in available:
            return candidate
    return settings.LANGUAGE_CODE


def _send_confirmation_email(*, lead: Lead, email: str, url: str, expires_at: dt.datetime):
    with translation.override(language_for(lead.language)):
        context = {
            "first_name": lead.first_name,
            "interest": lead.interest,
            "url": url,
            "expires_at": expires_at,
            "max_age_days": settings.QUALITY_CONFIRMATION_MAX_AGE_DAYS,
        }
        message = EmailMultiAlternatives(
            subject=_("Please confirm your e-mail address"),
            body=render_to_string("quality/email/confirm.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(
            render_to_string("quality/email/confirm.html", context), "text/html"
        )
    message.send()


def _pick_email(lead: Lead, email: str | None) -> ContactPoint:
    points = list(lead.contact_points.filter(kind=ContactKind.EMAIL))
    if email:
        point = next((p for p in points if _same_email(p.value, email)), None)
        if point is None:
            raise ValidationFailed({"email": _("This address is not one of the lead's e-mails.")})
    else:
        usable = [p for p in points if p.is_valid]
        point = next((p for p in usable if p.is_primary), usable[0] if usable else None)
        if point is None:
            raise ValidationFailed({"email": _("This lead has no valid e-mail address.")})
    if not point.is_valid:
        raise ValidationFailed({"email": _("This address looks invalid: correct it first.")})
    if point.verified:
        raise ValidationFailed({"email": _("This address is already confirmed.")})
    return point


@transaction.atomic
def lead_confirmation_send(
    *, lead: Lead, email: str | None = None, actor: Actor, submission_id: int | None = None
) -> LeadEvent | None:
    """E-mail the person a link to confirm their address (double opt-in); the lead's primary
    valid e-mail unless one is given. With ``submission_id`` it sends at most once per
    submission (None when already sent). Writes a VERIFICATION_SENT event."""
    lead = _lock(actor, lead.pk)
    if actor.user is None and lead.quality_status == QualityStatus.REJECTED:
        # a pseudo-lead's address may be anyone's: never mail it automatically
        raise ValidationFailed({"lead": _("This lead was rejected as a pseudo-lead.")})
    if (
        submission_id is not None
        and lead.events.filter(
            type=EventType.VERIFICATION_SENT, params__submission_id=submission_id
        ).exists()
    ):
        return None
    point = _pick_email(lead, email)
    now = timezone.now()
    expires_at = now + confirmation_max_age()
    params: dict[str, Any] = {
        "method": VerificationMethod.EMAIL.value,
        "email": point.value,
        "expires_at": expires_at.isoformat(),
    }
    if submission_id is not None:
        params["submission_id"] = submission_id
    event = _event(lead, actor, EventType.VERIFICATION_SENT, occurred_at=now, **params)
    # sent last: if the mail server refuses, the event rolls back and a retry sends again
    _send_confirmation_email(
        lead=lead,
        email=point.value,
        url=confirmation_url(lead_id=lead.pk, email=point.value),
        expires_at=expires_at,
    )
    return event


# --- calls ----------------------------------------------------------------------------


CALL_NOTE_MAX = 2000


@transaction.atomic
def lead_call_log(
    *,
    actor: Actor,
    lead: Lead,
    outcome: str,
    note: str = "",
    details: dict[str, Any] | None = None,
) -> LeadEvent:
    """Record a call with its outcome and note (a CALL event; ``details`` such as the
    duration, from activities.services.call_log, are kept in it). "Reached — details confirmed"
    verifies the lead by call and its phone numbers; "wrong number" marks the primary phone
    invalid. A call logged by a person may be the lead's first response, whatever its outcome
    (routing decides, LEAD_ACTIVITY_HOOKS)."""
    lead = _lock(actor, lead.pk)
    if outcome not in CallOutcome.values:
        raise ValidationFailed({"outcome": _("Choose how the call went.")})
    note = (note or "").strip()
    if len(note) > CALL_NOTE_MAX:
        raise ValidationFailed({"note": _("Use at most %(n)d characters.") % {"n": CALL_NOTE_MAX}})
    phones = list(lead.contact_points.filter(kind=ContactKind.PHONE))
    primary = next((p for p in phones if p.is_primary), phones[0] if phones else None)
    if outcome == CallOutcome.WRONG_NUMBER and primary is None:
        raise ValidationFailed({"outcome": _("This lead has no phone number to mark wrong.")})
    now = timezone.now()
    params: dict[str, Any] = {"outcome": outcome, "note": note}
    if primary is not None:
        params["phone"] = primary.value
    params.update(details or {})
    lead_changes: list[str] = []
    if outcome == CallOutcome.WRONG_NUMBER and primary.is_valid:
        primary.is_valid = False
        primary.status = ContactStatus.INVALID
        primary.verified = False
        primary.verified_at = None
        primary.save(update_fields=["is_valid", "status", "verified", "verified_at"])
        params["marked_invalid"] = primary.value
    verified_phones: list[str] = []
    if outcome == CallOutcome.CONFIRMED:
        for point in phones:
            if point.is_valid and not point.verified:
                point.verified, point.verified_at = True, now
                point.save(update_fields=["verified", "verified_at"])
                verified_phones.append(point.value)
        if lead.verification != Verification.VERIFIED:
            lead.verification = Verification.VERIFIED
            lead.verification_method = VerificationMethod.CALL
            lead.verified_at = now
            lead_changes += ["verification", "verification_method", "verified_at"]
    if lead_changes:
        lead.save(update_fields=[*lead_changes, "updated_at"])
        _change_hooks(lead, actor, set(lead_changes))  # later apps read them
    event = _event(lead, actor, EventType.CALL, occurred_at=now, **params)
    # an attempt is a response, whatever its outcome (speed to lead counts the first dial)
    activity_hooks(lead, actor, ACTIVITY_CALL, now)
    if "verification" in lead_changes or verified_phones:
        _event(
            lead,
            actor,
            EventType.VERIFIED,
            occurred_at=now,
            method=VerificationMethod.CALL.value,
            phones=verified_phones,
            lead_verified="verification" in lead_changes,
            call_event_id=event.pk,
        )
    return event


# --- the intake stage: a match with another, independent source -----------------------

MATCHED_KINDS = (ContactKind.PHONE, ContactKind.EMAIL)
MATCHED_LEAD_TASK = "galena.quality.tasks.verify_matched_lead"
# a lead held or rejected by the quality gate vouches for nobody
_UNTRUSTED = (QualityStatus.REJECTED, QualityStatus.QUARANTINED)


@transaction.atomic
def lead_verify_by_source_match(
    *, lead_id: int, matched_lead_id: int, submission_id: int | None = None
) -> bool:
    """Verify an earlier lead that a new submission from another, independent source
    matched (the stage checked independence); not when either lead is held or rejected.
    True when the earlier lead became verified."""
    written = Lead.objects.filter(pk=lead_id).values_list("quality_status", flat=True).first()
    if written is None or written in _UNTRUSTED:
        return False
    lead = Lead.objects.select_for_update().filter(pk=matched_lead_id).first()
    if lead is None or lead.verification == Verification.VERIFIED:
        return False
    if lead.quality_status in _UNTRUSTED:
        return False
    now = timezone.now()
    lead.verification = Verification.VERIFIED
    lead.verification_method = VerificationMethod.SOURCE_MATCH
    lead.verified_at = now
    lead.save(update_fields=["verification", "verification_method", "verified_at", "updated_at"])
    _change_hooks(lead, Actor.system(), {"verification"})  # later apps read it
    params: dict[str, Any] = {"method": VerificationMethod.SOURCE_MATCH.value, "lead_id": lead_id}
    if submission_id is not None:
        params["submission_id"] = submission_id
    _event(lead, Actor.system(), EventType.VERIFIED, occurred_at=now, **params)
    return True


@dataclass(frozen=True)
class KnownContact:
    lead_id: int
    source_id: int
    source_name: str
    vendor: str
    verified: bool = False


def _suspicious(reason: Reason) -> bool:
    """A quality check that suspects a bot, a fake, a competitor or a farm fired (honest
    mistakes do not count): a bot replaying one payload to two sources is not a person
    confirmed by two independent sources."""
    check = REGISTRY.get(reason.code) if reason.stage == "quality" else None
    return check is not None and check.group != CheckGroup.MISTAKE and reason.points > 0


def _applies(decision: Decision) -> bool:
    parsed = decision.parsed
    return (
        decision.action == Action.CREATE
        and parsed.attribution.source_id is not None
        and decision.lead_fields.get("verification") != Verification.VERIFIED
        and not any(_suspicious(reason) for reason in decision.reasons)
    )


def _lookup_values(decision: Decision) -> list[tuple[str, str]]:
    """(kind, value) pairs to look up, as the lead's contact points will store them."""
    parsed = decision.parsed
    region = parsed.default_region or settings.DEFAULT_REGION
    pairs: list[tuple[str, str]] = []
    for contact in parsed.contacts:
        if contact.kind not in MATCHED_KINDS or contact.status == ContactStatus.INVALID:
            continue
        value = contact.normalised
        if not value:
            normalised = normalise_contact(contact.kind, contact.value or "", region=region)
            if not normalised.is_valid:
                continue
            value = normalised.value
        pairs.append((contact.kind, value))
        if contact.kind == ContactKind.EMAIL and value.lower() != value:
            pairs.append((contact.kind, value.lower()))
    return pairs


@dataclass
class SourceMatchContext:
    known: dict[tuple[str, str], list[KnownContact]]
    vendors: dict[int, str]


class SourceMatch:
    """The intake stage: verified by a match with another source."""

    name = "verification"

    def prepare(self, decisions: Sequence[Decision]) -> SourceMatchContext:
        wanted: dict[str, set[str]] = defaultdict(set)
        source_ids: set[int] = set()
        for decision in decisions:
            if not _applies(decision):
                continue
            for kind, value in _lookup_values(decision):
                wanted[kind].add(value)
            source_ids.add(decision.parsed.attribution.source_id)
        known: dict[tuple[str, str], list[KnownContact]] = defaultdict(list)
        if not wanted:
            return SourceMatchContext(known=known, vendors={})
        condition = Q()
        for kind, values in wanted.items():
            condition |= Q(kind=kind, value__in=sorted(values))
        contacts = (
            ContactPoint.objects.filter(condition, lead__source__isnull=False)
            .exclude(lead__quality_status__in=_UNTRUSTED)
            .order_by()
            .values_list(
                "kind",
                "value",
                "lead_id",
                "lead__source_id",
                "lead__source__name",
                "lead__source__vendor",
                "lead__verification",
            )
        )
        # the batch's own sources ride along (kind "") so vendors cost no second query
        sources = (
            Source.objects.filter(pk__in=source_ids)
            .order_by()
            .values_list(
                Value("", output_field=CharField()),
                Value("", output_field=CharField()),
                Value(None, output_field=BigIntegerField()),
                "pk",
                "name",
                "vendor",
                Value("", output_field=CharField()),
            )
        )
        rows = contacts.union(sources, all=True).order_by()
        vendors: dict[int, str] = {}
        for kind, value, lead_id, source_id, source_name, vendor, verification in rows:
            vendors[source_id] = vendor
            if kind:
                known[(kind, value)].append(
                    KnownContact(
                        lead_id,
                        source_id,
                        source_name,
                        vendor,
                        verified=verification == Verification.VERIFIED,
                    )
                )
        for matches in known.values():
            matches.sort(key=lambda match: match.lead_id)  # the earliest lead is the evidence
        return SourceMatchContext(known=known, vendors=vendors)

    def __call__(self, decision: Decision, context: SourceMatchContext | None) -> Decision:
        if context is None or not _applies(decision):
            return decision
        parsed = decision.parsed
        source_id = parsed.attribution.source_id
        vendor = context.vendors.get(source_id, "")
        for kind, value in _lookup_values(decision):
            for other in context.known.get((kind, value), ()):
                if other.source_id == source_id:
                    continue
                if vendor and other.vendor and vendor.casefold() == other.vendor.casefold():
                    continue  # two feeds of one vendor are one source, not two
                reason = Reason(
                    stage=self.name,
                    code="source_match",
                    message=f"The same {kind} came from another source: {other.source_name}.",
                    evidence={
                        "lead_id": other.lead_id,
                        "source_id": other.source_id,
                        "source": other.source_name,
                        "kind": kind,
                    },
                    points=0,
                )
                lead_fields = {
                    **decision.lead_fields,
                    "verification": Verification.VERIFIED.value,
                    "verification_method": VerificationMethod.SOURCE_MATCH.value,
                    "verified_at": parsed.received_at,
                }
                follow_ups = list(decision.follow_ups)
                if not other.verified:
                    # the match vouches both ways: the earlier lead is verified too, once
                    # this one is written and accepted
                    follow_ups.append(
                        FollowUp(task=MATCHED_LEAD_TASK, params={"matched_lead_id": other.lead_id})
                    )
                return decision.but(
                    lead_fields=lead_fields,
                    reasons=[*decision.reasons, reason],
                    follow_ups=follow_ups,
                )
        return decision


source_match = SourceMatch()
