from django import template
from django.urls import reverse

from galena.consent import selectors
from galena.consent.forms import BlockForm, ConsentForm, RectifyForm

register = template.Library()


def panel_forms(data: selectors.Panel) -> selectors.Panel:
    """The panel's empty forms (the rectification's lists the person's e-mails and phones)."""
    data.consent_form = ConsentForm(auto_id="consent-%s")
    data.block_form = BlockForm(auto_id="block-%s")
    contacts = sorted({*data.person.emails, *data.person.phones})
    data.rectify_form = RectifyForm(auto_id="rectify-%s", contacts=contacts)
    return data


@register.simple_tag
def consent_panel(lead, user, contacts=None):
    """The "Personal data" panel: consents, blocks, the user's rights, empty forms and where
    they post (the card's ``contacts`` save a query)."""
    data = panel_forms(selectors.panel(lead, user, contacts))
    data.record_url = reverse("consent-add", args=[lead.pk])
    data.block_url = reverse("consent-block", args=[lead.pk])
    data.rectify_url = reverse("consent-rectify", args=[lead.pk])
    for restriction in data.restrictions:
        restriction.lift_url = reverse("consent-lift", args=[lead.pk, restriction.pk])
    return data


@register.simple_tag
def consent_blocks(lead):
    """The blocks on the lead's person still in force (shared with the panel: one query)."""
    return [r for r in selectors.active_and_lifted(lead) if r.lifted_at is None]
