"""The Meta Lead Ads adapter (Facebook and Instagram lead forms).

Meta's webhook at /api/v1/inbound/meta/<key> is verified once with a GET (hub.challenge),
then each POST, signed with the app secret (X-Hub-Signature-256), says that leads exist:
entry[].changes[].value = {leadgen_id, page_id, form_id, ad_id, adgroup_id, created_time}.
Each lead is stored as its own submission (idempotency key: leadgen_id). The person's
answers are not in the webhook: before parsing, ``fetch_lead`` reads them from the Graph
API (GET /<leadgen_id>) and keeps them on the submission as payload["lead"]; when that
fails the submission stays failed, and `galena intake retry` fetches again."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.adapters.common import (
    ad_form_person,
    check_sha256_signature,
    json_object,
    mapped_campaign_id,
    text,
)
from galena.intake.contract import Attribution, ParsedSubmission
from galena.leads.models import Channel, ContactKind
from galena.leads.services import ContactInput

SIGNATURE_HEADER = "X-Hub-Signature-256"
KEPT_HEADERS = ("User-Agent", "Content-Type")
# Meta's standard lead-form questions, as Galena's fields.
PERSON_FIELDS = {
    "full_name": "full_name",
    "first_name": "first_name",
    "last_name": "last_name",
    "company_name": "company_name",
    "job_title": "position",
    "city": "city",
    "state": "region",
    "province": "region",
    "country": "country",
}
EMAIL_FIELDS = ("email", "work_email")
PHONE_FIELDS = ("phone_number", "work_phone_number", "phone")


class LeadFetchFailed(Exception):
    """The Graph API did not give the lead's fields; the message says why (never the token)."""


# --- receiving ------------------------------------------------------------------------


def verify_subscription(integration, params: Mapping[str, str]) -> str:
    """Meta's subscription check: the challenge to echo when hub.verify_token is right."""
    if params.get("hub.mode") != "subscribe":
        raise ValidationFailed({"hub.mode": "Meta sends hub.mode=subscribe to verify a webhook."})
    if not params.get("hub.challenge"):
        raise ValidationFailed({"hub.challenge": "This field is required."})
    given = params.get("hub.verify_token") or ""
    if not integration.verify_token or not hmac.compare_digest(
        given.encode(), integration.verify_token.encode()
    ):
        raise PermissionDenied(
            "hub.verify_token does not match this integration's verify token.",
            field="hub.verify_token",
        )
    return params["hub.challenge"]


def leadgen_changes(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The leads a webhook body announces, each with its entry's page and time; a 400 that
    names the path of what is malformed."""
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise ValidationFailed({"entry": "Expected a list of entries, as Meta sends."})
    found: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("changes", []), list):
            errors[f"entry[{i}]"] = "Expected an object with a list of changes."
            continue
        for j, change in enumerate(entry.get("changes", [])):
            path = f"entry[{i}].changes[{j}]"
            if not isinstance(change, dict):
                errors[path] = "Expected an object."
                continue
            if change.get("field") != "leadgen":
                continue  # another subscription's change: not ours to read
            value = change.get("value")
            if not isinstance(value, dict):
                errors[f"{path}.value"] = "Expected an object."
                continue
            leadgen_id = value.get("leadgen_id")
            if isinstance(leadgen_id, bool) or not text(leadgen_id) or len(text(leadgen_id)) > 64:
                errors[f"{path}.value.leadgen_id"] = "This field is required: the lead's id."
                continue
            found.append({"entry_id": text(entry.get("id")), "value": value})
    if errors:
        raise ValidationFailed(errors)
    return found


def receive(
    *, integration, body: bytes, headers: Mapping[str, str], remote_addr: str | None
) -> list[tuple[Any, bool]]:
    """Check the signature and store each announced lead as a submission, queued."""
    from galena.intake.services import submission_enqueue, submission_receive

    check_sha256_signature(
        secret=integration.app_secret,
        body=body,
        header=headers.get(SIGNATURE_HEADER),
        name=SIGNATURE_HEADER,
    )
    data = json_object(body)
    if data.get("object") not in (None, "page"):
        raise ValidationFailed({"object": "Subscribe the app to the Page's leadgen field."})
    results = []
    raw = body.decode("utf-8", errors="replace")
    for change in leadgen_changes(data):
        submission, created = submission_receive(
            adapter="meta",
            channel=Channel.AD_LEAD_FORM,
            endpoint=integration.key,
            content_type=headers.get("Content-Type", ""),
            raw_body=raw,
            payload=change,
            headers={name: headers[name] for name in KEPT_HEADERS if name in headers},
            remote_addr=remote_addr,
            idempotency_key=text(change["value"]["leadgen_id"]),
        )
        if created:
            submission_enqueue(submission)
        results.append((submission, created))
    return results


# --- fetching the lead ----------------------------------------------------------------


def graph_url(leadgen_id: str, integration) -> str:
    query = {"access_token": integration.access_token}
    if integration.app_secret:
        # Meta's "require app secret" setting wants this proof with every call.
        query["appsecret_proof"] = hmac.new(
            integration.app_secret.encode(), integration.access_token.encode(), hashlib.sha256
        ).hexdigest()
    if settings.META_LEAD_FIELDS:
        query["fields"] = settings.META_LEAD_FIELDS
    return f"{settings.META_GRAPH_URL}/{quote(leadgen_id, safe='')}?{urlencode(query)}"


def fetch_lead(submission) -> dict[str, Any] | None:
    """The submission's payload with the lead's fields from the Graph API under "lead";
    None when they were fetched already. Raises LeadFetchFailed when they cannot be."""
    from galena.intake.models import AdPlatformIntegration

    payload = dict(submission.payload or {})
    if isinstance(payload.get("lead"), dict):
        return None
    leadgen_id = text((payload.get("value") or {}).get("leadgen_id"))
    integration = AdPlatformIntegration.objects.filter(key=submission.endpoint).first()
    if integration is None:
        raise LeadFetchFailed(f"No Meta integration has the key of endpoint {submission.endpoint}.")
    if not integration.access_token:
        raise LeadFetchFailed(
            f"The integration {integration.name!r} has no access token: set a Page access "
            "token that may read leads in the admin, then `galena intake retry`."
        )
    request = urllib.request.Request(  # noqa: S310 - the URL is the configured Graph API
        graph_url(leadgen_id, integration), headers={"Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.META_GRAPH_TIMEOUT) as response:  # noqa: S310
            body = response.read(2 * 1024 * 1024)
    except urllib.error.HTTPError as error:
        raise LeadFetchFailed(
            f"The Graph API answered {error.code} for lead {leadgen_id}: {_graph_error(error)}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise LeadFetchFailed(
            f"The Graph API at {settings.META_GRAPH_URL} could not be reached for lead "
            f"{leadgen_id}: {reason}"
        ) from None
    try:
        lead = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LeadFetchFailed(
            f"The Graph API's answer for lead {leadgen_id} is not JSON."
        ) from None
    if not isinstance(lead, dict) or not isinstance(lead.get("field_data"), list):
        raise LeadFetchFailed(f"The Graph API's answer for lead {leadgen_id} has no field_data.")
    payload["lead"] = lead
    return payload


def _graph_error(error: urllib.error.HTTPError) -> str:
    try:
        detail = json.loads(error.read(64 * 1024).decode("utf-8"))["error"]
        return f"{detail.get('message', '')} (code {detail.get('code')})".strip()
    except Exception:
        return str(error.reason)


# --- parsing --------------------------------------------------------------------------


def answers(field_data: Any) -> dict[str, str]:
    """Graph's field_data [{name, values: [...]}] as name -> the values, comma-joined."""
    result: dict[str, str] = {}
    if not isinstance(field_data, list):
        return result
    for item in field_data:
        if not isinstance(item, dict) or not text(item.get("name")):
            continue
        values = item.get("values")
        if not isinstance(values, list):
            values = [values]
        joined = ", ".join(text(v) for v in values if text(v))
        if joined:
            result[text(item["name"])[:100]] = joined[:2000]
    return result


def parse(submission) -> ParsedSubmission:
    """A stored Meta lead (with its fetched fields) as Galena's parsed submission."""
    from galena.intake.models import AdPlatform, AdPlatformIntegration

    payload = submission.payload or {}
    lead = payload.get("lead")
    if not isinstance(lead, dict):
        raise ValueError("The lead's fields were not fetched from the Graph API yet.")
    value = payload.get("value") or {}
    fields = answers(lead.get("field_data"))
    integration = AdPlatformIntegration.objects.filter(key=submission.endpoint).first()
    person = dict.fromkeys(set(PERSON_FIELDS.values()), "")
    contacts: list[ContactInput] = []
    attributes: dict[str, Any] = {}
    for name, answer in fields.items():
        key = name.casefold()
        if key in PERSON_FIELDS:
            person[PERSON_FIELDS[key]] = person[PERSON_FIELDS[key]] or answer
        elif key in EMAIL_FIELDS:
            contacts.append(ContactInput(kind=ContactKind.EMAIL, value=answer[:320]))
        elif key in PHONE_FIELDS:
            contacts.append(ContactInput(kind=ContactKind.PHONE, value=answer[:320], label="given"))
        else:
            attributes[name] = answer  # a custom question and its answer
    campaign_id = mapped_campaign_id(AdPlatform.META, text(lead.get("campaign_id")))
    attributes["ad"] = {
        "platform": "meta",
        "leadgen_id": text(value.get("leadgen_id")),
        "form_id": text(value.get("form_id") or lead.get("form_id")),
        "ad_id": text(value.get("ad_id") or lead.get("ad_id")),
        "adgroup_id": text(value.get("adgroup_id") or lead.get("adset_id")),
        "page_id": text(value.get("page_id")),
        "campaign_id": text(lead.get("campaign_id")),
        "is_organic": bool(lead.get("is_organic", False)),
        "placement": text(lead.get("platform")),
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
            utm_source="facebook" if text(lead.get("platform")) != "ig" else "instagram",
            utm_medium="lead_form",
        ),
        attributes=attributes,
        owner_id=integration.default_owner_id if integration else None,
        team_id=integration.default_team_id if integration else None,
    )
