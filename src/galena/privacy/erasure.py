"""Erasure: the person's data removed or irreversibly anonymised in every table the registry
declares, their files deleted, the figures kept; one ``Erasure`` row says it happened.

Each table costs a few statements whatever the size of the base: one to find the rows
(indexed on the lead, the contact or the value), one to read the fields that need Python
(scrubbing, JSON, hashes, files), one bulk UPDATE for those and one UPDATE for the fields
that become a constant."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.accounts.roles import handles_personal_data
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import Lead
from galena.privacy.files import file_delete
from galena.privacy.models import ErasedLead, Erasure, ErasureOrigin
from galena.privacy.registry import Erase, PersonalTable, tables
from galena.privacy.subjects import Subject

ERASED = "[erased]"
BATCH = 2000

# JSON keys whose string values are codes, not what a person wrote: kept unless they hold
# one of the person's values
SAFE_JSON_KEYS = frozenset(
    {
        "type",
        "kind",
        "from",
        "to",
        "to_kind",
        "stage",
        "status",
        "outcome",
        "channel",
        "method",
        "purpose",
        "code",
        "codes",
        "check",
        "group",
        "temperature",
        "fit",
        "origin",
        "contact_type",
        "verification",
        "verification_method",
        "quality_status",
        "rejection_reason",
        "action",
        "event",
        "language",
        "country",
        "region",
        "currency",
        "strategy",
        "found_by",
        "level",
        "comparison",
        "category",
        "how",
        "line_type",
        "label",
        "severity",
        "field",
        "fields",
        "stage_code",
        "interest",
    }
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$")
_NUMBER = re.compile(r"\+?\d{7,15}")
_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


@dataclass
class Eraser:
    """The subject's values as patterns: what scrubbing replaces and JSON never keeps."""

    subject: Subject
    pattern: re.Pattern | None = field(init=False)

    def __post_init__(self) -> None:
        parts = sorted({v for v in self.subject.values if v}, key=len, reverse=True)
        alternatives = [re.escape(v) for v in parts]
        # a phone written with spaces, dashes or dots: its last nine digits in any grouping
        numbers = {v for v in self.subject.values if _NUMBER.fullmatch(v)} | self.subject.phones
        for number in sorted(numbers):
            digits = re.sub(r"\D", "", number)[-9:]
            if len(digits) >= 6:
                alternatives.append(r"[\s\-.()/]*".join(re.escape(d) for d in digits))
        self.pattern = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None

    def mentions(self, text: str) -> bool:
        return bool(self.pattern and self.pattern.search(text))

    def scrub(self, text: str | None) -> str | None:
        if not text or self.pattern is None:
            return text
        return self.pattern.sub(ERASED, text)

    def mention_out(self, value: Any) -> Any:
        """``value`` without the person's values and the rest as it was: a list loses the
        items that name them, a text has them replaced (a row of someone else's)."""
        if isinstance(value, dict):
            return {k: self.mention_out(v) for k, v in value.items()}
        if isinstance(value, list):
            return [
                self.mention_out(v) for v in value if not (isinstance(v, str) and self.mentions(v))
            ]
        if isinstance(value, str):
            return self.scrub(value)
        return value

    def json(self, value: Any, keep: frozenset[str], key: str = "") -> Any:
        """The JSON with its shape, numbers, booleans, dates and codes, without the rest."""
        if isinstance(value, dict):
            return {k: self.json(v, keep, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v, keep, key) for v in value]
        if isinstance(value, str):
            if self.mentions(value) or _EMAIL_LIKE.search(value):
                return ""
            if key in keep or _ISO_DATE.match(value):
                return value
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return None if self.mentions(str(value)) else value
        return value


HASH_PREFIXES = ("sha256:", "h:")


def keyed_hash(value: str, max_length: int | None = None) -> str:
    """An HMAC-SHA-256 of the value with the secret key: the same for the same value, not
    reversible without the key (and not by trying numbers either). A column too short for
    the whole digest (a phone's 32 characters) keeps its first 120 bits or more."""
    digest = hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    whole = f"sha256:{digest}"
    if max_length is None or len(whole) <= max_length:
        return whole
    return f"h:{digest[: max_length - 2]}"


def _blank(model_field: models.Field) -> Any:
    if isinstance(model_field, models.JSONField):
        default = model_field.default
        return default() if callable(default) else (default if default is not None else {})
    if model_field.null:
        return None
    return ""


@dataclass
class ErasureResult:
    erasure: Erasure
    counts: dict[str, int]
    files_deleted: int


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _table_erase(table: PersonalTable, subject: Subject, eraser: Eraser) -> tuple[int, int]:
    """Erase one table's rows of the subject; (rows, files deleted)."""
    model = table.model
    manager = model._base_manager
    ids = list(table.own_rows(subject).values_list("pk", flat=True))
    mentioned = _mentions_erase(table, subject, eraser, exclude=ids)
    if not ids:
        return mentioned, 0
    files = 0
    file_fields = [name for name, how in table.fields.items() if how == Erase.FILE]
    python_fields = [
        name
        for name, how in table.fields.items()
        if how in (Erase.SCRUB, Erase.JSON, Erase.HASH, Erase.FILE)
    ]
    keep = SAFE_JSON_KEYS | table.json_keep
    lengths = {
        name: model._meta.get_field(name).max_length
        for name in python_fields
        if isinstance(model._meta.get_field(name), models.CharField)
    }
    for chunk in _chunks(ids):
        rows = manager.filter(pk__in=chunk)
        if table.delete:
            for row in rows.only("pk", *file_fields) if file_fields else ():
                for name in file_fields:
                    files += file_delete(getattr(row, name))
            rows.delete()
            continue
        if python_fields:
            changed = []
            for row in rows.only("pk", *python_fields):
                before = [getattr(row, name) for name in python_fields]
                for name in python_fields:
                    how = table.fields[name]
                    value = getattr(row, name)
                    if how == Erase.SCRUB:
                        value = eraser.scrub(value)
                    elif how == Erase.JSON:
                        value = eraser.json(value, keep)
                    elif how == Erase.HASH:
                        if value and not value.startswith(HASH_PREFIXES):
                            value = keyed_hash(value, lengths.get(name))
                    elif how == Erase.FILE:
                        files += file_delete(value)
                        value = ""
                    if isinstance(value, str) and lengths.get(name):
                        # "[erased]" may be longer than the name it replaced
                        value = value[: lengths[name]]
                    setattr(row, name, value)
                if [getattr(row, name) for name in python_fields] != before:
                    changed.append(row)
            changed = _drop_hash_duplicates(table, manager, changed)
            _rows_write(manager, changed, python_fields)
        constants: dict[str, Any] = {}
        for name, how in table.fields.items():
            model_field = model._meta.get_field(name)
            if how == Erase.BLANK:
                constants[name] = _blank(model_field)
            elif how == Erase.PLACEHOLDER:
                constants[name] = Concat(
                    Value("erased-"), Cast("pk", output_field=CharField()), output_field=CharField()
                )
        if constants:
            manager.filter(pk__in=chunk).update(**constants)
    if table.erase_extra is not None:
        table.erase_extra(manager.filter(pk__in=ids), subject)
    return len(ids) + mentioned, files


def _mentions_erase(table: PersonalTable, subject: Subject, eraser: Eraser, exclude) -> int:
    """Take the person's values out of others' rows that mention them (an e-mail to a lead
    the person was copied on); the row stays its owner's. Returns the rows changed."""
    condition = table.mentions(subject) if table.mentions is not None else None
    if condition is None:
        return 0
    manager = table.model._base_manager
    names = [name for name, how in table.fields.items() if how != Erase.FILE]
    rows = manager.filter(condition).exclude(pk__in=exclude).only("pk", *names)
    changed = []
    for row in rows:
        before = [getattr(row, name) for name in names]
        for name in names:
            setattr(row, name, eraser.mention_out(getattr(row, name)))
        if [getattr(row, name) for name in names] != before:
            changed.append(row)
    if changed:
        manager.bulk_update(changed, names, batch_size=500)
    return len(changed)


# rows whose new values are the same (an emptied JSON, a blanked note) are written with one
# UPDATE per distinct value; when there are more distinct values than this, the rest go in
# bulk updates of 500
DISTINCT_UPDATES = 20


def _rows_write(manager, rows: list, names: list[str]) -> None:
    """Write the rows' new values in few statements, whatever their number."""
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        key = json.dumps([getattr(row, name) for name in names], sort_keys=True, default=str)
        groups[key].append(row)
    ordered = sorted(groups.values(), key=len, reverse=True)
    for members in ordered[:DISTINCT_UPDATES]:
        first = members[0]
        for chunk in _chunks([row.pk for row in members]):
            manager.filter(pk__in=chunk).update(**{name: getattr(first, name) for name in names})
    rest = [row for members in ordered[DISTINCT_UPDATES:] for row in members]
    if rest:
        manager.bulk_update(rest, names, batch_size=500)


def _drop_hash_duplicates(table: PersonalTable, manager, changed: list) -> list:
    """A unique column already holding the hash this row gets (the person erased before,
    then back and erased again): that row's record is kept, this duplicate deleted."""
    model = table.model
    for name, how in table.fields.items():
        if how != Erase.HASH or not model._meta.get_field(name).unique or not changed:
            continue
        targets = {getattr(row, name) for row in changed}
        taken = set(
            manager.filter(**{f"{name}__in": sorted(targets)})
            .exclude(pk__in=[row.pk for row in changed])
            .values_list(name, flat=True)
        )
        if taken:
            duplicates = [row.pk for row in changed if getattr(row, name) in taken]
            manager.filter(pk__in=duplicates).delete()
            changed = [row for row in changed if row.pk not in set(duplicates)]
    return changed


def _require_handler(actor: Any) -> Any:
    user = getattr(actor, "user", actor)
    if user is None:
        return None  # the system: the retention sweep
    if not handles_personal_data(user):
        raise PermissionDenied(
            _("Only an administrator or the data protection officer may erase a person's data.")
        )
    return user


@transaction.atomic
def erase_subject(
    subject: Subject,
    *,
    actor: Any,
    reason: str,
    origin: str = ErasureOrigin.REQUEST,
    purpose: str = "",
) -> ErasureResult:
    """Remove or irreversibly anonymise everything held about the person in every table the
    registry declares (their files deleted too), keep the figures, and record the erasure
    without the values. Administrators and the data protection officer (``actor=None`` is the
    system's retention sweep)."""
    user = _require_handler(actor)
    if subject.is_empty:
        raise ValidationFailed({"subject": _("Nobody was found to erase.")})
    # the leads stay locked until the erasure commits: a card saved meanwhile waits, then
    # reads the erased lead, so it cannot write the old values back
    list(
        Lead.objects.select_for_update()
        .filter(pk__in=sorted(subject.lead_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    eraser = Eraser(subject)
    counts: dict[str, int] = {}
    files = 0
    for table in tables():
        rows, deleted = _table_erase(table, subject, eraser)
        if rows:
            counts[table.model_label] = rows
        files += deleted
    if not counts:
        raise ValidationFailed({"subject": _("Nothing is held about this person.")})
    now = timezone.now()
    erasure = Erasure.objects.create(
        occurred_at=now,
        actor=user,
        origin=origin,
        purpose=purpose,
        # the reason is the handler's words: any value of the person in them goes too
        reason=eraser.scrub((reason or "").strip()) or "",
        lead_ids=sorted(subject.lead_ids),
        contact_ids=sorted(subject.contact_ids),
        counts=counts,
        files_deleted=files,
    )
    marked = set(
        ErasedLead.objects.filter(lead_id__in=sorted(subject.lead_ids)).values_list(
            "lead_id", flat=True
        )
    )
    ErasedLead.objects.bulk_create(
        [
            ErasedLead(lead_id=lead_id, erasure=erasure, erased_at=now)
            for lead_id in sorted(subject.lead_ids - marked)
        ]
    )
    return ErasureResult(erasure=erasure, counts=counts, files_deleted=files)
