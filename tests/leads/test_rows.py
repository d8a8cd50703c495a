"""The list's rows and the board's cards are written in Python (galena.leads.rows): every
value escaped, the words translated, the same markup the pages and their scripts rely on."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from galena.leads.models import Stage
from tests.factories import ContactPointFactory, LeadFactory

HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def hostile_lead(manager):
    lead = LeadFactory(
        display_name=HOSTILE,
        company_name='Acme "Quotes" & <b>Sons</b>',
        owner=manager,
        team=manager.profile.team,
    )
    ContactPointFactory(
        lead=lead, kind="email", value_raw="a<b>@example.com", value="a@example.com"
    )
    return lead


def test_list_rows_escape_every_value(manager_client, hostile_lead):
    page = manager_client.get(reverse("lead-list")).text

    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Acme &quot;Quotes&quot; &amp; &lt;b&gt;Sons&lt;/b&gt;" in page
    assert "a&lt;b&gt;@example.com" in page
    assert 'aria-label="Select &lt;script&gt;' in page


def test_board_cards_escape_every_value(manager_client, hostile_lead):
    page = manager_client.get(reverse("lead-board")).text

    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<p class="board-card-company small">Acme &quot;Quotes&quot; &amp;' in page


def test_a_row_links_the_card_and_shows_stage_owner_sla_and_day(manager_client, manager):
    now = timezone.now()
    lead = LeadFactory(
        display_name="Ana Popescu",
        owner=manager,
        team=manager.profile.team,
        created_at=now,
        response_due_at=now - dt.timedelta(minutes=12, seconds=30),
    )

    page = manager_client.get(reverse("lead-list")).text
    start = page.index(f'name="ids" value="{lead.pk}"')
    row = page[start : page.index("</tr>", start)]

    assert f'<a href="{reverse("lead-detail", args=[lead.pk])}">Ana Popescu</a>' in row
    assert f'class="stage stage-{lead.stage.kind}">{lead.stage.label}<' in row
    assert manager.get_full_name() in row
    assert '<span class="badge badge-danger">breached</span>' in row
    assert "12\xa0minutes overdue" in row
    assert ">today</time>" in row


def test_a_card_selects_its_stage_and_carries_a_csrf_token(manager_client, manager):
    lead = LeadFactory(display_name="Ion Marin", owner=manager, team=manager.profile.team)

    page = manager_client.get(reverse("lead-board")).text
    card = page[page.index(f'id="board-card-{lead.pk}"') :]
    card = card[: card.index("</li>")]

    assert f'<option value="{lead.stage_id}" selected>' in card
    assert card.count("<option ") == Stage.objects.count()
    assert 'name="csrfmiddlewaretoken" value="' in card
    assert f'action="{reverse("lead-board-move", args=[lead.pk])}"' in card


def test_rows_speak_the_readers_language(manager_client, manager):
    LeadFactory(display_name="Elena Stan", owner=None, team=manager.profile.team)

    with translation.override("ro"):
        page = manager_client.get(reverse("lead-list"), HTTP_ACCEPT_LANGUAGE="ro").text

    with translation.override("ro"):
        unassigned = translation.gettext("unassigned")
        company = translation.gettext("Company")
    assert unassigned != "unassigned"
    assert f'<span class="muted">{unassigned}</span>' in page
    assert f'data-label="{company}"' in page
