"""Bulk actions in the list: each lead through its service (one event each), refusals
reported by name, the "all matching" cap, exports safe and limited to what the user sees."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from galena.leads import services
from galena.leads.models import EventType, LeadEvent, RejectionReason, Stage, Task
from tests.factories import LeadFactory

BULK = reverse("lead-bulk")


@pytest.fixture
def head_client(client, head):
    client.force_login(head)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def stage(code):
    return Stage.objects.get(code=code)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def post(client, leads, **data):
    return client.post(BULK, {"ids": [lead.pk for lead in leads], **data})


def test_a_head_assigns_many_leads_one_event_each(head_client, manager, colleague, team):
    leads = LeadFactory.create_batch(3, owner=manager, team=team)

    response = post(head_client, leads, action="assign", owner=colleague.pk, note="Holiday")

    assert response.status_code == 302
    assert texts(response) == ["3 assigned."]
    for lead in leads:
        lead.refresh_from_db()
        assert lead.owner == colleague
    events = LeadEvent.objects.filter(type=EventType.ASSIGNED)
    assert events.count() == 3
    assert {e.params["reason"] for e in events} == {"Holiday"}


def test_a_manager_cannot_assign_to_others_in_bulk(manager_client, manager, colleague):
    lead = LeadFactory(owner=manager)

    response = post(manager_client, [lead], action="assign", owner=colleague.pk)

    assert any("assign" in t for t in texts(response))
    lead.refresh_from_db()
    assert lead.owner == manager
    assert not LeadEvent.objects.exists()


def test_a_stage_move_reports_what_it_refused_and_why(head_client, manager, team):
    qualified = stage("qualified")
    qualified.required_fields = ["interest"]
    qualified.save()
    ready = LeadFactory.create_batch(2, owner=manager, team=team, interest="Solar")
    lacking = LeadFactory(owner=manager, team=team, interest="", display_name="Ion Lipsa")

    response = post(head_client, [*ready, lacking], action="stage", stage=qualified.pk)

    assert texts(response) == ["2 moved to “Qualified”.", "1 refused: Ion Lipsa: needs Interest"]
    lacking.refresh_from_db()
    assert lacking.stage.code == "new"
    assert LeadEvent.objects.filter(type=EventType.STAGE_CHANGED).count() == 2


def test_bulk_rejection_needs_a_reason_and_records_it(head_client, manager, team):
    leads = LeadFactory.create_batch(2, owner=manager, team=team)
    rejected = stage("rejected")

    refused = post(head_client, leads, action="stage", stage=rejected.pk)
    assert any("why" in t for t in texts(refused))
    assert not LeadEvent.objects.exists()

    reason = RejectionReason.objects.get(code="no_budget")
    post(head_client, leads, action="stage", stage=rejected.pk, rejection_reason=reason.pk)

    for lead in leads:
        lead.refresh_from_db()
        assert (lead.stage, lead.rejection_reason) == (rejected, reason)


def test_bulk_deferral_plans_a_call_for_each(head_client, manager, team):
    leads = LeadFactory.create_batch(2, owner=manager, team=team)
    day = timezone.localdate() + dt.timedelta(days=40)

    post(
        head_client,
        leads,
        action="stage",
        stage=stage("deferred").pk,
        recontact_day=day.isoformat(),
    )

    assert Task.objects.filter(lead__in=leads, assignee=manager).count() == 2


def test_no_bulk_move_to_a_won_stage(head_client, manager, team):
    lead = LeadFactory(owner=manager, team=team)

    response = post(head_client, [lead], action="stage", stage=stage("converted").pk)

    assert any("valid choice" in t for t in texts(response))
    assert not LeadEvent.objects.exists()


def test_bulk_task_for_each_lead(manager_client, manager):
    leads = LeadFactory.create_batch(3, owner=manager)

    response = post(manager_client, leads, action="task", task_kind="email", task_title="Offer")

    assert texts(response) == ["3 tasks added."]
    assert Task.objects.filter(kind="email", title="Offer").count() == 3


def test_a_lead_the_user_may_not_see_is_refused_not_revealed(manager_client, manager, colleague):
    mine = LeadFactory(owner=manager)
    theirs = LeadFactory(owner=colleague)

    response = post(manager_client, [mine, theirs], action="task")

    assert texts(response) == [
        "1 tasks added.",
        f"1 refused: #{theirs.pk}: No lead with this id, or it is not yours to change.",
    ]
    assert not Task.objects.filter(lead=theirs).exists()


def test_all_matching_acts_on_the_filter(head_client, manager, team):
    hot = LeadFactory.create_batch(2, owner=manager, team=team, temperature="hot")
    cold = LeadFactory(owner=manager, team=team, temperature="cold")

    post(head_client, [], action="task", all_matching="on", query="temperature=hot")

    assert Task.objects.filter(lead__in=hot).count() == 2
    assert not Task.objects.filter(lead=cold).exists()


def test_all_matching_beyond_the_cap_is_refused_with_a_message(
    head_client, manager, team, monkeypatch
):
    monkeypatch.setattr(services, "BULK_LIMIT", 2)
    LeadFactory.create_batch(3, owner=manager, team=team)

    response = post(head_client, [], action="task", all_matching="on", query="")

    assert any("more than 2 leads" in t for t in texts(response))
    assert not Task.objects.exists()


def test_nothing_ticked_says_what_to_do(head_client):
    response = post(head_client, [], action="task")

    assert texts(response) == ["Tick the leads to act on, or all that match."]


def test_the_query_cost_per_lead_is_constant(manager_client, manager):
    def cost(n):
        leads = LeadFactory.create_batch(n, owner=manager)
        with CaptureQueriesContext(connection) as queries:
            post(manager_client, leads, action="task")
        return len(queries)

    three, six = cost(3), cost(6)
    per_lead = (six - three) // 3
    assert six - three == 3 * per_lead
    # a savepoint, the lead read locked, whether the person is blocked (consent), the task,
    # its event, the savepoint released
    assert per_lead == 6


# --- export ---------------------------------------------------------------------------


def test_export_csv_is_formula_safe_and_only_what_the_user_sees(manager_client, manager, colleague):
    mine = LeadFactory(owner=manager, company_name='=HYPERLINK("http://evil")', score=42)
    theirs = LeadFactory(owner=colleague)

    response = post(manager_client, [mine, theirs], action="export_csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "Name", "Company"]
    assert [row[0] for row in rows[1:]] == [str(mine.pk)]
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert not LeadEvent.objects.exists()


def test_export_xlsx_keeps_numbers_and_escapes_formulas(manager_client, manager):
    lead = LeadFactory(owner=manager, company_name="+1 formula", score=7)

    response = post(manager_client, [lead], action="export_xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = [cell.value for cell in sheet[2]]
    assert row[header.index("Company")] == "'+1 formula"
    assert row[header.index("Score")] == 7
