"""What the inbound adapters (e-mail, calls, chats, ad platforms) share: finding the
integration a URL key names, checking signatures, reading JSON bodies and times. Pure
helpers apart from the key lookups."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any, TypeVar

from django.db.models import Model
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from galena.core.errors import ApplicationError, Gone, NotFound, PermissionDenied, ValidationFailed
from galena.intake.contract import Person
from galena.intake.models import ExternalCampaign
from galena.leads.countries import country_code
from galena.leads.models import ContactKind, ContactPoint
from galena.leads.normalise import normalise_email, normalise_phone

SIGNATURE_HEADER = "X-Galena-Signature"
M = TypeVar("M", bound=Model)


class Unauthenticated(ApplicationError):
    """The request proves no knowledge of the integration's secret: no signature at all."""

    code = "unauthenticated"
    status = 401


def active(model: type[M], key: str, *, what: str, **filters: Any) -> M:
    """The active integration a URL key names: 404 when unknown, 410 when switched off."""
    found = model.objects.filter(key=key, **filters).first()
    if found is None:
        raise NotFound(f"No {what} has this key: check the URL you gave the sender.")
    if not found.is_active:
        raise Gone(f"This {what} is disabled and takes nothing.")
    return found


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_sha256_signature(*, secret: str, body: bytes, header: str | None, name: str) -> None:
    """Refuse unless ``header`` is ``sha256=<hex HMAC-SHA256 of body keyed with secret>``:
    401 when it is missing, 403 when it is wrong."""
    if not header:
        raise Unauthenticated(
            f"Sign the request: send {name}: sha256=<hex HMAC-SHA256 of the raw body, "
            "keyed with the integration's secret>."
        )
    algorithm, _, given = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not secret:
        raise PermissionDenied(f"{name} must be sha256=<hex digest>.", field=name)
    if not hmac.compare_digest(given.strip().lower(), hmac_sha256_hex(secret, body)):
        raise PermissionDenied(
            f"The {name} does not match the body: sign the raw body exactly as sent, with "
            "this integration's secret.",
            field=name,
        )


def secrets_equal(given: str | None, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest((given or "").encode(), expected.encode())


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 that says what is wrong with it."""
    try:
        data = json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationFailed(
            {"__all__": f"The body is not valid JSON ({error}); send a JSON object."}
        ) from error
    if not isinstance(data, dict):
        raise ValidationFailed({"__all__": "Send a JSON object."})
    return data


def text(value: Any, limit: int | None = None) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    result = str(value).strip()
    return result[:limit] if limit else result


def aware_datetime(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with its zone, or a Unix timestamp; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return None
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed


def lead_with_email(address: str) -> int | None:
    """The most recent lead that has this e-mail address (one indexed lookup)."""
    normalised = normalise_email(address)
    if not normalised.is_valid:
        return None
    return _lead_with(ContactKind.EMAIL, normalised.value)


def lead_with_phone(number: str, *, region: str) -> int | None:
    """The most recent lead that has this phone number (one indexed lookup)."""
    normalised = normalise_phone(number, region)
    if not normalised.is_valid:
        return None
    return _lead_with(ContactKind.PHONE, normalised.value)


def _lead_with(kind: str, value: str) -> int | None:
    return (
        ContactPoint.objects.filter(kind=kind, value=value)
        .order_by("-lead_id")
        .values_list("lead_id", flat=True)
        .first()
    )


def ad_form_person(person: dict[str, str]) -> Person:
    """The person an ad platform's lead form gave, cut to the lead's field lengths (the
    platforms' column names are mapped to these keys by each adapter)."""
    return Person(
        first_name=person.get("first_name", "")[:100],
        last_name=person.get("last_name", "")[:100],
        full_name=person.get("full_name", "")[:255],
        company_name=person.get("company_name", "")[:200],
        position=person.get("position", "")[:120],
        city=person.get("city", "")[:120],
        region=person.get("region", "")[:120],
        country=country_code(person.get("country", "")),  # "US", "United States"
    )


def mapped_campaign_id(platform: str, external_id: str) -> int | None:
    """The Galena campaign an ad platform's campaign id is mapped to, if any."""
    if not external_id:
        return None
    return (
        ExternalCampaign.objects.filter(platform=platform, external_id=external_id)
        .values_list("campaign_id", flat=True)
        .first()
    )
