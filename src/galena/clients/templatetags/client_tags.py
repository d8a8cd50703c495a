"""What the lead card's client panel reads: the lead's client and conversion, one query."""

from django import template

from galena.clients import selectors
from galena.clients.views import client_url

register = template.Library()


@register.simple_tag
def lead_client(lead):
    """{% lead_client lead as client %}: ``client.link`` (the contact and account the lead
    belongs to), ``client.conversion`` (with its deal) and ``client.url``."""
    found = selectors.lead_client(lead)
    link = found["link"]
    found["url"] = client_url(link.contact_id, link.account_id) if link else ""
    return found


@register.simple_tag
def client_link(contact_id, account_id):
    return client_url(contact_id, account_id)


@register.filter
def duration_words(value):
    """A duration as people say it: "3 days 4 hours", "25 minutes"."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if value is None:
        return "—"
    now = timezone.now()
    return timesince(now - value, now)
