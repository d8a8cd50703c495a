"""The possible-duplicate review API: the open pairs with their evidence, "not the same
person"."""

import datetime as dt

import pytest
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.leads.models import LeadEvent
from galena.matching.models import DuplicateCandidate
from tests.api.helpers import ApiClient, error
from tests.factories import ContactPointFactory, LeadFactory
from tests.matching.review_helpers import pair_of

DUPLICATES = "/api/v1/matching/duplicates"


def api_as(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


def open_pair(team, newer_team=None, **fields):
    older = LeadFactory(team=team)
    return pair_of(LeadFactory(team=newer_team or team), older, **fields)


def dismiss_url(pair) -> str:
    return f"{DUPLICATES}/{pair.pk}/dismiss"


def test_a_pair_with_both_leads_and_the_evidence(head, team):
    ana = LeadFactory(team=team, display_name="Ana Marin")
    anna = LeadFactory(team=team, display_name="Anna Marin")
    pair = pair_of(anna, ana, found_by="intake")

    response = api_as(head).get(DUPLICATES)

    assert response.status_code == 200
    body = response.json()
    created_at = dt.datetime.fromisoformat(body["items"][0].pop("created_at"))
    assert abs(created_at - pair.created_at) < dt.timedelta(milliseconds=1)
    assert body == {
        "items": [
            {
                "id": pair.pk,
                "lead": {"id": anna.pk, "display_name": "Anna Marin"},
                "other": {"id": ana.pk, "display_name": "Ana Marin"},
                "probability": 0.9446,
                "weight": 4.09,
                "found_by": "intake",
                "status": "open",
                "decided_at": None,
                "decided_by": None,
                "explanation": {
                    "prior_weight": -5.61,
                    "match_weight": 4.09,
                    "household": False,
                    "swapped_names": False,
                    "fields": [
                        {
                            "comparison": "first_name",
                            "level": "nickname",
                            "weight": 3.64,
                            "label": "First name",
                            "level_label": "a nickname or another language's form",
                        },
                        {
                            "comparison": "last_name",
                            "level": "exact",
                            "weight": 3.74,
                            "label": "Last name",
                            "level_label": "the same",
                        },
                        {
                            "comparison": "email_local",
                            "level": "exact",
                            "weight": 6.32,
                            "label": "E-mail, before the @",
                            "level_label": "the same",
                        },
                        {
                            "comparison": "phone",
                            "level": "different",
                            "weight": -3.04,
                            "label": "Phone",
                            "level_label": "different",
                        },
                    ],
                },
            }
        ],
        "next_cursor": None,
    }


def test_only_open_pairs_whose_both_leads_are_visible_are_listed(head, team, other_team):
    shown = open_pair(team)
    open_pair(team, other_team)
    open_pair(team, status="dismissed", decided_at=timezone.now())
    open_pair(team, status="merged", decided_at=timezone.now())
    merged_away = open_pair(team)
    merged_away.other.merged_into = shown.lead
    merged_away.other.save()

    body = api_as(head).get(DUPLICATES).json()

    assert [item["id"] for item in body["items"]] == [shown.pk]


def test_pairs_page_most_probable_first_and_filter(head, team):
    pairs = [open_pair(team, probability=p) for p in (0.6, 0.9, 0.75, 0.8, 0.55)]
    intake = open_pair(team, probability=0.7, found_by="intake")
    client = api_as(head)

    first = client.get(DUPLICATES, {"limit": 3}).json()
    second = client.get(DUPLICATES, {"limit": 3, "cursor": first["next_cursor"]}).json()
    probable = client.get(DUPLICATES, {"min_probability": 0.78}).json()
    by_intake = client.get(DUPLICATES, {"found_by": "intake"}).json()
    of_a_lead = client.get(DUPLICATES, {"lead": pairs[2].other_id}).json()

    assert [item["probability"] for item in first["items"] + second["items"]] == [
        0.9,
        0.8,
        0.75,
        0.7,
        0.6,
        0.55,
    ]
    assert second["next_cursor"] is None
    assert [item["probability"] for item in probable["items"]] == [0.9, 0.8]
    assert [item["id"] for item in by_intake["items"]] == [intake.pk]
    assert [item["id"] for item in of_a_lead["items"]] == [pairs[2].pk]


def test_a_probability_out_of_range_is_refused(head):
    response = api_as(head).get(DUPLICATES, {"min_probability": 1.5})

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "min_probability"


@pytest.mark.parametrize("pairs", [1, 20])
def test_the_query_count_does_not_grow(head, team, pairs, django_assert_max_num_queries):
    for _ in range(pairs):
        pair = open_pair(team)
        ContactPointFactory(lead=pair.lead)
    client = api_as(head)
    client.get(DUPLICATES)  # the token's first use stamps it

    with django_assert_max_num_queries(2):  # the token with its user; the pairs with both leads
        response = client.get(DUPLICATES)

    assert len(response.json()["items"]) == pairs


@pytest.mark.parametrize("role", ["manager", "telemarketer", "marketer"])
def test_the_list_is_for_heads_of_sales_and_admins(request, role):
    response = api_as(request.getfixturevalue(role)).get(DUPLICATES)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


# --- not the same person --------------------------------------------------------------


def test_dismissing_stores_who_and_when(head, team):
    pair = open_pair(team)
    events = LeadEvent.objects.count()

    response = api_as(head).post(dismiss_url(pair))

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (pair.pk, "dismissed")
    assert body["decided_by"] == {"id": head.pk, "username": "head"}
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == ("dismissed", head)
    decided_at = dt.datetime.fromisoformat(body["decided_at"])
    assert abs(decided_at - pair.decided_at) < dt.timedelta(milliseconds=1)
    assert LeadEvent.objects.count() == events
    assert api_as(head).get(DUPLICATES).json()["items"] == []


def test_a_second_dismissal_is_refused_and_changes_nothing(head, admin_user, team):
    pair = open_pair(team)
    api_as(head).post(dismiss_url(pair))
    pair.refresh_from_db()
    decided = (pair.status, pair.decided_at, pair.decided_by_id)

    response = api_as(admin_user).post(dismiss_url(pair))

    assert response.status_code == 400
    assert response.json() == error("invalid", "This pair was already decided.", "status")
    pair.refresh_from_db()
    assert (pair.status, pair.decided_at, pair.decided_by_id) == decided
    assert DuplicateCandidate.objects.count() == 1


def test_a_manager_may_not_dismiss(manager, team):
    pair = open_pair(team)

    response = api_as(manager).post(dismiss_url(pair))

    assert response.status_code == 403
    pair.refresh_from_db()
    assert (pair.status, pair.decided_at, pair.decided_by) == ("open", None, None)


def test_a_pair_with_a_lead_out_of_sight_is_404(head, team, other_team):
    pair = open_pair(team, other_team)

    response = api_as(head).post(dismiss_url(pair))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    pair.refresh_from_db()
    assert pair.status == "open"
