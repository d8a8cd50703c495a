"""The public ``/t/`` addresses of behaviour tracking: the tracking script sites include,
and the tracked links and opening image of e-mails Galena sends."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from galena.scoring import email_tracking

SCRIPT = Path(__file__).resolve().parent / "static" / "scoring" / "track.js"
# a transparent 1×1 GIF
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@lru_cache(maxsize=1)
def _script_cached() -> tuple[bytes, str]:
    code = SCRIPT.read_bytes()
    return code, '"' + hashlib.sha256(code).hexdigest()[:32] + '"'


def _script() -> tuple[bytes, str]:
    if settings.DEBUG:  # edited while the server runs
        _script_cached.cache_clear()
    return _script_cached()


@require_safe
def track_script(request: HttpRequest) -> HttpResponse:
    """The tracking script at a stable address, cached by browsers for an hour and
    revalidated by its ETag."""
    code, etag = _script()
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(code, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.TRACKING_SCRIPT_MAX_AGE)
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # included by other sites
    return response


def _no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, max_age=0)
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    return response


def _link_page(request: HttpRequest, *, status: int, target: str = "") -> HttpResponse:
    response = render(request, "scoring/public/link.html", {"target": target}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return _no_store(response)


@require_safe
def email_click(request: HttpRequest, token: str) -> HttpResponse:
    """A link of a tracked e-mail: records the click and sends the person to the link's
    target, the one in the signed token and no other (a forged or damaged token gets a
    page saying so; an old one a page with the target to follow by hand)."""
    try:
        read = email_tracking.click_token_read(token)
    except email_tracking.ExpiredLink as expired:
        return _link_page(request, status=410, target=expired.token.url)
    except signing.BadSignature:
        return _link_page(request, status=404)
    if request.method == "GET":  # a HEAD is a program looking, not the person clicking
        email_tracking.email_click_record(token=read)
    response = HttpResponseRedirect(email_tracking.landing_url(read))
    # the target must not see this address (its token) as the referrer
    response["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


@require_safe
def email_open(request: HttpRequest, token: str) -> HttpResponse:
    """The 1×1 image of a tracked e-mail: records the opening, never cached."""
    try:
        read = email_tracking.open_token_read(token)
    except (signing.BadSignature, email_tracking.ExpiredLink):
        return _no_store(HttpResponse(status=404))
    if request.method == "GET":
        email_tracking.email_open_record(token=read)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return _no_store(response)
