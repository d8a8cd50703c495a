"""The user's own pages: profile with role and team, personal API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from galena.accounts import services
from galena.accounts.forms import ApiTokenForm
from galena.accounts.models import ApiToken
from galena.accounts.roles import role_of
from galena.core.errors import ApplicationError, NotFound


def _profile_page(request: HttpRequest, form: ApiTokenForm, new_key: str = "") -> HttpResponse:
    user = request.user
    profile = getattr(user, "profile", None)
    role = role_of(user)
    context = {
        "section": "profile",
        "profile": profile,
        "role": role.label if role else None,
        "team": profile.team if profile is not None else None,
        "tokens": list(ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")),
        "form": form,
        "new_key": new_key,
        "api_root": request.build_absolute_uri("/api/v1/"),
    }
    return render(request, "accounts/profile.html", context)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _profile_page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except ApplicationError as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            messages.success(
                request,
                _("Token “%(name)s” created. Copy it now: it is shown only once.")
                % {"name": token.name},
            )
            # Rendered, not redirected: the token exists in clear only in this response.
            response = _profile_page(request, ApiTokenForm(), new_key=key)
            response["Cache-Control"] = "no-store"
            return response
    return _profile_page(request, form)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(user=request.user, token_id=token_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("profile")
