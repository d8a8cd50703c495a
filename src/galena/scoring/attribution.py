"""First touch: which channel, source and campaign a visitor's first visit came from.

The funnel counts visitors per channel, source and campaign. A visitor nobody has
identified has no lead to take them from, so the first page view is read the way an ad
platform's tag or an analytics package reads it, in this order:

1. ``utm_campaign`` naming a campaign (``Campaign.utm_campaign``, case ignored): that
   campaign, its source and the source's channel. When several campaigns share the tag,
   the one whose source's ``utm_source`` is the visit's, then the latest started;
2. ``utm_source`` naming a source (``Source.utm_source``): that source and its channel;
3. the referring site among a source's ``referrer_hosts`` (a host counts for its
   subdomains): that source and its channel;
4. no source known: the channel alone, from ``utm_medium`` (cpc → contextual ads,
   email → e-mail campaign, …), an ad click id (``gclid``, ``yclid``, ``msclkid``) or the
   referring site (a search engine → organic search, a social network → social);
5. nothing of that (a direct visit, a link from a site nobody described): no channel.
   The funnel then counts the visitor by the lead they identify as, if they do.

A visit's own site as the referrer (a reload, an internal link) tells nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.db.models import F

from galena.core.bulk import update_many
from galena.leads.models import Campaign, Channel, Source
from galena.scoring.models import Visitor

# utm_medium values (lower case, "-" and " " read as "_") and the channel each names
MEDIUM_CHANNELS = {
    **dict.fromkeys(
        ("cpc", "ppc", "paid_search", "paidsearch", "sem", "search_ads", "context", "cpa"),
        Channel.PAID_SEARCH,
    ),
    **dict.fromkeys(("cpm", "banner", "display", "media", "rtb"), Channel.BANNER),
    **dict.fromkeys(
        ("social", "paid_social", "paidsocial", "social_media", "smm", "social_network"),
        Channel.SOCIAL,
    ),
    **dict.fromkeys(
        ("email", "e_mail", "newsletter", "mailing", "mail", "email_campaign"),
        Channel.EMAIL_CAMPAIGN,
    ),
    **dict.fromkeys(("referral", "affiliate", "partner", "partners"), Channel.REFERRAL),
    "sms": Channel.SMS,
    **dict.fromkeys(("organic", "seo"), Channel.ORGANIC_SEARCH),
}
# the click ids ad platforms add to a landing page's address
CLICK_IDS = ("gclid", "gbraid", "wbraid", "yclid", "msclkid")
# a referring site's registered name (the label before its public suffix) → the channel
SEARCH_ENGINES = frozenset(
    ("google", "bing", "yandex", "duckduckgo", "yahoo", "baidu", "ecosia", "qwant", "seznam")
)
SOCIAL_NETWORKS = frozenset(
    (
        "facebook",
        "fb",
        "instagram",
        "linkedin",
        "lnkd",
        "twitter",
        "x",
        "t",  # t.co (X's links) and t.me (Telegram)
        "vk",
        "ok",
        "youtube",
        "tiktok",
        "pinterest",
        "reddit",
        "threads",
    )
)
# web mail: a link followed from a letter
MAIL_HOSTS = frozenset(("mail.google.com", "outlook.live.com", "outlook.office.com", "e.mail.ru"))
SEARCH_HOSTS = frozenset(("go.mail.ru", "search.yahoo.com", "rambler.ru", "nova.rambler.ru"))
# two-label public suffixes common in the seeds' countries (co.uk, com.ro, …)
SECOND_LEVEL = frozenset(("co", "com", "org", "net", "gov", "ac", "edu"))


@dataclass(frozen=True)
class Touch:
    """Where a visit came from. An empty ``channel``: the visit told nothing."""

    channel: str = ""
    source_id: int | None = None
    campaign_id: int | None = None

    def fields(self) -> dict[str, object]:
        """The visitor's fields this touch fills."""
        return {
            "channel": self.channel,
            "source_id": self.source_id,
            "campaign_id": self.campaign_id,
        }


def _host(address: str) -> str:
    try:
        host = urlsplit(address.strip()).hostname or ""
    except ValueError:  # a malformed address (an unclosed IPv6 bracket) tells nothing
        return ""
    host = host.rstrip(".").lower()
    return host.removeprefix("www.")


def _registered_name(host: str) -> str:
    """``google`` of ``www.google.co.uk``, ``yandex`` of ``yandex.ru``."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else host


def _same_site(one: str, other: str) -> bool:
    return bool(one) and bool(other) and (one == other or one.endswith("." + other))


def _tags(url: str) -> dict[str, str]:
    try:
        query = parse_qs(urlsplit(url.strip()).query, keep_blank_values=False)
    except ValueError:
        return {}
    return {name.lower(): values[0].strip() for name, values in query.items() if values}


class Described:
    """The campaigns and sources that say how their visits look (their tags and referring
    sites), read once: two small queries for any number of visits."""

    def __init__(self) -> None:
        self.campaigns: dict[str, list[tuple[Campaign, str]]] = {}
        for campaign in (
            Campaign.objects.exclude(utm_campaign="")
            .select_related("source")
            .order_by(F("starts_on").desc(nulls_last=True), "-pk")
        ):
            self.campaigns.setdefault(campaign.utm_campaign.casefold(), []).append(
                (campaign, campaign.source.utm_source.casefold())
            )
        self.by_tag: dict[str, Source] = {}
        self.by_site: list[tuple[str, Source]] = []
        sources = Source.objects.exclude(utm_source="", referrer_hosts="")
        for source in sources.order_by("-is_active", "pk").only(
            "pk", "channel", "utm_source", "referrer_hosts"
        ):
            if source.utm_source:
                self.by_tag.setdefault(source.utm_source.casefold(), source)
            for known in source.referrer_hosts.split(","):
                host = _host("//" + known.strip())
                if host:
                    self.by_site.append((host, source))

    def campaign(self, tag: str, utm_source: str) -> Campaign | None:
        """The campaign of a ``utm_campaign``: of the visit's source first, else the latest
        started."""
        found = self.campaigns.get(tag.casefold(), [])
        for campaign, its_source in found:
            if utm_source and its_source == utm_source.casefold():
                return campaign
        return found[0][0] if found else None

    def source_by_tag(self, utm_source: str) -> Source | None:
        return self.by_tag.get(utm_source.casefold())

    def source_by_site(self, host: str) -> Source | None:
        for known, source in self.by_site:
            if _same_site(host, known):
                return source
        return None


def _channel_of_medium(medium: str) -> str:
    return MEDIUM_CHANNELS.get(medium.lower().replace("-", "_").replace(" ", "_"), "")


def _channel_of_referrer(host: str) -> str:
    if host in MAIL_HOSTS:
        return Channel.EMAIL_CAMPAIGN
    if host in SEARCH_HOSTS:
        return Channel.ORGANIC_SEARCH
    name = _registered_name(host)
    if name in SEARCH_ENGINES:
        return Channel.ORGANIC_SEARCH
    if name in SOCIAL_NETWORKS:
        return Channel.SOCIAL
    return ""


def first_touch(url: str, referrer: str = "", described: Described | None = None) -> Touch:
    """The channel, source and campaign of a first visit to ``url`` from ``referrer``
    (``described``: the campaigns and sources, when many visits are read at once)."""
    tags = _tags(url)
    referring = _host(referrer)
    if _same_site(referring, _host(url)):
        referring = ""
    utm_source = tags.get("utm_source", "")
    channel = _channel_of_medium(tags.get("utm_medium", ""))
    if not channel and any(tags.get(name) for name in CLICK_IDS):
        channel = Channel.PAID_SEARCH
    if not channel and referring:
        channel = _channel_of_referrer(referring)
    if not (tags.get("utm_campaign") or utm_source or referring):
        return Touch(channel)  # nothing a campaign or source could be known by
    described = described or Described()
    if tags.get("utm_campaign"):
        campaign = described.campaign(tags["utm_campaign"], utm_source)
        if campaign is not None:
            return Touch(campaign.source.channel, campaign.source_id, campaign.pk)
    source = described.source_by_tag(utm_source) if utm_source else None
    if source is None and referring:
        source = described.source_by_site(referring)
    if source is not None:
        return Touch(source.channel, source.pk)
    return Touch(channel)


BATCH = 2000


def visitors_attribute_again(
    *, since: dt.datetime | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Read the first touch of stored visitors again from their first page's address and
    referrer — after a source or campaign got its tags or referring sites. Visitors first
    seen since ``since`` (all by default); a visitor whose first page is not known (it
    came before Galena kept it) keeps its touch. Returns how many changed; the analytics
    facts of their days are recomputed by the triggers' marks (analytics 0007)."""
    visitors = Visitor.objects.exclude(landing_page="", referrer="")
    if since is not None:
        visitors = visitors.filter(first_seen_at__gte=since)
    total = visitors.count()
    described = Described()
    changed = done = 0
    last = 0
    while True:
        batch = list(
            visitors.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "landing_page", "referrer", *Touch().fields())[:BATCH]
        )
        if not batch:
            break
        moved = []
        for visitor in batch:
            wanted = first_touch(visitor.landing_page, visitor.referrer, described).fields()
            if wanted != {name: getattr(visitor, name) for name in wanted}:
                for name, value in wanted.items():
                    setattr(visitor, name, value)
                moved.append(visitor)
        update_many(Visitor, moved, ["channel", "source", "campaign"])  # one UPDATE on PostgreSQL
        changed += len(moved)
        done += len(batch)
        last = batch[-1].pk
        if progress is not None:
            progress(done, total)
    return changed
