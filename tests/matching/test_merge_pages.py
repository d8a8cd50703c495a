"""The merge page, the card's merge panel and undoing a merge from the card."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from galena.leads.models import EventType, Lead, LeadEvent
from galena.matching.models import LeadMerge
from galena.matching.selectors import matching_settings
from galena.matching.services import leads_merge
from tests.factories import LeadFactory
from tests.matching.merge_helpers import manual, person

MERGE_URL = reverse("matching-merge")


def compare(client, *leads, headers=None, **params):
    ids = ",".join(str(lead.pk) for lead in leads)
    return client.get(MERGE_URL, {"leads": ids, **params}, headers=headers)


def card(client, lead):
    return client.get(reverse("lead-detail", args=[lead.pk]))


# --- the side-by-side page ------------------------------------------------------------


def test_the_page_shows_the_leads_side_by_side_with_the_defaults(head_client, ana, anna):
    response = compare(head_client, ana, anna)

    assert response.status_code == 200
    html = response.text
    assert f"#{ana.pk} Ana Marin" in html and f"#{anna.pk} Anna Marin" in html
    assert response.context["survivor"] == ana  # the oldest, as none has an owner
    rows = {row.name: row for row in response.context["rows"]}
    assert rows["first_name"].differs and not rows["last_name"].differs
    # the survivor's first name by default; the company filled in from the other
    assert [cell.is_picked for cell in rows["first_name"].cells] == [True, False]
    assert [cell.is_picked for cell in rows["company_name"].cells] == [False, True]
    assert f'name="pick:company_name" value="{anna.pk}" checked' in html
    assert f'name="survivor" value="{ana.pk}" checked' in html
    assert "ana@solaris.example" in html and "+40722123456" in html
    assert f"Merge into #{ana.pk}" in html


def test_rows_no_lead_has_a_value_for_are_left_out(head_client, ana, anna):
    response = compare(head_client, ana, anna)

    names = {row.name for row in response.context["rows"]}
    assert "predicted_probability" not in names and "middle_name" not in names


def test_a_lead_with_an_owner_is_the_default_survivor(head_client, head, manager, ana, anna):
    Lead.objects.filter(pk=anna.pk).update(owner=manager)

    response = compare(head_client, ana, anna)

    assert response.context["survivor"].pk == anna.pk


def test_another_survivor_can_be_asked_for_and_htmx_gets_the_form_alone(head_client, ana, anna):
    response = compare(head_client, ana, anna, survivor=anna.pk, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="merge-form">')
    assert f'name="survivor" value="{anna.pk}" checked' in response.text


def test_fewer_than_two_leads_is_explained(head_client, ana):
    response = compare(head_client, ana)

    assert response.status_code == 200
    assert "Give at least two lead ids" in response.text
    assert "Merge into" not in response.text


def test_a_lead_already_merged_is_named(head_client, head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = compare(head_client, third, anna)

    assert f"Lead #{anna.pk} (Anna Marin) was already merged into lead #{ana.pk}." in response.text


def test_managers_may_not_merge(manager_client, ana, anna):
    assert compare(manager_client, ana, anna).status_code == 403
    assert manager_client.post(MERGE_URL, {"leads": f"{ana.pk},{anna.pk}"}).status_code == 403
    assert not LeadMerge.objects.exists()


def test_a_lead_out_of_sight_is_not_found(head_client, ana, other_team):
    hidden = LeadFactory(team=other_team)

    assert compare(head_client, ana, hidden).status_code == 404


def test_posting_merges_and_opens_the_survivors_card(head_client, head, ana, anna):
    response = head_client.post(
        MERGE_URL,
        {
            "leads": f"{ana.pk},{anna.pk}",
            "survivor": ana.pk,
            "pick:first_name": anna.pk,
            "pick:company_name": anna.pk,
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("lead-detail", args=[ana.pk]), 302)]
    merge = LeadMerge.objects.get()
    assert (merge.survivor_id, merge.merged_ids, merge.actor) == (ana.pk, [anna.pk], head)
    assert merge.choices["first_name"] == anna.pk
    ana.refresh_from_db()
    assert ana.first_name == "Anna"
    until = (timezone.localtime(merge.created_at) + dt.timedelta(days=30)).strftime("%m/%d/%Y")
    assert f"Merged 1 lead into this one. You can undo it until {until}." in response.text


def test_posting_a_merged_lead_is_refused_on_the_page(head_client, head, ana, anna):
    third = person(head, "Ana", "Marin", phone="+40722999999")
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = head_client.post(MERGE_URL, {"leads": f"{third.pk},{anna.pk}"})

    assert response.status_code == 400
    assert "was already merged into lead" in response.text
    assert LeadMerge.objects.count() == 1


# --- the card -------------------------------------------------------------------------


def test_a_merged_leads_card_says_where_it_went_with_undo(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = card(head_client, anna)

    assert response.status_code == 200
    html = response.text
    assert "Merged into another lead" in html
    assert f'<a href="{reverse("lead-detail", args=[ana.pk])}">#{ana.pk} Ana Marin</a>' in html
    assert reverse("matching-unmerge", args=[merge.pk]) in html


def test_a_manager_sees_the_banner_without_undo(manager_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = card(manager_client, anna)

    assert response.status_code == 200
    assert "Merged into another lead" in response.text
    assert reverse("matching-unmerge", args=[merge.pk]) not in response.text
    assert MERGE_URL not in response.text


def test_the_survivors_card_lists_its_merges_with_undo(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = card(head_client, ana)

    html = response.text
    assert "Merged in:" in html and f"#{anna.pk} Anna Marin" in html
    assert reverse("matching-unmerge", args=[merge.pk]) in html
    assert "Undo merge" in html


def test_the_card_offers_merge_with_to_heads(head_client, ana):
    response = card(head_client, ana)

    assert f'action="{MERGE_URL}"' in response.text
    assert "Merge with…" in response.text


def test_the_panel_keeps_the_cards_queries_bounded(
    head_client, head, ana, anna, django_assert_max_num_queries
):
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    # the card's own and its panels' (score 4, SLA 1, activities 4, client 1, personal data
    # 2), and the merge panel's
    with django_assert_max_num_queries(33):
        card(head_client, ana)


# --- undoing --------------------------------------------------------------------------


def test_undo_from_the_card_restores_the_lead(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = head_client.post(
        reverse("matching-unmerge", args=[merge.pk]),
        {"lead": ana.pk},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("lead-detail", args=[ana.pk]), 302)]
    assert f"Merge undone: #{anna.pk} restored." in response.text
    anna.refresh_from_db()
    assert anna.merged_into_id is None
    assert LeadEvent.objects.filter(type=EventType.UNMERGED).count() == 2


def test_undo_after_the_period_says_why_and_changes_nothing(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    LeadMerge.objects.filter(pk=merge.pk).update(
        created_at=timezone.now() - dt.timedelta(days=matching_settings().unmerge_days + 1)
    )

    response = head_client.post(reverse("matching-unmerge", args=[merge.pk]), follow=True)

    assert "it is final now" in response.text
    anna.refresh_from_db()
    assert anna.merged_into_id == ana.pk


def test_managers_may_not_undo(manager_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    response = manager_client.post(reverse("matching-unmerge", args=[merge.pk]))

    assert response.status_code == 403
    anna.refresh_from_db()
    assert anna.merged_into_id == ana.pk


def test_undo_needs_a_post(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))

    assert head_client.get(reverse("matching-unmerge", args=[merge.pk])).status_code == 405


# --- the admin ------------------------------------------------------------------------


def test_merges_are_read_only_in_the_admin(client, admin_user, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    client.force_login(admin_user)

    assert client.get(reverse("admin:matching_leadmerge_changelist")).status_code == 200
    page = client.get(reverse("admin:matching_leadmerge_change", args=[merge.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.get(reverse("admin:matching_leadmerge_add")).status_code == 403
