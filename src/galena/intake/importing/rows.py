"""One row of a list as a parsed submission, with the problems that keep it out. Pure:
no database, so a dry run and an import read a row the same way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from galena.intake.adapters.capture import ATTRIBUTION_FIELDS, MESSENGER_FIELDS
from galena.intake.contract import Attribution, ParsedSubmission, Person
from galena.intake.importing.mapping import ATTRIBUTE, CONTACT_FIELDS, IGNORE
from galena.leads.countries import country_code
from galena.leads.models import ContactKind, Lead
from galena.leads.normalise import normalise_email
from galena.leads.services import ContactInput

_DIGITS = re.compile(r"\d")
PERSON_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "full_name",
    "company_name",
    "position",
    "language",
    "country",
    "region",
    "city",
)
_MAX_LENGTH = {
    name: Lead._meta.get_field(name).max_length
    for name in (*PERSON_FIELDS, "interest", "preferred_contact_time", *ATTRIBUTION_FIELDS)
    if name != "full_name" and Lead._meta.get_field(name).max_length
}
_MAX_LENGTH["full_name"] = Lead._meta.get_field("display_name").max_length
MAX_CONTACT_CHARS = 320
MAX_COMMENT_CHARS = 10_000


@dataclass(frozen=True)
class RowProblem:
    """Why a row (or one of its cells) keeps it out of the import."""

    row: int
    column: str
    problem: str
    value: str = ""


@dataclass(frozen=True)
class ImportPlan:
    """Everything a row needs besides its cells; built once per job."""

    headers: tuple[str, ...]
    targets: tuple[str, ...]
    channel: str
    received_at: dt.datetime
    source_id: int | None = None
    campaign_id: int | None = None


def parse_row(
    number: int, cells: Sequence[str], plan: ImportPlan
) -> tuple[ParsedSubmission | None, list[RowProblem]]:
    """The row's parsed submission, or None with the problems that refuse it."""
    values: dict[str, str] = {}
    columns: dict[str, str] = {}
    contacts: list[tuple[str, ContactInput]] = []
    attributes: dict[str, str] = {}
    problems: list[RowProblem] = []
    for header, target, raw in zip(plan.headers, plan.targets, cells, strict=False):
        if target == IGNORE:
            continue
        value = raw.strip()
        if not value:
            continue
        if target.startswith(ATTRIBUTE):
            attributes.setdefault(target[len(ATTRIBUTE) :], value)
        elif target in CONTACT_FIELDS:
            if len(value) > MAX_CONTACT_CHARS:
                problems.append(
                    RowProblem(number, header, f"Too long: at most {MAX_CONTACT_CHARS} characters.")
                )
            elif target == "phone" and len(_DIGITS.findall(value)) < 5:
                problems.append(RowProblem(number, header, "Not a phone number.", value))
            elif target == "email" and not normalise_email(value).is_valid:
                problems.append(RowProblem(number, header, "Not a valid e-mail address.", value))
            else:
                contacts.append((header, _contact(target, value)))
        elif target not in values:
            values[target] = value
            columns[target] = header
    for name, value in values.items():
        if name == "country":
            continue  # checked as a code below
        limit = MAX_COMMENT_CHARS if name == "comment" else _MAX_LENGTH.get(name)
        if limit and len(value) > limit:
            problems.append(
                RowProblem(number, columns[name], f"Too long: at most {limit} characters.")
            )
    country = values.get("country", "")
    if country:
        values["country"] = country_code(country)
        if not values["country"]:
            problems.append(
                RowProblem(
                    number,
                    columns["country"],
                    "Not a country: use its two-letter code (RO) or its name (Romania).",
                    country,
                )
            )
    has_name = any(values.get(n) for n in ("first_name", "last_name", "full_name"))
    if not contacts and not problems:
        problems.append(
            RowProblem(
                number,
                "",
                "No phone, e-mail or profile: a lead needs a way to reach the person."
                if has_name
                else "The row has neither a name nor a phone, e-mail or profile.",
            )
        )
    if problems:
        return None, problems
    parsed = ParsedSubmission(
        channel=plan.channel,
        received_at=plan.received_at,
        person=Person(
            **{name: values.get(name, "") for name in PERSON_FIELDS},
        ),
        contacts=[contact for _header, contact in contacts],
        attribution=Attribution(
            channel=plan.channel,
            source_id=plan.source_id,
            campaign_id=plan.campaign_id,
            **{name: values.get(name, "") for name in ATTRIBUTION_FIELDS},
        ),
        interest=values.get("interest", ""),
        comment=values.get("comment", ""),
        preferred_contact_time=values.get("preferred_contact_time", ""),
        attributes=attributes,
    )
    return parsed, []


def _contact(target: str, value: str) -> ContactInput:
    if target == "phone":
        return ContactInput(kind=ContactKind.PHONE, value=value)
    if target == "email":
        return ContactInput(kind=ContactKind.EMAIL, value=value)
    if target in MESSENGER_FIELDS:
        return ContactInput(kind=ContactKind.MESSENGER, value=value, label=target)
    return ContactInput(kind=ContactKind.SOCIAL, value=value, label=target)


def contact_columns(plan: ImportPlan) -> dict[str, str]:
    """The first column of each contact kind, to name the cell a contact error is about."""
    columns: dict[str, str] = {}
    for header, target in zip(plan.headers, plan.targets, strict=True):
        if target in CONTACT_FIELDS:
            kind = _contact(target, "x").kind
            columns.setdefault(kind, header)
    return columns


def field_column(plan: ImportPlan, field: str) -> str:
    """The column a lead field came from, to name the cell an error is about."""
    for header, target in zip(plan.headers, plan.targets, strict=True):
        if target == field or (field == "display_name" and target == "full_name"):
            return header
    return ""
