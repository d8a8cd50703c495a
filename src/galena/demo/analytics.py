"""The demo's site traffic for the funnel: the people who looked and never wrote.

Scoring's demo gives the leads their visits and a few hundred anonymous visitors; a real
site has many more visitors than leads (a conversion of 1–3 % is usual), so the funnel's
first stage would be too small. Here each lead's day of arrival brings a handful of other
visitors around it — a page or two each, no contact — so traffic follows the demo's
seasons and campaigns. Wiped with scoring's anonymous visitors (``demo_scoring_wipe``).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from galena.core.bulk import insert_many
from galena.demo.scoring import PAGES, _event
from galena.leads.models import Channel, Lead, Temperature
from galena.scoring.models import TrackedEvent, Visitor

# anonymous visitors per lead, on average (uniform between the two)
VISITORS_PER_LEAD = (4, 12)


# the channels whose visits carry their ad's or letter's tags or a search engine's or social
# network's address: a visitor around such a lead came the same way, mostly
TAGGED_CHANNELS = frozenset(
    {
        Channel.ORGANIC_SEARCH,
        Channel.PAID_SEARCH,
        Channel.BANNER,
        Channel.SOCIAL,
        Channel.EMAIL_CAMPAIGN,
        Channel.REFERRAL,
        Channel.AD_LEAD_FORM,
    }
)
SAME_WAY = 0.75
# anyone else: found the site by searching, or typed its address (a direct visit: no touch)
SEARCHED = 0.35


def _first_touch(rng: random.Random, channel: str, source_id, campaign_id) -> dict:
    if channel in TAGGED_CHANNELS and rng.random() < SAME_WAY:
        return {"channel": channel, "source_id": source_id, "campaign_id": campaign_id}
    if rng.random() < SEARCHED:
        return {"channel": Channel.ORGANIC_SEARCH}
    return {}


def demo_traffic_create(*, seed: int, now: dt.datetime) -> int:
    """Anonymous visitors (one or two page views each) around the leads' arrivals, each
    with the first touch a tracking script would have recorded."""
    rng = random.Random(seed * 53 + 11)  # noqa: S311 - repeatable demo data, not secrets
    arrivals = Lead.objects.filter(merged_into__isnull=True).values_list(
        "created_at", "channel", "source_id", "campaign_id"
    )
    visitors: list[Visitor] = []
    events: list[TrackedEvent] = []
    for arrived, *attribution in arrivals.order_by("pk").iterator():
        for _ in range(rng.randint(*VISITORS_PER_LEAD)):
            key = uuid.UUID(int=rng.getrandbits(128)).hex
            first = min(arrived + dt.timedelta(hours=rng.uniform(-72, 72)), now)
            pages = [
                _event(None, key, rng.choice(list(PAGES[Temperature.COLD])), first),
                *(
                    [_event(None, key, "pricing", first + dt.timedelta(minutes=3))]
                    if rng.random() < 0.3
                    else []
                ),
            ]
            events.extend(pages)
            visitors.append(
                Visitor(
                    key=key,
                    first_seen_at=first,
                    last_seen_at=pages[-1].occurred_at,
                    landing_page=pages[0].url,
                    **_first_touch(rng, *attribution),
                )
            )
    insert_many(Visitor, visitors, batch_size=5000)
    insert_many(TrackedEvent, events, batch_size=5000)
    return len(visitors)
