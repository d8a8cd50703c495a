"""``{% lead_rows leads %}`` and ``{% board_cards cards %}``: the list's rows and the
board's cards, built in Python (galena.leads.rows) because they repeat fifty to a
hundred times a page."""

from __future__ import annotations

from django import template

from galena.leads import rows

register = template.Library()


@register.simple_tag(takes_context=True)
def lead_rows(context, leads):
    return rows.lead_rows(leads)


@register.simple_tag(takes_context=True)
def board_cards(context, leads):
    return rows.board_cards(
        leads, stages=context["all_stages"], request=context["request"], now=context["now"]
    )


@register.simple_tag(takes_context=True)
def board_card(context, lead):
    return board_cards(context, [lead])
