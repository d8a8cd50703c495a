"""The Google Ads lead form adapter: Google posts each lead as JSON to
/api/v1/inbound/google-ads/<key> — lead_id, user_column_data [{column_id, column_name,
string_value}], form_id, campaign_id, adgroup_id, creative_id, gcl_id, is_test and the
google_key set on the form, which must equal the integration's. One submission per lead
(idempotency key: lead_id); the campaign id maps to a Galena campaign when one is linked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.adapters.common import (
    ad_form_person,
    json_object,
    mapped_campaign_id,
    secrets_equal,
    text,
)
from galena.intake.contract import Attribution, ParsedSubmission
from galena.leads.models import Channel, ContactKind
from galena.leads.services import ContactInput

KEPT_HEADERS = ("User-Agent", "Content-Type")
REDACTED = "[redacted]"
PERSON_COLUMNS = {
    "FULL_NAME": "full_name",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "COMPANY_NAME": "company_name",
    "JOB_TITLE": "position",
    "CITY": "city",
    "REGION": "region",
    "COUNTRY": "country",
}
EMAIL_COLUMNS = ("EMAIL", "WORK_EMAIL")
PHONE_COLUMNS = ("PHONE_NUMBER", "WORK_PHONE")


def validate(data: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    lead_id = data.get("lead_id")
    if isinstance(lead_id, bool) or not text(lead_id):
        errors["lead_id"] = "This field is required: the lead's id."
    elif len(text(lead_id)) > 200:
        errors["lead_id"] = "Use at most 200 characters."
    columns = data.get("user_column_data")
    if not isinstance(columns, list):
        errors["user_column_data"] = "Expected a list of {column_id, string_value}."
        return errors
    for i, column in enumerate(columns):
        if not isinstance(column, dict):
            errors[f"user_column_data[{i}]"] = "Expected an object."
        elif not isinstance(column.get("string_value", ""), str):
            errors[f"user_column_data[{i}].string_value"] = "Expected text."
        elif not (text(column.get("column_id")) or text(column.get("column_name"))):
            errors[f"user_column_data[{i}].column_id"] = "Name the column: column_id."
    return errors


def receive(
    *, integration, body: bytes, headers: Mapping[str, str], remote_addr: str | None
) -> tuple[Any, bool]:
    """Check the google_key, validate, store the lead (its key redacted) and queue it."""
    from galena.intake.services import submission_enqueue, submission_receive

    data = json_object(body)
    if not secrets_equal(text(data.get("google_key")), integration.google_key):
        raise PermissionDenied(
            "google_key does not match the key of this integration: copy the key from the "
            "lead form's webhook settings in Google Ads into the integration.",
            field="google_key",
        )
    if errors := validate(data):
        raise ValidationFailed(errors)
    # The key is a credential: kept in neither the payload nor the stored body.
    raw = body.decode("utf-8", errors="replace")
    if len(integration.google_key) >= 8:
        raw = raw.replace(integration.google_key, REDACTED)
    submission, created = submission_receive(
        adapter="google_ads",
        channel=Channel.AD_LEAD_FORM,
        endpoint=integration.key,
        content_type=headers.get("Content-Type", ""),
        raw_body=raw,
        payload={**data, "google_key": REDACTED},
        headers={name: headers[name] for name in KEPT_HEADERS if name in headers},
        remote_addr=remote_addr,
        idempotency_key=text(data["lead_id"]),
    )
    if created:
        submission_enqueue(submission)
    return submission, created


def parse(submission) -> ParsedSubmission:
    """A stored Google Ads lead as Galena's parsed submission."""
    from galena.intake.models import AdPlatform, AdPlatformIntegration

    data = submission.payload or {}
    if errors := validate(data):
        raise ValueError(f"Not a Google Ads lead: {errors}")
    integration = AdPlatformIntegration.objects.filter(key=submission.endpoint).first()
    person = dict.fromkeys(set(PERSON_COLUMNS.values()), "")
    contacts: list[ContactInput] = []
    attributes: dict[str, Any] = {}
    for column in data["user_column_data"]:
        column_id = text(column.get("column_id")).upper()
        answer = text(column.get("string_value"), 2000)
        if not answer:
            continue
        if column_id in PERSON_COLUMNS:
            name = PERSON_COLUMNS[column_id]
            person[name] = person[name] or answer
        elif column_id in EMAIL_COLUMNS:
            contacts.append(ContactInput(kind=ContactKind.EMAIL, value=answer[:320]))
        elif column_id in PHONE_COLUMNS:
            contacts.append(ContactInput(kind=ContactKind.PHONE, value=answer[:320], label="given"))
        else:
            label = text(column.get("column_name"), 100) or column_id.lower() or "answer"
            attributes[label] = answer  # a custom question, or a column Galena has no field for
    campaign_id = mapped_campaign_id(AdPlatform.GOOGLE, text(data.get("campaign_id")))
    attributes["ad"] = {
        "platform": "google",
        "lead_id": text(data.get("lead_id")),
        "form_id": text(data.get("form_id")),
        "campaign_id": text(data.get("campaign_id")),
        "adgroup_id": text(data.get("adgroup_id")),
        "creative_id": text(data.get("creative_id")),
        "gclid": text(data.get("gcl_id")),
        "is_test": data.get("is_test") is True,
    }
    return ParsedSubmission(
        channel=Channel.AD_LEAD_FORM,
        received_at=submission.received_at,
        person=ad_form_person(person),
        contacts=contacts,
        attribution=Attribution(
            channel=Channel.AD_LEAD_FORM,
            source_id=integration.source_id if integration else None,
            campaign_id=campaign_id or (integration.campaign_id if integration else None),
            utm_source="google",
            utm_medium="lead_form",
        ),
        attributes=attributes,
        owner_id=integration.default_owner_id if integration else None,
        team_id=integration.default_team_id if integration else None,
        default_region=settings.DEFAULT_REGION,
    )
