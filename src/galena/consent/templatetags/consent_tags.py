from django import template

from galena.consent import selectors
from galena.consent.forms import BlockForm, ConsentForm, RectifyForm

register = template.Library()


@register.simple_tag
def consent_panel(lead, user, contacts=None):
    """The "Personal data" panel: consents, blocks, the user's rights and empty forms (the
    card's ``contacts`` save a query)."""
    data = selectors.panel(lead, user, contacts)
    data.consent_form = ConsentForm(auto_id="consent-%s")
    data.block_form = BlockForm(auto_id="block-%s")
    contacts = sorted({*data.person.emails, *data.person.phones})
    data.rectify_form = RectifyForm(auto_id="rectify-%s", contacts=contacts)
    return data


@register.simple_tag
def consent_blocks(lead):
    """The blocks on the lead's person still in force (shared with the panel: one query)."""
    return [r for r in selectors.active_and_lifted(lead) if r.lifted_at is None]
