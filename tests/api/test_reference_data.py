"""GET /stages for everyone; GET /sources and /campaigns for marketing roles only."""

import datetime as dt
from decimal import Decimal

import pytest

from galena.leads.models import CampaignSpend
from tests.api.helpers import error
from tests.factories import CampaignFactory, LeadFactory, SourceFactory

MARKETING_ONLY = error(
    "forbidden",
    "Your role does not give access to sources and campaigns; ask an admin or a head of sales.",
)


def test_the_stages_are_listed_in_pipeline_order(api_as, manager):
    response = api_as(manager).get("/api/v1/stages")

    assert response.status_code == 200
    assert [(s["code"], s["kind"], s["is_initial"]) for s in response.json()] == [
        ("new", "open", True),
        ("in_work", "open", False),
        ("qualified", "open", False),
        ("converted", "won", False),
        ("rejected", "lost", False),
        ("deferred", "deferred", False),
    ]


def test_the_stages_need_authentication(anonymous_api):
    assert anonymous_api.get("/api/v1/stages").status_code == 401


@pytest.mark.parametrize("user", ["admin_user", "head", "marketer"])
def test_marketing_roles_list_the_sources_with_lead_counts(request, api_as, user):
    web = SourceFactory(name="Web", vendor="", description="The site")
    LeadFactory(source=web)
    LeadFactory(source=web)

    response = api_as(request.getfixturevalue(user)).get("/api/v1/sources")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": web.pk,
            "name": "Web",
            "channel": "landing_page",
            "vendor": "",
            "description": "The site",
            "is_active": True,
            "lead_count": 2,
        }
    ]


@pytest.mark.parametrize("user", ["manager", "telemarketer"])
def test_sales_roles_may_not_list_sources(request, api_as, user):
    response = api_as(request.getfixturevalue(user)).get("/api/v1/sources")

    assert response.status_code == 403
    assert response.json() == MARKETING_ONLY


def test_a_manager_may_not_list_campaigns(api_as, manager):
    response = api_as(manager).get("/api/v1/campaigns")

    assert response.status_code == 403
    assert response.json() == MARKETING_ONLY


def test_campaigns_carry_their_total_spend_per_currency(api_as, marketer):
    campaign = CampaignFactory(
        name="Spring", budget=Decimal("1000.00"), starts_on=dt.date(2025, 3, 1)
    )
    for day, amount, currency in [
        (1, "10.50", "EUR"),
        (2, "20.25", "EUR"),
        (1, "100.00", "RON"),
    ]:
        CampaignSpend.objects.create(
            campaign=campaign,
            date=dt.date(2025, 3, day),
            amount=Decimal(amount),
            currency=currency,
        )
    LeadFactory(source=campaign.source, campaign=campaign)

    response = api_as(marketer).get("/api/v1/campaigns")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": campaign.pk,
            "name": "Spring",
            "source": {"id": campaign.source_id, "name": campaign.source.name},
            "utm_campaign": "",
            "starts_on": "2025-03-01",
            "ends_on": None,
            "budget": "1000.00",
            "currency": "EUR",
            "region": "",
            "is_active": True,
            "lead_count": 1,
            "spend": [
                {"currency": "RON", "amount": "100.00"},
                {"currency": "EUR", "amount": "30.75"},
            ],
        }
    ]


@pytest.mark.parametrize("number_of_campaigns", [1, 12])
def test_campaigns_cost_the_same_queries_for_any_number(
    api_as, marketer, django_assert_num_queries, number_of_campaigns
):
    for index in range(number_of_campaigns):
        campaign = CampaignFactory()
        CampaignSpend.objects.create(
            campaign=campaign, date=dt.date(2025, 3, 1), amount=Decimal(index), currency="EUR"
        )
    api = api_as(marketer)
    api.get("/api/v1/campaigns")

    # the token, the campaigns with their sources and lead counts, the spend totals
    with django_assert_num_queries(3):
        response = api.get("/api/v1/campaigns")

    assert len(response.json()) == number_of_campaigns
