"""The matching API: merge, read a merge, undo it."""

import datetime as dt

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from galena.accounts.services import api_token_create
from galena.leads.models import Lead
from galena.matching.models import LeadMerge
from galena.matching.selectors import matching_settings
from galena.matching.services import leads_merge
from tests.api.helpers import ApiClient, error
from tests.factories import LeadFactory
from tests.matching.merge_helpers import manual, person

MERGES = "/api/v1/matching/merges"


def api_as(user) -> ApiClient:
    _, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


encode = DjangoJSONEncoder().default


def test_merging_answers_with_the_merge(head, ana, anna):
    response = api_as(head).post(
        MERGES, {"survivor_id": ana.pk, "lead_ids": [anna.pk], "choices": {"first_name": anna.pk}}
    )

    assert response.status_code == 201
    merge = LeadMerge.objects.get()
    body = response.json()
    assert body["id"] == merge.pk
    assert (body["survivor_id"], body["merged_ids"]) == (ana.pk, [anna.pk])
    assert body["choices"]["first_name"] == anna.pk
    assert body["changes"]["first_name"] == ["Ana", "Anna"]
    assert body["changes"]["company_name"] == ["", "Solaris SRL"]
    assert body["moved"]["leads.Task.lead"] == {
        str(anna.pk): list(ana.tasks.order_by("pk").values_list("pk", flat=True))
    }
    assert body["kept"] == {}
    assert body["actor"] == {"id": head.pk, "username": "head"}
    assert body["undo_until"] == encode(
        merge.created_at + dt.timedelta(days=matching_settings().unmerge_days)
    )
    assert (body["unmerged_at"], body["unmerged_by"]) == (None, None)
    assert Lead.objects.get(pk=anna.pk).merged_into_id == ana.pk


def test_a_merge_can_be_read_and_undone(head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    client = api_as(head)

    assert client.get(f"{MERGES}/{merge.pk}").json()["merged_ids"] == [anna.pk]
    response = client.post(f"{MERGES}/{merge.pk}/unmerge")

    assert response.status_code == 200
    body = response.json()
    assert body["unmerged_by"] == {"id": head.pk, "username": "head"}
    assert body["unmerged_at"] is not None and body["undo_until"] is None
    assert Lead.objects.get(pk=anna.pk).merged_into_id is None


def test_a_lead_already_merged_is_refused_with_the_error_envelope(head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = api_as(head).post(MERGES, {"survivor_id": third.pk, "lead_ids": [anna.pk]})

    assert response.status_code == 400
    message = (
        f"Lead #{anna.pk} (Anna Marin) was already merged into lead #{ana.pk}. Nothing was merged."
    )
    assert response.json() == error("invalid", message, field="lead_ids")
    assert LeadMerge.objects.count() == 1


def test_an_unknown_choice_names_itself(head, ana, anna):
    response = api_as(head).post(
        MERGES, {"survivor_id": ana.pk, "lead_ids": [anna.pk], "choices": {"city": anna.pk}}
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "choices.city"
    assert not LeadMerge.objects.exists()


def test_the_survivor_among_the_leads_is_refused(head, ana, anna):
    response = api_as(head).post(MERGES, {"survivor_id": ana.pk, "lead_ids": [ana.pk]})

    assert response.status_code == 400
    assert "cannot merge into itself" in response.json()["error"]["message"]


def test_managers_may_not_merge_read_or_undo(head, manager, ana, anna):
    client = api_as(manager)
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    assert client.post(MERGES, {"survivor_id": ana.pk, "lead_ids": [anna.pk]}).status_code == 403
    assert client.get(f"{MERGES}/{merge.pk}").status_code == 403
    assert client.post(f"{MERGES}/{merge.pk}/unmerge").status_code == 403
    assert LeadMerge.objects.get().unmerged_at is None


def test_a_lead_out_of_sight_is_not_found(head, ana, other_team):
    hidden = LeadFactory(team=other_team)

    response = api_as(head).post(MERGES, {"survivor_id": ana.pk, "lead_ids": [hidden.pk]})

    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        f"No lead with id {hidden.pk}, or it is not yours to see."
    )
    assert Lead.objects.get(pk=hidden.pk).merged_into_id is None


def test_a_merge_of_leads_out_of_sight_is_not_found(admin_user, head, other_team):
    first, second = LeadFactory(team=other_team), LeadFactory(team=other_team)
    merge = leads_merge(survivor=first, others=[second], actor=manual(admin_user))

    assert api_as(head).get(f"{MERGES}/{merge.pk}").status_code == 404
    assert api_as(head).get(f"{MERGES}/{merge.pk + 1}").status_code == 404


def test_undo_after_the_period_is_refused(head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    LeadMerge.objects.filter(pk=merge.pk).update(
        created_at=timezone.now() - dt.timedelta(days=matching_settings().unmerge_days + 1)
    )

    response = api_as(head).post(f"{MERGES}/{merge.pk}/unmerge")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "merge"
    assert "it is final now" in response.json()["error"]["message"]
    assert Lead.objects.get(pk=anna.pk).merged_into_id == ana.pk


def test_the_endpoints_are_documented(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {MERGES, f"{MERGES}/{{merge_id}}", f"{MERGES}/{{merge_id}}/unmerge"} <= set(paths)
