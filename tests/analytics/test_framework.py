"""The reports' shared parts: who sees which leads' figures, the filter, the exports and
the charts."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from galena.accounts.models import Role
from galena.analytics.charts import bar_chart, funnel_chart, histogram, line_chart
from galena.analytics.filters import (
    ReportFilter,
    ReportFilterForm,
    default_period,
    lead_scope,
    report_roles,
    require_report,
)
from galena.analytics.tables import Column, ReportTable, table_csv, table_json, table_xlsx
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import Channel, Lead
from tests.factories import LeadFactory, UserFactory

pytestmark = pytest.mark.django_db

PERIOD = ReportFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))


def _visible(user, f=PERIOD) -> set[int]:
    return set(Lead.objects.filter(lead_scope(user, f)).values_list("pk", flat=True))


@pytest.fixture
def leads(team, other_team, manager, colleague, outsider):
    return {
        "mine": LeadFactory(owner=manager, team=team),
        "handed_over": LeadFactory(owner=colleague, original_owner=manager, team=team),
        "colleague": LeadFactory(owner=colleague, team=team),
        "team_unassigned": LeadFactory(owner=None, team=team),
        "other_team": LeadFactory(owner=outsider, team=other_team),
    }


def test_admin_and_marketer_see_every_lead(admin_user, marketer, leads):
    assert _visible(admin_user) == {lead.pk for lead in leads.values()}
    assert _visible(marketer) == {lead.pk for lead in leads.values()}


def test_head_of_sales_sees_their_team(head, leads):
    expected = {"mine", "handed_over", "colleague", "team_unassigned"}
    assert _visible(head) == {leads[name].pk for name in expected}


def test_manager_sees_their_own_and_the_leads_they_first_owned(manager, leads):
    assert _visible(manager) == {leads["mine"].pk, leads["handed_over"].pk}


def test_telemarketer_sees_only_their_own(telemarketer, team, leads):
    own = LeadFactory(owner=telemarketer, team=team)
    assert _visible(telemarketer) == {own.pk}


def test_merged_leads_never_count(admin_user, leads):
    merged = LeadFactory(merged_into=leads["mine"])
    assert merged.pk not in _visible(admin_user)
    assert leads["mine"].pk in _visible(admin_user)


def test_slices_narrow_the_scope(admin_user, team, leads):
    leads["mine"].channel = Channel.SOCIAL
    leads["mine"].region = "Cluj"
    leads["mine"].save()
    assert _visible(admin_user, PERIOD.with_changes(channel=Channel.SOCIAL)) == {leads["mine"].pk}
    assert _visible(admin_user, PERIOD.with_changes(region="Cluj")) == {leads["mine"].pk}
    assert _visible(admin_user, PERIOD.with_changes(owner_id=leads["colleague"].owner_id)) == {
        leads["handed_over"].pk,
        leads["colleague"].pk,
    }


def test_a_user_without_a_role_has_no_figures(db):
    nobody = UserFactory(username="nobody")
    nobody.profile.delete()
    nobody.refresh_from_db()
    with pytest.raises(PermissionDenied):
        lead_scope(nobody, PERIOD)


def test_report_roles(admin_user, head, manager, telemarketer, marketer):
    assert report_roles(admin_user) >= {"funnel", "cohorts", "team", "cost"}
    assert "team" not in report_roles(marketer)
    assert "cost" in report_roles(marketer)
    assert "cost" not in report_roles(manager)
    assert "cost" not in report_roles(telemarketer)
    assert "cost" in report_roles(head)
    with pytest.raises(PermissionDenied):
        require_report(marketer, "team")
    with pytest.raises(PermissionDenied):
        require_report(manager, "cost")
    with pytest.raises(PermissionDenied):
        require_report(manager, "no-such-report")
    require_report(manager, "funnel")


@override_settings(TIME_ZONE="Europe/Bucharest")
def test_the_period_is_whole_days_in_the_business_time_zone():
    f = ReportFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))
    assert f.start_at() == dt.datetime(2025, 12, 31, 22, 0, tzinfo=dt.UTC)
    assert f.end_at() == dt.datetime(2026, 1, 31, 22, 0, tzinfo=dt.UTC)


def test_the_default_period_is_the_last_twelve_full_months():
    assert default_period(dt.date(2026, 3, 15)) == (dt.date(2025, 3, 1), dt.date(2026, 2, 28))
    assert default_period(dt.date(2026, 1, 1)) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_the_form_reads_the_query_and_refuses_a_reversed_period(manager, source):
    form = ReportFilterForm(
        {"from": "2026-01-01", "to": "2026-02-28", "channel": "social", "source": str(source.pk)},
        user=manager,
    )
    f = form.to_filter_or_refuse()
    assert (f.date_from, f.date_to, f.channel, f.source_id) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 28),
        "social",
        source.pk,
    )
    assert "owner" not in form.fields  # a manager does not slice by person
    reversed_period = ReportFilterForm({"from": "2026-03-01", "to": "2026-01-01"}, user=manager)
    with pytest.raises(ValidationFailed):
        reversed_period.to_filter_or_refuse()
    assert reversed_period.to_filter() == ReportFilter.default(group_by="channel")


@pytest.fixture
def source(db):
    from tests.factories import SourceFactory

    return SourceFactory(name="Fair")


# --- exports ------------------------------------------------------------------------------

TABLE = ReportTable(
    code="sample",
    title="Sample",
    columns=[
        Column("name", "Name", "text"),
        Column("leads", "Leads", "int"),
        Column("rate", "Rate", "percent"),
        Column("cost", "Cost", "money"),
        Column("time", "Time", "duration"),
    ],
    rows=[
        {
            "name": '=HYPERLINK("http://evil")',
            "leads": 3,
            "rate": 12.5,
            "cost": Decimal("10.50"),
            "time": 172800,
        },
        {"name": "-2+3", "leads": -2, "rate": None, "cost": Decimal("-1.25"), "time": None},
    ],
    totals={"name": "Total", "leads": 1, "rate": 12.5, "cost": Decimal("9.25"), "time": 86400},
    notes=["@note"],
)


def test_csv_cells_cannot_run_as_formulas_and_numbers_stay_numbers():
    text = table_csv(TABLE).content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Name,Leads,Rate,Cost,Time (days)"
    assert lines[1] == '"\'=HYPERLINK(""http://evil"")",3,12.5,10.50,2.0'
    assert lines[2] == "'-2+3,-2,,-1.25,"
    assert lines[3] == "Total,1,12.5,9.25,1.0"


def test_xlsx_opens_with_openpyxl_with_safe_text_and_numbers():
    response = table_xlsx(TABLE)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Leads", "Rate", "Cost", "Time (days)")
    assert rows[1] == ('\'=HYPERLINK("http://evil")', 3, 12.5, 10.5, 2)
    assert rows[2] == ("'-2+3", -2, None, -1.25, None)
    assert rows[3] == ("Total", 1, 12.5, 9.25, 1)
    assert rows[-1][0] == "'@note"


def test_json_has_columns_with_kinds_and_exact_money():
    body = table_json(TABLE)
    assert body["columns"][3] == {"key": "cost", "label": "Cost", "kind": "money"}
    assert body["rows"][0]["cost"] == "10.50"
    assert body["rows"][0]["time"] == 172800
    assert body["totals"]["name"] == "Total"
    assert body["notes"] == ["@note"]


# --- charts -------------------------------------------------------------------------------

EVIL = '<script>alert("x")</script>'


@pytest.mark.parametrize(
    "chart",
    [
        lambda: bar_chart([EVIL, "b"], {EVIL: [1, 2], "two": [3, 4]}, title=EVIL),
        lambda: line_chart([EVIL, "b"], {EVIL: [1, None]}, title=EVIL),
        lambda: funnel_chart([(EVIL, 10), ("b", 5)], title=EVIL),
        lambda: histogram([(EVIL, 3), ("b", 1)], title=EVIL),
    ],
)
def test_charts_escape_every_text(chart):
    svg = str(chart().svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title" in svg


def test_bar_chart_shows_values_and_its_numbers_as_a_table():
    chart = bar_chart(["Jan", "Feb"], {"Leads": [3, 1200]}, title="Leads")
    assert ">3</text>" in str(chart.svg)
    assert chart.headers == ["", "Leads"]
    assert chart.rows == [["Jan", "3"], ["Feb", "1\u202f200"]]


def test_funnel_chart_gives_each_step_its_share_of_the_first():
    chart = funnel_chart([("Visitors", 200), ("Leads", 50), ("Clients", 5)])
    assert chart.rows == [
        ["Visitors", "200", "100.0 %"],
        ["Leads", "50", "25.0 %"],
        ["Clients", "5", "2.5 %"],
    ]


def test_an_empty_chart_says_so():
    assert "No figures" in str(bar_chart([], {}, title="Nothing").svg)


# --- pages and API ------------------------------------------------------------------------


def test_the_index_lists_only_what_the_role_may_open(client, manager):
    client.force_login(manager)
    response = client.get("/analytics/")
    assert response.status_code == 200
    assert response.context["allowed"] == report_roles(manager)
    assert "cost" not in response.context["allowed"]


def test_the_index_needs_a_login_and_a_role(client, db):
    assert client.get("/analytics/").status_code == 302
    nobody = UserFactory(username="nobody")
    nobody.profile.delete()
    client.force_login(nobody)
    assert client.get("/analytics/").status_code == 403


def test_the_nav_links_to_the_reports(client, manager):
    client.force_login(manager)
    assert 'href="/analytics/"' in client.get("/analytics/").content.decode()


def test_roles_module_is_the_one_the_reports_use():
    assert Role.MARKETER in {Role(role) for role in Role}
