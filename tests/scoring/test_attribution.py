"""First touch: where a visitor's first visit came from, read from its address and referrer
the way an ad tag or an analytics package reads them."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from galena.leads.models import Channel
from galena.scoring.attribution import Touch, first_touch
from galena.scoring.models import Visitor
from tests.factories import CampaignFactory, SourceFactory
from tests.scoring import tracking_fixtures
from tests.scoring.tracking_fixtures import page_view, track

pytestmark = pytest.mark.django_db

site = tracking_fixtures.site
LANDING = "https://shop.example.com/offer"


@pytest.fixture
def ads(db):
    """Google Ads (tag google) with two campaigns; Yandex Direct (tag yandex) sharing one of
    their tags; organic Google found by its sites."""
    google = SourceFactory(name="Google Ads", channel=Channel.PAID_SEARCH, utm_source="google")
    yandex = SourceFactory(name="Yandex Direct", channel=Channel.PAID_SEARCH, utm_source="yandex")
    seo = SourceFactory(
        name="Google search",
        channel=Channel.ORGANIC_SEARCH,
        referrer_hosts="google.com, google.ro,www.google.ru",
    )
    return {
        "google": google,
        "yandex": yandex,
        "seo": seo,
        "spring": CampaignFactory(
            name="Spring", source=google, utm_campaign="spring", starts_on=dt.date(2026, 3, 1)
        ),
        "spring_yandex": CampaignFactory(
            name="Spring RU", source=yandex, utm_campaign="spring", starts_on=dt.date(2026, 2, 1)
        ),
        "winter": CampaignFactory(name="Winter", source=google, utm_campaign="Winter-26"),
    }


def test_a_campaign_tag_gives_the_campaign_its_source_and_channel(ads):
    touch = first_touch(f"{LANDING}?utm_source=google&utm_medium=cpc&utm_campaign=WINTER-26")
    assert touch == Touch(Channel.PAID_SEARCH, ads["google"].pk, ads["winter"].pk)


def test_a_tag_two_campaigns_share_goes_to_the_one_of_the_visits_source(ads):
    yandex = first_touch(f"{LANDING}?utm_source=Yandex&utm_campaign=spring")
    assert yandex == Touch(Channel.PAID_SEARCH, ads["yandex"].pk, ads["spring_yandex"].pk)
    # no source tag: the latest started
    latest = first_touch(f"{LANDING}?utm_campaign=spring")
    assert latest.campaign_id == ads["spring"].pk


def test_a_source_tag_without_a_known_campaign_gives_the_source(ads):
    touch = first_touch(f"{LANDING}?utm_source=google&utm_campaign=unknown&utm_medium=cpc")
    assert touch == Touch(Channel.PAID_SEARCH, ads["google"].pk)


def test_a_referring_site_of_a_source_gives_that_source_subdomains_included(ads):
    for referrer in ("https://www.google.ro/", "https://news.google.com/x", "http://google.ru"):
        assert first_touch(LANDING, referrer) == Touch(Channel.ORGANIC_SEARCH, ads["seo"].pk)
    # a site that only ends with the same letters is another site
    assert first_touch(LANDING, "https://notgoogle.com/") == Touch()


@pytest.mark.parametrize(
    ("query", "channel"),
    [
        ("utm_medium=cpc", Channel.PAID_SEARCH),
        ("utm_medium=Paid-Search", Channel.PAID_SEARCH),
        ("utm_medium=display", Channel.BANNER),
        ("utm_medium=paid_social&utm_source=tiktok", Channel.SOCIAL),
        ("utm_medium=newsletter", Channel.EMAIL_CAMPAIGN),
        ("utm_medium=e-mail", Channel.EMAIL_CAMPAIGN),
        ("utm_medium=affiliate", Channel.REFERRAL),
        ("utm_medium=sms", Channel.SMS),
        ("gclid=Cj0KCQ", Channel.PAID_SEARCH),
        ("yclid=123", Channel.PAID_SEARCH),
        ("utm_medium=unheard-of", ""),
    ],
)
def test_without_a_known_source_the_medium_or_the_click_id_gives_the_channel(ads, query, channel):
    assert first_touch(f"{LANDING}?{query}") == Touch(channel)


@pytest.mark.parametrize(
    ("referrer", "channel"),
    [
        ("https://www.bing.com/search?q=crm", Channel.ORGANIC_SEARCH),
        ("https://yandex.ru/search/?text=crm", Channel.ORGANIC_SEARCH),
        ("https://www.google.co.uk/", Channel.ORGANIC_SEARCH),
        ("https://duckduckgo.com/", Channel.ORGANIC_SEARCH),
        ("https://go.mail.ru/search?q=crm", Channel.ORGANIC_SEARCH),
        ("https://l.facebook.com/l.php?u=x", Channel.SOCIAL),
        ("https://t.co/abc", Channel.SOCIAL),
        ("https://vk.com/wall-1", Channel.SOCIAL),
        ("https://www.linkedin.com/feed/", Channel.SOCIAL),
        ("https://mail.google.com/mail/u/0/", Channel.EMAIL_CAMPAIGN),
        ("https://a-partner-blog.example.org/post", ""),  # a site nobody described
        ("", ""),  # a direct visit
    ],
)
def test_without_tags_the_referring_site_gives_the_channel(db, referrer, channel):
    assert first_touch(LANDING, referrer) == Touch(channel)


def test_the_sites_own_pages_as_referrer_tell_nothing(ads):
    assert first_touch(LANDING, "https://shop.example.com/") == Touch()
    assert first_touch("https://www.google.com/offer", "https://www.google.com/") == Touch()


def test_tags_win_over_the_referrer(ads):
    touch = first_touch(f"{LANDING}?utm_source=yandex", "https://www.google.com/")
    assert touch == Touch(Channel.PAID_SEARCH, ads["yandex"].pk)


def test_malformed_addresses_tell_nothing(db):
    assert first_touch("http://[::1/offer?utm_medium=cpc", "http://[bad") == Touch()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.text(max_size=120), referrer=st.text(max_size=120))
def test_any_text_gives_a_touch_or_none_never_an_error(db, url, referrer):
    touch = first_touch(url, referrer)
    assert touch.channel in {"", *Channel.values}
    assert touch.source_id is None and touch.campaign_id is None  # no source is set up


# --- the tracking API stores the first touch --------------------------------------------------


def test_a_new_visitor_keeps_where_its_first_visit_came_from(client, site, ads):
    landing = "https://shop.example.com/offer?utm_source=google&utm_campaign=winter-26"
    response = track(
        client,
        [
            page_view("e2", url="https://shop.example.com/pricing", age_ms=1000),
            page_view("e1", url=landing, referrer="https://www.google.com/", age_ms=9000),
        ],
    )
    assert response.status_code == 200
    visitor = Visitor.objects.get()
    assert (visitor.channel, visitor.source, visitor.campaign) == (
        Channel.PAID_SEARCH,
        ads["google"],
        ads["winter"],
    )
    assert (visitor.landing_page, visitor.referrer) == (landing, "https://www.google.com/")

    # later visits, from elsewhere, do not change the first touch
    track(client, [page_view("e3", url=f"{LANDING}?utm_source=yandex")])
    visitor.refresh_from_db()
    assert (visitor.source, visitor.landing_page) == (ads["google"], landing)


def test_a_first_batch_without_a_page_view_leaves_the_first_touch_empty(client, site):
    response = track(client, [{"id": "d1", "kind": "download", "url": f"{LANDING}?gclid=1"}])
    assert response.status_code == 200
    visitor = Visitor.objects.get()
    assert (visitor.channel, visitor.source_id, visitor.landing_page) == ("", None, "")


# --- attributing stored visitors again -------------------------------------------------------


def _stored_visitor(key, landing, referrer="", **touch):
    return Visitor.objects.create(
        key=key,
        landing_page=landing,
        referrer=referrer,
        first_seen_at=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
        **touch,
    )


def test_visitors_are_attributed_again_once_their_source_is_described(db):
    tagged = _stored_visitor("tagged", f"{LANDING}?utm_source=fb&utm_medium=cpc")
    searched = _stored_visitor("searched", LANDING, "https://www.bing.com/")
    Visitor.objects.create(key="old", channel=Channel.SOCIAL)  # its first page not kept
    assert tagged.channel == ""  # stored as it was read then: nothing known of "fb"
    facebook = SourceFactory(name="Facebook Ads", channel=Channel.SOCIAL, utm_source="FB")
    campaign = CampaignFactory(name="Autumn", source=facebook, utm_campaign="autumn")
    Visitor.objects.filter(pk=searched.pk).update(channel=Channel.ORGANIC_SEARCH)
    _stored_visitor("later", f"{LANDING}?utm_campaign=autumn")

    out, err = io.StringIO(), io.StringIO()
    call_command("analytics", "attribute", stdout=out, stderr=err)

    assert "2 visitor(s) attributed anew" in out.getvalue()
    assert "visitors: 100%" in err.getvalue()  # the progress bar
    touches = {v.key: (v.channel, v.source_id, v.campaign_id) for v in Visitor.objects.all()}
    assert touches == {
        "tagged": (Channel.SOCIAL, facebook.pk, None),
        "searched": (Channel.ORGANIC_SEARCH, None, None),  # unchanged: not counted
        "old": (Channel.SOCIAL, None, None),  # no first page kept: left as it was
        "later": (Channel.SOCIAL, facebook.pk, campaign.pk),
    }


def test_attributing_again_since_a_day_leaves_earlier_visitors(db):
    _stored_visitor("march", f"{LANDING}?utm_medium=cpc")
    call_command("analytics", "attribute", "--since", "2026-04-01", stdout=io.StringIO())
    assert Visitor.objects.get().channel == ""
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("analytics", "attribute", "--since", "1 April", stdout=io.StringIO())
