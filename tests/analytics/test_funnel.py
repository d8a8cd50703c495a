"""The funnel report: exact figures on constructed data."""

import datetime as dt

import pytest
from django.test import override_settings

from galena.analytics.filters import ReportFilter
from galena.analytics.funnel import UNATTRIBUTED, funnel_counts, funnel_steps, funnel_table
from galena.intake.models import Submission, SubmissionOutcome
from galena.leads.models import Channel, QualityStatus, Stage
from galena.leads.services import Actor, lead_change_stage
from galena.scoring.models import Visitor
from tests.factories import CampaignFactory, LeadFactory, SourceFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
JANUARY = ReportFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 1, 31))
IN_JANUARY = dt.datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def _stage(code: str) -> Stage:
    return Stage.objects.get(code=code)


def _lead(channel=Channel.SOCIAL, at=IN_JANUARY, **fields):
    return LeadFactory(channel=channel, created_at=at, **fields)


def _visitors(count: int, *, lead=None, at=IN_JANUARY, **touch):
    for _ in range(count):
        Visitor.objects.create(
            key=f"v{Visitor.objects.count()}",
            lead=lead,
            first_seen_at=at,
            last_seen_at=at,
            **touch,
        )


def _interest(channel=Channel.SOCIAL, at=IN_JANUARY, source=None):
    Submission.objects.create(
        channel=channel,
        adapter="capture",
        outcome=SubmissionOutcome.INTEREST,
        received_at=at,
        source=source,
    )


@pytest.fixture
def business(db):
    """January: social brings 4 leads (1 qualified, 1 client, 1 pseudo-lead left out),
    search 2 leads (1 client); 20 visitors, 2 contact-less interests."""
    social = [_lead() for _ in range(4)]
    social[0].qualified_at = IN_JANUARY
    social[0].save()
    social[1].converted_at = IN_JANUARY + dt.timedelta(days=40)  # converted in February
    social[1].stage = _stage("converted")
    social[1].save()
    _lead(quality_status=QualityStatus.REJECTED)  # a pseudo-lead: not a lead
    search = [_lead(Channel.ORGANIC_SEARCH) for _ in range(2)]
    search[0].converted_at = IN_JANUARY
    search[0].stage = _stage("converted")
    search[0].save()
    _lead(at=dt.datetime(2026, 2, 1, 0, 0, tzinfo=UTC))  # February: outside
    _visitors(1, lead=social[0])
    _visitors(1, lead=social[1])
    _visitors(1, lead=search[0])
    _visitors(17)  # nobody identified them
    _visitors(5, at=dt.datetime(2025, 12, 31, 23, 59, tzinfo=UTC))  # December: outside
    _interest(Channel.SOCIAL)
    _interest(Channel.ORGANIC_SEARCH)
    return {"social": social, "search": search}


def test_counts_per_channel(admin_user, business):
    counts = funnel_counts(admin_user, JANUARY)
    assert counts[Channel.SOCIAL] == {
        "visitors": 2,
        "contactless": 1,
        "leads": 4,
        "qualified": 2,
        "clients": 1,
        "interests": 5,
    }
    assert counts[Channel.ORGANIC_SEARCH] == {
        "visitors": 1,
        "contactless": 1,
        "leads": 2,
        "qualified": 1,
        "clients": 1,
        "interests": 3,
    }
    assert counts[UNATTRIBUTED]["visitors"] == 17


def test_totals_rates_and_drop_off(admin_user, business):
    table = funnel_table(admin_user, JANUARY)
    totals = table.totals
    assert [
        totals[stage] for stage in ("visitors", "interests", "leads", "qualified", "clients")
    ] == [
        20,
        8,
        6,
        3,
        2,
    ]
    assert totals["conversion"] == 10.0  # 2 clients of 20 visitors
    assert totals["qualified_rate"] == 50.0
    assert totals["client_rate"] == 66.7
    assert [row["group"] for row in table.rows][-1].startswith("Not attributed")
    steps = funnel_steps(table)
    assert [(step["count"], step["dropped"], step["of_previous"]) for step in steps] == [
        (20, None, None),
        (8, 12, 40.0),
        (6, 2, 75.0),
        (3, 3, 50.0),
        (2, 1, 66.7),
    ]


def test_a_merged_lead_counts_once_as_its_survivor(admin_user):
    survivor = _lead()
    _lead(merged_into=survivor, qualified_at=IN_JANUARY)
    counts = funnel_counts(admin_user, JANUARY)
    assert counts[Channel.SOCIAL]["leads"] == 1
    assert counts[Channel.SOCIAL]["qualified"] == 0


def test_a_lead_converted_then_reopened_is_not_a_client_and_converted_again_counts_once(
    admin_user, manager
):
    lead = _lead(owner=manager)
    actor = Actor(user=admin_user)
    lead_change_stage(actor=actor, lead=lead, stage=_stage("converted"))
    assert funnel_counts(admin_user, JANUARY)[Channel.SOCIAL]["clients"] == 1
    lead_change_stage(actor=actor, lead=lead, stage=_stage("in_work"), reason="client changed mind")
    counts = funnel_counts(admin_user, JANUARY)[Channel.SOCIAL]
    assert (counts["leads"], counts["clients"]) == (1, 0)
    lead_change_stage(actor=actor, lead=lead, stage=_stage("converted"))
    counts = funnel_counts(admin_user, JANUARY)[Channel.SOCIAL]
    assert (counts["leads"], counts["qualified"], counts["clients"]) == (1, 1, 1)


@override_settings(TIME_ZONE="Europe/Bucharest")
def test_months_are_the_business_time_zones(admin_user):
    # 23:30 on 31 January in Bucharest is 21:30 UTC: January's; 00:30 on 1 February
    # in Bucharest is 22:30 UTC on 31 January: February's
    _lead(at=dt.datetime(2026, 1, 31, 21, 30, tzinfo=UTC))
    _lead(at=dt.datetime(2026, 1, 31, 22, 30, tzinfo=UTC))
    _visitors(1, at=dt.datetime(2026, 1, 31, 22, 30, tzinfo=UTC))
    f = ReportFilter(date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 2, 28), group_by="month")
    table = funnel_table(admin_user, f)
    assert [(row["group"], row["leads"], row["visitors"]) for row in table.rows] == [
        ("2026-01", 1, 0),
        ("2026-02", 1, 1),
    ]
    assert funnel_table(admin_user, JANUARY).totals["leads"] == 1


def test_a_manager_sees_only_their_leads_and_their_visitors(admin_user, manager, colleague):
    mine = _lead(owner=manager)
    theirs = _lead(owner=colleague)
    _visitors(2, lead=mine)
    _visitors(3, lead=theirs)
    _visitors(4)
    _interest()
    counts = funnel_counts(manager, JANUARY)
    assert dict(counts) == {
        Channel.SOCIAL: {
            "visitors": 2,
            "contactless": 0,
            "leads": 1,
            "qualified": 0,
            "clients": 0,
            "interests": 1,
        }
    }


def test_a_slice_keeps_only_what_belongs_to_it(admin_user, business):
    source = SourceFactory(name="Fair")
    lead = business["social"][2]
    lead.source = source
    lead.save()
    _interest(source=source)
    counts = funnel_counts(admin_user, JANUARY.with_changes(source_id=source.pk))
    assert dict(counts) == {
        Channel.SOCIAL: {
            "visitors": 0,
            "contactless": 1,
            "leads": 1,
            "qualified": 0,
            "clients": 0,
            "interests": 2,
        }
    }


def test_nothing_in_the_period_is_an_empty_table(admin_user):
    table = funnel_table(admin_user, JANUARY)
    assert table.rows == [] and table.totals is None


# --- visitors by first touch ------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["facts", "base-tables"])
def read_from(request, settings):
    """Each first-touch figure is checked as read from the facts and from the base tables."""
    settings.ANALYTICS_FACTS = request.param
    return request.param


@pytest.fixture
def touched(db, manager, colleague):
    """January: contextual ads (campaign Winter) bring 2 leads, one a client, a web form 1 lead
    (the manager's, in Cluj). Visitors: 6 anonymous from the Winter ads, 1 anonymous from
    organic search, 3 anonymous direct; 1 from the Winter ads who became the web form's
    lead; 1 direct who became an ads lead (the colleague's)."""
    ads = SourceFactory(name="Google Ads", channel=Channel.PAID_SEARCH, utm_source="google")
    seo = SourceFactory(name="Google search", channel=Channel.ORGANIC_SEARCH)
    web = SourceFactory(name="Site form", channel=Channel.LANDING_PAGE)
    winter = CampaignFactory(name="Winter", source=ads, utm_campaign="winter")
    ads_leads = [
        _lead(Channel.PAID_SEARCH, source=ads, campaign=winter, owner=colleague) for _ in range(2)
    ]
    ads_leads[0].converted_at = IN_JANUARY
    ads_leads[0].stage = _stage("converted")
    ads_leads[0].save()
    form_lead = _lead(Channel.LANDING_PAGE, source=web, owner=manager, region="Cluj")
    touch = {"channel": Channel.PAID_SEARCH, "source": ads, "campaign": winter}
    _visitors(6, **touch)
    _visitors(1, channel=Channel.ORGANIC_SEARCH, source=seo)
    _visitors(3)
    _visitors(1, lead=form_lead, **touch)
    _visitors(1, lead=ads_leads[1])
    return {"ads": ads, "seo": seo, "web": web, "winter": winter}


def _visitor_counts(counts) -> dict:
    return {key: values["visitors"] for key, values in counts.items() if values["visitors"]}


def test_visitors_are_in_the_channel_of_their_first_touch_else_of_their_lead(
    admin_user, touched, read_from
):
    by_channel = funnel_counts(admin_user, JANUARY.with_changes(group_by="channel"))
    assert _visitor_counts(by_channel) == {
        Channel.PAID_SEARCH: 8,  # 6 anonymous, the form lead's by its touch, an ads lead's
        Channel.ORGANIC_SEARCH: 1,
        UNATTRIBUTED: 3,  # direct visits nobody identified
    }
    assert by_channel[Channel.PAID_SEARCH]["leads"] == 2
    assert by_channel[Channel.LANDING_PAGE] == {
        "visitors": 0, "contactless": 0, "leads": 1, "qualified": 0, "clients": 0,
        "interests": 1,
    }  # fmt: skip
    by_source = funnel_counts(admin_user, JANUARY.with_changes(group_by="source"))
    assert _visitor_counts(by_source) == {
        touched["ads"].pk: 8,
        touched["seo"].pk: 1,
        UNATTRIBUTED: 3,
    }
    by_campaign = funnel_counts(admin_user, JANUARY.with_changes(group_by="campaign"))
    assert _visitor_counts(by_campaign) == {
        touched["winter"].pk: 8,
        None: 1,  # organic search: a channel, no campaign
        UNATTRIBUTED: 3,
    }


def test_the_conversion_of_a_channel_is_of_its_visitors_identified_or_not(
    admin_user, touched, read_from
):
    table = funnel_table(admin_user, JANUARY.with_changes(group_by="channel"))
    ads = next(row for row in table.rows if row["group"] == "Contextual ads")
    assert (ads["visitors"], ads["clients"], ads["conversion"]) == (8, 1, 12.5)
    assert table.totals["visitors"] == 12


def test_a_channel_or_campaign_slice_counts_its_anonymous_visitors(admin_user, touched, read_from):
    winter = JANUARY.with_changes(campaign_id=touched["winter"].pk)
    by_month = funnel_counts(admin_user, winter.with_changes(group_by="month"))
    assert _visitor_counts(by_month) == {dt.date(2026, 1, 1): 8}
    by_owner = funnel_counts(admin_user, winter.with_changes(group_by="owner"))
    manager, colleague = touched["web"].leads.get().owner, touched["ads"].leads.first().owner
    assert _visitor_counts(by_owner) == {manager.pk: 1, colleague.pk: 1, UNATTRIBUTED: 6}
    organic = JANUARY.with_changes(channel=Channel.ORGANIC_SEARCH, group_by="channel")
    assert _visitor_counts(funnel_counts(admin_user, organic)) == {Channel.ORGANIC_SEARCH: 1}


def test_a_region_slice_and_a_manager_count_only_the_visitors_of_their_leads(
    admin_user, manager, touched, read_from
):
    cluj = JANUARY.with_changes(region="Cluj", group_by="channel")
    assert _visitor_counts(funnel_counts(admin_user, cluj)) == {Channel.PAID_SEARCH: 1}
    mine = funnel_counts(manager, JANUARY.with_changes(group_by="channel"))
    assert _visitor_counts(mine) == {Channel.PAID_SEARCH: 1}
    assert {key for key, values in mine.items() if values["leads"]} == {Channel.LANDING_PAGE}


def test_a_visitor_attributed_again_moves_in_the_facts(admin_user, touched, settings):
    settings.ANALYTICS_FACTS = True
    by_channel = JANUARY.with_changes(group_by="channel")
    assert _visitor_counts(funnel_counts(admin_user, by_channel))[Channel.ORGANIC_SEARCH] == 1
    Visitor.objects.filter(channel=Channel.ORGANIC_SEARCH).update(
        channel=Channel.SOCIAL, source=None
    )
    counts = _visitor_counts(funnel_counts(admin_user, by_channel))
    assert Channel.ORGANIC_SEARCH not in counts and counts[Channel.SOCIAL] == 1


def test_the_facts_count_visitors_as_the_base_tables_do_for_every_reader_and_slice(
    admin_user, marketer, head, manager, touched, settings
):
    """Every grouping, with and without each slice the funnel offers, for readers of the
    whole business and of some leads: the facts' figures are the base tables'."""
    winter, ads = touched["winter"].pk, touched["ads"].pk
    slices = [
        {},
        {"channel": Channel.PAID_SEARCH},
        {"channel": Channel.ORGANIC_SEARCH},
        {"source_id": ads},
        {"campaign_id": winter},
        {"region": "Cluj"},
        {"owner_id": manager.pk},
        {"team_id": manager.profile.team_id},
    ]
    for reader in (admin_user, marketer, head, manager):
        for group_by in ("channel", "source", "campaign", "region", "month", "owner", "team"):
            for chosen in slices:
                f = JANUARY.with_changes(group_by=group_by, **chosen)
                settings.ANALYTICS_FACTS = True
                from_facts = dict(funnel_counts(reader, f))
                settings.ANALYTICS_FACTS = False
                assert from_facts == dict(funnel_counts(reader, f)), (reader, group_by, chosen)


# --- page and API --------------------------------------------------------------------------


def test_the_page_shows_the_funnel_and_exports_it(client, admin_user, business):
    client.force_login(admin_user)
    response = client.get("/analytics/funnel/", {"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "Stage by stage" in body
    csv = client.get(
        "/analytics/funnel/", {"from": "2026-01-01", "to": "2026-01-31", "format": "csv"}
    )
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[-1].startswith("Total,20,8,6,3,2,")


def test_the_page_needs_a_role(client, db):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    nobody.profile.delete()
    client.force_login(nobody)
    assert client.get("/analytics/funnel/").status_code == 403


def test_the_api_answers_the_same_table(api_as, admin_user, manager, business):
    response = api_as(admin_user).get(
        "/api/v1/analytics/funnel?from=2026-01-01&to=2026-01-31&group_by=channel"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "funnel"
    assert body["totals"]["clients"] == 2
    assert body["totals"]["conversion"] == 10.0
    refused = api_as(manager).get("/api/v1/analytics/funnel?from=2026-02-01&to=2026-01-01")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid"
