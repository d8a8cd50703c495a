"""A client contact's personal data on its page and its account's: the "Personal data"
panel (galena.consent's, posting to the contact's own actions) and which contacts are
blocked (their e-mails and phones are shown without links to write or dial)."""

from django import template
from django.urls import reverse

from galena.clients.personal_data import blocked_contact_ids, contact_holder
from galena.consent import selectors
from galena.consent.templatetags.consent_tags import panel_forms

register = template.Library()


@register.simple_tag
def client_consent_panel(contact, user):
    """{% client_consent_panel contact user as consent %}: the panel of the contact's person
    (two queries; the contact's methods prefetched)."""
    data = panel_forms(selectors.holder_panel(contact_holder(contact), user))
    data.record_url = reverse("client-contact-consent-add", args=[contact.pk])
    data.block_url = reverse("client-contact-block", args=[contact.pk])
    data.rectify_url = ""
    for restriction in data.restrictions:
        restriction.lift_url = reverse("client-contact-lift", args=[contact.pk, restriction.pk])
    return data


@register.simple_tag
def blocked_contacts(contacts):
    """{% blocked_contacts contacts as blocked %}: the ids of those a block in force names
    (one query for the page)."""
    return blocked_contact_ids(contact.pk for contact in contacts)
