"""What every logged-in page shares."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from galena.core.errors import NotFound, PermissionDenied


class ImmediateResponse(Exception):
    """Raised by a page's helper with the response the page gives at once, before it does
    any work (an export refused for its parameters); ``page`` returns it."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in page; a domain NotFound is a 404 page, a domain PermissionDenied a 403,
    an ``ImmediateResponse`` its response."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ImmediateResponse as early:
            return early.response
        except NotFound as error:
            raise Http404(error.message) from error
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.message) from error

    return login_required(wrapper)


def public_link_page(response: HttpResponse) -> HttpResponse:
    """Headers for a public page reached through a signed link (e-mail confirmation,
    unsubscribe, farewell questionnaire, data-subject request): the token in its address is
    a credential, so other sites never see it in a Referer and search engines do not index
    it. "same-origin", not "no-referrer": under no-referrer Chromium posts the page's own
    form with "Origin: null", and Django's CSRF check refuses it."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
