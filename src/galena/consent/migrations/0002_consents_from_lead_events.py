"""The consents given before the ledger existed: each ``created`` / ``submission_received``
event's ``consent`` becomes given records (one per purpose), each ``unsubscribed`` event a
withdrawal of marketing e-mail. Frozen here (the aliases as they were), so the migration
does the same on every database whatever the code becomes."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils.dateparse import parse_datetime

ALIASES = {
    "marketing": ("marketing_email",),
    "email_marketing": ("marketing_email",),
    "newsletter": ("marketing_email",),
    "sms": ("marketing_sms",),
    "sms_marketing": ("marketing_sms",),
    "contact": ("contact_phone", "contact_email"),
    "call": ("contact_phone",),
    "phone": ("contact_phone",),
    "email": ("contact_email",),
    "partners": ("transfer_partners",),
    "transfer": ("transfer_partners",),
}
METHODS = {
    "web_form": "form",
    "api": "api",
    "import": "import",
    "email": "email",
    "call": "call",
    "manual": "manual",
}
CHUNK = 2000


def _purposes(given):
    marketing = {str(p).casefold() for p in getattr(settings, "NURTURE_CONSENT_PURPOSES", [])}
    found = []
    for raw in given or []:
        name = str(raw).strip().casefold()[:40]
        if not name:
            continue
        found += ALIASES.get(name) or (("marketing_email",) if name in marketing else (name,))
    return list(dict.fromkeys(found)) or ["processing"]


def _moment(value, default):
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return default
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _contacts(ContactPoint, lead_ids):
    found = {}
    rows = (
        ContactPoint.objects.filter(lead_id__in=lead_ids, kind__in=("email", "phone"))
        .order_by("lead_id", "-is_primary", "id")
        .values_list("lead_id", "kind", "value")
    )
    for lead_id, kind, value in rows:
        pair = found.setdefault(lead_id, ["", ""])
        index = 0 if kind == "email" else 1
        pair[index] = pair[index] or value
    return found


def forwards(apps, schema_editor):
    LeadEvent = apps.get_model("leads", "LeadEvent")
    ContactPoint = apps.get_model("leads", "ContactPoint")
    ConsentRecord = apps.get_model("consent", "ConsentRecord")
    events = (
        LeadEvent.objects.filter(type__in=("created", "submission_received", "unsubscribed"))
        .order_by("id")
        .values_list("id", "lead_id", "type", "occurred_at", "actor_source", "params")
    )
    last = 0
    while True:
        chunk = list(events.filter(id__gt=last)[:CHUNK])
        if not chunk:
            break
        last = chunk[-1][0]
        contacts = _contacts(ContactPoint, {row[1] for row in chunk})
        records = []
        for event_id, lead_id, type_, occurred_at, source, params in chunk:
            params = params if isinstance(params, dict) else {}
            email, phone = contacts.get(lead_id, ("", ""))
            if type_ == "unsubscribed":
                records.append(
                    ConsentRecord(
                        email=params.get("email") or email,
                        phone="",
                        lead_id=lead_id,
                        purpose="marketing_email",
                        status="withdrawn",
                        recorded_at=occurred_at,
                        method="unsubscribe",
                        evidence={"event": event_id, "method": params.get("method", "")},
                    )
                )
                continue
            consent = params.get("consent")
            if consent is True:
                consent = {}
            if not isinstance(consent, dict):
                continue
            method = METHODS.get(source, "form")
            evidence = {"event": event_id}
            for key in ("submission_id",):
                if params.get(key):
                    evidence[key] = params[key]
            if consent.get("ip"):
                evidence["ip"] = consent["ip"]
            for purpose in _purposes(consent.get("purposes")):
                records.append(
                    ConsentRecord(
                        email=email,
                        phone=phone,
                        lead_id=lead_id,
                        purpose=purpose,
                        status="given",
                        recorded_at=_moment(consent.get("given_at"), occurred_at),
                        method=method,
                        text_version=str(consent.get("text_version") or "")[:40],
                        basis="consent stated in the imported file" if method == "import" else "",
                        evidence=evidence,
                    )
                )
        ConsentRecord.objects.bulk_create(records, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_consent_ledger_and_restrictions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
