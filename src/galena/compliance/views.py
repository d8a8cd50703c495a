"""Compliance pages: the public request page and its verification link (no login), the
request register with its actions, the audit log (admins) and the processing register
(admins and heads of sales)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from galena.compliance import access, fulfilment, register, selectors, services
from galena.compliance.forms import (
    HONEYPOT,
    AuditFilterForm,
    ExtendForm,
    PublicRequestForm,
    RequestFilterForm,
    StaffRequestForm,
    TextForm,
)
from galena.compliance.models import DataRequest, RequestKind, RequestStatus
from galena.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from galena.core.views import page, public_link_page
from galena.intake.api import client_address
from galena.intake.throttle import rate_hit

PAGE_SIZE = 50


def _params(request: HttpRequest) -> QueryDict:
    params = QueryDict(mutable=True)
    for name, value in request.GET.items():
        if value.strip() and name != "page":
            params[name] = value
    return params


# --- the public request page ------------------------------------------------------------


def _throttled(request: HttpRequest) -> int | None:
    """Seconds to wait when this address sent too many requests this minute, else None."""
    limit = settings.COMPLIANCE_RATE_PER_ADDRESS
    address = client_address(request)
    if limit <= 0 or not address:
        return None
    return rate_hit(f"compliance:addr:{address}", limit)


def _sent_page(request: HttpRequest, due_at) -> HttpResponse:
    return render(
        request,
        "compliance/public_sent.html",
        {
            "due_at": due_at,
            "hours": settings.COMPLIANCE_VERIFICATION_MAX_AGE_HOURS,
            "days": settings.COMPLIANCE_REQUEST_DAYS,
        },
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def public_request(request: HttpRequest) -> HttpResponse:
    """Anyone may ask about their personal data here; the request counts once the e-mail
    link is confirmed. A filled honeypot is answered as a success and stores nothing."""
    form = PublicRequestForm(request.POST or None)
    status = 200
    if request.method == "POST":
        wait = _throttled(request)
        if wait is not None:
            response = render(
                request, "compliance/public_throttled.html", {"wait": wait}, status=429
            )
            response["Retry-After"] = str(wait)
            return public_link_page(response)
        if request.POST.get(HONEYPOT):
            return public_link_page(_sent_page(request, services.request_due_at(timezone.now())))
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                submitted = services.request_submit(
                    kind=data["kind"],
                    email=data["email"],
                    phone=data["phone"],
                    details=data["details"],
                    language=translation.get_language() or "",
                )
            except ValidationFailed as error:
                for name, message in error.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except ApplicationError as error:  # the confirmation e-mail could not go
                form.add_error(None, error.message)
                status = 503
            else:
                return public_link_page(_sent_page(request, submitted.due_at))
    context = {"form": form, "days": settings.COMPLIANCE_REQUEST_DAYS}
    return public_link_page(
        render(request, "compliance/public_request.html", context, status=status)
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def public_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links and must not verify anything); the
    button's POST verifies the request."""
    if request.method == "POST":
        verification = services.request_verify(token=token)
    else:
        verification = services.verification_check(token=token)
    data_request = verification.data_request
    html = render_to_string(
        "compliance/public_verify.html",
        {
            "state": verification.state.value,
            "due_at": data_request.due_at if data_request is not None else None,
            "kind": data_request.get_kind_display() if data_request is not None else "",
            "reference": data_request.pk if data_request is not None else None,
            "hours": settings.COMPLIANCE_VERIFICATION_MAX_AGE_HOURS,
        },
        request,
    )
    status = services.VERIFICATION_STATUS[verification.state]
    return public_link_page(HttpResponse(html, status=status))


# --- the request register (admins) --------------------------------------------------------


def _handler_page(view):
    """Logged in, and one who handles requests (others 403)."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        access.require_handler(request.user)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return page(wrapper)


@_handler_page
@require_http_methods(["GET"])
def request_list(request: HttpRequest) -> HttpResponse:
    form = RequestFilterForm(request.GET or None)
    requests = selectors.request_list(form.filters())
    page_obj = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    params = _params(request)
    context = {
        "section": "compliance",
        "form": form,
        "page_obj": page_obj,
        "rows": list(page_obj.object_list),
        "params": params,
        "is_filtered": bool(params),
        "now": timezone.now(),
        "overdue": selectors.overdue_count(),
    }
    template = (
        "compliance/_request_results.html" if request.htmx else "compliance/request_list.html"
    )
    return render(request, template, context)


@_handler_page
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    """Register a request received by letter, call or e-mail."""
    form = StaffRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            data_request = services.request_create(
                actor=request.user,
                kind=data["kind"],
                email=data["email"],
                phone=data["phone"],
                details=data["details"],
                received_at=data["received_at"],
                verified=data["verified"],
            )
        except ValidationFailed as error:
            for name, message in error.errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            messages.success(request, _("Request #%(n)s registered.") % {"n": data_request.pk})
            return redirect("compliance-request", data_request.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "compliance/request_new.html",
        {"section": "compliance", "form": form, "days": settings.COMPLIANCE_REQUEST_DAYS},
        status=status,
    )


def _detail_context(data_request: DataRequest, **forms: Any) -> dict[str, Any]:
    return {
        "section": "compliance",
        "item": data_request,
        "events": list(data_request.events.select_related("actor")),
        "can_carry_out": fulfilment.can_carry_out(data_request.kind),
        "can_tell": services.can_tell(data_request),
        "note_form": forms.get("note_form") or TextForm(prefix="note"),
        "verify_form": forms.get("verify_form") or TextForm(prefix="verify"),
        "close_form": forms.get("close_form") or TextForm(prefix="close"),
        "extend_form": forms.get("extend_form") or ExtendForm(prefix="extend"),
        "reopen_form": forms.get("reopen_form") or TextForm(prefix="reopen"),
        "statuses": RequestStatus,
        # the privacy app's report pages find the person by the same e-mail and phone
        "report_query": urlencode(
            {
                k: v
                for k, v in {"email": data_request.email, "phone": data_request.phone}.items()
                if v
            }
        )
        if data_request.verified_at
        else "",
    }


@_handler_page
@require_http_methods(["GET"])
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    data_request = get_object_or_404(DataRequest.objects.select_related("handler"), pk=request_id)
    return render(request, "compliance/request_detail.html", _detail_context(data_request))


ACTIONS = ("take", "verify", "note", "fulfil", "extend", "done", "refuse", "reopen")


@_handler_page
@require_POST
def request_act(request: HttpRequest, request_id: int) -> HttpResponse:
    """One step on a request, from its page; a refused step shows the page with why."""
    data_request = get_object_or_404(DataRequest, pk=request_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect("compliance-request", request_id)
    user = request.user
    prefix = {"verify": "verify", "note": "note", "extend": "extend", "reopen": "reopen"}.get(
        action, "close"
    )
    form: TextForm | ExtendForm | None = None
    if action in ("verify", "note", "done", "refuse", "reopen"):
        form = TextForm(request.POST, prefix=prefix)
    elif action == "extend":
        form = ExtendForm(request.POST, prefix=prefix)
    try:
        if form is not None and not form.is_valid():
            raise ValidationFailed({"text": _("Fill in the text for this step.")})
        text = form.cleaned_data["text"] if form is not None else ""
        tell = request.POST.get("tell") == "yes"
        if action == "take":
            services.request_take(actor=user, data_request=data_request)
            done = _("You handle this request now.")
        elif action == "verify":
            services.request_mark_verified(actor=user, data_request=data_request, how=text)
            done = _("Identity verified.")
        elif action == "note":
            services.request_note(actor=user, data_request=data_request, text=text)
            done = _("Note added.")
        elif action == "fulfil":
            if data_request.kind == RequestKind.ERASE and request.POST.get("confirm") != "yes":
                raise ValidationFailed({"confirm": _("Tick that you understand erasure is final.")})
            result = services.request_fulfil(actor=user, data_request=data_request)
            done = result.summary
        elif action == "extend":
            services.request_extend(
                actor=user,
                data_request=data_request,
                days=form.cleaned_data["days"],
                reason=text,
                tell=tell,
            )
            done = _("Deadline extended.")
        elif action == "done":
            services.request_complete(
                actor=user, data_request=data_request, outcome=text, tell=tell
            )
            done = _("Request closed as done.")
        elif action == "refuse":
            services.request_refuse(actor=user, data_request=data_request, reason=text, tell=tell)
            done = _("Request refused.")
        else:
            services.request_reopen(actor=user, data_request=data_request, reason=text)
            done = _("Request reopened.")
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
        data_request.refresh_from_db()
        context = _detail_context(data_request, **({f"{prefix}_form": form} if form else {}))
        return render(request, "compliance/request_detail.html", context, status=400)
    messages.success(request, done)
    return redirect("compliance-request", request_id)


# --- the audit log (admins) -----------------------------------------------------------------


@page
@require_http_methods(["GET"])
def audit_list(request: HttpRequest) -> HttpResponse:
    access.require_audit(request.user)
    form = AuditFilterForm(request.GET or None)
    entries = selectors.audit_list(form.filters())
    page_obj = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    params = _params(request)
    context = {
        "section": "compliance",
        "form": form,
        "page_obj": page_obj,
        "rows": list(page_obj.object_list),
        "params": params,
        "is_filtered": bool(params),
    }
    template = "compliance/_audit_results.html" if request.htmx else "compliance/audit_list.html"
    return render(request, template, context)


# --- the processing register (admins, heads of sales) ----------------------------------------


@page
@require_http_methods(["GET"])
def register_page(request: HttpRequest) -> HttpResponse:
    access.require_register(request.user)
    return render(
        request,
        "compliance/register.html",
        {
            "section": "compliance",
            "jurisdiction": settings.DATA_STORAGE_JURISDICTION,
            "can_handle": access.can_handle_requests(request.user),
            "categories": register.processing_register(),
            "public_url": settings.SITE_URL + reverse("compliance-public-request"),
            "request_days": settings.COMPLIANCE_REQUEST_DAYS,
        },
    )
