"""New leads' blocking keys: leads written in bulk get theirs from the contact points in
memory, and they are the keys the stored lead gives when read back from the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from galena.leads.services import (
    Actor,
    ContactInput,
    LeadDraft,
    lead_create,
    leads_build,
    leads_create_bulk,
    new_leads_contacts,
)
from galena.matching.duplicates import leads_records, stored_keys
from galena.matching.models import MatchKey
from galena.matching.records import prepare

DRAFTS = [
    LeadDraft(
        data={
            "first_name": "Anna Maria",
            "last_name": "Popescu",
            "company_name": "Dacia Soft SRL",
            "city": "Cluj-Napoca",
            "attributes": {"birth_date": "1990-04-01"},
        },
        contacts=[
            ContactInput(kind="email", value="Anna.Popescu@Gmail.com"),
            ContactInput(kind="phone", value="+40 722 123 456"),
        ],
    ),
    LeadDraft(
        data={"first_name": "Александр", "last_name": "Иванов", "city": "Москва"},
        contacts=[
            ContactInput(kind="phone", value="+7 916 123-45-67"),
            ContactInput(kind="phone", value="+7 495 123-45-67"),
            ContactInput(kind="messenger", value="https://t.me/sasha_ivanov"),
        ],
    ),
]


def keys_by_lead(lead_ids):
    found = {lead_id: set() for lead_id in lead_ids}
    for lead_id, key in MatchKey.objects.filter(lead_id__in=lead_ids).values_list("lead_id", "key"):
        found[lead_id].add(key)
    return found


def keys_from_database(lead_ids):
    records = list(leads_records(lead_ids).values())
    prepared = prepare(records)
    return {record.id: stored_keys(prepared, i) for i, record in enumerate(records)}


@pytest.mark.django_db
def test_bulk_leads_keys_come_from_memory_and_match_the_stored_leads():
    built = leads_build(drafts=DRAFTS)
    assert not [b for b in built if not hasattr(b, "lead")], built

    with CaptureQueriesContext(connection) as queries:
        leads = leads_create_bulk(actor=Actor.system(), built=built)

    ids = [lead.pk for lead in leads]
    assert new_leads_contacts(leads) is not None
    # the keys' hook read no contact point back
    assert not [
        q for q in queries.captured_queries if "JOIN" in q["sql"] and "contactpoint" in q["sql"]
    ]
    written = keys_by_lead(ids)
    assert written == keys_from_database(ids)
    assert all(written[lead_id] for lead_id in ids)
    assert any(key.startswith("n:") for key in written[ids[1]])


@pytest.mark.django_db
def test_a_lead_created_alone_reads_its_contacts_back():
    lead = lead_create(
        actor=Actor.system(),
        data={"first_name": "Pekka", "last_name": "Virtanen"},
        contacts=[ContactInput(kind="email", value="pekka.virtanen@example.fi")],
    )

    assert new_leads_contacts([lead]) is None
    assert keys_by_lead([lead.pk]) == keys_from_database([lead.pk])
