"""Pages of the notifications app: the list, the header's badge, and the settings page.

With htmx the list's actions answer with the re-rendered list (and the badge, out of
band); without JavaScript the same URLs redirect back.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from galena.core.views import page
from galena.notifications import presenting, selectors, services
from galena.notifications.models import Notification

PAGE_SIZE = 25


def _is_partial(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _list_params(params: QueryDict) -> QueryDict:
    clean = QueryDict(mutable=True)
    if params.get("unread") == "1":
        clean["unread"] = "1"
    if params.get("page", "").strip():
        clean["page"] = params["page"].strip()
    return clean


def _list_context(request: HttpRequest, params: QueryDict) -> dict[str, Any]:
    clean = _list_params(params)
    unread_only = clean.get("unread") == "1"
    notifications = selectors.notifications_of(user=request.user, unread_only=unread_only)
    page_obj = Paginator(notifications, PAGE_SIZE).get_page(clean.get("page"))
    items = presenting.present(list(page_obj.object_list))
    return {
        "section": "notifications",
        "page_obj": page_obj,
        "notifications": items,
        "params": clean,
        "unread_only": unread_only,
        "unread": selectors.unread_count(user=request.user),
        "here": reverse("notification-list") + (f"?{clean.urlencode()}" if clean else ""),
    }


@page
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request, request.GET)
    template = "notifications/_results.html" if _is_partial(request) else "notifications/list.html"
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@page
@require_GET
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The header's badge with the unread count (polled by htmx)."""
    return render(
        request,
        "notifications/_badge.html",
        {"notifications_unread": selectors.unread_count(user=request.user)},
    )


@page
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to its lead's card, marking it read on the way."""
    notification = (
        Notification.objects.filter(pk=notification_id, user=request.user, in_app=True)
        .only("pk", "lead_id")
        .first()
    )
    if notification is None:
        raise Http404(_("No such notification."))
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    if notification.lead_id is None:
        return redirect("notification-list")
    return redirect("lead-detail", lead_id=notification.lead_id)


@page
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    if not Notification.objects.filter(pk=notification_id, user=request.user).exists():
        raise Http404(_("No such notification."))
    services.notifications_mark_read(user=request.user, notification_ids=[notification_id])
    return _after_change(request)


@page
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    changed = services.notifications_mark_read(user=request.user)
    if not _is_partial(request) and changed:
        messages.success(request, _("All notifications are marked read."))
    return _after_change(request)


def _after_change(request: HttpRequest) -> HttpResponse:
    params = QueryDict(request.POST.get("query", ""))
    if _is_partial(request):
        context = {**_list_context(request, params), "oob_badge": True}
        return render(request, "notifications/_results.html", context)
    clean = _list_params(params)
    return redirect(reverse("notification-list") + (f"?{clean.urlencode()}" if clean else ""))


@page
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Which kinds the user is told about in the app and by e-mail."""
    preferences = selectors.preferences_of(user=request.user)
    if request.method == "POST":
        services.notification_preferences_set(
            user=request.user,
            choices={
                p.kind: (
                    request.POST.get(f"{p.kind}-in_app") == "on",
                    request.POST.get(f"{p.kind}-email") == "on",
                )
                for p in preferences
            },
        )
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification-settings")
    return render(
        request,
        "notifications/settings.html",
        {
            "section": "notifications",
            "preferences": preferences,
            "has_email": bool(request.user.email),
        },
    )
