# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import django.db
import pytest
from django.test.utils import CaptureQueriesContext

from galena.accounts.models import Role
from galena.clients.models import ClientLead, Contact, ContactMethod, LinkKind
from galena.clients.services import ContactData, lead_convert, leads_clients_link
from galena.leads.models import EventType, Lead, LeadEvent, QualityStatus
from galena.leads.services import Actor, ContactInput, lead_create
from tests.factories import LeadFactory, UserFactory
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401
from tests.matching.test_stage import submit

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")


@pytest.fixture
def client_owner(team):
    return UserFactory(username="keyaccounts", role=Role.SALES_MANAGER, team=team)


@pytest.fixture
def converted(manager, client_owner):
    """A lead won last month: Ioana is a client of the key-account manager."""
    lead = lead_create(
        actor=Actor.system(),
        data={"first_name": "Ioana", "last_name": "Popescu"},
        contacts=[ContactInput(kind="email", value="ioana@acme.ro")],
        owner=manager,
    )
    return lead_convert(
        actor=Actor.system(),
        lead=lead,
        contact=ContactData(first_name="Ioana", last_name="Popescu"),
        owner=client_owner,
    )


def test_a_client_writing_again_is_a_new_lead_for_the_clients_owner(form, converted, client_owner):
    submission = submit(form, {"name": "Ioana Popescu", "email": "Ioana@acme.ro"})

    lead = Lead.objects.get(pk=submission.lead_id)
    assert lead.pk != converted.lead_id  # not attached to the won lead
    assert lead.owner == client_owner
    link = ClientLead.objects.get(lead=lead)
    assert (link.contact_id, link.kind) == (converted.contact_id, LinkKind.RECOGNISED)
    assigned = LeadEvent.objects.get(lead=lead, type=EventType.ASSIGNED)
    assert assigned.params["reason"] == "known client"
    assert assigned.params["client_contact_id"] == converted.contact_id
    note = LeadEvent.objects.get(lead=lead, type=EventType.NOTE_ADDED)
    assert note.params["text"] == (
        "Known client: Ioana Popescu, recognised by the e-mail. "
        "Given to the client's owner, keyaccounts."
    )
    assert "known_client" in [r["code"] for r in submission.decision["reasons"]]


def test_a_client_known_only_by_a_contact_method_is_recognised_too(form, client_owner):
    contact = Contact.objects.create(display_name="Mihai Ionescu", owner=client_owner)
    ContactMethod.objects.create(
        contact=contact, kind="phone", value_raw="+40 721 000 111", value="+40721000111"
    )

    submission = submit(form, {"name": "Mihai Ionescu", "phone": "+40 721 000 111"})

    lead = Lead.objects.get(pk=submission.lead_id)
    assert lead.owner == client_owner
    assert ClientLead.objects.get(lead=lead).contact == contact


def test_an_inactive_client_owner_leaves_the_lead_to_the_routing_rules(
    form, converted, client_owner
):
    client_owner.is_active = False
    client_owner.save()

    submission = submit(form, {"name": "Ioana Popescu", "email": "ioana@acme.ro"})

    lead = Lead.objects.get(pk=submission.lead_id)
    assert lead.owner != client_owner
    assert ClientLead.objects.get(lead=lead).contact_id == converted.contact_id
    note = LeadEvent.objects.get(lead=lead, type=EventType.NOTE_ADDED)
    assert "is inactive: routed by the rules" in note.params["text"]


def test_a_lead_held_for_review_is_linked_but_not_given(client_owner, manager):
    contact = Contact.objects.create(display_name="Ioana", owner=client_owner)
    ContactMethod.objects.create(contact=contact, kind="email", value_raw="a@b.ro", value="a@b.ro")
    lead = LeadFactory(quality_status=QualityStatus.QUARANTINED)
    lead.contact_points.create(kind="email", value_raw="a@b.ro", value="a@b.ro")

    leads_clients_link(leads=[lead])

    lead.refresh_from_db()
    assert lead.owner is None
    assert ClientLead.objects.get(lead=lead).contact == contact


def test_recognition_costs_the_same_queries_for_one_lead_or_fifty(client_owner):
    contact = Contact.objects.create(display_name="X", owner=client_owner)
    ContactMethod.objects.create(contact=contact, kind="email", value_raw="x@y.ro", value="x@y.ro")

    def batch(n):
        leads = []
        for i in range(n):
            lead = LeadFactory()
            lead.contact_points.create(kind="email", value_raw=f"n{i}@z.ro", value=f"n{i}@z.ro")
            leads.append(lead)
        return leads

    one, fifty = batch(1), batch(50)
    with CaptureQueriesContext(django.db.connection) as small:
        leads_clients_link(leads=one)
    with CaptureQueriesContext(django.db.connection) as large:
        leads_clients_link(leads=fifty)

    assert len(small.captured_queries) == len(large.captured_queries) == 2
    assert ClientLead.objects.count() == 0


def test_one_batch_recognises_leads_by_e_mail_and_by_phone_e_mail_first(client_owner):
    # Given two clients, one known by e-mail and one by phone, and a third lead nobody knows
    by_email = Contact.objects.create(display_name="Ana", owner=client_owner)
    ContactMethod.objects.create(contact=by_email, kind="email", value_raw="a@b.ro", value="a@b.ro")
    by_phone = Contact.objects.create(display_name="Dan", owner=client_owner)
    ContactMethod.objects.create(
        contact=by_phone, kind="phone", value_raw="+40721000222", value="+40721000222"
    )
    both, phone_only, unknown = LeadFactory(), LeadFactory(), LeadFactory()
    both.contact_points.create(kind="phone", value_raw="+40721000222", value="+40721000222")
    both.contact_points.create(kind="email", value_raw="a@b.ro", value="a@b.ro")
    phone_only.contact_points.create(kind="phone", value_raw="+40721000222", value="+40721000222")
    # the phone client's number written as an e-mail value matches no e-mail method
    unknown.contact_points.create(kind="email", value_raw="+40721000222", value="+40721000222")

    # When one batch is linked
    leads_clients_link(leads=[both, phone_only, unknown])

    # Then the e-mail wins for the lead with both, the phone serves the other, the third is none
    links = dict(ClientLead.objects.values_list("lead_id", "contact_id"))
    assert links == {both.pk: by_email.pk, phone_only.pk: by_phone.pk}


def test_leads_written_in_bulk_are_recognised_from_their_contacts_in_memory(client_owner):
    from galena.leads.services import LeadDraft, leads_build, leads_create_bulk

    by_phone = Contact.objects.create(display_name="Dan", owner=client_owner)
    ContactMethod.objects.create(
        contact=by_phone, kind="phone", value_raw="+40721000222", value="+40721000222"
    )
    drafts = [
        LeadDraft(
            data={"first_name": "Dan"}, contacts=[ContactInput(kind="phone", value="0721 000 222")]
        ),
        LeadDraft(
            data={"first_name": "Eva"}, contacts=[ContactInput(kind="email", value="eva@c.ro")]
        ),
    ]
    built = leads_build(drafts=drafts)

    with CaptureQueriesContext(django.db.connection) as queries:
        dan, _eva = leads_create_bulk(actor=Actor.system(), built=built)

    assert dict(ClientLead.objects.values_list("lead_id", "contact_id")) == {dan.pk: by_phone.pk}
    # no query read contact points back by lead (recognition took them from memory)
    assert not [
        q
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and '"leads_contactpoint"."lead_id" AS' in q["sql"]
        and '"leads_contactpoint"."kind" AS' in q["sql"]
    ]
