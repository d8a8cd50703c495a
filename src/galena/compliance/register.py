"""The processing register, generated: each category of personal data with where it is stored
(tables, columns, files) read from the privacy registry (``galena.privacy.registry``, the
same declarations access and erasure use), the purpose and who may see it (per app, below),
and how long it is kept (the privacy app's retention periods).

An app that declares personal data but has no purpose written here is listed with
"purpose not described", so a new table never goes missing from the register."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from galena.accounts.models import Role

A, H, M, T, K, D = (
    Role.ADMIN,
    Role.HEAD_OF_SALES,
    Role.SALES_MANAGER,
    Role.TELEMARKETER,
    Role.MARKETER,
    Role.DATA_PROTECTION_OFFICER,
)
SALES = (A, H, M, T)

# app label -> (purpose, roles that may see it, how far they see)
PURPOSES: dict[str, tuple[Any, tuple[Role, ...], Any]] = {
    "leads": (
        _("Answering the person's inquiry and selling to them: contact, qualification, tasks."),
        SALES,
        _("Managers and telemarketers their own leads, heads of sales their team's."),
    ),
    "intake": (
        _("Receiving inquiries exactly as sent (forms, e-mails, calls, chats, imports)."),
        (A, H),
        _("Imports: admins and heads of sales; raw submissions: admins."),
    ),
    "quality": (
        _("Telling real inquiries from mistakes and spam; verifying contact details."),
        SALES,
        _("As for the lead."),
    ),
    "matching": (
        _("Recognising the same person's inquiries (duplicates) and merging them."),
        (A, H),
        _("The duplicates queue: admins and heads of sales."),
    ),
    "scoring": (
        _("Scoring leads by their behaviour on the site and in e-mails."),
        SALES,
        _("As for the lead."),
    ),
    "routing": (
        _("Giving each lead to the right person in time."),
        SALES,
        _("As for the lead."),
    ),
    "activities": (
        _("Calls, e-mails, offers and meetings with the person."),
        SALES,
        _("As for the lead."),
    ),
    "clients": (
        _("Customer records: contacts, companies and deals."),
        SALES,
        _("Owners their clients, heads of sales their team's."),
    ),
    "nurture": (
        _("Follow-up e-mails with consent, unsubscribing, farewell questionnaires."),
        (A, H, K),
        _("Marketing reports without contact details; the lead card as for the lead."),
    ),
    "notifications": (
        _("Telling staff about their leads."),
        SALES,
        _("Each user their own notices."),
    ),
    "consent": (
        _("Proof of consent given or withdrawn, and restrictions of processing."),
        (A, H),
        _("On the lead card as for the lead; restrictions: admins and heads of sales."),
    ),
    "privacy": (
        _("Answering access and erasure requests; retention."),
        (A, D),
        _("Admins and the data protection officer."),
    ),
    "compliance": (
        _("The register of data-subject requests and the audit log of bulk access."),
        (A, D),
        _("Admins and the data protection officer."),
    ),
    "admin": (
        _("The admin site's log of changes staff made to records."),
        (A,),
        _("Admins."),
    ),
    "analytics": (
        _("Reports on channels, costs and sales (figures, not people)."),
        (A, H, K),
        _("By role: the whole business or one's team."),
    ),
}


@dataclass
class Storage:
    model: str
    table: str
    columns: list[str]
    files: list[str]


@dataclass
class Category:
    name: str
    app_label: str
    purpose: Any
    roles: list[str]
    scope: Any
    retention: Any
    storages: list[Storage] = field(default_factory=list)

    @property
    def described(self) -> bool:
        return self.app_label in PURPOSES


def _registry():
    try:
        return importlib.import_module("galena.privacy.registry")
    except ImportError:
        return None


# retention this app states itself (the privacy app's periods are those of leads)
RETENTION = {
    "compliance": _(
        "As long as it proves the request was answered or the access happened; the person's "
        "values in it are erased with the rest of their data."
    ),
}


def _retention_for(app_label: str, model_label: str) -> Any:
    """The privacy app's retention period for this data, as text; "" when none is set."""
    if app_label in RETENTION:
        return RETENTION[app_label]
    try:
        retention = importlib.import_module("galena.privacy.retention")
    except ImportError:
        return ""
    describe = getattr(retention, "retention_description", None)
    if describe is None:
        return ""
    return describe(model_label) or ""


def processing_register() -> list[Category]:
    """Every category of personal data the registry declares, with where, why, who, how long."""
    registry = _registry()
    if registry is None:
        return []
    categories: dict[str, Category] = {}
    for table in registry.tables():
        model = table.model
        app_label = model._meta.app_label
        name = str(table.category)
        category = categories.get(name)
        if category is None:
            purpose, roles, scope = PURPOSES.get(
                app_label, (_("Purpose not described"), (Role.ADMIN,), "")
            )
            category = categories[name] = Category(
                name=name,
                app_label=app_label,
                purpose=purpose,
                roles=[str(role.label) for role in roles],
                scope=scope,
                retention=_retention_for(app_label, model._meta.label),
            )
        columns, files = [], []
        for field_name, erase in table.fields.items():
            try:
                column = model._meta.get_field(field_name).column
            except Exception:  # a declared name that is not a column (a property)
                column = field_name
            (files if str(erase) == "file" else columns).append(column)
        category.storages.append(
            Storage(
                model=model._meta.label,
                table=model._meta.db_table,
                columns=columns,
                files=files,
            )
        )
    return list(categories.values())


def registry_available() -> bool:
    return _registry() is not None
