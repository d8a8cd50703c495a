"""Personal greetings for returning known visitors: which greeting a visitor's lead gets, and
its text. The choice and the rendering are plain functions; ``greeting_for_visitor`` feeds
them from the database.

A greeting reveals nothing but what its text names — the first name (and interest) the
person gave — and is plain text: the tracking script writes it with ``textContent``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Q

from galena.leads.models import Lead
from galena.scoring.models import (
    GREETING_PLACEHOLDERS,
    PLACEHOLDER,
    Greeting,
    TrackingSite,
    Visitor,
)


@dataclass(frozen=True)
class GreetingFacts:
    """What the conditions of a greeting read about the visitor's lead and page."""

    temperature: str
    interest: str
    first_name: str
    page_category: str


@dataclass(frozen=True)
class GreetingSpec:
    site_id: int | None
    temperatures: tuple[str, ...]
    interest_contains: str
    page_category: str
    message: str
    offer_text: str
    offer_url: str


@dataclass(frozen=True)
class GreetingShown:
    message: str
    offer_text: str
    offer_url: str


def greeting_render(template: str, values: Mapping[str, str]) -> str | None:
    """The text with its placeholders filled; None when it names a value that is empty.
    Only the known placeholders are replaced: any other brace is text."""
    missing = False

    def fill(match) -> str:
        nonlocal missing
        name = match.group(1)
        if name not in GREETING_PLACEHOLDERS:
            return match.group(0)
        value = values.get(name, "").strip()
        if not value:
            missing = True
        return value

    text = PLACEHOLDER.sub(fill, template)
    return None if missing else text.strip()


def _matches(spec: GreetingSpec, facts: GreetingFacts, site_id: int) -> bool:
    if spec.site_id is not None and spec.site_id != site_id:
        return False
    if spec.temperatures and facts.temperature not in spec.temperatures:
        return False
    if spec.interest_contains and (
        spec.interest_contains.casefold() not in facts.interest.casefold()
    ):
        return False
    return not (
        spec.page_category and spec.page_category.casefold() != facts.page_category.casefold()
    )


def greeting_choose(
    specs: Iterable[GreetingSpec], facts: GreetingFacts, *, site_id: int
) -> GreetingShown | None:
    """The first greeting, in order, whose conditions hold and whose text can be filled."""
    values = {"first_name": facts.first_name[:100], "interest": facts.interest[:200]}
    for spec in specs:
        if not _matches(spec, facts, site_id):
            continue
        message = greeting_render(spec.message, values)
        if message is None:
            continue
        offer_text = greeting_render(spec.offer_text, values) if spec.offer_text else ""
        if offer_text is None:
            continue
        return GreetingShown(message=message, offer_text=offer_text, offer_url=spec.offer_url)
    return None


def _spec_of(greeting: Greeting) -> GreetingSpec:
    temperatures = greeting.temperatures if isinstance(greeting.temperatures, list) else []
    return GreetingSpec(
        site_id=greeting.site_id,
        temperatures=tuple(str(t) for t in temperatures),
        interest_contains=greeting.interest_contains,
        page_category=greeting.page_category,
        message=greeting.message,
        offer_text=greeting.offer_text,
        offer_url=greeting.offer_url,
    )


def lead_of(lead_id: int) -> Lead | None:
    """The lead, or the lead it was merged into."""
    lead = Lead.objects.filter(pk=lead_id).first()
    seen = set()
    while lead is not None and lead.merged_into_id is not None and lead.pk not in seen:
        seen.add(lead.pk)
        lead = Lead.objects.filter(pk=lead.merged_into_id).first()
    return lead


def visitor_lead(visitor_key: str) -> Lead | None:
    """The lead a visitor turned out to be, if anyone knows."""
    lead_id = Visitor.objects.filter(key=visitor_key).values_list("lead_id", flat=True).first()
    return lead_of(lead_id) if lead_id is not None else None


def greeting_for_lead(
    *, site: TrackingSite, lead: Lead, page_category: str = ""
) -> GreetingShown | None:
    """The greeting the lead gets on a page of ``site`` (of ``page_category``), if any."""
    greetings = Greeting.objects.filter(Q(site__isnull=True) | Q(site=site), is_active=True)
    specs = [_spec_of(greeting) for greeting in greetings]
    facts = GreetingFacts(
        temperature=lead.temperature,
        interest=lead.interest,
        first_name=lead.first_name,
        page_category=page_category,
    )
    return greeting_choose(specs, facts, site_id=site.pk)
