import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.leads.models import CampaignSpend
from tests.factories import CampaignFactory, LeadFactory, SourceFactory

SOURCES = reverse("sources")


def spend(campaign, day, amount, currency):
    CampaignSpend.objects.create(
        campaign=campaign, date=dt.date(2026, 3, day), amount=Decimal(amount), currency=currency
    )


def test_marketer_sees_sources_with_channel_and_lead_counts(marketer_client, team):
    quiz = SourceFactory(name="Kitchen quiz", channel="quiz")
    SourceFactory(name="Expo", channel="exhibition")
    LeadFactory.create_batch(3, source=quiz, team=team)

    response = marketer_client.get(SOURCES)

    assert response.status_code == 200
    counts = {s.name: s.lead_count for s in response.context["sources"]}
    assert counts == {"Expo": 0, "Kitchen quiz": 3}
    assert "Quiz" in response.text and "offline" in response.text
    assert f"{reverse('lead-list')}?source=" not in response.text  # marketers see no leads


def test_campaigns_show_spend_per_currency(head_client):
    campaign = CampaignFactory(name="Spring sale", budget=Decimal("5000"))
    spend(campaign, 1, "100.50", "EUR")
    spend(campaign, 2, "99.50", "EUR")
    spend(campaign, 2, "40", "USD")
    CampaignFactory(name="Quiet one")

    response = head_client.get(SOURCES)

    by_name = {c.name: c for c in response.context["campaigns"]}
    assert by_name["Spring sale"].spend_totals == [
        ("EUR", Decimal("200.00")),
        ("USD", Decimal("40.00")),
    ]
    assert by_name["Quiet one"].spend_totals == []
    assert "200.00 EUR" in response.text
    assert "40.00 USD" in response.text


def test_heads_get_links_to_the_leads_of_a_source(head_client, team):
    quiz = SourceFactory(name="Kitchen quiz")
    LeadFactory(source=quiz, team=team)

    response = head_client.get(SOURCES)

    assert f"{reverse('lead-list')}?source={quiz.pk}" in response.text


def test_sources_page_query_count_does_not_grow(marketer_client, django_assert_num_queries):
    def add(count):
        for n in range(count):
            campaign = CampaignFactory()
            spend(campaign, 1 + n % 20, "10", "EUR")
            spend(campaign, 1 + n % 20, "10", "RON")
            LeadFactory(source=campaign.source, campaign=campaign)

    add(1)
    with CaptureQueriesContext(connection) as few:
        marketer_client.get(SOURCES)
    add(10)

    with django_assert_num_queries(len(few.captured_queries)):
        marketer_client.get(SOURCES)


def test_managers_may_not_see_sources(manager_client):
    response = manager_client.get(SOURCES)

    assert response.status_code == 403


def test_navigation_shows_sources_only_to_marketing_roles(manager_client, client, marketer):
    assert SOURCES not in manager_client.get(reverse("dashboard")).text

    client.force_login(marketer)
    nav = client.get(reverse("dashboard")).text
    assert SOURCES in nav
    assert f'href="{reverse("lead-list")}"' not in nav
