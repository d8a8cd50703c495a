"""Every write of the work on a lead: calls, e-mails, offers and meetings.

An e-mail is stored before it is sent and its outcome after: a refused send is kept with
the error, shown on the card and retryable, never lost; a sent one writes its event (the
``event_type`` the caller names: e-mail, offer, nurture…) and tells LEAD_ACTIVITY_HOOKS.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import mimetypes
import os
import uuid
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from galena.activities import ics, merge
from galena.activities.models import (
    Document,
    DocumentKind,
    EmailKind,
    EmailStatus,
    EmailTemplate,
    Meeting,
    MeetingStatus,
    SentEmail,
    Signature,
)
from galena.consent import services as consent
from galena.consent.models import Purpose
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads import access
from galena.leads.models import (
    CallOutcome,
    ContactKind,
    EventType,
    Lead,
    LeadEvent,
    Task,
    TaskKind,
)
from galena.leads.services import (
    ACTIVITY_EMAIL,
    Actor,
    activity_hooks,
    task_complete,
    task_create,
)
from galena.quality.verification import lead_call_log

logger = logging.getLogger(__name__)

# --- limits (settings override them) ---------------------------------------------------

DOCUMENT_EXTENSIONS = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
# what a file of each extension starts with: a renamed executable is refused
_MAGIC = {
    ".pdf": (b"%PDF",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
    ".odt": (b"PK\x03\x04",),
    ".ods": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".ppt": (b"\xd0\xcf\x11\xe0",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def document_max_bytes() -> int:
    return int(getattr(settings, "ACTIVITIES_DOCUMENT_MAX_BYTES", 15 * 1024 * 1024))


def attachments_max_bytes() -> int:
    return int(getattr(settings, "ACTIVITIES_ATTACHMENTS_MAX_BYTES", 20 * 1024 * 1024))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


# --- plumbing --------------------------------------------------------------------------


def _lock(actor: Actor, lead: Lead) -> Lead:
    """The lead locked for writing, read through the actor's visibility (404 if not theirs)."""
    if actor.user is None:
        return Lead.objects.select_for_update().get(pk=lead.pk)
    return access.lead_get_for(user=actor.user, lead_id=lead.pk, for_update=True)


def _event(lead: Lead, actor: Actor, type: str, **params: Any) -> LeadEvent:
    return LeadEvent.objects.create(
        lead=lead, type=type, actor=actor.user, actor_source=actor.source, params=params
    )


def _person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _mail_domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">")
    return address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"


def _aware(value: dt.datetime | None, name: str) -> None:
    if value is not None and timezone.is_naive(value):
        raise ValidationFailed({name: _("Give the time with its time zone.")})


# --- merge fields ----------------------------------------------------------------------


def merge_fields(*, lead: Lead, sender) -> dict[str, str]:
    """The values of the merge fields for an e-mail to ``lead`` from ``sender``."""
    signature = ""
    phone = ""
    if sender is not None:
        signature = (
            Signature.objects.filter(user=sender).values_list("text", flat=True).first() or ""
        )
        profile = getattr(sender, "profile", None)
        phone = getattr(profile, "phone", "") or ""
        if not signature:
            signature = "\n".join(p for p in (_person_name(sender), phone) if p)
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "full_name": lead.full_name or lead.display_name,
        "company": lead.company_name,
        "position": lead.position,
        "city": lead.city,
        "interest": lead.interest,
        "owner_name": _person_name(sender),
        "owner_first_name": getattr(sender, "first_name", "") or _person_name(sender),
        "owner_email": getattr(sender, "email", "") or "",
        "owner_phone": phone,
        "signature": signature,
        "today": date_format(timezone.localdate(), "DATE_FORMAT"),
    }


SIGNATURE_MAX = 2000


@transaction.atomic
def signature_save(*, user, text: str) -> Signature:
    """Set the user's e-mail signature (the ``{{ signature }}`` merge field)."""
    text = (text or "").strip()
    if len(text) > SIGNATURE_MAX:
        raise ValidationFailed({"text": _("Use at most %(n)d characters.") % {"n": SIGNATURE_MAX}})
    signature, _created = Signature.objects.update_or_create(user=user, defaults={"text": text})
    return signature


def email_preview(*, lead: Lead, sender, subject: str, body: str) -> merge.Rendered:
    """What an e-mail to ``lead`` would look like (no write); ValidationFailed when the
    subject or body uses what the sandbox refuses."""
    return merge.render(subject=subject, body=body, fields=merge_fields(lead=lead, sender=sender))


def email_template_check(*, subject: str, body: str) -> None:
    """Refuse a template whose subject or body the sandbox would not render."""
    merge.compile_template(subject, where="subject")
    merge.compile_template(body, where="body")


# --- sending e-mail --------------------------------------------------------------------


@dataclass(frozen=True)
class FileAttachment:
    """A generated attachment (an .ics invitation): kept with the sent e-mail for a retry."""

    name: str
    content: bytes
    content_type: str


def lead_email_address(lead: Lead, to: str | None = None) -> str:
    """The address to write to: ``to`` when it is one of the lead's e-mails, else the
    primary valid one."""
    points = [p for p in lead.contact_points.all() if p.kind == ContactKind.EMAIL]
    if to:
        wanted = to.strip().casefold()
        point = next((p for p in points if p.value.casefold() == wanted), None)
        if point is None:
            raise ValidationFailed(
                {"to": _("This address is not one of the lead's e-mails: add it as a contact.")}
            )
    else:
        usable = [p for p in points if p.is_valid]
        point = next((p for p in usable if p.is_primary), usable[0] if usable else None)
        if point is None:
            raise ValidationFailed(
                {"to": _("This lead has no valid e-mail address: add one to write to them.")}
            )
    if not point.is_valid:
        raise ValidationFailed({"to": _("This address is marked invalid: correct it first.")})
    return point.value


def _attachments_stored(attachments: Sequence[Document | FileAttachment], lead: Lead) -> list:
    stored: list[dict[str, Any]] = []
    total = 0
    for item in attachments:
        if isinstance(item, Document):
            if not item.is_active:
                raise ValidationFailed(
                    {"documents": _("“%(title)s” is archived.") % {"title": item.title}}
                )
            if item.lead_id is not None and item.lead_id != lead.pk:
                raise PermissionDenied(
                    _("“%(title)s” was made for another lead.") % {"title": item.title},
                    field="documents",
                )
            total += item.size
            stored.append(
                {
                    "document_id": item.pk,
                    "name": item.original_name,
                    "title": item.title,
                    "kind": item.kind,
                    "content_type": item.content_type,
                    "size": item.size,
                }
            )
        else:
            total += len(item.content)
            stored.append(
                {
                    "name": item.name,
                    "content_type": item.content_type,
                    "size": len(item.content),
                    "content": base64.b64encode(item.content).decode("ascii"),
                }
            )
    if total > attachments_max_bytes():
        raise ValidationFailed(
            {
                "documents": _(
                    "The attachments come to %(size)s; an e-mail may carry %(limit)s. "
                    "Send them in two e-mails."
                )
                % {"size": _megabytes(total), "limit": _megabytes(attachments_max_bytes())}
            }
        )
    return stored


@transaction.atomic
def _email_store(
    *,
    actor: Actor,
    lead: Lead,
    template: EmailTemplate | None,
    subject: str,
    body: str,
    attachments: Sequence[Document | FileAttachment],
    to: str | None,
    kind: str,
    unsubscribe_url: str,
    headers: Mapping[str, str] | None,
    event_type: str,
    event_params: Mapping[str, Any] | None,
    meeting: Meeting | None,
    templated: bool,
    cc: Sequence[str] = (),
    consent_purpose: str | None = None,
) -> SentEmail:
    from galena.scoring.email_tracking import email_html_tracked

    lead = _lock(actor, lead)
    if kind not in EmailKind.values:
        raise ValueError(f"Not an e-mail kind: {kind}")
    if consent_purpose is None:
        consent_purpose = Purpose.MARKETING_EMAIL if kind == EmailKind.MARKETING else ""
    if not (subject or "").strip():
        raise ValidationFailed({"subject": _("Write a subject.")})
    if not (body or "").strip():
        raise ValidationFailed({"body": _("The e-mail is empty: write something.")})
    if len(body) > 50_000:
        raise ValidationFailed({"body": _("Use at most 50,000 characters.")})
    address = lead_email_address(lead, to)
    # a blocked person gets nothing; marketing needs their consent in the ledger
    consent.email_check(lead, address=address, purpose=consent_purpose)
    sender = actor.user or lead.owner
    if templated:
        rendered = merge.render(
            subject=subject, body=body, fields=merge_fields(lead=lead, sender=sender)
        )
    else:
        rendered = merge.Rendered(
            subject=" ".join(subject.split())[:255],
            text=body.strip(),
            html=merge.html_from_text(body.strip()),
        )
    if not rendered.subject:
        raise ValidationFailed({"subject": _("The subject is empty once its fields are filled.")})
    text, html = rendered.text, rendered.html
    extra_headers = dict(headers or {})
    if unsubscribe_url:
        text += "\n\n-- \n" + _("Unsubscribe: %(url)s") % {"url": unsubscribe_url}
        footer = merge.html_from_text(_("Unsubscribe: %(url)s") % {"url": unsubscribe_url})
        html = html.replace("</body>", footer.split("<body", 1)[1].split(">", 1)[1])
        extra_headers.setdefault("List-Unsubscribe", f"<{unsubscribe_url}>")
        extra_headers.setdefault("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
    message_id = make_msgid(idstring="galena", domain=_mail_domain())
    html = email_html_tracked(html, lead=lead, message_key=message_id.strip("<>"))
    reply_to = getattr(settings, "ACTIVITIES_REPLY_TO", "") or getattr(sender, "email", "") or ""
    return SentEmail.objects.create(
        lead=lead,
        sender=sender,
        template=template,
        kind=kind,
        event_type=event_type,
        event_params=dict(event_params or {}),
        from_email=formataddr((_person_name(sender), settings.DEFAULT_FROM_EMAIL))
        if sender is not None
        else settings.DEFAULT_FROM_EMAIL,
        to=address,
        cc=[c for c in cc if c.casefold() != address.casefold()],
        reply_to=reply_to,
        subject=rendered.subject,
        body_text=text,
        body_html=html,
        attachments=_attachments_stored(attachments, lead),
        headers=extra_headers,
        message_id=message_id,
        meeting=meeting,
        attempted_at=timezone.now(),
    )


def _message(sent: SentEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=sent.subject,
        body=sent.body_text,
        from_email=sent.from_email,
        to=[sent.to],
        cc=sent.cc or None,
        reply_to=[sent.reply_to] if sent.reply_to else None,
        headers={"Message-ID": sent.message_id, **sent.headers},
    )
    if sent.body_html:
        message.attach_alternative(sent.body_html, "text/html")
    documents = {
        d.pk: d
        for d in Document.objects.filter(
            pk__in=[a["document_id"] for a in sent.attachments if a.get("document_id")]
        )
    }
    for attachment in sent.attachments:
        if attachment.get("document_id"):
            document = documents.get(attachment["document_id"])
            if document is None:
                raise FileNotFoundError(f"The document {attachment['name']} was deleted.")
            with document.file.open("rb") as handle:
                content = handle.read()
        else:
            content = base64.b64decode(attachment.get("content", ""))
        message.attach(attachment["name"], content, attachment["content_type"])
    return message


def _deliver(actor: Actor, sent: SentEmail) -> SentEmail:
    """Send a stored e-mail and record how it went: SENT with its event, or FAILED with the
    error (the caller shows it; email_retry sends again)."""
    try:
        _message(sent).send()
    except Exception as error:  # any backend's refusal is stored, not lost
        logger.warning("e-mail %s to %s failed: %s", sent.pk, sent.to, error)
        SentEmail.objects.filter(pk=sent.pk).update(
            status=EmailStatus.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            attempts=F("attempts") + 1,
        )
        sent.refresh_from_db()
        return sent
    with transaction.atomic():
        now = timezone.now()
        SentEmail.objects.filter(pk=sent.pk).update(
            status=EmailStatus.SENT, sent_at=now, error="", attempts=F("attempts") + 1
        )
        sent.refresh_from_db()
        params = {
            "sent_email_id": sent.pk,
            "to": sent.to,
            "subject": sent.subject,
            "excerpt": sent.body_text[:300],
            "kind": sent.kind,
            **({"template_id": sent.template_id} if sent.template_id else {}),
            **({"attachments": [a["name"] for a in sent.attachments]} if sent.attachments else {}),
            **sent.event_params,
        }
        LeadEvent.objects.create(
            lead_id=sent.lead_id,
            type=sent.event_type,
            occurred_at=now,
            actor=actor.user,
            actor_source=actor.source,
            params=params,
        )
        if sent.kind == EmailKind.PERSONAL and actor.user is not None:
            # a person writing to the lead answers it (speed to lead); a mailing does not
            activity_hooks(sent.lead, actor, ACTIVITY_EMAIL, now)
    return sent


def email_send(
    *,
    actor: Actor,
    lead: Lead,
    template: EmailTemplate | None = None,
    subject: str,
    body: str,
    attachments: Sequence[Document | FileAttachment] = (),
    to: str | None = None,
    kind: str = EmailKind.PERSONAL,
    unsubscribe_url: str = "",
    headers: Mapping[str, str] | None = None,
    event_type: str = EventType.EMAIL_SENT,
    event_params: Mapping[str, Any] | None = None,
    meeting: Meeting | None = None,
    templated: bool = True,
    cc: Sequence[str] = (),
    consent_purpose: str | None = None,
) -> SentEmail:
    """E-mail the lead (its primary valid address unless ``to`` names another of its
    addresses): ``subject`` and ``body`` may hold merge fields; links and an open pixel are
    tracked (scoring). Stored first, then sent: check ``status`` — a FAILED e-mail keeps
    its ``error`` and can be sent again with email_retry. ``kind`` marketing with an
    ``unsubscribe_url`` adds the footer and List-Unsubscribe headers and does not count as
    a response to the lead; ``event_type``/``event_params`` name the event written once it
    is sent (nurture_sent, farewell_sent…). ``templated=False``: subject and body are
    sent as written, no merge fields (text a caller built itself). ``cc``: copies to other
    people (a meeting's other attendees), checked by the caller. A blocked person
    (galena.consent) is never written to; a marketing e-mail needs the person's consent to
    ``consent_purpose`` (marketing e-mail by default; "" for none: a service e-mail)."""
    sent = _email_store(
        actor=actor,
        lead=lead,
        template=template,
        subject=subject,
        body=body,
        attachments=attachments,
        to=to,
        kind=kind,
        unsubscribe_url=unsubscribe_url,
        headers=headers,
        event_type=event_type,
        event_params=event_params,
        meeting=meeting,
        templated=templated,
        cc=cc,
        consent_purpose=consent_purpose,
    )
    return _deliver(actor, sent)


# an e-mail "sending" for longer than this was lost with its process: it may be sent again
SENDING_LOST_AFTER = dt.timedelta(minutes=10)


def email_retry(*, actor: Actor, sent_email: SentEmail) -> SentEmail:
    """Send again an e-mail whose sending failed (same message, same Message-ID)."""
    with transaction.atomic():
        lead = _lock(actor, sent_email.lead)
        sent = SentEmail.objects.select_for_update().get(pk=sent_email.pk, lead=lead)
        if sent.status == EmailStatus.SENT:
            raise ValidationFailed({"email": _("This e-mail was sent already.")})
        if (
            sent.status == EmailStatus.SENDING
            and sent.attempted_at is not None
            and sent.attempted_at > timezone.now() - SENDING_LOST_AFTER
        ):
            # another request is sending it now: a second send would reach the lead twice
            raise ValidationFailed(
                {"email": _("This e-mail is being sent right now: look again in a few minutes.")}
            )
        SentEmail.objects.filter(pk=sent.pk).update(
            status=EmailStatus.SENDING, attempted_at=timezone.now()
        )
    sent.refresh_from_db()
    return _deliver(actor, sent)


# --- offers and price lists ------------------------------------------------------------


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower()


@transaction.atomic
def document_upload(
    *, actor: Actor, title: str, kind: str, file, lead: Lead | None = None
) -> Document:
    """Store a file to send: for one lead (its commercial offer) or, without ``lead``, for
    everyone (a price list); refused when too big or not a document type."""
    if actor.user is not None:
        access.require_lead_access(actor.user)
        if lead is None and not access.can_assign(actor.user):
            raise PermissionDenied(
                _(
                    "Only a head of sales or an admin adds documents for everyone; upload an "
                    "offer on the lead's card instead."
                )
            )
    if lead is not None:
        lead = _lock(actor, lead)
    if kind not in DocumentKind.values:
        raise ValidationFailed({"kind": _("Choose what the document is.")})
    if file is None:
        raise ValidationFailed({"file": _("Choose a file to upload.")})
    name = os.path.basename(getattr(file, "name", "") or "")
    extension = _extension(name)
    if extension not in DOCUMENT_EXTENSIONS:
        raise ValidationFailed(
            {
                "file": _("“%(name)s” is not a document Galena sends. Use %(types)s.")
                % {
                    "name": name,
                    "types": ", ".join(e.lstrip(".").upper() for e in DOCUMENT_EXTENSIONS),
                }
            }
        )
    size = file.size
    if size == 0:
        raise ValidationFailed({"file": _("The file is empty.")})
    if size > document_max_bytes():
        raise ValidationFailed(
            {
                "file": _("The file is %(size)s; the limit is %(limit)s. Compress it or split it.")
                % {"size": _megabytes(size), "limit": _megabytes(document_max_bytes())}
            }
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if not head.startswith(_MAGIC[extension]):
        raise ValidationFailed(
            {
                "file": _("“%(name)s” is not really a %(type)s file: export it again.")
                % {"name": name, "type": extension.lstrip(".").upper()}
            }
        )
    title = (title or "").strip() or os.path.splitext(name)[0]
    if len(title) > 200:
        raise ValidationFailed({"title": _("Use at most 200 characters.")})
    document = Document(
        title=title,
        kind=kind,
        original_name=name[:255],
        size=size,
        content_type=DOCUMENT_EXTENSIONS[extension]
        or mimetypes.guess_type(name)[0]
        or "application/octet-stream",
        lead=lead,
        uploaded_by=actor.user,
    )
    document.file.save(f"{uuid.uuid4().hex}{extension}", file, save=False)
    document.save()
    return document


@transaction.atomic
def document_archive(*, actor: Actor, document: Document) -> Document:
    """Take a document out of what can be sent (kept for the e-mails that carried it);
    heads of sales and admins for shared ones, the uploader for a lead's own."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if actor.user is not None:
        if document.lead_id is not None:
            _lock(actor, document.lead)
        elif not access.can_assign(actor.user):
            raise PermissionDenied(_("Only a head of sales or an admin archives shared documents."))
    if document.is_active:
        document.is_active = False
        document.save(update_fields=["is_active", "updated_at"])
    return document


def documents_for(*, lead: Lead):
    """The documents that can be sent to ``lead``: everyone's and its own, active."""
    from django.db.models import Q

    return Document.objects.filter(Q(lead__isnull=True) | Q(lead=lead), is_active=True)


def offer_send(
    *,
    actor: Actor,
    lead: Lead,
    documents: Iterable[Document],
    subject: str,
    body: str,
    template: EmailTemplate | None = None,
    to: str | None = None,
) -> SentEmail:
    """E-mail one or several documents (offer, price list) to the lead as attachments; once
    sent, an ``offer_sent`` event names them."""
    documents = list(documents)
    if not documents:
        raise ValidationFailed({"documents": _("Choose at least one document to send.")})
    return email_send(
        actor=actor,
        lead=lead,
        template=template,
        subject=subject,
        body=body,
        attachments=documents,
        to=to,
        event_type=EventType.OFFER_SENT,
        event_params={
            "documents": [{"id": d.pk, "title": d.title, "kind": d.kind} for d in documents]
        },
    )


# --- calls -----------------------------------------------------------------------------

CALL_MAX_SECONDS = 8 * 3600


@dataclass(frozen=True)
class CallLogged:
    event: LeadEvent
    callback_task: Task | None = None
    completed_task: Task | None = None


@transaction.atomic
def call_log(
    *,
    actor: Actor,
    lead: Lead,
    outcome: str,
    note: str = "",
    duration_seconds: int | None = None,
    callback_at: dt.datetime | None = None,
    task: Task | None = None,
) -> CallLogged:
    """Log a call (quality.verification.lead_call_log: outcome, verification, activity
    hooks) with its duration; "call back later" plans a call task at ``callback_at``; a
    planned call ``task`` is completed with the call's outcome. A blocked person is not
    called (refused)."""
    lead = _lock(actor, lead)
    consent.contact_check(lead)
    if duration_seconds is not None and not (0 <= duration_seconds <= CALL_MAX_SECONDS):
        raise ValidationFailed({"duration": _("Give the call's length in minutes, up to 8 hours.")})
    _aware(callback_at, "callback_at")
    if outcome == CallOutcome.CALL_BACK:
        if callback_at is None:
            raise ValidationFailed({"callback_at": _("Say when to call back.")})
        if callback_at < timezone.now() - dt.timedelta(minutes=5):
            raise ValidationFailed({"callback_at": _("The time to call back is in the past.")})
    if task is not None:
        task = Task.objects.select_for_update().filter(pk=task.pk, lead=lead).first()
        if task is None:
            raise ValidationFailed({"task": _("This task is not one of this lead's.")})
        if task.done_at is not None:
            raise ValidationFailed({"task": _("This task is already done.")})
    details: dict[str, Any] = {}
    if duration_seconds is not None:
        details["duration_seconds"] = duration_seconds
    if callback_at is not None and outcome == CallOutcome.CALL_BACK:
        details["callback_at"] = callback_at.isoformat()
    if task is not None:
        details["task_id"] = task.pk
    event = lead_call_log(actor=actor, lead=lead, outcome=outcome, note=note, details=details)
    completed = None
    if task is not None:
        label = str(CallOutcome(outcome).label)
        completed = task_complete(
            actor=actor, task=task, outcome=f"{label}: {note}"[:500] if note else label
        )
    callback = None
    if outcome == CallOutcome.CALL_BACK:
        callback = task_create(
            actor=actor,
            lead=lead,
            kind=TaskKind.CALL,
            title=_("Call back"),
            description=note,
            due_at=callback_at,
            assignee=actor.user or lead.owner,
        )
    return CallLogged(event=event, callback_task=callback, completed_task=completed)


# --- meetings --------------------------------------------------------------------------


def _time_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            {
                "time_zone": _("Unknown time zone “%(name)s”: use one like Europe/Bucharest.")
                % {"name": name}
            }
        ) from None
    return name


def _attendees(values: Iterable[str]) -> list[str]:
    from django.core.validators import validate_email

    cleaned: list[str] = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            validate_email(value)
        except Exception:
            raise ValidationFailed(
                {"attendees": _("“%(value)s” is not an e-mail address.") % {"value": value}}
            ) from None
        if value.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(value)
    if len(cleaned) > 50:
        raise ValidationFailed({"attendees": _("Invite at most 50 people.")})
    return cleaned


def _check_meeting_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    _aware(starts_at, "starts_at")
    _aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed({"ends_at": _("The meeting must end after it starts.")})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ValidationFailed({"ends_at": _("A meeting lasts at most 24 hours.")})


def _check_video_url(url: str) -> None:
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise ValidationFailed({"video_url": _("Give the video link as https://…")})


def meeting_invitation(meeting: Meeting, *, method: str = "REQUEST") -> str:
    """The meeting's .ics text (METHOD:REQUEST, or CANCEL for a cancelled one)."""
    lead = meeting.lead
    organizer = meeting.organizer
    attendees: list[tuple[str, str]] = []
    lead_email = next(
        (p.value for p in lead.contact_points.all() if p.kind == ContactKind.EMAIL and p.is_valid),
        "",
    )
    if lead_email:
        attendees.append((lead_email, lead.full_name or lead.display_name))
    attendees += [
        (email, "") for email in meeting.attendees if email.casefold() != lead_email.casefold()
    ]
    description = meeting.description
    if meeting.video_url:
        description = f"{description}\n\n{meeting.video_url}".strip()
    return ics.calendar(
        ics.Invitation(
            uid=meeting.uid,
            sequence=meeting.sequence,
            method=method,
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            stamp=timezone.now(),
            organizer_email=(getattr(organizer, "email", "") or settings.DEFAULT_FROM_EMAIL)
            .rpartition("<")[2]
            .rstrip(">"),
            organizer_name=_person_name(organizer),
            attendees=tuple(attendees),
            location=meeting.location or meeting.video_url,
            description=description,
            url=meeting.video_url,
            time_zone=meeting.time_zone,
        )
    )


def _meeting_when(meeting: Meeting) -> str:
    local = meeting.starts_at.astimezone(zoneinfo.ZoneInfo(meeting.time_zone))
    end = meeting.ends_at.astimezone(zoneinfo.ZoneInfo(meeting.time_zone))
    return f"{local:%Y-%m-%d %H:%M}–{end:%H:%M} ({meeting.time_zone})"


def _meeting_params(meeting: Meeting, action: str) -> dict[str, Any]:
    return {
        "meeting_id": meeting.pk,
        "action": action,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "ends_at": meeting.ends_at.isoformat(),
        "time_zone": meeting.time_zone,
        "location": meeting.location,
        "video_url": meeting.video_url,
        "sequence": meeting.sequence,
    }


def _invitation_send(actor: Actor, meeting: Meeting, *, method: str, subject: str) -> SentEmail:
    # written here, not as a template: the title, place and agenda are a person's text,
    # never template code
    fields = merge_fields(lead=meeting.lead, sender=actor.user or meeting.lead.owner)
    greeting = (
        _("Hello %(name)s,") % {"name": fields["first_name"]}
        if fields["first_name"]
        else _("Hello,")
    )
    lines = [greeting, "", subject, _meeting_when(meeting)]
    if meeting.location:
        lines.append(_("Place: %(place)s") % {"place": meeting.location})
    if meeting.video_url:
        lines.append(_("Video link: %(url)s") % {"url": meeting.video_url})
    if meeting.description:
        lines += ["", meeting.description]
    if fields["signature"]:
        lines += ["", fields["signature"]]
    content = meeting_invitation(meeting, method=method).encode()
    return email_send(
        actor=actor,
        lead=meeting.lead,
        subject=subject,
        body="\n".join(lines),
        templated=False,
        attachments=[
            FileAttachment(
                name="invite.ics",
                content=content,
                content_type=f"text/calendar; method={method}; charset=utf-8",
            )
        ],
        event_params={"meeting_id": meeting.pk, "invitation": method.lower()},
        meeting=meeting,
        # the other attendees get the same invitation (validated addresses, at most 50)
        cc=meeting.attendees,
    )


@transaction.atomic
def _meeting_create(
    *,
    actor: Actor,
    lead: Lead,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str,
    location: str,
    video_url: str,
    description: str,
    attendees: Iterable[str],
) -> Meeting:
    lead = _lock(actor, lead)
    title = (title or "").strip() or _("Meeting")
    if len(title) > 200:
        raise ValidationFailed({"title": _("Use at most 200 characters.")})
    _check_meeting_times(starts_at, ends_at)
    meeting = Meeting(
        lead=lead,
        organizer=actor.user or lead.owner,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=_time_zone(time_zone or settings.TIME_ZONE),
        location=(location or "").strip()[:300],
        video_url=(video_url or "").strip(),
        description=(description or "").strip()[:5000],
        attendees=_attendees(attendees),
        uid=f"{uuid.uuid4()}@{_mail_domain()}",
    )
    _check_video_url(meeting.video_url)
    meeting.save()
    meeting.task = task_create(
        actor=actor,
        lead=lead,
        kind=TaskKind.MEETING,
        title=title,
        description=_meeting_when(meeting),
        due_at=starts_at,
        assignee=meeting.organizer,
    )
    meeting.save(update_fields=["task", "updated_at"])
    _event(lead, actor, EventType.MEETING_SCHEDULED, **_meeting_params(meeting, "scheduled"))
    return meeting


@dataclass(frozen=True)
class MeetingResult:
    meeting: Meeting
    invitation: SentEmail | None


def meeting_schedule(
    *,
    actor: Actor,
    lead: Lead,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str = "",
    location: str = "",
    video_url: str = "",
    description: str = "",
    attendees: Iterable[str] = (),
    send_invitation: bool = True,
) -> MeetingResult:
    """Schedule a meeting with the lead: a ``meeting`` task for the organiser, a
    ``meeting_scheduled`` event and, unless told not to, an .ics invitation e-mailed to the
    lead (check the returned invitation's ``status``)."""
    meeting = _meeting_create(
        actor=actor,
        lead=lead,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        location=location,
        video_url=video_url,
        description=description,
        attendees=attendees,
    )
    invitation = None
    if send_invitation:
        invitation = _invitation_send(
            actor,
            meeting,
            method="REQUEST",
            subject=_("Invitation: %(title)s") % {"title": meeting.title},
        )
    return MeetingResult(meeting=meeting, invitation=invitation)


def _meeting_lock(actor: Actor, meeting: Meeting) -> Meeting:
    lead = _lock(actor, meeting.lead)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk, lead=lead)
    meeting.lead = lead
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationFailed({"meeting": _("This meeting was cancelled.")})
    return meeting


def meeting_reschedule(
    *,
    actor: Actor,
    meeting: Meeting,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    time_zone: str = "",
    location: str | None = None,
    video_url: str | None = None,
    send_invitation: bool = True,
) -> MeetingResult:
    """Move a meeting: its task follows, SEQUENCE goes up and the lead gets the update."""
    with transaction.atomic():
        meeting = _meeting_lock(actor, meeting)
        _check_meeting_times(starts_at, ends_at)
        meeting.starts_at, meeting.ends_at = starts_at, ends_at
        if time_zone:
            meeting.time_zone = _time_zone(time_zone)
        if location is not None:
            meeting.location = location.strip()[:300]
        if video_url is not None:
            meeting.video_url = video_url.strip()
            _check_video_url(meeting.video_url)
        meeting.sequence += 1
        meeting.save()
        if meeting.task_id:
            # the meeting's own task moves with it (leads has no task_update service yet)
            Task.objects.filter(pk=meeting.task_id, done_at__isnull=True).update(
                due_at=starts_at, description=_meeting_when(meeting), updated_at=timezone.now()
            )
        _event(
            meeting.lead,
            actor,
            EventType.MEETING_SCHEDULED,
            **_meeting_params(meeting, "rescheduled"),
        )
    invitation = None
    if send_invitation:
        invitation = _invitation_send(
            actor,
            meeting,
            method="REQUEST",
            subject=_("Meeting moved: %(title)s") % {"title": meeting.title},
        )
    return MeetingResult(meeting=meeting, invitation=invitation)


def meeting_cancel(
    *, actor: Actor, meeting: Meeting, reason: str = "", send_invitation: bool = True
) -> MeetingResult:
    """Cancel a meeting: its task is closed, the lead gets a CANCEL for its calendar."""
    with transaction.atomic():
        meeting = _meeting_lock(actor, meeting)
        meeting.status = MeetingStatus.CANCELLED
        meeting.sequence += 1
        meeting.save()
        task = Task.objects.filter(pk=meeting.task_id, done_at__isnull=True).first()
        if task is not None:
            task_complete(
                actor=actor, task=task, outcome=_("Cancelled") + (f": {reason}" if reason else "")
            )
        _event(
            meeting.lead,
            actor,
            EventType.MEETING_SCHEDULED,
            **_meeting_params(meeting, "cancelled"),
            **({"reason": reason.strip()[:500]} if reason.strip() else {}),
        )
    invitation = None
    if send_invitation:
        invitation = _invitation_send(
            actor,
            meeting,
            method="CANCEL",
            subject=_("Cancelled: %(title)s") % {"title": meeting.title},
        )
    return MeetingResult(meeting=meeting, invitation=invitation)
