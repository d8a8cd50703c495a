"""A block reaches every way the person can be reached: social profiles and messengers as
well as e-mails and phones — recorded when blocking, matched at intake, by known-client
matching, by routing and by the exports, always through the (kind, value) index."""

import pytest
from django.urls import reverse

from galena.consent.models import RestrictedValue
from galena.consent.services import (
    EVENT_NOT_ROUTED,
    EVENT_RESTRICTED,
    restrict_subject,
    restricted_lead_ids,
    restricted_values,
    unrestricted,
    value_forms,
)
from galena.core.errors import PermissionDenied
from galena.leads.models import ContactKind, ContactPoint, EventType, Lead, LeadEvent
from galena.leads.normalise import normalise_contact
from galena.leads.services import Actor, ContactInput, lead_create
from tests.consent.conftest import make_lead
from tests.factories import ContactPointFactory
from tests.matching.test_stage import submit
from tests.routing.conftest import member

pytestmark = pytest.mark.django_db

INSTAGRAM = normalise_contact(ContactKind.SOCIAL, "instagram.com/Ana.Pop", region="RO").value
TELEGRAM = normalise_contact(ContactKind.MESSENGER, "https://t.me/ana_pop", region="RO").value


def add_point(lead, kind, raw, label=""):
    value = normalise_contact(kind, raw, region="RO").value
    return ContactPointFactory(lead=lead, kind=kind, value_raw=raw, value=value, label=label)


def block(user, **values):
    return restrict_subject(
        actor=Actor(user=user) if user is not None else Actor.system(),
        reason=values.pop("reason", "Asked by e-mail to stop using their data"),
        **values,
    )


def test_the_canonical_links_are_what_the_tests_expect():
    assert INSTAGRAM.startswith("https://") and "ana.pop" in INSTAGRAM
    assert TELEGRAM.startswith("https://") and "ana_pop" in TELEGRAM


# --- what a block records --------------------------------------------------------------


def test_blocking_a_lead_records_its_social_profiles_and_messengers(admin_user, lead):
    add_point(lead, ContactKind.SOCIAL, "instagram.com/Ana.Pop", "instagram")
    add_point(lead, ContactKind.MESSENGER, "https://t.me/ana_pop", "telegram")
    add_point(lead, ContactKind.MESSENGER, "+40 722 123 456", "viber")

    restriction = block(admin_user, lead=lead)

    assert set(restriction.values.values_list("kind", "value")) == {
        ("email", "ana@example.com"),
        # a number is blocked as a phone and as a messenger account named by it
        ("phone", "+40722123456"),
        ("messenger", "+40722123456"),
        # a profile link as a social profile and as a messenger: channels name them either way
        ("social", INSTAGRAM),
        ("messenger", INSTAGRAM),
        ("social", TELEGRAM),
        ("messenger", TELEGRAM),
    }


def test_a_block_by_a_social_profile_covers_the_persons_other_leads_and_values(admin_user, manager):
    by_profile = make_lead(owner=manager, email="ana@example.com")
    add_point(by_profile, ContactKind.SOCIAL, "https://www.instagram.com/ana.pop/", "instagram")
    by_email = make_lead(owner=manager, email="ana@example.com", phone="+40722123456")
    stranger = make_lead(owner=manager, email="bo@example.com")

    # an admin names the person by the profile link alone, written another way
    restriction = block(admin_user, contacts=[(ContactKind.SOCIAL, "instagram.com/Ana.Pop")])

    # the e-mail on the lead with the profile is the person's too (one step, as for e-mails)
    values = set(restriction.values.values_list("kind", "value"))
    assert {("social", INSTAGRAM), ("email", "ana@example.com")} <= values
    assert restricted_lead_ids([by_profile.pk, by_email.pk, stranger.pk]) == {
        by_profile.pk,
        by_email.pk,
    }
    assert set(
        LeadEvent.objects.filter(type=EVENT_RESTRICTED).values_list("lead_id", flat=True)
    ) == {by_profile.pk, by_email.pk}


def test_a_manager_may_not_block_by_a_profile_and_nothing_is_written(manager):
    with pytest.raises(PermissionDenied):
        block(manager, contacts=[(ContactKind.SOCIAL, "instagram.com/Ana.Pop")])
    assert not RestrictedValue.objects.exists()
    assert not LeadEvent.objects.filter(type=EVENT_RESTRICTED).exists()


def test_value_forms_of_each_kind():
    assert value_forms("email", "a@b.ro") == {("email", "a@b.ro")}
    assert value_forms("messenger", "+40722123456") == {
        ("phone", "+40722123456"),
        ("messenger", "+40722123456"),
    }
    assert value_forms("social", INSTAGRAM) == {("social", INSTAGRAM), ("messenger", INSTAGRAM)}


# --- what the checks match -------------------------------------------------------------


def test_a_lead_reachable_only_by_a_blocked_messenger_is_blocked(admin_user, manager):
    block(None, phone="+40722123456")  # the requests register blocks the number
    viber_only = make_lead(owner=manager, email="")
    add_point(viber_only, ContactKind.MESSENGER, "+40 722 123 456", "viber")
    assert restricted_lead_ids([viber_only.pk]) == {viber_only.pk}
    assert restricted_values([("messenger", "+40722123456"), ("social", INSTAGRAM)]) == {
        ("messenger", "+40722123456")
    }


def test_a_new_submission_from_a_blocked_social_profile_is_stored_but_not_routed(
    admin_user, form, team, team_rule
):
    member("ana", team)
    owned = make_lead(email="")
    add_point(owned, ContactKind.SOCIAL, "instagram.com/Ana.Pop", "instagram")
    block(admin_user, lead=owned)

    submission = submit(form, {"name": "Maria Ionescu", "instagram": "instagram.com/ana.pop/"})

    lead = Lead.objects.get(pk=submission.lead_id)
    assert ContactPoint.objects.filter(lead=lead, kind="social", value=INSTAGRAM).exists()
    assert lead.owner_id is None
    assert LeadEvent.objects.filter(lead=lead, type=EVENT_NOT_ROUTED).exists()
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).exists()


def test_a_new_lead_from_a_blocked_telegram_given_as_a_social_link_is_not_routed(
    admin_user, team, team_rule
):
    member("ana", team)
    block(admin_user, contacts=[(ContactKind.MESSENGER, "t.me/ana_pop")])
    lead = lead_create(
        actor=Actor.system(),
        data={"first_name": "Ana"},
        contacts=[ContactInput(kind="social", value="https://t.me/ana_pop", label="social")],
    )
    assert Lead.objects.get(pk=lead.pk).owner_id is None
    assert LeadEvent.objects.filter(lead=lead, type=EVENT_NOT_ROUTED).exists()


def test_a_blocked_known_client_by_profile_is_linked_but_not_given_to_its_owner(
    admin_user, team, team_rule
):
    from galena.clients.models import ClientLead, Contact, ContactMethod

    owner = member("keyaccounts", team)
    contact = Contact.objects.create(display_name="Ioana", owner=owner)
    ContactMethod.objects.create(
        contact=contact, kind="email", value_raw="ioana@acme.ro", value="ioana@acme.ro"
    )
    ContactMethod.objects.create(
        contact=contact, kind="social", value_raw="instagram.com/Ana.Pop", value=INSTAGRAM
    )
    block(admin_user, contacts=[(ContactKind.SOCIAL, "instagram.com/Ana.Pop")])
    lead = lead_create(
        actor=Actor.system(),
        data={"first_name": "Ioana"},
        contacts=[
            ContactInput(kind="email", value="ioana@acme.ro"),
            ContactInput(kind="social", value="instagram.com/Ana.Pop", label="instagram"),
        ],
    )
    lead = Lead.objects.get(pk=lead.pk)
    assert ClientLead.objects.get(lead=lead).contact == contact
    assert lead.owner_id is None
    assert not LeadEvent.objects.filter(lead=lead, type=EventType.ASSIGNED).exists()


def test_a_lead_blocked_by_its_profile_is_left_out_of_exports(client, admin_user, head, team):
    profiled = make_lead(owner=head, team=team, email="", first_name="Ana")
    add_point(profiled, ContactKind.SOCIAL, "instagram.com/Ana.Pop", "instagram")
    other = make_lead(owner=head, team=team, email="bo@example.com", first_name="Bo")
    block(admin_user, contacts=[(ContactKind.SOCIAL, "https://instagram.com/ana.pop")])

    assert list(unrestricted(Lead.objects.filter(pk__in=[profiled.pk, other.pk]))) == [other]
    client.force_login(head)
    response = client.post(
        reverse("lead-bulk"), {"action": "export_csv", "ids": [profiled.pk, other.pk]}
    )
    ids = [row.split(",")[0] for row in response.content.decode("utf-8-sig").splitlines()[1:]]
    assert ids == [str(other.pk)]


def test_the_checks_stay_one_indexed_query_with_every_kind(
    admin_user, lead, django_assert_num_queries
):
    add_point(lead, ContactKind.SOCIAL, "instagram.com/Ana.Pop", "instagram")
    block(admin_user, lead=lead)
    others = [make_lead(email=f"p{i}@example.com") for i in range(5)]
    with django_assert_num_queries(1):
        assert restricted_lead_ids([lead.pk, *(o.pk for o in others)]) == {lead.pk}
    with django_assert_num_queries(1):
        restricted_values([("social", INSTAGRAM), ("email", "x@example.com")])
