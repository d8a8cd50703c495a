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

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from galena.leads.models import Campaign, Channel, Source

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


def _campaign(tag: str, utm_source: str) -> Campaign | None:
    campaigns = list(
        Campaign.objects.filter(utm_campaign__iexact=tag)
        .select_related("source")
        .order_by("-starts_on", "-pk")
    )
    for campaign in campaigns:
        if utm_source and campaign.source.utm_source.lower() == utm_source.lower():
            return campaign
    return campaigns[0] if campaigns else None


def _source_by_tag(utm_source: str) -> Source | None:
    return Source.objects.filter(utm_source__iexact=utm_source).order_by("-is_active", "pk").first()


def _source_by_referrer(host: str) -> Source | None:
    sources = Source.objects.exclude(referrer_hosts="").order_by("-is_active", "pk")
    for source in sources.only("pk", "channel", "referrer_hosts"):
        for known in source.referrer_hosts.split(","):
            if _same_site(host, _host("//" + known.strip().removeprefix("www."))):
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


def first_touch(url: str, referrer: str = "") -> Touch:
    """The channel, source and campaign of a first visit to ``url`` from ``referrer``."""
    tags = _tags(url)
    referring = _host(referrer)
    if _same_site(referring, _host(url)):
        referring = ""
    utm_source = tags.get("utm_source", "")
    if tags.get("utm_campaign"):
        campaign = _campaign(tags["utm_campaign"], utm_source)
        if campaign is not None:
            return Touch(campaign.source.channel, campaign.source_id, campaign.pk)
    source = _source_by_tag(utm_source) if utm_source else None
    if source is None and referring:
        source = _source_by_referrer(referring)
    if source is not None:
        return Touch(source.channel, source.pk)
    channel = _channel_of_medium(tags.get("utm_medium", ""))
    if not channel and any(tags.get(name) for name in CLICK_IDS):
        channel = Channel.PAID_SEARCH
    if not channel and referring:
        channel = _channel_of_referrer(referring)
    return Touch(channel)
