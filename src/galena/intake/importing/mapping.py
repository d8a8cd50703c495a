"""Which column is which field: suggestions from the headers (English, Romanian, Russian,
Spanish, Finnish — the capture adapter's alias table, so a web form and a list speak the
same words), and checks of a mapping a person edited. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from galena.intake.adapters.capture import (
    ALIASES,
    ATTRIBUTION_FIELDS,
    MESSENGER_FIELDS,
    SOCIAL_FIELDS,
)
from galena.leads.countries import lookup_key

IGNORE = "ignore"
ATTRIBUTE = "attribute:"  # followed by the attribute's name

# What a column can become, in the order the page lists them.
FIELD_LABELS: dict[str, str] = {
    "first_name": _("First name"),
    "middle_name": _("Middle name / patronymic"),
    "last_name": _("Last name"),
    "full_name": _("Full name (first and last in one)"),
    "phone": _("Phone"),
    "email": _("E-mail"),
    "company_name": _("Company"),
    "position": _("Position"),
    "country": _("Country (two-letter code)"),
    "region": _("Region"),
    "city": _("City"),
    "language": _("Language"),
    "interest": _("Interest (product or service)"),
    "comment": _("Comment"),
    "preferred_contact_time": _("Preferred contact time"),
    **{name: name.capitalize() for name in MESSENGER_FIELDS},
    **{name: _("Profile: %(network)s") % {"network": name} for name in SOCIAL_FIELDS},
    **{name: name for name in ATTRIBUTION_FIELDS},
}
# Columns that may repeat: each gives one more way to reach the person.
CONTACT_FIELDS = frozenset({"phone", "email", *MESSENGER_FIELDS, *SOCIAL_FIELDS})
NAME_FIELDS = frozenset({"first_name", "last_name", "full_name"})


def header_key(text: str) -> str:
    """A header as a lookup key: case, accents, spaces and punctuation do not matter
    ("Teléfono" = "telefono", "Эл. почта" = "эл почта", "E-mail" = "e mail")."""
    return lookup_key(text)


_SUGGESTIONS: dict[str, str] = {}
for _target, _aliases in ALIASES.items():
    for _alias in (_target, *_aliases):
        _SUGGESTIONS.setdefault(header_key(_alias), _target)
for _name in (*MESSENGER_FIELDS, *SOCIAL_FIELDS, *ATTRIBUTION_FIELDS):
    _SUGGESTIONS.setdefault(header_key(_name), _name)


# Words that qualify a field's name in a header without changing what the column holds
# ("Mobile phone", "Email address", "Nr. telefon", "Номер телефона", "Número de teléfono").
_QUALIFIERS = frozenset(
    header_key(word)
    for word in (
        # English
        *("work", "home", "personal", "private", "business", "office", "main", "primary"),
        *("secondary", "other", "contact", "direct", "cell", "cellular", "your", "the", "of"),
        *("number", "no", "nr", "num", "address", "person", "value", "customer", "client"),
        "lead",
        # Romanian
        *("număr", "numărul", "de", "adresă", "adresa", "mobil", "serviciu", "principal"),
        # Russian
        *("номер", "адрес", "электронной", "электронная", "рабочий", "личный", "контактный"),
        *("сотовый", "основной", "клиент", "клиента"),
        # Spanish
        *("número", "dirección", "electrónico", "trabajo", "contacto", "su", "tu", "cliente"),
        # Finnish
        *("numero", "osoite", "oma", "työ", "asiakas", "asiakkaan"),
    )
)


def _qualified(key: str) -> str | None:
    """The field a header names with qualifiers: every word left when they are dropped is a
    name of that one field ("Teléfono móvil", "Work phone number"); None when a word is
    something else ("Email opt-in", "Phone verified" stay attributes)."""
    words = [
        w
        for w in key.replace("e mail", "email").split()
        if w not in _QUALIFIERS and not w.isdigit()  # "Phone 2 - Value"
    ]
    if len(words) > 1 and "name" in words:  # "Organization - Name": the organisation's
        words.remove("name")
    targets = {_SUGGESTIONS.get(word) for word in words}
    if len(targets) == 1 and None not in targets:
        return targets.pop()
    return None


def suggest(header: str) -> str:
    """The field a column's header names, else a custom attribute of the same name."""
    key = header_key(header)
    if key in _SUGGESTIONS:
        return _SUGGESTIONS[key]
    if target := _qualified(key):
        return target
    return f"{ATTRIBUTE}{header.strip()}" if header.strip() else IGNORE


def suggest_mapping(headers: Sequence[str]) -> list[str]:
    """One target per column. A field other than a contact named twice keeps the first
    column; the later ones become attributes so nothing is lost."""
    targets: list[str] = []
    used: set[str] = set()
    for header in headers:
        target = suggest(header)
        if target in used and target not in CONTACT_FIELDS:
            target = f"{ATTRIBUTE}{header.strip()}"
        used.add(target)
        targets.append(target)
    return targets


def is_valid_target(target: str) -> bool:
    if target == IGNORE or target in FIELD_LABELS:
        return True
    return target.startswith(ATTRIBUTE) and bool(target[len(ATTRIBUTE) :].strip())


def check_mapping(headers: Sequence[str], targets: Sequence[str]) -> list[str]:
    """What is wrong with a mapping, in words; empty when it can be used."""
    problems: list[str] = []
    if len(targets) != len(headers):
        return [f"Give one target per column: {len(headers)} columns, {len(targets)} targets."]
    for header, target in zip(headers, targets, strict=True):
        if not is_valid_target(target):
            problems.append(
                f"Column {header!r}: {target!r} is not a field, an attribute or ignore."
            )
    seen: dict[str, str] = {}
    for header, target in zip(headers, targets, strict=True):
        if target in FIELD_LABELS and target not in CONTACT_FIELDS:
            if target in seen:
                problems.append(
                    f"Columns {seen[target]!r} and {header!r} both go to {target}: "
                    "choose one, make the other an attribute or ignore it."
                )
            seen.setdefault(target, header)
    if not any(t in CONTACT_FIELDS or t in NAME_FIELDS for t in targets):
        problems.append("No column gives a name, a phone, an e-mail or a profile.")
    return problems


def apply_overrides(
    headers: Sequence[str], targets: Sequence[str], overrides: Sequence[str]
) -> list[str]:
    """The targets with "column=field" overrides applied; a column is named by its header
    (any case) or by its number from 1. Raises ValueError naming the bad override."""
    result = list(targets)
    by_key = {header_key(h): i for i, h in enumerate(headers)}
    for override in overrides:
        column, equals, target = override.rpartition("=")
        if not equals or not column.strip():
            raise ValueError(f"{override!r}: write the mapping as column=field.")
        column, target = column.strip(), target.strip() or IGNORE
        if column.isdigit() and 1 <= int(column) <= len(headers):
            index = int(column) - 1
        elif header_key(column) in by_key:
            index = by_key[header_key(column)]
        else:
            raise ValueError(
                f"{override!r}: no column {column!r}; the columns are {', '.join(headers)}."
            )
        if target.startswith("attr:"):
            target = ATTRIBUTE + target[len("attr:") :]
        if not is_valid_target(target):
            raise ValueError(
                f"{override!r}: {target!r} is not a field; use one of "
                f"{', '.join(FIELD_LABELS)}, attribute:NAME or ignore."
            )
        result[index] = target
    return result
