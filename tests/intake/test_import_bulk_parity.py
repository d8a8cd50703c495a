"""The bulk path (leads_build + leads_create_bulk) writes the same lead, contact points and
CREATED event as lead_create for the same input, and refuses what it refuses."""

import datetime as dt

import pytest

from galena.core.errors import ValidationFailed
from galena.leads.models import ActorSource, EventType, Lead
from galena.leads.services import (
    Actor,
    BuiltLead,
    ContactInput,
    LeadDraft,
    lead_create,
    leads_build,
    leads_create_bulk,
)
from tests.factories import CampaignFactory, SourceFactory

# when each was written, and the first-response deadline counted from it (compared apart)
IGNORED = {"id", "created_at", "updated_at", "response_due_at"}


def snapshot(lead: Lead):
    fields = {
        f.attname: getattr(lead, f.attname) for f in Lead._meta.fields if f.attname not in IGNORED
    }
    contacts = sorted(
        lead.contact_points.values_list(
            "kind", "value_raw", "value", "label", "is_primary", "is_valid", "verified"
        )
    )
    events = list(lead.events.order_by("id").values_list("type", "actor_source", "params"))
    return fields, contacts, events


@pytest.fixture
def inputs(db):
    source = SourceFactory(name="Fair")
    campaign = CampaignFactory(source=source, name="Spring")
    data = {
        "first_name": "  Ana ",
        "last_name": "Popescu",
        "company_name": "Solaris SRL",
        "country": "ro",
        "city": "Cluj",
        "attributes": {"budget": "5000"},
        "source_id": source.pk,
        "campaign_id": campaign.pk,
        "channel": "exhibition",
    }
    contacts = [
        ContactInput(kind="phone", value="0722 123 456"),
        ContactInput(kind="email", value="Ana@Example.com"),
        ContactInput(kind="phone", value="+40722123456"),  # the same number again
        ContactInput(kind="messenger", value="@ana_p", label="telegram"),
    ]
    return data, contacts


def test_a_bulk_lead_equals_the_one_lead_create_writes(inputs):
    data, contacts = inputs
    actor = Actor(user=None, source=ActorSource.IMPORT)
    single = lead_create(actor=actor, data=data, contacts=contacts)

    (built,) = leads_build(drafts=[LeadDraft(data=data, contacts=contacts)])
    assert isinstance(built, BuiltLead)
    (bulk,) = leads_create_bulk(actor=actor, built=[built])

    assert bulk.pk != single.pk
    assert snapshot(Lead.objects.get(pk=bulk.pk)) == snapshot(single)
    # the same clock, started a few milliseconds apart (a day from now, or the next opening)
    bulk.refresh_from_db()
    assert single.response_due_at is not None and bulk.response_due_at is not None
    assert abs(bulk.response_due_at - single.response_due_at) < dt.timedelta(seconds=5)
    assert bulk.created_at == bulk.contact_points.first().created_at
    (event,) = bulk.events.all()
    assert (event.type, event.occurred_at) == (EventType.CREATED, bulk.created_at)


@pytest.mark.parametrize(
    ("data", "contacts", "field"),
    [
        ({"city": "Cluj"}, [ContactInput(kind="phone", value="0722123456")], "first_name"),
        ({"first_name": "Ana"}, [], "contacts"),
        (
            {"first_name": "Ana", "nickname": "A"},
            [ContactInput(kind="email", value="a@b.ro")],
            "nickname",
        ),
        ({"first_name": "A" * 101}, [ContactInput(kind="email", value="a@b.ro")], "first_name"),
        (
            {"first_name": "Ana", "source_id": 404},
            [ContactInput(kind="email", value="a@b.ro")],
            "source_id",
        ),
        ({"first_name": "Ana"}, [ContactInput(kind="fax", value="1")], "contacts[0].kind"),
    ],
)
def test_the_bulk_path_refuses_what_lead_create_refuses(db, data, contacts, field):
    actor = Actor(user=None, source=ActorSource.IMPORT)
    with pytest.raises(ValidationFailed) as single:
        lead_create(actor=actor, data=data, contacts=contacts)

    (refused,) = leads_build(drafts=[LeadDraft(data=data, contacts=contacts)])

    assert isinstance(refused, ValidationFailed)
    assert refused.errors == single.value.errors
    assert field in refused.errors
    assert Lead.objects.count() == 0


def test_one_refused_draft_does_not_stop_the_others(db):
    drafts = [
        LeadDraft(
            data={"first_name": "Ana"}, contacts=[ContactInput(kind="email", value="a@b.ro")]
        ),
        LeadDraft(data={"first_name": "Dan"}, contacts=[]),
        LeadDraft(
            data={"first_name": "Ion"}, contacts=[ContactInput(kind="email", value="i@b.ro")]
        ),
    ]

    results = leads_build(drafts=drafts)
    leads = leads_create_bulk(
        actor=Actor.system(), built=[r for r in results if isinstance(r, BuiltLead)]
    )

    assert [type(r).__name__ for r in results] == ["BuiltLead", "ValidationFailed", "BuiltLead"]
    assert sorted(lead.first_name for lead in leads) == ["Ana", "Ion"]
    assert Lead.objects.count() == 2


def test_instance_factory_gives_what_the_constructor_gives_with_fresh_defaults(db):
    from galena.core.bulk import instance_factory
    from galena.leads.models import Stage

    stage = Stage.objects.get(is_initial=True)
    make = instance_factory(Lead, stage=stage)

    first, second = make(first_name="Ana"), make()
    expected = Lead(stage=stage, first_name="Ana")

    ignored = {"created_at"}
    assert {f.attname: getattr(first, f.attname) for f in Lead._meta.fields} | dict.fromkeys(
        ignored
    ) == {f.attname: getattr(expected, f.attname) for f in Lead._meta.fields} | dict.fromkeys(
        ignored
    )
    assert first.attributes is not second.attributes
    assert first.stage is stage
    assert first._state.adding and first._state is not second._state


def test_insert_many_sets_keys_and_writes_the_values_held(db):
    from galena.core.bulk import insert_many
    from galena.leads.models import Stage

    stage = Stage.objects.get(is_initial=True)
    leads = [Lead(stage=stage, first_name=name, attributes={"n": i}) for i, name in enumerate("AB")]

    insert_many(Lead, leads)

    assert all(lead.pk for lead in leads)
    assert list(Lead.objects.order_by("pk").values_list("pk", "first_name", "attributes")) == [
        (leads[0].pk, "A", {"n": 0}),
        (leads[1].pk, "B", {"n": 1}),
    ]
    assert all(lead.updated_at is not None for lead in Lead.objects.all())


def test_new_instance_is_one_factory_per_model_giving_what_the_constructor_gives(db):
    from galena.core.bulk import new_instance
    from galena.leads.models import ContactPoint
    from galena.matching.models import MatchKey

    assert new_instance(ContactPoint) is new_instance(ContactPoint)
    assert new_instance(ContactPoint) is not new_instance(MatchKey)

    made = new_instance(ContactPoint)(kind="email", value="ana@example.ro", is_primary=True)
    expected = ContactPoint(kind="email", value="ana@example.ro", is_primary=True)

    ignored = {"created_at"}
    fields = [f.attname for f in ContactPoint._meta.fields if f.attname not in ignored]
    assert {a: getattr(made, a) for a in fields} == {a: getattr(expected, a) for a in fields}
    assert made._state.adding and made._state is not new_instance(ContactPoint)()._state
