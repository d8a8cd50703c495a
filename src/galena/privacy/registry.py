"""Where personal data lives: every model that holds some is declared here once.

Access (``galena.privacy.access``), erasure (``galena.privacy.erasure``) and retention read
this registry and nothing else, so a table that is not declared is neither exported nor
erased — the registry test fails for any model of a Galena app that is neither declared
personal nor declared free of personal data.

A declaration says
- which fields hold personal data and how each is erased (``Erase``);
- how a person's rows are found: through the lead (``lead="lead"`` — a lookup from the
  model to the lead's id), the client contact (``contact=...``), a normalised e-mail or
  phone column (``email=...``, ``phone=...``), or a function of the subject (``find``) for
  anything else;
- rows of other people that only *mention* the person (``mentions``: a function of the
  subject, e.g. an e-mail to a lead that the person was copied on): the access report shows
  them, and erasure takes out the person's values alone, leaving the row its owner's;
- whether erasure deletes the rows instead of rewriting their fields (``delete=True``).

The built-in apps are declared in ``galena.privacy.declarations``. Another app declares its
own tables in a module ``<app>/personal_data.py`` (found at start-up), e.g.::

    from galena.privacy.registry import Erase, register

    register(
        "consent.ConsentRecord",
        category=_("Consent records"),
        fields={"email": Erase.HASH, "phone": Erase.HASH, "evidence": Erase.JSON},
        lead="lead",
        contact="contact",
        email="email",
        phone="phone",
    )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet

if TYPE_CHECKING:
    from galena.privacy.subjects import Subject


class Erase(StrEnum):
    """How one field is erased."""

    # emptied: "" for text, NULL where allowed, {} or [] for JSON
    BLANK = "blank"
    # free text written about the person (a task's or deal's title): kept, but every value
    # of the person (names, contacts) found in it is replaced
    SCRUB = "scrub"
    # JSON kept in shape: numbers, booleans, dates and the codes under known keys
    # (stage, channel, outcome…) stay; every other string is emptied, and any string
    # holding one of the person's values is emptied whatever its key
    JSON = "json"
    # a keyed one-way hash (HMAC-SHA-256 with the secret key): still one value per person
    # for a unique column or a count, but not the value
    HASH = "hash"
    # a meaningless unique value ("erased-<row id>") for a column that must stay unique
    PLACEHOLDER = "placeholder"
    # the stored file is deleted and the field emptied
    FILE = "file"


@dataclass(frozen=True)
class PersonalTable:
    """One model's personal data: what it holds, how to find a person's rows, how to erase."""

    model_label: str
    category: Any  # a (lazy) translatable name shown in the access report
    fields: Mapping[str, Erase]
    lead: str | None = None
    contact: str | None = None
    email: str | None = None
    phone: str | None = None
    find: Callable[[Subject], Q | None] | None = None
    # rows of others that mention the person: only the person's values are erased there
    mentions: Callable[[Subject], Q | None] | None = None
    delete: bool = False
    # JSON keys (besides the default codes) whose string values are not personal
    json_keep: frozenset[str] = field(default_factory=frozenset)
    # a function (queryset, subject) -> rows changed, for a table whose erasure is more
    # than rewriting fields (files inside an import, say); runs after the field rewrite
    erase_extra: Callable[[QuerySet, Subject], int] | None = None
    # fields shown in the access report besides the personal ones (dates, codes, ids)
    report_fields: tuple[str, ...] = ()

    @property
    def model(self) -> type[Model]:
        return apps.get_model(self.model_label)

    def subject_filter(self, subject: Subject) -> Q | None:
        """The condition selecting the subject's rows, or None when there are none."""
        parts: list[Q] = []
        if self.lead and subject.lead_ids:
            parts.append(Q(**{f"{self.lead}__in": sorted(subject.lead_ids)}))
        if self.contact and subject.contact_ids:
            parts.append(Q(**{f"{self.contact}__in": sorted(subject.contact_ids)}))
        if self.email and subject.emails:
            parts.append(Q(**{f"{self.email}__in": sorted(subject.emails)}))
        if self.phone and subject.phones:
            parts.append(Q(**{f"{self.phone}__in": sorted(subject.phones)}))
        if self.find is not None:
            extra = self.find(subject)
            if extra is not None:
                parts.append(extra)
        if not parts:
            return None
        condition = parts[0]
        for part in parts[1:]:
            condition |= part
        return condition

    def rows(self, subject: Subject) -> QuerySet:
        """The subject's rows of this table, those that only mention them included (none
        when nothing identifies them)."""
        condition = self.subject_filter(subject)
        mention = self.mentions(subject) if self.mentions is not None else None
        if mention is not None:
            condition = mention if condition is None else condition | mention
        return self._filtered(condition)

    def own_rows(self, subject: Subject) -> QuerySet:
        """The subject's own rows: erased field by field as declared."""
        return self._filtered(self.subject_filter(subject))

    def _filtered(self, condition: Q | None) -> QuerySet:
        manager = self.model._base_manager
        if condition is None:
            return manager.none()
        # distinct: a condition through a relation may repeat a row; no ordering to sort by
        return manager.filter(condition).distinct().order_by()


_TABLES: dict[str, PersonalTable] = {}
_NOT_PERSONAL: dict[str, str] = {}


def register(
    model_label: str,
    *,
    category: Any,
    fields: Mapping[str, Erase],
    lead: str | None = None,
    contact: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    find: Callable[[Subject], Q | None] | None = None,
    mentions: Callable[[Subject], Q | None] | None = None,
    delete: bool = False,
    json_keep: frozenset[str] | set[str] = frozenset(),
    erase_extra: Callable[[QuerySet, Subject], int] | None = None,
    report_fields: tuple[str, ...] = (),
) -> PersonalTable:
    """Declare a model that holds personal data (once per model; a second call replaces)."""
    table = PersonalTable(
        model_label=model_label,
        category=category,
        fields=dict(fields),
        lead=lead,
        contact=contact,
        email=email,
        phone=phone,
        find=find,
        mentions=mentions,
        delete=delete,
        json_keep=frozenset(json_keep),
        erase_extra=erase_extra,
        report_fields=tuple(report_fields),
    )
    _TABLES[model_label.lower()] = table
    _NOT_PERSONAL.pop(model_label.lower(), None)
    return table


def declare_not_personal(model_label: str, why: str) -> None:
    """Say that a model holds no personal data of leads or clients (settings, rules, staff)."""
    if model_label.lower() not in _TABLES:
        _NOT_PERSONAL[model_label.lower()] = why


def tables() -> list[PersonalTable]:
    """Every declared table, in the order declared (leads first: erasure goes that way)."""
    return list(_TABLES.values())


def table_for(model_label: str) -> PersonalTable | None:
    return _TABLES.get(model_label.lower())


def not_personal() -> dict[str, str]:
    """The models declared free of personal data, with why."""
    return dict(_NOT_PERSONAL)


def undeclared_models(app_prefix: str = "galena.") -> list[str]:
    """Models of the project's apps that are neither declared personal nor not personal."""
    missing = []
    for model in apps.get_models():
        if not model.__module__.startswith(app_prefix) or model._meta.proxy:
            continue
        label = model._meta.label_lower
        if label not in _TABLES and label not in _NOT_PERSONAL:
            missing.append(model._meta.label)
    return sorted(missing)
