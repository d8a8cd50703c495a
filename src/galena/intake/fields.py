"""The fields a Galena form shows a visitor: the spec format kept in ``Form.fields``, its
validation and the defaults of each kind of form. Pure: no database, no requests."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from galena.leads.models import TRACKING_FIELDS

FIELD_TYPES = (
    "text",
    "email",
    "tel",
    "textarea",
    "number",
    "date",
    "url",
    "select",
    "radio",
    "checkbox",
)
CHOICE_TYPES = frozenset({"select", "radio"})
# Names the pages and the embed script fill themselves (see adapters/capture.py).
RESERVED_NAMES = frozenset(
    {
        "_hp",
        "_ts",
        "_visitor",
        "_fp",
        "quiz_answers",
        "callback_at",
        "consent_purposes",
        *TRACKING_FIELDS,
    }
)
MAX_FIELDS = 30
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")


def _spec(name: str, label, type: str = "text", required: bool = False) -> dict[str, Any]:
    return {"name": name, "label": label, "type": type, "required": required}


DEFAULT_FIELDS: dict[str, list[dict[str, Any]]] = {
    "web_form": [
        _spec("name", _("Your name"), required=True),
        _spec("phone", _("Phone"), "tel"),
        _spec("email", _("E-mail"), "email"),
        _spec("message", _("Message"), "textarea"),
    ],
    "quiz": [
        _spec("name", _("Your name"), required=True),
        _spec("phone", _("Phone"), "tel", required=True),
        _spec("email", _("E-mail"), "email"),
    ],
    "callback": [
        _spec("phone", _("Phone"), "tel", required=True),
        _spec("name", _("Your name")),
    ],
    "quick_entry": [
        _spec("name", _("Name"), required=True),
        _spec("phone", _("Phone"), "tel"),
        _spec("email", _("E-mail"), "email"),
        _spec("company", _("Company")),
        _spec("interest", _("Interest")),
        _spec("comment", _("Note")),
    ],
}


def fields_or_default(fields: Any, kind: str) -> list[dict[str, Any]]:
    """The form's own fields, or its kind's defaults when it defines none."""
    if isinstance(fields, list) and fields:
        return fields
    return DEFAULT_FIELDS.get(kind, DEFAULT_FIELDS["web_form"])


def options_of(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A choice field's options as (value, label); an option may be plain text."""
    result = []
    for option in spec.get("options") or []:
        if isinstance(option, Mapping):
            value = str(option.get("value", ""))
            result.append((value, str(option.get("label") or value)))
        else:
            result.append((str(option), str(option)))
    return result


def field_errors(fields: Any) -> list[str]:
    """Every reason a list of field specs cannot be used, for the person editing it."""
    if fields in (None, []):
        return []
    if not isinstance(fields, list):
        return ['Fields are a list: [{"name": "phone", "label": "Phone", "type": "tel"}, ...].']
    if len(fields) > MAX_FIELDS:
        return [f"A form has at most {MAX_FIELDS} fields (this one has {len(fields)})."]
    errors: list[str] = []
    seen: set[str] = set()
    for index, spec in enumerate(fields, start=1):
        if not isinstance(spec, Mapping):
            errors.append(f"Field {index} must be an object with name, label and type.")
            continue
        name = spec.get("name")
        where = f"Field {name!r}" if isinstance(name, str) and name else f"Field {index}"
        if not isinstance(name, str) or not _NAME.match(name):
            errors.append(
                f"{where}: name must start with a letter and use letters, digits, _ or -."
            )
        elif name in RESERVED_NAMES:
            errors.append(f"{where}: the name {name!r} is filled by Galena itself.")
        elif name in seen:
            errors.append(f"{where}: the name is used twice.")
        else:
            seen.add(name)
        label = spec.get("label")
        if not isinstance(label, str) or not label.strip():
            errors.append(f"{where} needs a label.")
        kind = spec.get("type")
        if kind not in FIELD_TYPES:
            errors.append(f"{where}: type must be one of {', '.join(FIELD_TYPES)} (got {kind!r}).")
        if "required" in spec and not isinstance(spec["required"], bool):
            errors.append(f"{where}: required must be true or false.")
        options = spec.get("options")
        if kind in CHOICE_TYPES:
            if not isinstance(options, list) or not options:
                errors.append(f"{where} is a {kind}: give it options.")
            elif any(
                not (isinstance(o, str) and o.strip())
                and not (isinstance(o, Mapping) and str(o.get("value", "")).strip())
                for o in options
            ):
                errors.append(f"{where}: each option is text or {{value, label}}.")
        elif options:
            errors.append(f"{where}: only select and radio fields take options.")
        unknown = set(spec) - {
            "name",
            "label",
            "type",
            "required",
            "options",
            "placeholder",
            "help",
        }
        if unknown:
            errors.append(f"{where}: unknown key(s) {', '.join(sorted(unknown))}.")
    return errors


def origin_errors(origins: Any) -> list[str]:
    """Allowed origins are scheme://host[:port], with nothing after."""
    if origins in (None, []):
        return []
    if not isinstance(origins, list):
        return ['Allowed origins are a list: ["https://www.example.com"].']
    errors = []
    for origin in origins:
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.netloc
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
        ):
            errors.append(
                f"{origin!r} is not an origin: write scheme and host only, e.g. "
                "https://www.example.com."
            )
    return errors
