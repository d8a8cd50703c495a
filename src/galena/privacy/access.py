"""Access: everything held about a person, table by table, read from the registry."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.accounts.roles import handles_personal_data
from galena.core.errors import PermissionDenied
from galena.privacy.registry import Erase, PersonalTable, tables
from galena.privacy.retention import retention_description, retention_policies
from galena.privacy.subjects import Subject

# rows shown per table at most (a person with more events than this is told so)
ROW_LIMIT = 5000


def can_handle_subjects(user: Any) -> bool:
    """Whole-person exports and erasure: administrators and the data protection officer."""
    return handles_personal_data(getattr(user, "user", user))


def require_subject_handler(user: Any) -> None:
    if not can_handle_subjects(user):
        raise PermissionDenied(
            _(
                "Only an administrator or the data protection officer may export or erase "
                "a person's data."
            )
        )


@dataclass
class Section:
    """One table's rows of the person."""

    model_label: str
    category: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False
    retention: str = ""

    labels: list[str] = field(default_factory=list)

    @property
    def pairs(self) -> list[list[tuple[str, Any]]]:
        """Each row as (label, value) pairs without the empty ones (JSON shown as text): one
        short list per record reads better than a table thirty columns wide, on paper too."""
        rows = []
        for row in self.rows:
            pairs = []
            for column, label in zip(self.columns, self.labels, strict=True):
                value = row[column]
                if value in (None, "", {}, []):
                    continue
                if isinstance(value, (dict, list)):
                    value = json.dumps(value, ensure_ascii=False, default=str)
                pairs.append((label, value))
            rows.append(pairs)
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.model_label,
            "category": self.category,
            "columns": self.columns,
            "kept": self.retention,
            "rows": self.rows,
            "truncated": self.truncated,
        }


@dataclass
class SubjectReport:
    subject: Subject
    generated_at: Any
    sections: list[Section]

    @property
    def rows_total(self) -> int:
        return sum(len(s.rows) for s in self.sections)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (dates as ISO text, amounts as text)."""
        return {
            "subject": {
                "asked": {k: v for k, v in self.subject.asked.items() if v},
                "emails": sorted(self.subject.emails),
                "phones": sorted(self.subject.phones),
                "lead_ids": sorted(self.subject.lead_ids),
                "contact_ids": sorted(self.subject.contact_ids),
            },
            "generated_at": self.generated_at.isoformat(),
            "sections": [_jsonable(s.as_dict()) for s in self.sections],
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _columns(table: PersonalTable) -> list[str]:
    columns = ["pk"]
    for name in (*table.report_fields, *table.fields):
        if name not in columns and name != "id":
            columns.append(name)
    return columns


def _label(model: type[models.Model], column: str) -> str:
    """The field's name as the admin shows it ("stage" for stage__name, "#" for the key)."""
    if column == "pk":
        return "#"
    try:
        return str(model._meta.get_field(column.split("__")[0]).verbose_name)
    except Exception:  # a lookup the model does not name: shown as written
        return column


def _section(table: PersonalTable, subject: Subject, policies: dict) -> Section | None:
    columns = _columns(table)
    model = table.model
    file_fields = {
        name
        for name, how in table.fields.items()
        if how == Erase.FILE or isinstance(model._meta.get_field(name), models.FileField)
    }
    rows = list(table.rows(subject).order_by("pk").values(*columns)[: ROW_LIMIT + 1])
    if not rows:
        return None
    truncated = len(rows) > ROW_LIMIT
    rows = rows[:ROW_LIMIT]
    for row in rows:
        for name in file_fields:
            # the stored file's name; the file itself is sent on request
            row[name] = row[name] or ""
    return Section(
        model_label=table.model_label,
        category=str(table.category),
        columns=columns,
        rows=rows,
        truncated=truncated,
        retention=retention_description(table.model_label, policies),
        labels=[_label(model, column) for column in columns],
    )


def subject_report(subject: Subject, *, actor: Any) -> SubjectReport:
    """Everything held about the person, one section per table that has some of their
    rows (one query each). Administrators and the data protection officer."""
    require_subject_handler(actor)
    sections = []
    if not subject.is_empty:
        policies = retention_policies()
        for table in tables():
            section = _section(table, subject, policies)
            if section is not None:
                sections.append(section)
    return SubjectReport(subject=subject, generated_at=timezone.now(), sections=sections)


def subject_counts(subject: Subject) -> list[tuple[str, str, int]]:
    """(table, category, rows) for each table holding some of the person's rows."""
    counts = []
    if subject.is_empty:
        return counts
    for table in tables():
        n = table.rows(subject).count()
        if n:
            counts.append((table.model_label, str(table.category), n))
    return counts
