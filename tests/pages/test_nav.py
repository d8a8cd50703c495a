"""The main navigation: each role sees the pages it may open, and where it is."""

import re

import pytest
from django.urls import reverse


def _links(response) -> set[str]:
    nav = response.text.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'href="([^"#?]+)"', nav))


def test_a_manager_has_their_day_the_leads_board_clients_and_the_deferred_base(manager_client):
    links = _links(manager_client.get(reverse("dashboard")))

    for name in ("my-day", "lead-list", "lead-board", "client-list", "deferred-base"):
        assert reverse(name) in links, name
    assert reverse("document-library") in links
    # reports for heads of sales and marketers only
    for name in ("routing-speed", "scoring-calibration", "sources", "farewell-report"):
        assert reverse(name) not in links, name


def test_a_head_of_sales_also_has_the_reports(head_client):
    links = _links(head_client.get(reverse("dashboard")))

    for name in ("quality-queue", "matching-duplicates", "routing-speed", "farewell-report"):
        assert reverse(name) in links, name


def test_a_marketer_has_sources_and_farewell_answers_but_not_the_leads(marketer_client):
    links = _links(marketer_client.get(reverse("dashboard")))

    assert {reverse("sources"), reverse("farewell-report")} <= links
    for name in ("my-day", "lead-list", "lead-board", "client-list"):
        assert reverse(name) not in links, name


@pytest.mark.parametrize(
    ("url_name", "current"),
    [("lead-board", "Board"), ("lead-list", "Leads"), ("my-day", "My day")],
)
def test_the_page_one_is_on_is_marked(manager_client, url_name, current):
    response = manager_client.get(reverse(url_name))

    marked = re.findall(r'aria-current="page">([^<]+)<', response.text.split("</nav>", 1)[0])
    assert marked == [current]
