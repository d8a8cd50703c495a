"""GET /api/v1/leads: who sees what, the filters, the item's shape and its query count."""

import datetime as dt

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from galena.leads.models import Channel, ContactKind, Fit, Stage, Temperature
from tests.api.helpers import error
from tests.factories import CampaignFactory, ContactPointFactory, LeadFactory, SourceFactory

encode_time = DjangoJSONEncoder().default


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def leads(team, other_team, head, manager, colleague, outsider):
    return {
        "manager's": LeadFactory(owner=manager, team=team),
        "colleague's": LeadFactory(owner=colleague, team=team),
        "team's unassigned": LeadFactory(owner=None, team=team),
        "head's own": LeadFactory(owner=head, team=None),
        "other team's": LeadFactory(owner=outsider, team=other_team),
        "other team's unassigned": LeadFactory(owner=None, team=other_team),
    }


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        (
            "admin_user",
            {
                "manager's",
                "colleague's",
                "team's unassigned",
                "head's own",
                "other team's",
                "other team's unassigned",
            },
        ),
        ("head", {"manager's", "colleague's", "team's unassigned", "head's own"}),
        ("manager", {"manager's", "team's unassigned"}),
        ("telemarketer", {"team's unassigned"}),
        ("outsider", {"other team's", "other team's unassigned"}),
    ],
)
def test_each_role_lists_exactly_the_leads_it_may_see(request, api_as, leads, user, visible):
    api = api_as(request.getfixturevalue(user))

    response = api.get("/api/v1/leads")

    assert ids(response) == {leads[name].pk for name in visible}


def test_a_marketer_may_not_list_leads(api_as, marketer, leads):
    response = api_as(marketer).get("/api/v1/leads")

    assert response.status_code == 403
    assert response.json() == error("forbidden", "Your role does not give access to leads.")


def test_an_item_has_the_list_fields(api_as, admin_user, manager, team):
    source = SourceFactory(name="Site")
    campaign = CampaignFactory(name="Spring", source=source)
    lead = LeadFactory(
        first_name="Ana",
        last_name="Pop",
        display_name="Ana Pop",
        company_name="Acme",
        position="CTO",
        owner=manager,
        team=team,
        temperature=Temperature.HOT,
        fit=Fit.TARGET,
        score=42,
        channel=Channel.QUIZ,
        source=source,
        campaign=campaign,
    )
    ContactPointFactory(lead=lead, kind=ContactKind.PHONE, value_raw="+40721000000")
    ContactPointFactory(lead=lead, kind=ContactKind.EMAIL, value_raw="ana@example.com")
    ContactPointFactory(
        lead=lead, kind=ContactKind.EMAIL, value_raw="ana@work.example", is_primary=False
    )
    lead.refresh_from_db()

    response = api_as(admin_user).get("/api/v1/leads")

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {
                "id": lead.pk,
                "display_name": "Ana Pop",
                "first_name": "Ana",
                "last_name": "Pop",
                "company_name": "Acme",
                "position": "CTO",
                "stage": "new",
                "owner": {"id": manager.pk, "username": "manager"},
                "team_id": team.pk,
                "temperature": "hot",
                "fit": "target",
                "origin": "unknown",
                "contact_type": "unknown",
                "verification": "unverified",
                "quality_status": "unknown",
                "score": 42,
                "channel": "quiz",
                "source": {"id": source.pk, "name": "Site"},
                "campaign": {"id": campaign.pk, "name": "Spring"},
                "primary_contacts": [
                    {"kind": "email", "value": "ana@example.com"},
                    {"kind": "phone", "value": "+40721000000"},
                ],
                "created_at": encode_time(lead.created_at),
                "updated_at": encode_time(lead.updated_at),
                "response_due_at": None,
                "first_response_at": None,
                "sla_status": None,
            }
        ],
        "next_cursor": None,
    }


def test_an_unassigned_lead_without_attribution_has_nulls(api_as, admin_user):
    LeadFactory(owner=None, source=None, campaign=None)

    (item,) = api_as(admin_user).get("/api/v1/leads").json()["items"]

    assert (item["owner"], item["source"], item["campaign"], item["primary_contacts"]) == (
        None,
        None,
        None,
        [],
    )


# --- filters --------------------------------------------------------------------------


def test_filter_by_stage_code(api_as, admin_user):
    LeadFactory()
    in_work = LeadFactory(stage=Stage.objects.get(code="in_work"))

    response = api_as(admin_user).get("/api/v1/leads?stage=in_work")

    assert ids(response) == {in_work.pk}


def test_an_unknown_stage_code_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/leads?stage=limbo")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "No stage with code 'limbo': GET /api/v1/stages lists them.", field="stage"
    )


def test_filter_by_owner_me_none_and_id(api_as, head, manager, team):
    mine = LeadFactory(owner=head, team=team)
    managers = LeadFactory(owner=manager, team=team)
    unassigned = LeadFactory(owner=None, team=team)
    api = api_as(head)

    assert ids(api.get("/api/v1/leads?owner=me")) == {mine.pk}
    assert ids(api.get("/api/v1/leads?owner=none")) == {unassigned.pk}
    assert ids(api.get(f"/api/v1/leads?owner={manager.pk}")) == {managers.pk}


def test_an_owner_that_is_not_an_id_me_or_none_is_refused(api_as, head):
    response = api_as(head).get("/api/v1/leads?owner=boss")

    assert response.status_code == 400
    assert response.json() == error("invalid", "Use a user id, 'me' or 'none'.", field="owner")


def test_filter_by_temperature_and_fit(api_as, admin_user):
    hot_target = LeadFactory(temperature=Temperature.HOT, fit=Fit.TARGET)
    LeadFactory(temperature=Temperature.HOT, fit=Fit.NON_TARGET)
    LeadFactory(temperature=Temperature.COLD, fit=Fit.TARGET)

    response = api_as(admin_user).get("/api/v1/leads?temperature=hot&fit=target")

    assert ids(response) == {hot_target.pk}


def test_an_unknown_temperature_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/leads?temperature=tepid")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "temperature"


def test_an_empty_filter_means_any(api_as, admin_user):
    lead = LeadFactory()

    response = api_as(admin_user).get("/api/v1/leads?temperature=&owner=&sort=")

    assert ids(response) == {lead.pk}


def test_filter_by_source_campaign_and_channel(api_as, admin_user):
    campaign = CampaignFactory()
    match = LeadFactory(source=campaign.source, campaign=campaign, channel=Channel.QUIZ)
    LeadFactory(source=campaign.source, campaign=campaign, channel=Channel.SOCIAL)
    LeadFactory(source=campaign.source, channel=Channel.QUIZ)

    response = api_as(admin_user).get(
        f"/api/v1/leads?source={campaign.source_id}&campaign={campaign.pk}&channel=quiz"
    )

    assert ids(response) == {match.pk}


def test_filter_by_creation_days_includes_both_ends(api_as, admin_user):
    def on(day: int, hour: int):
        return LeadFactory(created_at=dt.datetime(2025, 3, day, hour, tzinfo=dt.UTC))

    on(9, 23)
    first = on(10, 0)
    last = on(12, 23)
    on(13, 0)

    response = api_as(admin_user).get("/api/v1/leads?created_from=2025-03-10&created_to=2025-03-12")

    assert ids(response) == {first.pk, last.pk}


def test_a_malformed_date_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/leads?created_from=10.03.2025")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "created_from"


def test_text_search_finds_names_and_contacts(api_as, admin_user):
    ana = LeadFactory(first_name="Ana", last_name="Pop", search_text="ana pop acme")
    LeadFactory(first_name="Ion", last_name="Rus", search_text="ion rus globex")
    phone = LeadFactory(search_text="maria +40721000111")
    api = api_as(admin_user)

    assert ids(api.get("/api/v1/leads?q=ANA")) == {ana.pk}
    assert ids(api.get("/api/v1/leads?q=0721000111")) == {phone.pk}


def test_an_unknown_sort_is_refused(api_as, admin_user):
    response = api_as(admin_user).get("/api/v1/leads?sort=shoe_size")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid",
        "Sort by one of: created, name, company, score, temperature, stage, owner, source, due "
        "(prefix - to reverse).",
        field="sort",
    )


def test_a_limit_above_the_maximum_is_refused(api_as, admin_user, settings):
    response = api_as(admin_user).get("/api/v1/leads?limit=501")

    assert response.status_code == 400
    assert response.json() == error(
        "invalid", "Input should be less than or equal to 500.", field="limit"
    )


# --- query count ----------------------------------------------------------------------


@pytest.mark.parametrize("number_of_leads", [1, 25])
def test_listing_costs_the_same_queries_for_any_number_of_leads(
    api_as, head, manager, team, django_assert_num_queries, number_of_leads
):
    source = SourceFactory()
    for _ in range(number_of_leads):
        lead = LeadFactory(
            owner=manager, team=team, source=source, campaign=CampaignFactory(source=source)
        )
        ContactPointFactory(lead=lead)
    api = api_as(head)
    api.get("/api/v1/leads")  # marks the token used, a write done at most once a minute

    # the token with its user and profile, the page's ids read in parts (the head's own leads,
    # their team's others), the page of leads, their primary contacts, and the audit log's
    # entry that the page was read
    with django_assert_num_queries(5):
        response = api.get("/api/v1/leads?sort=owner&limit=100")

    assert len(response.json()["items"]) == number_of_leads
