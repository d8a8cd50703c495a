"""Consents given with a submission become ledger records; a blocked person's submission tells
no one.

Intake's writer calls ``submission_consents_record`` with the ``submission_received`` events
it wrote (their params carry the consent as the channel gave it: purposes, text version,
when, from which address); one record per purpose, in one multi-row insert per batch.
Before it notifies an owner, plans the stages' tasks or tells the inquiry hooks, it asks
``inquiry_withheld``: nothing of that for a blocked person, and the timeline says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from galena.leads.models import ActorSource, Lead, LeadEvent
from galena.leads.services import Actor

from .models import ConsentMethod, ConsentRecord, ConsentStatus, Purpose
from .services import (
    EVENT_WITHHELD,
    consent_records_write,
    is_restricted,
    primary_contacts,
    purposes_from,
)

METHODS = {
    ActorSource.WEB_FORM: ConsentMethod.FORM,
    ActorSource.API: ConsentMethod.API,
    ActorSource.IMPORT: ConsentMethod.IMPORT,
    ActorSource.EMAIL: ConsentMethod.EMAIL,
    ActorSource.CALL: ConsentMethod.CALL,
    ActorSource.MANUAL: ConsentMethod.MANUAL,
}
# what an imported row's consent rests on when the file says no more
IMPORT_BASIS = "consent stated in the imported file"


def _moment(value: Any, default: dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return default
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, dt.UTC)


def records_for(
    event: LeadEvent,
    contacts: tuple[str, str],
    *,
    form: str = "",
    user_agent: str = "",
) -> list[ConsentRecord]:
    """The ledger records of one event's consent (none when it carries none)."""
    consent = (event.params or {}).get("consent")
    if consent is True:
        consent = {"purposes": []}
    if not isinstance(consent, dict):
        return []
    names = purposes_from(consent.get("purposes") or []) or [Purpose.PROCESSING]
    method = METHODS.get(event.actor_source, ConsentMethod.FORM)
    evidence: dict[str, Any] = {"event": event.pk} if event.pk else {}
    if (event.params or {}).get("submission_id"):
        evidence["submission_id"] = event.params["submission_id"]
    if consent.get("ip"):
        evidence["ip"] = consent["ip"]
    if user_agent:
        evidence["user_agent"] = user_agent[:500]
    if consent.get("text"):
        evidence["text"] = str(consent["text"])[:5000]
    email, phone = contacts
    return [
        ConsentRecord(
            email=email,
            phone=phone,
            lead_id=event.lead_id,
            purpose=purpose,
            status=ConsentStatus.GIVEN,
            recorded_at=_moment(consent.get("given_at"), event.occurred_at or timezone.now()),
            method=method,
            form=form[:80],
            text_version=str(consent.get("text_version") or "")[:40],
            basis=IMPORT_BASIS if method == ConsentMethod.IMPORT else "",
            evidence=evidence,
        )
        for purpose in names
    ]


def submission_consents_record(items: Sequence[tuple[LeadEvent, Any]]) -> list[ConsentRecord]:
    """Record the consents of ``submission_received`` events, each with its Submission
    (for the form and user agent): one query for the leads' contacts (none for leads just
    written in bulk), one insert."""
    carrying = [(e, s) for e, s in items if (e.params or {}).get("consent") not in (None, False)]
    if not carrying:
        return []
    lead_field = LeadEvent._meta.get_field("lead")
    # the events' leads where they hold them (intake's batch: just written, with their
    # contact points), else their ids
    leads = {
        event.lead_id: event.lead if lead_field.is_cached(event) else event.lead_id
        for event, _submission in carrying
    }
    contacts = primary_contacts(leads.values())
    records: list[ConsentRecord] = []
    for event, submission in carrying:
        form = getattr(getattr(submission, "form", None), "slug", "") if submission else ""
        headers = getattr(submission, "headers", None) or {}
        agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), "")
        pair = contacts.get(event.lead_id, ("", ""))
        records += records_for(event, pair, form=form, user_agent=str(agent))
    return consent_records_write(records)


def inquiry_withheld(
    *, lead: Lead, actor: Actor, tasks: Sequence[str] = (), notices: Sequence[str] = ()
) -> bool:
    """Intake asks before it tells anyone of a submission written on a lead (a notice to the
    owner, the tasks the stages asked for, the hooks that hear the person came back): for
    a blocked person it plans and sends none of them — the submission and its events are
    stored all the same — and a ``contact_withheld`` event names what was withheld and
    why. True when withheld; one indexed query."""
    if not is_restricted(lead):
        return False
    params: dict[str, Any] = {"reason": "restricted"}
    if tasks:
        params["tasks"] = [str(title)[:200] for title in tasks]
    if notices:
        params["notices"] = list(notices)
    LeadEvent.objects.create(
        lead=lead,
        type=EVENT_WITHHELD,
        actor=actor.user,
        actor_source=actor.source,
        params=params,
    )
    return True
