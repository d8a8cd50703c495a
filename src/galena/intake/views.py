"""Intake pages: the hosted form at /f/<slug>/ (web form, quiz, callback widget), the embed
script at /f/<slug>/embed.js, and quick entry for staff at /intake/quick/.

Every page stores through ``services.capture_submit``, like the public capture API: the same
validation, the same durable submission, the same throttle. The pages only render the form,
gather what the visitor posted and show the answer; they work without JavaScript.

The public pages are exempt from CSRF on purpose: they act for no logged-in user, and the
capture API they mirror takes cross-site posts anyway. A CSRF failure would only lose leads
(blocked cookies, a page left open for days)."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from galena.core.errors import (
    ApplicationError,
    PayloadTooLarge,
    PermissionDenied,
    ValidationFailed,
)
from galena.intake import quiz as quiz_logic
from galena.intake import services
from galena.intake.adapters import capture
from galena.intake.api import client_address
from galena.intake.fields import options_of
from galena.intake.models import Form, FormKind
from galena.intake.throttle import capture_throttle
from galena.leads import access

ATTRIBUTION_FIELDS = capture.ATTRIBUTION_FIELDS
UTM_FIELDS = ATTRIBUTION_FIELDS[:5]
# Filled by the page or its script, never typed by the visitor.
HIDDEN_FIELDS = ("_hp", "_ts", "_visitor", "callback_at", *ATTRIBUTION_FIELDS)
IDEMPOTENCY_FIELD = "_idempotency"
PUBLIC_KINDS = (FormKind.WEB_FORM, FormKind.QUIZ, FormKind.CALLBACK)
AUTOCOMPLETE = {
    "full_name": "name",
    "first_name": "given-name",
    "last_name": "family-name",
    "email": "email",
    "phone": "tel",
    "company_name": "organization",
    "position": "organization-title",
    "city": "address-level2",
    "country": "country",
}
QUIZ_STATE_MAX_AGE = 7 * 24 * 3600
CALLBACK_PAST_GRACE = dt.timedelta(minutes=5)


# --- fields as the templates show them ---------------------------------------------------


def canonical_name(name: str) -> str:
    """The Galena field a posted name stands for (e.g. "mail" → "email")."""
    return next(iter(capture.canonical({name: ""})))


@dataclass
class FieldView:
    """One field of a form, ready to render: its spec, what was typed and what is wrong."""

    name: str
    label: str
    type: str
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    value: str = ""
    error: str = ""
    placeholder: str = ""
    help: str = ""

    @property
    def id(self) -> str:
        return f"field-{self.name}"

    @property
    def autocomplete(self) -> str:
        return AUTOCOMPLETE.get(canonical_name(self.name), "on")

    @property
    def input_type(self) -> str:
        return self.type if self.type in ("email", "tel", "number", "date", "url") else "text"


def field_views(
    specs: Iterable[Mapping[str, Any]],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[FieldView]:
    values, errors = values or {}, errors or {}
    return [
        FieldView(
            name=spec["name"],
            label=str(spec.get("label") or spec["name"]),
            type=spec.get("type", "text"),
            required=bool(spec.get("required")),
            options=options_of(spec),
            value=values.get(spec["name"], ""),
            error=errors.get(spec["name"], ""),
            placeholder=str(spec.get("placeholder") or ""),
            help=str(spec.get("help") or ""),
        )
        for spec in specs
    ]


def place_errors(errors: Mapping[str, str], names: Iterable[str]) -> tuple[dict[str, str], list]:
    """Field errors keyed by the form's own field names (the capture validation may name a
    field by its Galena name, e.g. "email" for a field called "mail"), and the rest."""
    names = list(names)
    by_canonical = {canonical_name(name): name for name in names}
    placed: dict[str, str] = {}
    general: list[str] = []
    for key, message in errors.items():
        name = key if key in names else by_canonical.get(canonical_name(key))
        if name is None:
            general.append(message)
        else:
            placed.setdefault(name, message)
    return placed, general


def shows_consent_checkbox(form: Form, specs: Iterable[Mapping[str, Any]]) -> bool:
    """The consent text gets its own checkbox unless the form defines a "consent" field
    itself (e.g. to make consent required)."""
    return bool(form.consent_text) and all(spec.get("name") != "consent" for spec in specs)


# --- reading a post ---------------------------------------------------------------------


def posted_values(post: QueryDict, specs: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """What the visitor typed, to put back into the form when it comes back with errors."""
    return {spec["name"]: post.get(spec["name"], "") for spec in specs}


def payload_of(
    post: QueryDict, specs: Iterable[Mapping[str, Any]], *, consent: bool
) -> dict[str, list[Any]]:
    """The fields to store: the form's own and the hidden ones Galena fills, leaving out the
    page's plumbing (the idempotency token, the quiz state, the buttons)."""
    names = [spec["name"] for spec in specs]
    if consent:
        names.append("consent")
    data: dict[str, list[Any]] = {}
    for name in [*names, *HIDDEN_FIELDS]:
        if name in post:
            data[name] = post.getlist(name)
    return data


def attribution_from_request(request: HttpRequest) -> dict[str, str]:
    """UTM tags from the page's query string, the referring page and the landing page."""
    values = {name: request.GET.get(name, "")[:200] for name in UTM_FIELDS}
    values["referrer"] = request.headers.get("Referer", "")[:2000]
    values["landing_page"] = request.build_absolute_uri()[:2000]
    return values


def foreign_origin(request: HttpRequest, form: Form) -> str | None:
    """A browser's Origin from another site that the form does not allow, as the capture
    API refuses it; None when the post may go on. Only the host is compared, so a proxy
    that hides https from us cannot turn our own page away."""
    origin = request.headers.get("Origin", "")
    if not origin or origin == "null" or not form.allowed_origins:
        return None
    if urlsplit(origin).netloc == request.get_host():
        return None
    if origin.rstrip("/") in [o.rstrip("/") for o in form.allowed_origins]:
        return None
    return origin


def submit(
    request: HttpRequest,
    form: Form,
    data: Mapping[str, list[Any]],
    *,
    throttle: bool = True,
) -> services.CaptureResult:
    """Store a post from one of our pages the way the capture API stores one."""
    address = client_address(request)
    if throttle:
        capture_throttle(form_key=form.key, address=address)
    return services.capture_submit(
        form=form,
        body=request.body,
        content_type=request.META.get("CONTENT_TYPE", ""),
        form_data=data,
        headers=request.headers,
        remote_addr=address,
        idempotency_key=request.POST.get(IDEMPOTENCY_FIELD) or None,
    )


def body_refusal(request: HttpRequest) -> PayloadTooLarge | None:
    """Refuse an oversize post before reading it, as the capture API does; otherwise read
    the body now, so it can be stored exactly as received after the fields are parsed."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    limit = settings.INTAKE_MAX_BODY_BYTES
    if length > limit:
        return PayloadTooLarge(f"The submission is {length} bytes; the limit is {limit}.")
    request.body  # noqa: B018 - read and kept by Django before request.POST consumes it
    return None


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(18)


# --- public pages -----------------------------------------------------------------------


def _public_form(request: HttpRequest, slug: str) -> Form | HttpResponse:
    form = (
        Form.objects.select_related("default_team").filter(slug=slug, kind__in=PUBLIC_KINDS).first()
    )
    if form is None:
        return render(request, "intake/public/missing.html", status=404)
    if not form.is_active:
        return render(request, "intake/public/gone.html", {"form": form}, status=410)
    return form


def _no_store(response: HttpResponse) -> HttpResponse:
    # a form page carries a one-time token (and a quiz its progress): never from a cache
    patch_cache_control(response, no_store=True)
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def hosted_form(request: HttpRequest, slug: str) -> HttpResponse:
    """The form's own page: a web form, a quiz or a callback widget."""
    form = _public_form(request, slug)
    if isinstance(form, HttpResponse):
        return form
    if request.method == "POST" and (refusal := body_refusal(request)):
        return render(
            request,
            "intake/public/refused.html",
            {"form": form, "message": refusal.message},
            status=413,
        )
    if form.kind == FormKind.QUIZ:
        return _no_store(QuizPage(request, form).respond())
    if request.method == "GET":
        return _no_store(_form_page(request, form, hidden=attribution_from_request(request)))
    return _no_store(_form_post(request, form))


def _form_page(
    request: HttpRequest,
    form: Form,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    general: Iterable[str] = (),
    hidden: Mapping[str, str] | None = None,
    callback: Mapping[str, str] | None = None,
    idempotency_key: str = "",
    status: int = 200,
) -> HttpResponse:
    specs = form.visitor_fields
    context = {
        "form": form,
        "fields": field_views(specs, values, errors),
        "consent_checkbox": shows_consent_checkbox(form, specs),
        "consent_checked": bool(values and values.get("consent")),
        "consent_error": (errors or {}).get("consent", ""),
        "general_errors": list(general),
        "hidden": hidden or {},
        "idempotency_key": idempotency_key or new_idempotency_key(),
        "is_callback": form.kind == FormKind.CALLBACK,
        "callback": callback or {"when": "now", "local": "", "error": ""},
    }
    return render(request, "intake/public/form.html", context, status=status)


def _refused(
    error: ApplicationError, names: Iterable[str]
) -> tuple[dict[str, str], list[str], int]:
    """An error from capture as (field errors, general errors, HTTP status)."""
    if isinstance(error, ValidationFailed):
        placed, general = place_errors(error.errors, names)
        return placed, general, 400
    return {}, [error.message], error.status


def _form_post(request: HttpRequest, form: Form) -> HttpResponse:
    specs = form.visitor_fields
    post = request.POST
    consent = shows_consent_checkbox(form, specs)
    values = posted_values(post, specs)
    if consent and post.get("consent"):
        values["consent"] = "on"
    hidden = {name: post.get(name, "") for name in ATTRIBUTION_FIELDS}
    callback = {"when": post.get("callback_when", "now"), "local": post.get("callback_local", "")}
    names = [spec["name"] for spec in specs]

    def again(errors, general, status, callback_error=""):
        return _form_page(
            request,
            form,
            values=values,
            errors=errors,
            general=general,
            hidden=hidden,
            callback={**callback, "error": callback_error},
            idempotency_key=post.get(IDEMPOTENCY_FIELD, ""),
            status=status,
        )

    if origin := foreign_origin(request, form):
        return again({}, [_("%(origin)s may not post to this form.") % {"origin": origin}], 403)
    data = payload_of(post, specs, consent=consent)
    if form.kind == FormKind.CALLBACK:
        callback_at, callback_error = callback_time(post, zone=form_zone(form))
        data.pop("callback_at", None)
        if callback_error:
            # say everything that is wrong at once, not the time first and the rest later
            flat = {name: values[0] for name, values in data.items() if values}
            required = [spec["name"] for spec in specs if spec.get("required")]
            errors, general = place_errors(capture.validate(flat, required=required), names)
            return again(errors, general, 400, callback_error)
        if callback_at:
            data["callback_at"] = [callback_at]
    try:
        result = submit(request, form, data)
    except ApplicationError as error:
        errors, general, status = _refused(error, names)
        response = again(errors, general, status, errors.get("callback_at", ""))
        for name, value in error.headers.items():
            response[name] = value
        return response
    return thanks(request, form, result)


def thanks(request: HttpRequest, form: Form, result: services.CaptureResult) -> HttpResponse:
    if form.redirect_url:
        return redirect(form.redirect_url)
    return render(
        request,
        "intake/public/thanks.html",
        {"form": form, "reference": result.submission.pk},
    )


# --- callback time ------------------------------------------------------------------------


def form_zone(form: Form) -> ZoneInfo:
    """The zone a callback time typed without one is read in: the form's team's, or the
    site's (the page's script normally sends the visitor's own zone)."""
    name = form.default_team.time_zone if form.default_team_id else settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def callback_time(post: QueryDict, *, zone: ZoneInfo) -> tuple[str, str]:
    """(callback_at as ISO 8601 with its offset or "" for "as soon as possible", error)."""
    if post.get("callback_when", "now") != "at":
        return "", ""
    sent = post.get("callback_at", "").strip()
    local = post.get("callback_local", "").strip()
    if not sent and not local:
        return "", _("Choose when we should call you.")
    try:
        moment = parse_datetime(sent or local)
    except ValueError:
        moment = None
    if moment is None:
        return "", _("Choose a date and time, e.g. 2026-05-01 15:00.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, zone)
    if moment < timezone.now() - CALLBACK_PAST_GRACE:
        return "", _("This time has passed: choose a time from now on.")
    return moment.isoformat(), ""


# --- quizzes ------------------------------------------------------------------------------


class QuizPage:
    """One request to a quiz: show a step, take an answer, go back, or finish.

    Progress travels in a signed hidden field (answers, where the visitor is, when they
    started, where they came from), so nothing is written before the end and the browser's
    back button shows a page that still works."""

    def __init__(self, request: HttpRequest, form: Form):
        self.request = request
        self.form = form
        self.salt = f"galena.intake.quiz:{form.key}"

    # state --------------------------------------------------------------------------
    def new_state(self, quiz: quiz_logic.Quiz) -> dict[str, Any]:
        return {
            "a": {},
            "at": quiz.start,
            "t": int(time.time() * 1000),
            "u": attribution_from_request(self.request),
        }

    def dump(self, state: Mapping[str, Any]) -> str:
        return signing.dumps(dict(state), salt=self.salt, compress=True)

    def load(self, token: str) -> dict[str, Any] | None:
        try:
            state = signing.loads(token, salt=self.salt, max_age=QUIZ_STATE_MAX_AGE)
        except signing.BadSignature:
            return None
        return state if isinstance(state, dict) and isinstance(state.get("a"), dict) else None

    # flow ---------------------------------------------------------------------------
    def respond(self) -> HttpResponse:
        try:
            quiz = quiz_logic.load(self.form.quiz)
        except quiz_logic.QuizDefinitionError:
            return render(
                self.request,
                "intake/public/gone.html",
                {"form": self.form, "broken": True},
                status=503,
            )
        if self.request.method == "GET":
            return self.step_page(quiz, self.new_state(quiz))
        state = self.load(self.request.POST.get("_state", ""))
        if state is None:
            return self.step_page(
                quiz,
                self.new_state(quiz),
                notice=_("Your answers have expired, please start again."),
            )
        answers = state["a"]
        at = state.get("at", quiz.start)
        if at != quiz_logic.END and at not in quiz.steps:
            at = quiz_logic.next_unanswered(quiz, answers)  # the quiz changed meanwhile
        going_back = self.request.POST.get("action") == "back"
        if at == quiz_logic.END:
            if going_back:
                previous = quiz_logic.previous_step_id(quiz, answers, at)
                return self.step_page(quiz, {**state, "at": previous or quiz.start})
            if not quiz_logic.is_complete(quiz, answers):
                at = quiz_logic.next_unanswered(quiz, answers)
                return self.step_page(quiz, {**state, "at": at})
            return self.finish(quiz, state)
        step = quiz.step(at)
        if going_back:
            previous = quiz_logic.previous_step_id(quiz, answers, at)
            return self.step_page(quiz, {**state, "at": previous or at})
        raw = self.request.POST.getlist("answer")
        try:
            answer = quiz_logic.validate_answer(step, raw)
        except quiz_logic.AnswerInvalid as error:
            message = _(error.template) % error.params if error.params else _(error.template)
            return self.step_page(quiz, {**state, "at": at}, error=message, raw=raw)
        answers = {**answers, at: answer}
        return self.step_page(
            quiz, {**state, "a": answers, "at": quiz_logic.next_step_id(step, answer)}
        )

    def finish(self, quiz: quiz_logic.Quiz, state: dict[str, Any]) -> HttpResponse:
        form, post = self.form, self.request.POST
        specs = form.visitor_fields
        consent = shows_consent_checkbox(form, specs)
        data = payload_of(post, specs, consent=consent)
        # the page's own hidden fields are not trusted over the state's
        for name in ("_ts", "callback_at", *ATTRIBUTION_FIELDS):
            data.pop(name, None)
        data.update(
            {name: [value] for name, value in state.get("u", {}).items() if value},
            _ts=[str(int(time.time() * 1000) - int(state.get("t", 0)))],
            quiz_answers=[quiz_logic.answers_for_lead(quiz, state["a"])],
        )
        try:
            result = submit(self.request, form, data)
        except ApplicationError as error:
            errors, general, status = _refused(error, [spec["name"] for spec in specs])
            values = posted_values(post, specs)
            if consent and post.get("consent"):
                values["consent"] = "on"
            response = self.contact_page(
                quiz, state, values=values, errors=errors, general=general, status=status
            )
            for name, value in error.headers.items():
                response[name] = value
            return response
        return thanks(self.request, form, result)

    # pages --------------------------------------------------------------------------
    def step_page(
        self,
        quiz: quiz_logic.Quiz,
        state: dict[str, Any],
        *,
        error: str = "",
        raw: list[str] | None = None,
        notice: str = "",
    ) -> HttpResponse:
        at = state["at"]
        if at == quiz_logic.END:
            return self.contact_page(quiz, state)
        step = quiz.step(at)
        if raw is None:
            previous = state["a"].get(at)
            raw = (
                previous
                if isinstance(previous, list)
                else []
                if previous is None
                else [str(previous)]
            )
        number, total = quiz_logic.progress(quiz, state["a"], at)
        context = {
            "form": self.form,
            "step": step,
            "state": self.dump(state),
            "chosen": raw,
            "value": raw[0] if raw else "",
            "error": error,
            "notice": notice,
            "number": number,
            "total": total,
            "can_go_back": quiz_logic.previous_step_id(quiz, state["a"], at) is not None,
        }
        status = 400 if error else 200
        return render(self.request, "intake/public/quiz_step.html", context, status=status)

    def contact_page(
        self,
        quiz: quiz_logic.Quiz,
        state: dict[str, Any],
        *,
        values: Mapping[str, str] | None = None,
        errors: Mapping[str, str] | None = None,
        general: Iterable[str] = (),
        status: int = 200,
    ) -> HttpResponse:
        specs = self.form.visitor_fields
        number, total = quiz_logic.progress(quiz, state["a"], quiz_logic.END)
        context = {
            "form": self.form,
            "state": self.dump({**state, "at": quiz_logic.END}),
            "fields": field_views(specs, values, errors),
            "consent_checkbox": shows_consent_checkbox(self.form, specs),
            "consent_checked": bool(values and values.get("consent")),
            "consent_error": (errors or {}).get("consent", ""),
            "general_errors": list(general),
            "idempotency_key": self.request.POST.get(IDEMPOTENCY_FIELD)
            if errors or general
            else new_idempotency_key(),
            "number": number,
            "total": total,
        }
        return render(self.request, "intake/public/quiz_contact.html", context, status=status)


# --- the embed script -----------------------------------------------------------------


EMBED_CODE = Path(__file__).parent / "static" / "intake" / "embed.js"


@cache
def _embed_code_cached() -> str:
    return EMBED_CODE.read_text(encoding="utf-8")


def _embed_code() -> str:
    # read afresh while developing; once per process in production
    return EMBED_CODE.read_text(encoding="utf-8") if settings.DEBUG else _embed_code_cached()


def _js_literal(value: Any) -> str:
    """JSON that is safe inside a script (no closing tags, no line separators)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def capture_path_of(form: Form) -> str:
    return reverse("api:capture", kwargs={"form_key": form.key})


def embed_config(request: HttpRequest, form: Form) -> dict[str, Any]:
    """What the embed script needs to render the form, in the visitor's language."""
    specs = form.visitor_fields
    capture_path = capture_path_of(form)
    fields = [
        {
            "name": spec["name"],
            "canonical": canonical_name(spec["name"]),
            "label": str(spec.get("label") or spec["name"]),
            "type": spec.get("type", "text"),
            "required": bool(spec.get("required")),
            "options": options_of(spec),
            "placeholder": str(spec.get("placeholder") or ""),
            "help": str(spec.get("help") or ""),
            "autocomplete": AUTOCOMPLETE.get(canonical_name(spec["name"]), "on"),
        }
        for spec in specs
    ]
    config: dict[str, Any] = {
        "kind": form.kind,
        "name": form.name,
        "captureUrl": request.build_absolute_uri(capture_path),
        "capturePath": capture_path,
        "fields": fields,
        "consent": form.consent_text if shows_consent_checkbox(form, specs) else "",
        "quiz": None,
        "text": {
            "submit": _("Send"),
            "sending": _("Sending…"),
            "required": _("required"),
            "requiredError": _("This field is required."),
            "failed": _("Could not send. Check your connection and try again."),
            "thanks": _("Thank you! We have received your request."),
            "incentive": _("Your reward"),
            "next": _("Next"),
            "back": _("Back"),
            "finish": _("Get my result"),
            "step": _("Step %(number)s of %(total)s"),
            "contacts": _("Where should we send it?"),
            "chooseAnswer": _("Choose an answer."),
            "writeAnswer": _("Write an answer."),
            "enterNumber": _("Enter a number."),
            "min": _("Enter %(number)s or more."),
            "max": _("Enter %(number)s or less."),
            "callWhen": _("When should we call?"),
            "callNow": _("As soon as possible"),
            "callAt": _("At a time I choose"),
            "callTime": _("Date and time"),
            "callTimeMissing": _("Choose when we should call you."),
            "callTimePast": _("This time has passed: choose a time from now on."),
            "callSubmit": _("Call me back"),
            "reference": _("Reference"),
            "choose": _("Choose…"),
        },
    }
    if form.kind == FormKind.QUIZ:
        config["quiz"] = quiz_logic.as_config(quiz_logic.load(form.quiz))
    return config


@require_GET
def embed_script(request: HttpRequest, slug: str) -> HttpResponse:
    """The form as a script any site can include: it renders the form and posts it to the
    capture API (its only request)."""
    form = Form.objects.filter(slug=slug, kind__in=PUBLIC_KINDS).first()
    if form is None:
        raise Http404
    if not form.is_active:
        return _script(
            f"console.warn({_js_literal(_('This Galena form is disabled.'))});", status=410
        )
    try:
        config = embed_config(request, form)
    except quiz_logic.QuizDefinitionError:
        return _script(
            f"console.warn({_js_literal(_('This Galena quiz is being updated.'))});", status=503
        )
    code = _embed_code().replace("/*CONFIG*/null", _js_literal(config), 1)
    response = _script(code)
    patch_cache_control(response, public=True, max_age=300)
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _script(code: str, *, status: int = 200) -> HttpResponse:
    return HttpResponse(code, content_type="text/javascript; charset=utf-8", status=status)


# --- quick entry (staff) ------------------------------------------------------------------

QUICK_COUNTS = "intake_quick_entry_counts"
QUICK_LAST = "intake_quick_entry_last"


def _require_lead_worker(request: HttpRequest) -> None:
    try:
        access.require_lead_access(request.user)
    except PermissionDenied as error:
        raise DjangoPermissionDenied(error.message) from error


@login_required
@require_GET
def quick_entry_list(request: HttpRequest) -> HttpResponse:
    """The quick-entry forms staff use at exhibitions, conferences and other events."""
    _require_lead_worker(request)
    forms = Form.objects.filter(kind=FormKind.QUICK_ENTRY, is_active=True).select_related(
        "source", "offline_event", "campaign"
    )
    counts = request.session.get(QUICK_COUNTS, {})
    forms = list(forms)
    for form in forms:
        form.saved_this_session = counts.get(form.slug, 0)
    return render(request, "intake/quick/list.html", {"forms": forms, "section": "quick-entry"})


@login_required
@require_http_methods(["GET", "POST"])
def quick_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """Enter the people met at an event, one after another, from a phone."""
    _require_lead_worker(request)
    form = (
        Form.objects.select_related("source", "offline_event", "campaign", "default_owner")
        .filter(slug=slug, kind=FormKind.QUICK_ENTRY)
        .first()
    )
    if form is None:
        raise Http404(_("No quick-entry form at this address."))
    if not form.is_active:
        return render(request, "intake/quick/gone.html", {"form": form}, status=410)
    specs = form.visitor_fields
    names = [spec["name"] for spec in specs]
    if request.method == "GET":
        return _quick_page(request, form)
    if refusal := body_refusal(request):
        return _quick_page(request, form, general=[refusal.message], status=413)
    post = request.POST
    values = posted_values(post, specs)
    errors: dict[str, str] = {}
    canonical = {canonical_name(name): name for name in names}
    reachable = [canonical[kind] for kind in ("phone", "email") if kind in canonical]
    if reachable and not any(post.get(name, "").strip() for name in reachable):
        errors[reachable[0]] = _("Give a phone number or an e-mail address.")
    if not errors:
        data = payload_of(post, specs, consent=False)
        data.pop("_hp", None)
        data["entered_by"] = [request.user.get_username()]
        try:
            submit(request, form, data, throttle=False)
        except ApplicationError as error:
            errors, general, status = _refused(error, names)
            return _quick_page(
                request,
                form,
                values=values,
                errors=errors,
                general=general,
                idempotency_key=post.get(IDEMPOTENCY_FIELD, ""),
                status=status,
            )
        counts = request.session.get(QUICK_COUNTS, {})
        counts[form.slug] = counts.get(form.slug, 0) + 1
        request.session[QUICK_COUNTS] = counts
        name = values.get(canonical.get("full_name", ""), "") or next(
            (v for v in values.values() if v), ""
        )
        # shown once on the empty form that follows, next to the count (not as a toast
        # that covers the page on a phone)
        request.session[QUICK_LAST] = {"slug": form.slug, "name": name}
        return redirect("intake-quick-entry", slug=form.slug)
    return _quick_page(
        request,
        form,
        values=values,
        errors=errors,
        idempotency_key=post.get(IDEMPOTENCY_FIELD, ""),
        status=400,
    )


def _quick_page(
    request: HttpRequest,
    form: Form,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    general: Iterable[str] = (),
    idempotency_key: str = "",
    status: int = 200,
) -> HttpResponse:
    last = request.session.pop(QUICK_LAST, None) if request.method == "GET" else None
    fields = field_views(form.visitor_fields, values, errors)
    context = {
        "form": form,
        "fields": fields,
        # the keyboard starts on the first field to fix, or on the first field
        "focus_name": next((f.name for f in fields if f.error), fields[0].name if fields else ""),
        "general_errors": list(general),
        "saved_name": last["name"] if last and last.get("slug") == form.slug else "",
        "idempotency_key": idempotency_key or new_idempotency_key(),
        "count": request.session.get(QUICK_COUNTS, {}).get(form.slug, 0),
        "section": "quick-entry",
    }
    return render(request, "intake/quick/entry.html", context, status=status)
