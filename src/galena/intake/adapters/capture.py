"""The capture adapter: a submission posted to /api/v1/capture/<form key> by a hosted or
embedded form, a quiz, a callback widget or any site's own form.

Field names follow plain conventions (first_name, last_name or name, email, phone, company,
message, utm_source…) with common aliases; fields the form does not name are kept as the
lead's attributes, so nothing the visitor typed is lost."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from galena.intake.contract import (
    Attribution,
    Consent,
    ParsedSubmission,
    Person,
    Signals,
    TaskRequest,
)
from galena.leads.countries import country_code
from galena.leads.models import TRACKING_FIELDS, ContactKind, TaskKind
from galena.leads.normalise import normalise_email
from galena.leads.services import ContactInput

ALIASES = {
    "first_name": (
        "first_name",
        "firstname",
        "given_name",
        "fname",
        "first_names",
        "prenume",
        "имя",
        "nombre",
        "etunimi",
    ),
    "last_name": (
        "last_name",
        "lastname",
        "surname",
        "family_name",
        "lname",
        "nume",
        "фамилия",
        "apellido",
        "apellidos",
        "sukunimi",
        "nume_de_familie",
    ),
    "middle_name": ("middle_name", "patronymic", "отчество"),
    "full_name": (
        "name",
        "full_name",
        "fullname",
        "your_name",
        "contact_name",
        "name_and_surname",
        "first_and_last_name",
        "фио",
        "имя_и_фамилия",
        "nume_complet",
        "nume_și_prenume",
        "nume_si_prenume",
        "nombre_completo",
        "nombre_y_apellidos",
        "nimi",
        "etu-_ja_sukunimi",
        "etu_ja_sukunimi",
    ),
    "company_name": (
        "company",
        "company_name",
        "organisation",
        "organization",
        "firma",
        "firmă",
        "companie",
        "компания",
        "организация",
        "название_компании",
        "empresa",
        "nombre_de_la_empresa",
        "yritys",
        "yrityksen_nimi",
    ),
    "position": (
        "position",
        "job_title",
        "designation",
        "title",
        "role",
        "funcție",
        "funcția",
        "должность",
        "cargo",
        "puesto",
        "asema",
        "titteli",
    ),
    "language": ("language", "lang", "locale"),
    "country": (
        "country",
        "country_code",
        "country/region",
        "țară",
        "țara",
        "страна",
        "país",
        "pais",
        "maa",
    ),
    "region": (
        "region",
        "state",
        "county",
        "province",
        "județ",
        "judet",
        "регион",
        "область",
        "provincia",
        "maakunta",
    ),
    "city": ("city", "town", "oras", "oraș", "oraş", "город", "ciudad", "kaupunki"),
    "interest": ("interest", "product", "service", "produs", "продукт", "producto"),
    "comment": (
        "comment",
        "comments",
        "message",
        "question",
        "notes",
        "mesaj",
        "comentariu",
        "сообщение",
        "комментарий",
        "mensaje",
        "comentario",
        "comentarios",
        "viesti",
        "kommentti",
    ),
    "preferred_contact_time": (
        "preferred_contact_time",
        "preferred_time",
        "call_time",
        "best_time",
    ),
    "email": (
        "email",
        "e-mail",
        "e_mail",
        "mail",
        "email_address",
        "почта",
        "эл._почта",
        "электронная_почта",
        "correo",
        "correo_electrónico",
        "correo_electronico",
        "sähköposti",
        "sahkoposti",
        "sähköpostiosoite",
        "почты",
    ),
    "phone": (
        "phone",
        "tel",
        "telephone",
        "mobile",
        "phone_number",
        "telefon",
        "număr_de_telefon",
        "телефон",
        "телефона",
        "мобильный",
        "telefono",
        "teléfono",
        "móvil",
        "movil",
        "celular",
        "puhelin",
        "matkapuhelin",
        "puhelinnumero",
    ),
}
MESSENGER_FIELDS = ("telegram", "whatsapp", "viber", "signal", "skype", "wechat", "line")
SOCIAL_FIELDS = (
    "social",
    "profile",
    "facebook",
    "vk",
    "linkedin",
    "instagram",
    "twitter",
    "x",
    "ok",
)
ATTRIBUTION_FIELDS = TRACKING_FIELDS
# Fields the embed script and the hosted page add; never shown to the visitor.
META_FIELDS = {
    "_hp": "honeypot",
    "_ts": "time_to_submit_ms",
    "_visitor": "visitor_id",
    "_fp": "fingerprint",
    "consent": "consent",
    "callback_at": "callback_at",
    "quiz_answers": "quiz_answers",
}

MAX_FIELDS = 100
MAX_VALUE_CHARS = 2000
MAX_COMMENT_CHARS = 10_000
_ALIAS_OF = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_DIGITS = re.compile(r"\d")


def _key(name: str) -> str:
    return name.strip().casefold().replace(" ", "_")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value).strip()


def canonical(data: Mapping[str, Any]) -> dict[str, Any]:
    """The payload with aliases mapped to Galena's field names (first one given wins)."""
    result: dict[str, Any] = {}
    for raw_name, value in data.items():
        key = _key(raw_name)
        name = _ALIAS_OF.get(key, key)
        if name not in result or result[name] in ("", None):
            result[name] = value
    return result


def validate(data: Mapping[str, Any], *, required: list[str]) -> dict[str, str]:
    """Field -> what is wrong, for a payload a visitor sent; empty when it can be accepted.
    Only what a person can fix is refused here; doubtful values go on to the quality checks."""
    errors: dict[str, str] = {}
    if len(data) > MAX_FIELDS:
        return {
            "__all__": _("Too many fields (%(count)s); send at most %(limit)s.")
            % {"count": len(data), "limit": MAX_FIELDS}
        }
    fields = canonical(data)
    for raw_name, value in data.items():
        if not isinstance(value, str | int | float | bool | list | dict) and value is not None:
            errors[raw_name] = _("Send text, a number, true/false or a list.")
            continue
        if isinstance(value, dict) and raw_name != "quiz_answers":
            errors[raw_name] = _("Send text, a number, true/false or a list, not an object.")
            continue
        limit = MAX_COMMENT_CHARS if _ALIAS_OF.get(_key(raw_name)) == "comment" else MAX_VALUE_CHARS
        if raw_name != "quiz_answers" and len(_text(value)) > limit:
            errors[raw_name] = _("Too long: use at most %(limit)s characters.") % {"limit": limit}
    for name in required:
        canonical_name = _ALIAS_OF.get(_key(name), _key(name))
        given = _text(fields.get(canonical_name))
        if canonical_name == "full_name" and not given:
            # a site that splits the name into first and last gives the name all the same
            given = _text(fields.get("first_name")) or _text(fields.get("last_name"))
        if not given:
            errors.setdefault(name, _("This field is required."))
    email = _text(fields.get("email"))
    if email and not normalise_email(email).is_valid:
        errors.setdefault("email", _("Enter a valid e-mail address, e.g. name@example.com."))
    phone = _text(fields.get("phone"))
    if phone and len(_DIGITS.findall(phone)) < 5:
        errors.setdefault("phone", _("Enter a phone number with its digits, e.g. +40 722 123 456."))
    callback_at = _text(fields.get("callback_at"))
    if callback_at and _aware(callback_at) is None:
        errors.setdefault(
            "callback_at",
            _("Give the time as ISO 8601 with its zone, e.g. 2026-05-01T15:00+02:00."),
        )
    return errors


def _aware(text: str) -> dt.datetime | None:
    try:
        value = parse_datetime(text)
    except ValueError:
        return None
    if value is None or timezone.is_naive(value):
        return None
    return value


def _int(value: Any) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _truthy(value: Any) -> bool:
    return _text(value).casefold() in {"1", "true", "yes", "on", "da", "да", "sí", "si", "kyllä"}


def contacts_of(fields: Mapping[str, Any]) -> list[ContactInput]:
    contacts: list[ContactInput] = []
    if phone := _text(fields.get("phone")):
        contacts.append(ContactInput(kind=ContactKind.PHONE, value=phone, label="given"))
    if email := _text(fields.get("email")):
        contacts.append(ContactInput(kind=ContactKind.EMAIL, value=email))
    for name in MESSENGER_FIELDS:
        if value := _text(fields.get(name)):
            contacts.append(ContactInput(kind=ContactKind.MESSENGER, value=value, label=name))
    for name in SOCIAL_FIELDS:
        if value := _text(fields.get(name)):
            contacts.append(ContactInput(kind=ContactKind.SOCIAL, value=value, label=name))
    return contacts


KNOWN = (
    set(ALIASES)
    | set(MESSENGER_FIELDS)
    | set(SOCIAL_FIELDS)
    | set(ATTRIBUTION_FIELDS)
    | set(META_FIELDS)
    | {"consent_purposes"}
)


def parse(submission) -> ParsedSubmission:
    """A stored capture submission as Galena's parsed submission."""
    form = submission.form
    fields = canonical(submission.payload)
    headers = submission.headers or {}
    attribution = Attribution(
        channel=form.channel if form else submission.channel,
        source_id=form.source_id if form else None,
        campaign_id=form.campaign_id if form else None,
        offline_event_id=form.offline_event_id if form else None,
        **{name: _text(fields.get(name))[:200] for name in ATTRIBUTION_FIELDS[:5]},
        referrer=_text(fields.get("referrer")) or headers.get("Referer", ""),
        landing_page=_text(fields.get("landing_page")),
    )
    consent = None
    if _truthy(fields.get("consent")):
        purposes = fields.get("consent_purposes") or (form.consent_purposes if form else [])
        consent = Consent(
            purposes=[_text(p) for p in purposes]
            if isinstance(purposes, list)
            else [_text(purposes)],
            text_version=form.consent_version if form else "",
            text=form.consent_text if form else "",
            given_at=submission.received_at,
            ip=submission.remote_addr,
        )
    attributes = {
        name: value
        for name, value in fields.items()
        if name not in KNOWN and value not in ("", None)
    }
    if isinstance(fields.get("quiz_answers"), dict):
        attributes["quiz"] = fields["quiz_answers"]
    written_country = _text(fields.get("country"))
    country = country_code(written_country)
    if written_country and not country:  # no country's name: kept as written
        attributes.setdefault("country", written_country[:200])
    tasks = []
    callback_at = _aware(_text(fields.get("callback_at"))) if fields.get("callback_at") else None
    if form is not None and form.kind == "callback":
        tasks.append(
            TaskRequest(
                kind=TaskKind.CALL,
                title="Call back",
                due_at=callback_at or submission.received_at,
                description=_text(fields.get("preferred_contact_time")),
            )
        )
    return ParsedSubmission(
        channel=attribution.channel,
        received_at=submission.received_at,
        person=Person(
            first_name=_text(fields.get("first_name"))[:100],
            middle_name=_text(fields.get("middle_name"))[:100],
            last_name=_text(fields.get("last_name"))[:100],
            full_name=_text(fields.get("full_name"))[:255],
            company_name=_text(fields.get("company_name"))[:200],
            position=_text(fields.get("position"))[:120],
            language=_text(fields.get("language"))[:12],
            country=country,
            region=_text(fields.get("region"))[:120],
            city=_text(fields.get("city"))[:120],
        ),
        contacts=contacts_of(fields),
        attribution=attribution,
        interest=(_text(fields.get("interest")) or (form.interest if form else ""))[:200],
        comment=_text(fields.get("comment")),
        preferred_contact_time=_text(fields.get("preferred_contact_time"))[:120],
        attributes=attributes,
        consent=consent,
        signals=Signals(
            honeypot=_text(fields.get("_hp")),
            time_to_submit_ms=_int(fields.get("_ts")),
            user_agent=headers.get("User-Agent", ""),
            remote_addr=submission.remote_addr,
            visitor_id=_text(fields.get("_visitor"))[:100],
            fingerprint=_text(fields.get("_fp"))[:200],
        ),
        tasks=tasks,
        owner_id=form.default_owner_id if form else None,
        team_id=form.default_team_id if form else None,
        default_region=(form.default_region if form else ""),
    )
