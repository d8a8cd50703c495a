import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import ActorSource, OfflineEvent, Stage
from galena.leads.services import Actor, lead_assign, lead_change_stage, lead_update, note_add
from tests.factories import CampaignFactory, LeadFactory, TaskFactory


def card(client, lead):
    return client.get(reverse("lead-detail", args=[lead.pk]))


def test_card_shows_the_person_and_contacts(manager_client, lead):
    response = card(manager_client, lead)

    assert response.status_code == 200
    assert "<h1>Ana Marin</h1>" in response.text
    assert "Solaris SRL" in response.text
    assert 'href="tel:+40722123456"' in response.text
    assert 'href="mailto:ana@solaris.example"' in response.text
    assert "primary" in response.text


def test_card_flags_invalid_and_verified_contacts(manager_client, lead):
    phone = lead.contact_points.get(kind="phone")
    phone.is_valid = False
    phone.save()
    email = lead.contact_points.get(kind="email")
    email.verified = True
    email.verified_at = timezone.now()
    email.save()

    response = card(manager_client, lead)

    assert "looks invalid" in response.text
    assert "✓ verified" in response.text


def test_card_shows_classification_with_quality_reasons(manager_client, lead):
    lead.quality_status = "quarantined"
    lead.quality_reasons = [{"code": "bot_speed", "evidence": "Form filled in 0.4 s"}, "typo"]
    lead.fit = "target"
    lead.save()

    response = card(manager_client, lead)

    assert "Quarantined" in response.text
    assert "bot_speed" in response.text and "Form filled in 0.4 s" in response.text
    assert "typo" in response.text
    assert "Target" in response.text


def test_card_shows_attribution_and_custom_attributes(manager_client, manager, lead):
    campaign = CampaignFactory(name="Spring sale")
    event = OfflineEvent.objects.create(name="Expo 2026", city="Cluj")
    lead.campaign = campaign
    lead.source = campaign.source
    lead.offline_event = event
    lead.utm_source = "facebook"
    lead.utm_campaign = "spring-<b>sale</b>"
    lead.landing_page = "https://example.com/kitchen"
    lead.attributes = {"budget": 5000, "rooms": [2, 3], "<script>": "x"}
    lead.save()

    response = card(manager_client, lead)

    assert "Spring sale" in response.text
    assert campaign.source.name in response.text
    assert "Expo 2026, Cluj" in response.text
    assert "facebook" in response.text
    assert "spring-&lt;b&gt;sale&lt;/b&gt;" in response.text  # escaped, never trusted
    assert "https://example.com/kitchen" in response.text
    assert '<th scope="row">budget</th><td class="break">5000</td>' in response.text
    assert "2, 3" in response.text
    assert "&lt;script&gt;" in response.text


def test_timeline_reads_like_a_story(client, manager, head, lead):
    actor = Actor(user=manager, source=ActorSource.MANUAL)
    lead_update(actor=actor, lead=lead, data={"company_name": "Lumo Oy", "temperature": "hot"})
    lead_change_stage(actor=actor, lead=lead, stage=Stage.objects.get(code="in_work"))
    note_add(actor=actor, lead=lead, text="Asked for <b>prices</b>\nCall on Monday")
    lead_assign(actor=Actor(user=head), lead=lead, owner=head, reason="Big deal")

    client.force_login(head)  # the lead is the head's now, in the head's team
    response = card(client, lead)

    text = response.text
    assert "Lead created" in text
    assert "Company:</span> <del>Solaris SRL</del> → <ins>Lumo Oy</ins>" in text
    assert "Temperature:</span> <del>Cold</del> → <ins>Hot</ins>" in text  # cold: the rules said so
    assert "New → <strong>In work</strong>" in text
    assert "Asked for &lt;b&gt;prices&lt;/b&gt;<br>Call on Monday" in text
    assert f"Assigned to {head.get_full_name()}" in text
    assert f"was {manager.get_full_name()}" in text
    assert "Big deal" in text


def test_classification_event_shows_before_and_after(manager_client, manager, lead):
    from galena.leads.models import EventType, LeadEvent

    LeadEvent.objects.create(
        lead=lead,
        type=EventType.CLASSIFIED,
        actor=manager,
        actor_source=ActorSource.CALL,
        params={"changes": {"verification": ["unverified", "verified"]}},
    )

    response = card(manager_client, lead)

    assert "Classification changed" in response.text
    assert "Verification:</span> <del>Unverified</del> → <ins>Verified</ins>" in response.text


def test_timeline_names_related_records_in_diffs(manager_client, manager, lead):
    campaign = CampaignFactory(name="Autumn")
    lead_update(
        actor=Actor(user=manager),
        lead=lead,
        data={"source_id": campaign.source_id, "campaign_id": campaign.pk},
    )

    response = card(manager_client, lead)

    assert f"<ins>{campaign.source.name}</ins>" in response.text
    assert "<ins>Autumn</ins>" in response.text


def test_timeline_query_count_does_not_grow_with_events(
    manager_client, manager, lead, django_assert_max_num_queries
):
    actor = Actor(user=manager)
    note_add(actor=actor, lead=lead, text="note")
    card(manager_client, lead)  # the scoring rules and the like are read once per process
    with CaptureQueriesContext(connection) as few:
        card(manager_client, lead)
    for n in range(15):
        note_add(actor=actor, lead=lead, text=f"note {n}")
        lead_update(actor=actor, lead=lead, data={"city": f"City {n}"})

    # the card itself about 14; the panels: score 4, SLA 1, activities 4, client 1, personal
    # data 2 (consents, blocks), nurture and hand-off 0 for an open lead
    with django_assert_max_num_queries(28):
        response = card(manager_client, lead)

    assert response.text.count('class="event event-note_added"') == 16
    with CaptureQueriesContext(connection) as many:
        card(manager_client, lead)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_card_lists_tasks_with_overdue_highlighted(manager_client, manager, lead):
    TaskFactory(lead=lead, title="Late call", due_at=timezone.now() - dt.timedelta(days=1))
    TaskFactory(lead=lead, title="Next call", due_at=timezone.now() + dt.timedelta(days=1))
    TaskFactory(lead=lead, title="Old call", done_at=timezone.now(), outcome="Reached")

    response = card(manager_client, lead)

    assert [t.title for t in response.context["open_tasks"]] == ["Late call", "Next call"]
    assert response.text.count('class="task is-overdue"') == 1
    assert "1 overdue" in response.text
    assert "1 done task" in response.text and "Reached" in response.text


def test_card_offers_keyboard_shortcuts(manager_client, lead):
    response = card(manager_client, lead)

    for key in ("n", "t", "e", "k", "s"):
        assert f'data-shortcut="{key}"' in response.text
    assert "galena/app.js" in response.text
    assert 'id="shortcut-help"' in response.text
    assert 'id="card-shortcuts"' in response.text  # the card's own keys, shown by ?


def test_manager_gets_take_it_for_an_unassigned_team_lead(manager_client, manager, team):
    unassigned = LeadFactory(owner=None, team=team)

    response = card(manager_client, unassigned)

    assert "Take it" in response.text
    assert 'id="assign-form"' not in response.text


def test_head_gets_the_assign_form(head_client, manager, lead):
    response = card(head_client, lead)
    form = head_client.get(reverse("lead-card-form", args=[lead.pk, "assign"]))

    # the panel fetches its form when opened
    assert reverse("lead-card-form", args=[lead.pk, "assign"]) in response.text
    assert "Take it" not in response.text
    assert form.text.lstrip().startswith('<form id="assign-form"')
    assert f'<option value="{manager.pk}" selected>' in form.text


def test_manager_cannot_see_a_colleagues_lead(manager_client, colleague_lead):
    response = card(manager_client, colleague_lead)

    assert response.status_code == 404
    assert "Nothing here" in response.text


def test_unknown_lead_is_404(manager_client, db):
    assert manager_client.get(reverse("lead-detail", args=[999999])).status_code == 404


def test_outsider_from_another_team_gets_404(client, outsider, lead):
    client.force_login(outsider)

    assert card(client, lead).status_code == 404


def test_marketer_gets_403_on_a_card(marketer_client, lead):
    response = card(marketer_client, lead)

    assert response.status_code == 403
    assert "This page is not for your role" in response.text


def test_lead_created_without_owner_by_intake_is_shown_as_nobody(head_client, team):
    lead = LeadFactory(owner=None, team=team)

    response = card(head_client, lead)

    assert "nobody yet" in response.text


def test_a_submission_on_the_timeline_says_what_intake_decided_in_words(manager_client, lead):
    from galena.leads.models import EventType, LeadEvent

    LeadEvent.objects.create(
        lead=lead,
        type=EventType.SUBMISSION_RECEIVED,
        actor_source="web_form",
        params={
            "submission_id": 41,
            "channel": "landing_page",
            "adapter": "capture",
            "action": "quarantine",
            "reasons": [{"stage": "quality", "code": "too_fast", "message": "Sent in 0.4 s."}],
        },
    )

    page = card(manager_client, lead).content.decode()
    timeline = page[page.index('<ol class="timeline">') :]

    assert "Landing page / web form · held for review" in timeline
    assert "Sent in 0.4 s." in timeline
    assert "too_fast" not in timeline
    assert "Adapter" not in timeline


def test_a_merge_on_the_timeline_names_what_its_diff_points_at(manager_client, head, team, lead):
    from galena.leads.models import EventType, LeadEvent

    other = LeadFactory(display_name="Anna Marin", team=team)
    new, in_work = Stage.objects.get(code="new"), Stage.objects.get(code="in_work")
    LeadEvent.objects.create(
        lead=lead,
        type=EventType.MERGED,
        actor=head,
        params={
            "merge_id": 1,
            "merged_ids": [other.pk],
            "changes": {
                "owner_id": [None, head.pk],
                "stage_id": [new.pk, in_work.pk],
                "team_id": [None, team.pk],
                "name_translit": ["", "ana marin"],
            },
            "sources": {"owner_id": other.pk, "stage_id": other.pk, "team_id": lead.pk},
        },
    )

    page = card(manager_client, lead).text
    timeline = page[page.index('<ol class="timeline">') :]

    assert f"#{other.pk}</a> (Anna Marin)" in timeline
    assert f"<ins>{head.get_full_name()}</ins>" in timeline
    assert "<del>New</del> → <ins>In work</ins>" in timeline
    assert "<ins>North</ins></li>" in timeline  # the survivor's own team: no "from"
    assert timeline.count(f"from #{other.pk}") == 2
    assert "translit" not in timeline.lower()


# a later app's presenter, as settings.TIMELINE_PRESENTERS names it
presented_batches: list[int] = []


def present_notes_loudly(events):
    from django.template import Template

    presented_batches.append(len(events))
    for event in events:
        event.template = Template("<b>LOUD</b> {{ event.params.text|upper }}")


def test_a_later_app_presents_its_events_in_one_call(manager_client, manager, lead, settings):
    settings.TIMELINE_PRESENTERS = {"note_added": f"{__name__}.present_notes_loudly"}
    presented_batches.clear()
    for n in range(3):
        note_add(actor=Actor(user=manager), lead=lead, text=f"note {n}")

    page = card(manager_client, lead).text

    assert presented_batches == [3]
    assert "<b>LOUD</b> NOTE 2" in page and "<b>LOUD</b> NOTE 0" in page
    assert '<div class="note">' not in page
