"""The deferred-demand base, the card's nurture panel, its actions and the farewell report."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import Lead
from galena.leads.services import Actor, lead_defer
from galena.nurture.models import Enrollment, FarewellAnswer, FarewellInvitation
from tests.nurture.conftest import make_lead, make_sequence, rejected, seeded_questionnaire

pytestmark = pytest.mark.django_db


def base(client, **params):
    return client.get(reverse("deferred-base"), params)


def test_the_base_lists_rejected_and_deferred_leads_with_their_reason(client, manager, team):
    make_sequence()
    lost = rejected(owner=manager, team=team, first_name="Rita", last_name="Roe")
    later = make_lead(
        owner=manager, team=team, first_name="Dan", last_name="Day", email="dan@example.com"
    )
    lead_defer(
        actor=Actor(user=manager), lead=later, recontact_at=timezone.localdate() + dt.timedelta(3)
    )
    make_lead(owner=manager, team=team, first_name="Olga", last_name="Open", email="o@example.com")
    client.force_login(manager)

    response = base(client)

    assert response.status_code == 200
    assert "Rita Roe" in response.text and "Dan Day" in response.text
    assert "Olga Open" not in response.text
    assert "No budget" in response.text
    assert "Later" in response.text  # the sequence the rejected lead is in
    assert [row.lead.pk for row in response.context["base"].rows] == [later.pk, lost.pk]
    counts = {row["code"]: row["leads"] for row in response.context["base"].reason_counts}
    assert counts == {"no_budget": 1, "": 1}


def test_the_base_filters_by_reason_and_recontact_due(client, manager, team):
    rejected(owner=manager, team=team, first_name="Budget", last_name="Bob", email="b@example.com")
    rejected(
        owner=manager,
        team=team,
        first_name="Else",
        last_name="Eve",
        email="e@example.com",
        code="bought_elsewhere",
    )
    client.force_login(manager)
    response = base(client, reason="bought_elsewhere")
    assert [row.lead.display_name for row in response.context["base"].rows] == ["Else Eve"]
    response = base(client, due="on")
    assert response.context["base"].rows == []


def test_the_base_filters_by_consent(client, manager, team):
    rejected(owner=manager, team=team, first_name="Yes", last_name="Yann", email="y@example.com")
    rejected(
        owner=manager,
        team=team,
        first_name="No",
        last_name="Nora",
        email="n@example.com",
        consent={"purposes": ["contact"]},
    )
    client.force_login(manager)
    names = lambda r: [row.lead.display_name for row in r.context["base"].rows]  # noqa: E731
    assert names(base(client, consent="yes")) == ["Yes Yann"]
    assert names(base(client, consent="no")) == ["No Nora"]


def test_a_manager_sees_only_their_leads(client, manager, colleague, team):
    rejected(owner=colleague, team=team, first_name="Not", last_name="Mine", email="x@example.com")
    client.force_login(manager)
    response = base(client)
    assert "Not Mine" not in response.text
    assert "No rejected or deferred leads yet" in response.text


def test_a_marketer_has_no_base(client, marketer):
    client.force_login(marketer)
    assert base(client).status_code == 403


def test_the_base_needs_a_login(client):
    response = base(client)
    assert response.status_code == 302


@pytest.mark.parametrize("count", [2, 12])
def test_the_base_reads_a_fixed_number_of_queries(
    client, head, team, count, django_assert_num_queries
):
    make_sequence()
    for i in range(count):
        rejected(owner=head, team=team, email=f"p{i}@example.com")
    client.force_login(head)
    base(client)  # warm the session and the user's profile
    # 17: the consent check reads the ledger and the blocks (one query each)
    with django_assert_num_queries(17):
        response = base(client)
    assert len(response.context["base"].rows) == count


def test_the_card_shows_the_rejection_and_offers_the_farewell(client, manager, team):
    lead = rejected(owner=manager, team=team, code="unreachable")
    client.force_login(manager)
    response = client.get(reverse("lead-detail", args=[lead.pk]))
    assert response.status_code == 200
    text = response.text
    assert 'id="nurture-panel"' in text
    assert "Unreachable" in text
    assert "Send the farewell e-mail" in text
    assert "Back to the pipeline" in text


def test_the_card_of_an_open_lead_has_no_nurture_panel(client, manager, lead):
    client.force_login(manager)
    response = client.get(reverse("lead-detail", args=[lead.pk]))
    assert 'id="nurture-panel"' not in response.text


def test_the_farewell_is_sent_from_the_card(
    client, manager, team, django_capture_on_commit_callbacks
):
    lead = rejected(owner=manager, team=team, code="unreachable")
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("nurture-farewell-send", args=[lead.pk]), follow=True)
    assert "The farewell e-mail is on its way." in response.text
    assert FarewellInvitation.objects.filter(lead=lead).exists()


def test_enrol_and_stop_from_the_card(client, manager, team):
    sequence = make_sequence(name="Spring offers")
    lead = rejected(owner=manager, team=team)
    Enrollment.objects.all().delete()
    client.force_login(manager)
    client.post(reverse("nurture-enroll", args=[lead.pk]), {"sequence": sequence.pk})
    assert Enrollment.objects.get(lead=lead).status == "active"
    client.post(reverse("nurture-stop", args=[lead.pk]), {"sequence": sequence.pk})
    assert Enrollment.objects.get(lead=lead).stop_reason == "by_hand"


def test_enrolling_without_consent_says_why_and_writes_nothing(client, manager, team):
    sequence = make_sequence()
    lead = rejected(owner=manager, team=team, consent=None)
    client.force_login(manager)
    response = client.post(
        reverse("nurture-enroll", args=[lead.pk]), {"sequence": sequence.pk}, follow=True
    )
    assert "has not agreed to marketing e-mail" in response.text
    assert not Enrollment.objects.exists()


def test_back_to_the_pipeline_from_the_card(client, manager, team):
    lead = rejected(owner=manager, team=team)
    client.force_login(manager)
    client.post(reverse("nurture-reactivate", args=[lead.pk]))
    assert Lead.objects.get(pk=lead.pk).stage.code == "new"


def test_another_managers_lead_cannot_be_acted_on(client, manager, outsider, team):
    lead = rejected(owner=manager, team=team)
    client.force_login(outsider)
    assert client.post(reverse("nurture-reactivate", args=[lead.pk])).status_code == 404


def answered(lead, answers):
    invitation = FarewellInvitation.objects.create(
        lead=lead,
        questionnaire=seeded_questionnaire(),
        email="a@example.com",
        rejection_reason_code=lead.rejection_reason.code,
    )
    return FarewellAnswer.objects.create(invitation=invitation, lead=lead, answers=answers)


def test_the_report_counts_answers_per_reason(client, head, team, marketer):
    first = rejected(owner=head, team=team, email="a@example.com")
    second = rejected(owner=head, team=team, email="b@example.com")
    rejected(owner=head, team=team, email="c@example.com", code="other")
    answered(first, {"why_not_us": "The price", "handling": 4})
    answered(second, {"why_not_us": "The price", "handling": 2, "change_mind": "A discount"})
    FarewellInvitation.objects.create(
        lead=Lead.objects.get(contact_points__value="c@example.com"),
        questionnaire=seeded_questionnaire(),
        email="c@example.com",
        rejection_reason_code="other",
    )
    client.force_login(marketer)
    response = client.get(reverse("farewell-report"))
    assert response.status_code == 200
    report = response.context["report"]
    by_reason = {group.key: group for group in report.by_reason}
    assert (by_reason["no_budget"].sent, by_reason["no_budget"].answered) == (2, 2)
    assert by_reason["no_budget"].choices["why_not_us"]["The price"] == 2
    assert by_reason["no_budget"].averages["handling"] == 3.0
    assert (by_reason["other"].sent, by_reason["other"].answered) == (1, 0)
    assert "A discount" in response.text


def test_a_manager_has_no_report(client, manager):
    client.force_login(manager)
    assert client.get(reverse("farewell-report")).status_code == 403


def test_the_timeline_tells_nurture_events_in_words_without_the_links(
    client, manager, team, django_capture_on_commit_callbacks
):
    make_sequence()
    with django_capture_on_commit_callbacks(execute=True):
        lead = rejected(owner=manager, team=team)
    client.force_login(manager)
    response = client.get(reverse("lead-detail", args=[lead.pk]))
    assert "sent automatically on rejection" in response.text
    assert "/q/" not in response.text  # the questionnaire's token stays in the e-mail


def test_the_filters_swap_only_the_results_for_htmx(client, manager, team):
    rejected(owner=manager, team=team, first_name="Hana", last_name="Htmx")
    client.force_login(manager)
    response = client.get(reverse("deferred-base"), {"reason": "no_budget"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="deferred-results"')
    assert "Hana Htmx" in response.text


def test_moving_between_open_stages_costs_nurture_no_query(
    manager, lead, django_assert_num_queries
):
    from galena.nurture.services import lead_stage_changed
    from tests.nurture.conftest import stage

    previous = lead.stage
    lead.stage = stage("in_work")
    with django_assert_num_queries(0):
        lead_stage_changed(lead=lead, actor=Actor(user=manager), previous=previous)


def test_the_card_of_an_open_lead_costs_nurture_no_query(manager, lead, django_assert_num_queries):
    from galena.nurture.selectors import card_nurture

    lead = Lead.objects.select_related("stage").get(pk=lead.pk)
    with django_assert_num_queries(0):
        assert not card_nurture(lead).in_base
