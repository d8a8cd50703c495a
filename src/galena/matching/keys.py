"""Every lead's blocking keys in ``MatchKey`` rows, kept current: written when leads are
created (``settings.LEADS_CREATED_HOOKS``) and rewritten when a field or contact a key reads
changes (``settings.LEAD_CHANGE_HOOKS``)."""

from __future__ import annotations

from collections.abc import Sequence

from galena.core.bulk import insert_many, new_instance
from galena.leads.models import Lead
from galena.leads.services import Actor, new_leads_contacts
from galena.matching.duplicates import LEAD_FIELDS, lead_record, leads_records, stored_keys
from galena.matching.models import MatchKey
from galena.matching.records import prepare

# what the keys read (see records.record_keys); "contacts" is what contact changes report
KEYED_FIELDS = frozenset(
    {"first_name", "last_name", "middle_name", "company_name", "city", "region", "attributes"}
)


def leads_keys_write(*, leads: Sequence[Lead]) -> None:
    """Write the blocking keys of new leads: three queries for any number of leads (two
    when they come from leads_create_bulk, whose contact points are known in memory)."""
    contacts = new_leads_contacts(leads)
    if contacts is None:
        records = list(leads_records([lead.pk for lead in leads]).values())
    else:
        records = [
            lead_record(
                {name: getattr(lead, name) for name in LEAD_FIELDS},
                [(point.kind, point.value) for point in contacts[lead.pk]],
            )
            for lead in leads
        ]
    prepared = prepare(records)  # once for the lot: intake writes keys for every batch
    new_key = new_instance(MatchKey)
    insert_many(
        MatchKey,
        [
            new_key(lead_id=record.id, key=key)
            for i, record in enumerate(records)
            for key in sorted(stored_keys(prepared, i))
        ],
        keys=False,  # read by key and lead, never by their own id
    )


def lead_keys_refresh(*, lead: Lead, actor: Actor, changed: set[str]) -> Lead:
    """Rewrite a lead's keys after a change to what they read (a LEAD_CHANGE_HOOKS hook)."""
    if changed & (KEYED_FIELDS | {"contacts"}):
        MatchKey.objects.filter(lead_id=lead.pk).delete()
        leads_keys_write(leads=[lead])
    return lead
