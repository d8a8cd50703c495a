"""Which clients a user may see and change: the same rule as for leads (``leads.access``),
applied to the client's own owner and team.

- admin: every client;
- head of sales: the team's clients, and their own;
- sales manager, telemarketer: their own clients and the team's clients without an owner;
- marketer: none.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from galena.clients.models import Account, Contact, Deal
from galena.core.errors import NotFound, PermissionDenied
from galena.leads.access import visible_leads_filter


def clients_filter(user) -> Q:
    """The condition on Account or Contact (both have ``owner`` and ``team``) the user's
    role allows; PermissionDenied for a role without clients."""
    condition = visible_leads_filter(user)
    if condition is None:
        raise PermissionDenied("Your role does not give access to clients.")
    return condition


def accounts_visible_to(user) -> QuerySet[Account]:
    return Account.objects.filter(clients_filter(user))


def contacts_visible_to(user) -> QuerySet[Contact]:
    return Contact.objects.filter(clients_filter(user))


def deals_visible_to(user) -> QuerySet[Deal]:
    """Deals of the accounts and contacts the user sees, and the user's own."""
    condition = clients_filter(user)
    if condition == Q():
        return Deal.objects.all()
    account_ids = accounts_visible_to(user).values("pk")
    contact_ids = contacts_visible_to(user).values("pk")
    return Deal.objects.filter(
        Q(account_id__in=account_ids) | Q(contact_id__in=contact_ids) | Q(owner=user)
    )


def account_get_for(*, user, account_id: int, for_update: bool = False) -> Account:
    """The account if the user may see it; otherwise NotFound, so existence is not revealed."""
    accounts = accounts_visible_to(user)
    if for_update:
        accounts = accounts.select_for_update()
    account = accounts.filter(pk=account_id).first()
    if account is None:
        raise NotFound("No account with this id, or it is not yours to see.")
    return account


def contact_get_for(*, user, contact_id: int, for_update: bool = False) -> Contact:
    """The contact if the user may see it; otherwise NotFound."""
    contacts = contacts_visible_to(user)
    if for_update:
        contacts = contacts.select_for_update()
    contact = contacts.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("No contact with this id, or it is not yours to see.")
    return contact
