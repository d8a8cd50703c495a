import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import Stage
from tests.factories import (
    CampaignFactory,
    ContactPointFactory,
    LeadFactory,
    SourceFactory,
    UserFactory,
)

LIST = reverse("lead-list")


def shown(response) -> list[str]:
    return [lead.display_name for lead in response.context["leads"]]


@pytest.fixture
def leads(manager, colleague, team):
    now = timezone.now()
    web = SourceFactory(name="Website")
    expo = SourceFactory(name="Expo", channel="exhibition")
    ana = LeadFactory(
        display_name="Ana Marin",
        company_name="Solaris",
        owner=manager,
        team=team,
        temperature="hot",
        source=web,
        score=30,
        created_at=now - dt.timedelta(days=1),
        search_text="ana marin solaris +40722123456",
    )
    ContactPointFactory(lead=ana, kind="phone", value_raw="+40 722 123 456", value="+40722123456")
    pekka = LeadFactory(
        display_name="Pekka Virtanen",
        company_name="Lumo Oy",
        owner=None,
        team=team,
        temperature="cold",
        source=expo,
        channel="exhibition",
        score=80,
        created_at=now - dt.timedelta(days=10),
        search_text="pekka virtanen lumo oy",
    )
    yulia = LeadFactory(
        display_name="Юлия Смирнова",
        company_name="Вега",
        owner=manager,
        team=team,
        temperature="warm",
        score=55,
        stage=Stage.objects.get(code="qualified"),
        created_at=now - dt.timedelta(days=40),
        search_text="юлия смирнова вега",
    )
    LeadFactory(display_name="Colleague's lead", owner=colleague, team=team)
    return ana, pekka, yulia


def test_list_shows_the_leads_the_user_may_see_newest_first(manager_client, leads):
    response = manager_client.get(LIST)

    assert response.status_code == 200
    assert shown(response) == ["Ana Marin", "Pekka Virtanen", "Юлия Смирнова"]
    assert "Colleague&#x27;s lead" not in response.text


def test_list_rows_show_contacts_stage_owner_and_source(manager_client, leads, manager):
    response = manager_client.get(LIST)

    ana = leads[0]
    assert f'href="{reverse("lead-detail", args=[ana.pk])}"' in response.text
    assert 'href="tel:+40722123456"' in response.text
    assert "+40 722 123 456" in response.text
    assert "Qualified" in response.text
    assert manager.get_full_name() in response.text
    assert "Website" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"temperature": "hot"}, ["Ana Marin"]),
        ({"owner": "none"}, ["Pekka Virtanen"]),
        ({"owner": "me"}, ["Ana Marin", "Юлия Смирнова"]),
        ({"stage": "qualified"}, ["Юлия Смирнова"]),
        ({"channel": "exhibition"}, ["Pekka Virtanen"]),
        ({"q": "lumo"}, ["Pekka Virtanen"]),
        ({"q": "0722 123 456"}, ["Ana Marin"]),
        ({"q": "ВЕГА"}, ["Юлия Смирнова"]),
        ({"fit": "target"}, []),
    ],
)
def test_filters_narrow_the_rows(manager_client, leads, query, expected):
    response = manager_client.get(LIST, query)

    assert shown(response) == expected


def test_filter_by_source(manager_client, leads):
    response = manager_client.get(LIST, {"source": leads[1].source_id})

    assert shown(response) == ["Pekka Virtanen"]


def test_filter_by_campaign(manager_client, leads):
    campaign = CampaignFactory(source=leads[0].source)
    leads[0].campaign = campaign
    leads[0].save()

    response = manager_client.get(LIST, {"campaign": campaign.pk})

    assert shown(response) == ["Ana Marin"]


def test_filter_by_created_range(manager_client, leads):
    today = timezone.localdate()
    query = {
        "created_from": (today - dt.timedelta(days=15)).isoformat(),
        "created_to": (today - dt.timedelta(days=5)).isoformat(),
    }

    response = manager_client.get(LIST, query)

    assert shown(response) == ["Pekka Virtanen"]


def test_head_may_filter_by_a_team_member(head_client, leads, colleague):
    response = head_client.get(LIST, {"owner": colleague.pk})

    assert shown(response) == ["Colleague's lead"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ana Marin", "Pekka Virtanen", "Юлия Смирнова"]),
        ("-name", ["Юлия Смирнова", "Pekka Virtanen", "Ana Marin"]),
        ("-score", ["Pekka Virtanen", "Юлия Смирнова", "Ana Marin"]),
        ("score", ["Ana Marin", "Юлия Смирнова", "Pekka Virtanen"]),
        ("created", ["Юлия Смирнова", "Pekka Virtanen", "Ana Marin"]),
        ("company", ["Pekka Virtanen", "Ana Marin", "Юлия Смирнова"]),
    ],
)
def test_sorting_orders_the_rows(manager_client, leads, sort, expected):
    response = manager_client.get(LIST, {"sort": sort})

    assert shown(response) == expected


def test_sort_headers_toggle_the_direction_and_keep_the_filters(manager_client, leads):
    response = manager_client.get(LIST, {"sort": "name", "temperature": "hot", "page": "1"})

    columns = {c["key"]: c for c in response.context["columns"]}
    assert columns["name"]["active"] is True
    assert columns["name"]["direction"] == "ascending"
    assert columns["name"]["next_sort"] == "-name"
    assert columns["score"]["next_sort"] == "-score"  # numbers start biggest first
    assert columns["company"]["next_sort"] == "company"
    assert 'href="?sort=-name&amp;temperature=hot"' in response.text
    assert 'aria-sort="ascending"' in response.text


def test_unknown_filter_values_are_reported_and_ignored(manager_client, leads):
    response = manager_client.get(LIST, {"sort": "salary", "temperature": "boiling"})

    assert response.status_code == 200
    assert shown(response) == ["Ana Marin", "Pekka Virtanen", "Юлия Смирнова"]
    assert "Some filters were not understood" in response.text


def test_no_match_shows_an_empty_state_with_a_way_back(manager_client, leads):
    response = manager_client.get(LIST, {"q": "nobody-like-this"})

    assert "No leads match these filters" in response.text
    assert f'<a href="{LIST}">clear filters</a>' in response.text


def test_no_leads_at_all_invites_to_add_one(manager_client):
    response = manager_client.get(LIST)

    assert "No leads yet." in response.text
    assert reverse("lead-new") in response.text


def test_list_pages_by_fifty(manager_client, manager, team):
    LeadFactory.create_batch(51, owner=manager, team=team)

    first = manager_client.get(LIST)
    second = manager_client.get(LIST, {"page": 2})

    assert len(first.context["leads"]) == 50
    assert len(second.context["leads"]) == 1
    assert "Page 1 of 2" in first.text
    assert 'rel="next"' in first.text


def test_htmx_request_gets_only_the_results(manager_client, leads):
    response = manager_client.get(LIST, {"temperature": "hot"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<section id="lead-results"')
    assert "Ana Marin" in response.text
    assert 'id="filter-sort"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_pushes_a_short_url_without_empty_filters(manager_client, leads):
    query = {"temperature": "hot", "stage": "", "q": "", "sort": "-created"}

    response = manager_client.get(LIST, query, headers={"HX-Request": "true"})

    assert response["HX-Push-Url"] == f"{LIST}?temperature=hot"


def test_htmx_history_restore_gets_the_whole_page(manager_client, leads):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    response = manager_client.get(LIST, headers=headers)

    assert "<html" in response.text


def test_filter_form_works_with_and_without_htmx(manager_client, leads):
    response = manager_client.get(LIST)

    assert 'method="get"' in response.text
    assert f'hx-get="{LIST}"' in response.text
    assert 'hx-push-url="true"' in response.text
    assert "delay:350ms" in response.text


def test_marketer_may_not_open_the_list(marketer_client):
    response = marketer_client.get(LIST)

    assert response.status_code == 403
    assert "This page is not for your role" in response.text


def test_list_query_count_does_not_grow_with_rows(
    head_client, head, team, manager, django_assert_num_queries
):
    def add_leads(count):
        source = SourceFactory()
        campaign = CampaignFactory(source=source)
        for _ in range(count):
            owner = UserFactory(role="sales_manager", team=team)
            lead = LeadFactory(owner=owner, team=team, source=source, campaign=campaign)
            ContactPointFactory(lead=lead)
            ContactPointFactory(lead=lead, kind="phone", value_raw="+40722000000")

    add_leads(2)
    with CaptureQueriesContext(connection) as few:
        head_client.get(LIST)
    add_leads(25)

    with django_assert_num_queries(len(few.captured_queries)):
        response = head_client.get(LIST)
    assert len(response.context["leads"]) == 27


# --- a text search, counted after the list shows ---------------------------------------

COUNT = reverse("lead-count")


def test_a_text_search_shows_its_rows_and_counts_after(manager_client, manager, team):
    LeadFactory.create_batch(53, owner=manager, team=team, search_text="ionela popescu")
    LeadFactory(owner=manager, team=team, search_text="maria marin")

    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(LIST, {"q": "popescu"})

    assert len(response.context["leads"]) == 50
    assert not any("COUNT(" in q["sql"] for q in queries)  # no count read with the page
    assert f'hx-get="{COUNT}?q=popescu"' in response.text and "Counting…" in response.text
    assert "Page 1<" in response.text and 'rel="next"' in response.text  # no "of N"
    assert "or all leads matching the filter" in response.text
    second = manager_client.get(LIST, {"q": "popescu", "page": 2})
    assert len(second.context["leads"]) == 3 and 'rel="next"' not in second.text

    counted = manager_client.get(COUNT, {"q": "popescu"}, headers={"HX-Request": "true"})

    assert counted.status_code == 200 and "53 leads" in counted.text
    assert "hx-get" not in counted.text


def test_without_javascript_the_count_comes_with_the_page(manager_client, manager, team):
    LeadFactory.create_batch(3, owner=manager, team=team, search_text="ionela popescu")

    response = manager_client.get(LIST, {"q": "popescu"})
    exact = manager_client.get(LIST, {"q": "popescu", "counts": "exact"})

    assert f"{LIST}?q=popescu&amp;counts=exact" in response.text  # the placeholder's link
    assert "3 leads" in exact.text and "Page 1 of" not in exact.text  # one page: no pager
    assert "counts" not in exact.context["query"]


def test_a_text_search_page_past_the_end_is_counted_to_find_the_last(manager_client, manager, team):
    LeadFactory.create_batch(3, owner=manager, team=team, search_text="ionela popescu")

    response = manager_client.get(LIST, {"q": "popescu", "page": 9})

    assert len(response.context["leads"]) == 3  # the last page, as without a search
    assert "3 leads" in response.text


def test_the_count_counts_only_what_the_user_may_see(manager_client, manager, colleague, team):
    LeadFactory(owner=manager, team=team, search_text="ionela popescu")
    LeadFactory.create_batch(2, owner=colleague, team=team, search_text="ionela popescu")

    counted = manager_client.get(COUNT, {"q": "popescu"}, headers={"HX-Request": "true"})

    assert "1 lead" in counted.text and "3 leads" not in counted.text


def test_the_count_refuses_a_marketer(marketer_client):
    assert marketer_client.get(COUNT, {"q": "x"}).status_code == 403
