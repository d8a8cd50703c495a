"""The possible-duplicate review queue: the page, "not the same person", the card's panel
and the link in the navigation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import LeadEvent
from galena.matching import review_views
from galena.matching.models import DuplicateCandidate
from tests.factories import ContactPointFactory, LeadFactory, SourceFactory
from tests.matching.review_helpers import EXPLANATION, pair_of

QUEUE = reverse("matching-duplicates")


def open_pair(team, newer_team=None, **fields):
    """A pair of two new leads: the older of ``team``, the newer of ``newer_team`` (or the
    same team)."""
    older = LeadFactory(team=team)
    return pair_of(LeadFactory(team=newer_team or team), older, **fields)


def dismiss_url(pair) -> str:
    return reverse("matching-duplicate-dismiss", args=[pair.pk])


def _person(team, first_name, *, city, source, email, phone, **fields):
    lead = LeadFactory(
        team=team,
        first_name=first_name,
        last_name="Marin",
        display_name=f"{first_name} Marin",
        company_name="Solaris SRL",
        city=city,
        source=SourceFactory(name=source),
        **fields,
    )
    ContactPointFactory(lead=lead, kind="email", value_raw=email)
    ContactPointFactory(lead=lead, kind="phone", value_raw=phone)
    return lead


@pytest.fixture
def ana_and_anna(team, head):
    """Ana Marin, who called, and Anna Marin, who wrote later with the same e-mail."""
    ana = _person(
        team,
        "Ana",
        city="Iasi",
        source="Phone line",
        email="ana@solaris.example",
        phone="+40722123456",
        owner=head,
    )
    anna = _person(
        team,
        "Anna",
        city="Cluj",
        source="Website",
        email="ana@solaris.example",
        phone="+40744999888",
    )
    return ana, anna


# --- the page -------------------------------------------------------------------------


def test_a_pair_shows_both_leads_side_by_side_with_the_evidence(head_client, head, ana_and_anna):
    ana, anna = ana_and_anna
    pair = pair_of(anna, ana)

    response = head_client.get(QUEUE)

    assert response.status_code == 200
    text = response.text
    assert "1 possible duplicate waits for review" in text
    assert "94.5 %" in text
    # older left, newer right, with what agrees and what differs marked
    assert text.index(f"#{ana.pk}</a>") < text.index(f"#{anna.pk}</a>")
    assert "Ana Marin" in text and "Anna Marin" in text
    # rows agree or differ as matching found: Ana and Anna are a nickname apart
    assert text.count('class="compare-row is-same"') == 4  # company, e-mail, stage, quality
    assert text.count('class="compare-row is-close"') == 1  # the name
    assert text.count('class="compare-row is-different"') == 2  # city, source
    assert text.count('class="compare-row is-one-side"') == 1  # only Ana has an owner
    assert text.count('class="is-shared"') == 2  # the e-mail, on each side
    assert "+40722123456" in text and "+40744999888" in text
    assert "Phone line" in text and "Website" in text
    assert head.get_full_name() in text  # Ana's owner
    assert "Not checked" in text  # the quality status
    # each comparison in words, with its signed weight
    assert "First name</span> — a nickname or another language&#x27;s form:" in text
    assert "+3.6" in text and "+3.7" in text and "−3.0" in text
    assert "Starting point −5.6" in text and "Total +4.1 bits" in text
    assert "Names swapped" not in text and "Household rule" not in text
    # the two ways out
    assert f'href="/matching/merge/?leads={anna.pk},{ana.pk}"' in text
    assert f'action="{dismiss_url(pair)}"' in text
    assert "Not the same person" in text


def test_the_most_probable_pair_comes_first(head_client, team):
    a, b, c, d = (LeadFactory(team=team) for _ in range(4))
    pair_of(b, a, probability=0.62)
    pair_of(d, c, probability=0.97)

    text = head_client.get(QUEUE).text

    assert text.index("97.0 %") < text.index("62.0 %")


def test_a_pair_waiting_for_review_is_never_shown_as_certain(head_client, team):
    open_pair(team, probability=0.99996)

    text = head_client.get(QUEUE).text

    assert "99.9 %" in text and "100.0 %" not in text


def test_the_merge_link_opens_the_merge_page_with_both_leads(head_client, ana_and_anna):
    ana, anna = ana_and_anna
    pair_of(anna, ana)

    response = head_client.get(f"{reverse('matching-merge')}?leads={anna.pk},{ana.pk}")

    assert response.status_code == 200
    assert "Ana Marin" in response.text and "Anna Marin" in response.text


def test_household_and_swapped_names_are_explained(head_client, team):
    older, newer = LeadFactory(team=team), LeadFactory(team=team)
    pair_of(newer, older, explanation={**EXPLANATION, "household": True, "swapped_names": True})

    text = head_client.get(QUEUE).text

    assert "Household rule: the first names differ" in text
    assert "(phone, e-mail, address, middle name) counted for nothing" in text
    assert "Names swapped: one lead has the first and last names the other way round" in text


def test_an_address_made_of_the_name_is_explained_as_counted_given_the_names(head_client, team):
    older, newer = LeadFactory(team=team), LeadFactory(team=team)
    fields = [
        {"comparison": "first_name", "level": "exact", "weight": 3.89},
        {"comparison": "last_name", "level": "exact", "weight": 3.74},
        {"comparison": "email_local", "level": "exact_name", "weight": 2.17},
        {"comparison": "email_domain", "level": "different_same_local", "weight": -2.68},
    ]
    pair_of(newer, older, explanation={**EXPLANATION, "fields": fields})

    text = head_client.get(QUEUE).text

    assert "E-mail, before the @</span> — the same, made of the name, which agrees too:" in text
    assert "E-mail, after the @</span> — another domain, the same before the @:" in text


def test_only_pairs_whose_both_leads_the_reviewer_sees_are_shown(head_client, team, other_team):
    mine, also_mine = LeadFactory(team=team), LeadFactory(team=team)
    theirs = LeadFactory(team=other_team, display_name="Other Team Lead")
    pair_of(also_mine, mine, probability=0.8)
    pair_of(theirs, mine, probability=0.9)

    text = head_client.get(QUEUE).text

    assert "1 possible duplicate waits for review" in text
    assert "Other Team Lead" not in text


def test_merged_and_dismissed_pairs_and_merged_leads_are_not_shown(head_client, team):
    a, b, c, d, e, f = (LeadFactory(team=team) for _ in range(6))
    pair_of(b, a, status="merged", decided_at=timezone.now())
    pair_of(d, c, status="dismissed", decided_at=timezone.now())
    pair_of(f, e)
    e.merged_into = a
    e.save()

    text = head_client.get(QUEUE).text

    assert "No possible duplicates waiting." in text
    assert (
        "Galena checks every new lead; run <code>galena dedupe</code> to check the whole base."
        in (text)
    )


def test_an_empty_queue_says_so(head_client):
    text = head_client.get(QUEUE).text

    assert "No possible duplicates waiting." in text
    assert "galena dedupe" in text


def test_the_queue_filters_by_how_found_probability_and_lead(head_client, team):
    a, b, c, d = (LeadFactory(team=team) for _ in range(4))
    pair_of(b, a, probability=0.55, found_by="intake")
    pair_of(c, a, probability=0.75, found_by="batch")
    pair_of(d, c, probability=0.95, found_by="batch")

    by_intake = head_client.get(QUEUE, {"found_by": "intake"}).text
    at_least_70 = head_client.get(QUEUE, {"min": "70"}).text
    with_c = head_client.get(QUEUE, {"lead": c.pk}).text

    assert "55.0 %" in by_intake and "75.0 %" not in by_intake and "95.0 %" not in by_intake
    assert "55.0 %" not in at_least_70 and "75.0 %" in at_least_70 and "95.0 %" in at_least_70
    assert "55.0 %" not in with_c and "75.0 %" in with_c and "95.0 %" in with_c
    nothing = head_client.get(QUEUE, {"found_by": "card"}).text
    assert "No possible duplicates match these filters" in nothing


def test_the_queue_pages(head_client, team, monkeypatch):
    monkeypatch.setattr(review_views, "QUEUE_PAGE_SIZE", 2)
    leads = [LeadFactory(team=team) for _ in range(4)]
    for n, probability in enumerate((0.9, 0.8, 0.7)):
        pair_of(leads[n + 1], leads[n], probability=probability)

    first = head_client.get(QUEUE).text
    second = head_client.get(QUEUE, {"page": 2}).text

    assert "90.0 %" in first and "80.0 %" in first and "70.0 %" not in first
    assert "Page 1 of 2" in first and "?page=2" in first
    assert "70.0 %" in second and "90.0 %" not in second


def test_htmx_filtering_answers_with_the_results_only(head_client, team):
    open_pair(team)

    response = head_client.get(QUEUE, headers={"HX-Request": "true"})

    assert 'id="duplicates-results"' in response.text
    assert "<html" not in response.text


def test_names_are_escaped(head_client, team):
    older = LeadFactory(team=team, display_name="<b>Bold</b>", company_name="<i>Co</i>")
    pair_of(LeadFactory(team=team), older)

    text = head_client.get(QUEUE).text

    assert "<b>Bold</b>" not in text and "&lt;b&gt;Bold&lt;/b&gt;" in text
    assert "<i>Co</i>" not in text


@pytest.mark.parametrize("role", ["manager", "telemarketer", "marketer"])
def test_only_heads_of_sales_and_admins_review(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(QUEUE).status_code == 403


def test_an_admin_sees_every_team(client, admin_user, team, other_team):
    open_pair(team, other_team)
    client.force_login(admin_user)

    assert "1 possible duplicate waits for review" in client.get(QUEUE).text


def _pairs_with_details(team, head, n: int) -> None:
    source = SourceFactory(name="Fair")
    for _ in range(n):
        older = LeadFactory(team=team, owner=head, source=source)
        ContactPointFactory(lead=older, kind="email")
        newer = LeadFactory(team=team, source=SourceFactory())
        ContactPointFactory(lead=newer, kind="email")
        ContactPointFactory(lead=newer, kind="phone", value_raw="+40722000111")
        pair_of(newer, older)


# the session, the user, their profile; the count, the pairs with both leads, owners, stages
# and sources (joined); each side's contact points
QUEUE_QUERIES = 7


@pytest.mark.parametrize("pairs", [1, 20])
def test_the_query_count_does_not_grow_with_the_pairs(
    head_client, team, head, pairs, django_assert_max_num_queries
):
    _pairs_with_details(team, head, pairs)

    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = head_client.get(QUEUE)

    assert response.text.count('class="duplicate-item"') == pairs


def test_the_cards_query_count_does_not_grow_with_its_possible_duplicates(head_client, team):
    lead = LeadFactory(team=team)
    url = reverse("lead-detail", args=[lead.pk])
    pair_of(LeadFactory(team=team), lead)
    # the first card this process shows loads what it keeps (the scoring rules): not counted
    head_client.get(url)
    with CaptureQueriesContext(connection) as one:
        head_client.get(url)
    for _ in range(4):
        pair_of(LeadFactory(team=team), lead)

    with CaptureQueriesContext(connection) as five:
        text = head_client.get(url).text

    assert text.count('id="card-duplicate-') == 5
    assert len(five.captured_queries) == len(one.captured_queries)


# --- not the same person --------------------------------------------------------------


def test_dismissing_without_javascript_stores_the_decision_and_returns_to_the_queue(
    head_client, head, team
):
    pair = open_pair(team)
    events = LeadEvent.objects.count()

    response = head_client.post(dismiss_url(pair), {"found_by": "batch", "min": "50"})

    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?found_by=batch&min=50"
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("dismissed", head)
    assert abs((timezone.now() - pair.decided_at).total_seconds()) < 60
    assert LeadEvent.objects.count() == events
    page = head_client.get(response["Location"]).text
    assert "Kept apart:" in page and "No possible duplicates" in page


def test_dismissing_with_htmx_takes_the_row_away_and_updates_the_count(head_client, team):
    pair = open_pair(team)
    open_pair(team)

    response = head_client.post(dismiss_url(pair), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert 'class="duplicate-item"' not in response.text  # the row is swapped for nothing
    assert 'id="messages"' in response.text and "Kept apart:" in response.text
    assert 'id="duplicates-count"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "1 possible duplicate waits for review" in response.text


def test_a_second_dismissal_is_refused_and_changes_nothing(head_client, client, head, team):
    pair = open_pair(team)
    head_client.post(dismiss_url(pair))
    pair.refresh_from_db()
    decided = (pair.status, pair.decided_at, pair.decided_by_id)

    response = head_client.post(dismiss_url(pair), follow=True)

    assert "This pair was already decided; it has left the queue." in response.text
    pair.refresh_from_db()
    assert (pair.status, pair.decided_at, pair.decided_by_id) == decided
    assert DuplicateCandidate.objects.count() == 1


def test_a_merged_pair_cannot_be_dismissed(head_client, team):
    pair = open_pair(team, status="merged")

    response = head_client.post(dismiss_url(pair), follow=True)

    assert "already decided" in response.text
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("merged", None)


def test_a_manager_cannot_dismiss(client, manager, team):
    pair = open_pair(team)
    client.force_login(manager)

    assert client.post(dismiss_url(pair)).status_code == 403
    pair.refresh_from_db()
    assert (pair.status, pair.decided_at, pair.decided_by) == ("open", None, None)


def test_a_pair_with_a_lead_out_of_sight_is_404(head_client, team, other_team):
    pair = open_pair(team, other_team)

    assert head_client.post(dismiss_url(pair)).status_code == 404
    pair.refresh_from_db()
    assert pair.status == "open"


def test_dismissing_is_a_post(head_client, team):
    pair = open_pair(team)

    assert head_client.get(dismiss_url(pair)).status_code == 405


# --- the lead card --------------------------------------------------------------------


def test_the_card_lists_the_leads_possible_duplicates_both_ways(head_client, team):
    older, lead, newer = (LeadFactory(team=team) for _ in range(3))
    pair_of(lead, older, probability=0.81)
    pair_of(newer, lead, probability=0.93)
    pair_of(newer, older, probability=0.7)  # not this lead's

    text = head_client.get(reverse("lead-detail", args=[lead.pk])).text

    assert "Possible duplicates" in text
    assert text.index("93.0 %") < text.index("81.0 %") and "70.0 %" not in text
    assert f'href="/leads/{older.pk}/"' in text and f'href="/leads/{newer.pk}/"' in text
    assert f"/matching/merge/?leads={lead.pk},{older.pk}" in text
    assert f"/matching/merge/?leads={newer.pk},{lead.pk}" in text
    assert "Compare and merge" in text


def test_dismissing_from_the_card_returns_to_the_card(head_client, team):
    older, lead = LeadFactory(team=team), LeadFactory(team=team)
    pair = pair_of(lead, older)

    response = head_client.post(dismiss_url(pair), {"lead": older.pk})

    assert response["Location"] == reverse("lead-detail", args=[older.pk])
    pair.refresh_from_db()
    assert pair.status == "dismissed"


def test_a_manager_sees_the_possible_duplicates_but_not_the_decisions(manager_client, team):
    older, lead = LeadFactory(team=team), LeadFactory(team=team)
    pair_of(lead, older)

    text = manager_client.get(reverse("lead-detail", args=[lead.pk])).text

    assert "Possible duplicates" in text and f'href="/leads/{older.pk}/"' in text
    assert "Compare and merge" not in text and "Not the same person" not in text


def test_a_card_without_open_pairs_has_no_panel(head_client, team):
    older, lead = LeadFactory(team=team), LeadFactory(team=team)
    pair_of(lead, older, status="dismissed")

    text = head_client.get(reverse("lead-detail", args=[lead.pk])).text

    assert "duplicates-heading" not in text


def test_the_navigation_links_reviewers_to_the_queue(client, head, manager):
    client.force_login(head)
    assert QUEUE in client.get(reverse("dashboard")).text

    client.force_login(manager)
    assert QUEUE not in client.get(reverse("dashboard")).text
