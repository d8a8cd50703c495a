"""Pages of the work on a lead: the card's composer (call, e-mail, offer, meeting), the
documents' downloads, the meetings' .ics, and "My day".

Every write goes through activities.services as a MANUAL actor. A refused form keeps what
was typed: its values wait in the session and the card's panel shows them again with the
error, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from galena.activities import selectors, services
from galena.activities.forms import (
    CallForm,
    DocumentForm,
    EmailForm,
    MeetingForm,
    OfferForm,
    RescheduleForm,
    aware_in,
)
from galena.activities.models import Document, EmailStatus, Meeting, SentEmail, Signature
from galena.activities.services import documents_for
from galena.activities.templatetags.activities_tags import (
    COMPOSER_FORMS,
    DRAFT_KEY,
    build_composer_form,
    composer_context,
)
from galena.core.errors import ApplicationError, NotFound, PermissionDenied
from galena.core.views import page
from galena.leads import access
from galena.leads import selectors as lead_selectors
from galena.leads.models import ActorSource, CallOutcome, Lead, Task
from galena.leads.services import Actor, task_complete


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, source=ActorSource.MANUAL)


def _lead(request: HttpRequest, lead_id: int):
    return lead_selectors.lead_detail(user=request.user, lead_id=lead_id)


def _back(lead_id: int) -> HttpResponse:
    return redirect(reverse("lead-detail", args=[lead_id]) + "#activities")


def _errors(form) -> str:
    return " ".join(
        (f"{form.fields[name].label}: {message}" if name in form.fields else str(message))
        for name, errors in form.errors.items()
        for message in errors
    )


def _keep_draft(request: HttpRequest, lead_id: int, name: str, message: str) -> HttpResponse:
    """Refused: the typed values wait in the session for the card to show them again."""
    data = {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"}
    request.session[DRAFT_KEY.format(lead_id=lead_id, form=name)] = {
        k: v if len(v) > 1 else v[0] for k, v in data.items()
    }
    messages.error(request, message)
    return _back(lead_id)


def _drop_draft(request: HttpRequest, lead_id: int, name: str) -> None:
    request.session.pop(DRAFT_KEY.format(lead_id=lead_id, form=name), None)


def _refused(error: ApplicationError) -> str:
    if error.status in (403, 404):
        raise error
    return error.message


# --- the composer's forms --------------------------------------------------------------


@page
@require_GET
def composer_form(request: HttpRequest, lead_id: int, name: str) -> HttpResponse:
    """One of the composer's forms, fetched when it is opened on the card."""
    if name not in COMPOSER_FORMS:
        raise Http404(_("No such form on a lead's card."))
    lead = _lead(request, lead_id)
    open_tasks = Task.objects.filter(lead=lead, done_at__isnull=True) if name == "call" else ()
    documents = list(documents_for(lead=lead).order_by("kind", "title"))
    form = build_composer_form(request, lead, name, open_tasks=open_tasks, documents=documents)
    context = {"lead": lead, "activities": {**composer_context(documents), f"{name}_form": form}}
    return render(request, COMPOSER_TEMPLATES[name], context)


COMPOSER_TEMPLATES = {
    "call": "activities/_composer_call.html",
    "email": "activities/_composer_email_form.html",
    "offer": "activities/_composer_offer.html",
    "meeting": "activities/_composer_meeting.html",
}


# --- calls -----------------------------------------------------------------------------


@page
@require_POST
def call_log(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    tasks = list(Task.objects.filter(lead=lead, done_at__isnull=True, kind="call"))
    form = CallForm(request.POST, tasks=tasks)
    if not form.is_valid():
        return _keep_draft(request, lead.pk, "call", _errors(form))
    try:
        logged = services.call_log(
            actor=_actor(request),
            lead=lead,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            duration_seconds=form.duration_seconds,
            callback_at=form.cleaned_data["callback_at"],
            task=form.tasks.get(form.cleaned_data["task"]) if form.cleaned_data["task"] else None,
        )
    except ApplicationError as error:
        return _keep_draft(request, lead.pk, "call", _refused(error))
    _drop_draft(request, lead.pk, "call")
    outcome = CallOutcome(form.cleaned_data["outcome"])
    text = _("Call logged: %(outcome)s.") % {"outcome": outcome.label}
    if logged.callback_task is not None:
        text += " " + _("A call back is planned.")
    if logged.completed_task is not None:
        text += " " + _("“%(task)s” is done.") % {"task": logged.completed_task.title}
    messages.success(request, text)
    if request.POST.get("next") == "my-day":
        return redirect("my-day")
    return _back(lead.pk)


# --- e-mail ----------------------------------------------------------------------------


def _sent_message(request: HttpRequest, sent: SentEmail) -> None:
    if sent.status == EmailStatus.SENT:
        messages.success(request, _("E-mail sent to %(to)s.") % {"to": sent.to})
    else:
        messages.error(
            request,
            _(
                "The e-mail to %(to)s could not be sent (%(error)s). It is kept: "
                "press “Send again” under Sent e-mails once the mail server answers."
            )
            % {"to": sent.to, "error": sent.error},
        )


@page
@require_POST
def email_send(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    form = EmailForm(request.POST, lead=lead)
    if not form.is_valid():
        return _keep_draft(request, lead.pk, "email", _errors(form))
    try:
        sent = services.email_send(
            actor=_actor(request),
            lead=lead,
            template=form.cleaned_data["template"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
    except ApplicationError as error:
        return _keep_draft(request, lead.pk, "email", _refused(error))
    _drop_draft(request, lead.pk, "email")
    _sent_message(request, sent)
    return _back(lead.pk)


def _composer_prefix(data) -> str:
    return "offer" if data.get("form") == "offer" else "email"


@page
@require_POST
def email_preview(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The composer's preview (htmx): the e-mail as the lead will read it, or what is wrong."""
    lead = _lead(request, lead_id)
    prefix = _composer_prefix(request.POST)
    context: dict[str, Any] = {"lead": lead}
    try:
        context["preview"] = services.email_preview(
            lead=lead,
            sender=request.user,
            subject=request.POST.get(f"{prefix}-subject", ""),
            body=request.POST.get(f"{prefix}-body", ""),
        )
        context["to"] = services.lead_email_address(lead)
    except ApplicationError as error:
        context["error"] = error.message
    return render(request, "activities/_email_preview.html", context)


@page
@require_GET
def email_template_fill(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The chosen template's subject and body put into the composer (htmx)."""
    lead = _lead(request, lead_id)
    prefix = _composer_prefix(request.GET)
    chosen = request.GET.get(f"{prefix}-template", "")
    template = (
        selectors.email_templates_for(lead).filter(pk=int(chosen)).first()
        if chosen.isdigit()
        else None
    )
    form = (OfferForm if prefix == "offer" else EmailForm)(
        lead=lead,
        initial={
            "template": template,
            "subject": template.subject if template else "",
            "body": template.body if template else "",
        },
    )
    return render(request, "activities/_email_fields.html", {"lead": lead, "form": form})


@page
@require_POST
def email_retry(request: HttpRequest, lead_id: int, sent_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    sent = SentEmail.objects.filter(pk=sent_id, lead=lead).first()
    if sent is None:
        raise Http404(_("No such e-mail on this lead."))
    try:
        sent = services.email_retry(actor=_actor(request), sent_email=sent)
    except ApplicationError as error:
        messages.error(request, _refused(error))
        return _back(lead.pk)
    _sent_message(request, sent)
    return _back(lead.pk)


# --- offers and documents --------------------------------------------------------------


@page
@require_POST
def offer_send(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    documents = list(services.documents_for(lead=lead))
    form = OfferForm(request.POST, lead=lead, documents=documents)
    if not form.is_valid():
        return _keep_draft(request, lead.pk, "offer", _errors(form))
    try:
        sent = services.offer_send(
            actor=_actor(request),
            lead=lead,
            documents=form.cleaned_data["documents"],
            template=form.cleaned_data["template"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
    except ApplicationError as error:
        return _keep_draft(request, lead.pk, "offer", _refused(error))
    _drop_draft(request, lead.pk, "offer")
    _sent_message(request, sent)
    return _back(lead.pk)


@page
@require_POST
def document_upload(request: HttpRequest, lead_id: int) -> HttpResponse:
    """A commercial offer made for this lead, uploaded on its card."""
    lead = _lead(request, lead_id)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _back(lead.pk)
    try:
        document = services.document_upload(
            actor=_actor(request),
            title=form.cleaned_data["title"],
            kind=form.cleaned_data["kind"],
            file=form.cleaned_data["file"],
            lead=lead,
        )
    except ApplicationError as error:
        messages.error(request, _refused(error))
        return _back(lead.pk)
    messages.success(
        request, _("“%(title)s” uploaded: tick it under Send offer.") % {"title": document.title}
    )
    return _back(lead.pk)


@page
@require_GET
def document_download(request: HttpRequest, document_id: int) -> HttpResponse:
    """A document, for whoever works leads; one made for a lead, only for who sees it."""
    access.require_lead_access(request.user)
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("No such document."))
    if document.lead_id is not None:
        access.lead_get_for(user=request.user, lead_id=document.lead_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise NotFound(_("The file of this document is missing from the storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@page
def document_library(request: HttpRequest) -> HttpResponse:
    """The documents everyone may send (price lists, brochures); heads of sales and admins
    upload and archive them."""
    access.require_lead_access(request.user)
    can_manage = access.can_assign(request.user)
    form = DocumentForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Only a head of sales or an admin adds shared documents."))
        form = DocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = services.document_upload(
                    actor=_actor(request),
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    file=form.cleaned_data["file"],
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, _refused(error))
            else:
                messages.success(request, _("“%(title)s” added.") % {"title": document.title})
                return redirect("document-library")
    documents = Document.objects.filter(lead__isnull=True, is_active=True).select_related(
        "uploaded_by"
    )
    return render(
        request,
        "activities/documents.html",
        {
            "section": "documents",
            "documents": list(documents),
            "form": form,
            "can_manage": can_manage,
        },
    )


@page
@require_POST
def document_archive(request: HttpRequest, document_id: int) -> HttpResponse:
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("No such document."))
    try:
        services.document_archive(actor=_actor(request), document=document)
    except ApplicationError as error:
        messages.error(request, _refused(error))
    else:
        messages.success(request, _("“%(title)s” archived.") % {"title": document.title})
    if document.lead_id:
        return _back(document.lead_id)
    return redirect("document-library")


# --- meetings --------------------------------------------------------------------------


@page
@require_POST
def meeting_schedule(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return _keep_draft(request, lead.pk, "meeting", _errors(form))
    starts, ends = form.times()
    try:
        result = services.meeting_schedule(
            actor=_actor(request),
            lead=lead,
            title=form.cleaned_data["title"],
            starts_at=starts,
            ends_at=ends,
            time_zone=form.cleaned_data["time_zone"],
            location=form.cleaned_data["location"],
            video_url=form.cleaned_data["video_url"],
            description=form.cleaned_data["description"],
            attendees=form.attendee_list(),
            send_invitation=form.cleaned_data["send_invitation"],
        )
    except ApplicationError as error:
        return _keep_draft(request, lead.pk, "meeting", _refused(error))
    _drop_draft(request, lead.pk, "meeting")
    messages.success(request, _("Meeting scheduled: a task is on your list."))
    if result.invitation is not None:
        _sent_message(request, result.invitation)
    return _back(lead.pk)


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_related("lead", "organizer").filter(pk=meeting_id).first()
    if meeting is None:
        raise NotFound(_("No such meeting."))
    access.lead_get_for(user=request.user, lead_id=meeting.lead_id)
    return meeting


@page
@require_GET
def meeting_ics(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
    response = HttpResponse(
        services.meeting_invitation(meeting, method=method),
        content_type=f"text/calendar; method={method}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


@page
@require_POST
def meeting_reschedule(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = RescheduleForm(request.POST, prefix=f"move-{meeting.pk}")
    if not form.is_valid():
        messages.error(request, _errors(form))
        return _back(meeting.lead_id)
    starts = aware_in(form.cleaned_data["starts_at"], meeting.time_zone)
    try:
        result = services.meeting_reschedule(
            actor=_actor(request),
            meeting=meeting,
            starts_at=starts,
            ends_at=starts + dt.timedelta(minutes=form.cleaned_data["duration_minutes"]),
        )
    except ApplicationError as error:
        messages.error(request, _refused(error))
        return _back(meeting.lead_id)
    messages.success(request, _("Meeting moved: the lead gets the update."))
    if result.invitation is not None:
        _sent_message(request, result.invitation)
    return _back(meeting.lead_id)


@page
@require_POST
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    try:
        result = services.meeting_cancel(
            actor=_actor(request), meeting=meeting, reason=request.POST.get("reason", "")[:500]
        )
    except ApplicationError as error:
        messages.error(request, _refused(error))
        return _back(meeting.lead_id)
    messages.success(request, _("Meeting cancelled."))
    if result.invitation is not None:
        _sent_message(request, result.invitation)
    return _back(meeting.lead_id)


@page
def signature_edit(request: HttpRequest) -> HttpResponse:
    """One's own e-mail signature, the {{ signature }} of the e-mails one sends."""
    access.require_lead_access(request.user)
    current = Signature.objects.filter(user=request.user).values_list("text", flat=True).first()
    error = ""
    text = current or ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            services.signature_save(user=request.user, text=text)
        except ApplicationError as refused:
            error = refused.message
        else:
            messages.success(request, _("Signature saved."))
            return redirect("email-signature")
    fields = services.merge_fields(lead=Lead(first_name="Ana"), sender=request.user)
    return render(
        request,
        "activities/signature.html",
        {
            "text": text,
            "error": error,
            "preview": fields["signature"],
            "max_length": services.SIGNATURE_MAX,
        },
    )


# --- my day ----------------------------------------------------------------------------


def _day_user(request: HttpRequest):
    """Whose day: one's own, or (heads of sales, admins) a team member's."""
    wanted = request.GET.get("user")
    if not wanted or not wanted.isdigit() or int(wanted) == request.user.pk:
        return request.user
    if not access.can_assign(request.user):
        raise PermissionDenied(_("Only a head of sales or an admin sees another person's day."))
    user = access.assignable_owners(request.user).filter(pk=int(wanted)).first()
    if user is None:
        raise NotFound(_("Nobody by this id in your team."))
    return user


@page
@require_GET
def my_day(request: HttpRequest) -> HttpResponse:
    access.require_lead_access(request.user)
    user = _day_user(request)
    day = selectors.my_day(user=user)
    team = list(access.assignable_owners(request.user)) if access.can_assign(request.user) else []
    return render(
        request,
        "activities/my_day.html",
        {
            "section": "my-day",
            "day": day,
            "day_user": user,
            "is_own": user.pk == request.user.pk,
            "team": team,
            "outcomes": CallOutcome.choices,
            "now": timezone.now(),
        },
    )


@page
@require_POST
def my_day_task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    """Complete a task from My day (htmx: the row says it is done, in place)."""
    task = Task.objects.select_related("lead").filter(pk=task_id).first()
    if task is None:
        raise NotFound(_("No such task."))
    access.lead_get_for(user=request.user, lead_id=task.lead_id)
    error = ""
    try:
        task = task_complete(
            actor=_actor(request), task=task, outcome=request.POST.get("outcome", "")[:500]
        )
    except ApplicationError as refused:
        error = _refused(refused)
    if request.htmx:
        return render(request, "activities/_day_task_done.html", {"task": task, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("“%(task)s” done.") % {"task": task.title})
    return redirect("my-day")
