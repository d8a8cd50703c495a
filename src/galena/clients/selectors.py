"""Reads of clients: the list, the cards, the known clients behind new leads, and the
existing clients a lead's conversion should link to instead of duplicating them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Value
from django.utils.translation import gettext as _

from galena.clients import access as client_access
from galena.clients.models import (
    Account,
    ClientEvent,
    ClientEventType,
    ClientLead,
    Contact,
    ContactMethod,
    Deal,
    DealStage,
    DealStageKind,
)
from galena.core.errors import PermissionDenied
from galena.leads import access
from galena.leads.models import ContactKind, ContactPoint, Lead
from galena.matching.records import Record

MATCHED_KINDS = (ContactKind.EMAIL, ContactKind.PHONE)
KIND_WORDS = {ContactKind.EMAIL: "e-mail", ContactKind.PHONE: "phone"}


# --- known clients behind new leads (intake) ---------------------------------------------


@dataclass(frozen=True)
class ClientMatch:
    contact_id: int
    contact_name: str
    account_id: int | None
    account_name: str
    owner_id: int | None
    owner_username: str
    owner_active: bool
    owner_team_id: int | None
    matched: str  # "e-mail" or "phone"
    value: str


def clients_for_leads(
    lead_ids: Sequence[int], *, points: Sequence[tuple[int, str, str]] | None = None
) -> dict[int, ClientMatch]:
    """For each of these leads whose e-mail or phone belongs to a client contact, that
    contact (an e-mail before a phone, then the most recent contact): two queries on the
    (kind, value) indexes of ContactPoint and ContactMethod, whatever the number of leads;
    one when the caller knows the leads' contact points, ``(lead id, kind, value)``."""
    if points is None:
        points = list(
            ContactPoint.objects.filter(lead_id__in=list(lead_ids), kind__in=MATCHED_KINDS)
            .values_list("lead_id", "kind", "value")
            .order_by()
        )
    else:
        points = [p for p in points if p[1] in MATCHED_KINDS]
    if not points:
        return {}
    # one IN list per kind, not an OR of (kind, value) pairs: the same rows, without building
    # (and having PostgreSQL plan) a condition that grows with the batch
    values: dict[str, set[str]] = defaultdict(set)
    for _lead_id, kind, value in points:
        values[kind].add(value)
    condition = Q()
    for kind, kind_values in values.items():
        condition |= Q(kind=kind, value__in=sorted(kind_values))
    methods = (
        ContactMethod.objects.filter(condition)
        .select_related("contact__account", "contact__owner__profile")
        .order_by("-contact_id")
    )
    by_value: dict[tuple[str, str], ClientMatch] = {}
    for method in methods:
        key = (method.kind, method.value)
        if key in by_value:
            continue
        contact = method.contact
        owner = contact.owner
        profile = getattr(owner, "profile", None) if owner is not None else None
        by_value[key] = ClientMatch(
            contact_id=contact.pk,
            contact_name=str(contact),
            account_id=contact.account_id,
            account_name=contact.account.name if contact.account else "",
            owner_id=contact.owner_id,
            owner_username=owner.get_username() if owner else "",
            owner_active=bool(owner and owner.is_active),
            owner_team_id=profile.team_id if profile is not None else None,
            matched=KIND_WORDS[method.kind],
            value=method.value,
        )
    found: dict[int, ClientMatch] = {}
    for lead_id, kind, value in sorted(points, key=lambda p: MATCHED_KINDS.index(p[1])):
        match = by_value.get((kind, value))
        if match is not None and lead_id not in found:
            found[lead_id] = match
    return found


# --- the list ----------------------------------------------------------------------------


@dataclass
class ClientRow:
    """One line of the client list: an account, or a consumer contact without one."""

    kind: str  # "account" or "contact"
    pk: int
    name: str
    detail: str
    owner: Any
    country: str
    deals: int
    created_at: Any


def client_list(*, user, q: str = "", owner_id: int | None = None, kind: str = "") -> QuerySet:
    """Accounts and consumer contacts (without an account) the user may see, as one
    queryset of rows (name order): a UNION of two indexed queries, paginated by the page."""
    condition = client_access.clients_filter(user)
    text = (q or "").strip().casefold()
    accounts = Account.objects.filter(condition)
    contacts = Contact.objects.filter(condition, account__isnull=True)
    if text:
        accounts = accounts.filter(search_text__contains=text)
        contacts = contacts.filter(search_text__contains=text)
    if owner_id:
        accounts = accounts.filter(owner_id=owner_id)
        contacts = contacts.filter(owner_id=owner_id)
    accounts = (
        accounts.order_by()
        .annotate(row_kind=Value("account", output_field=CharField()))
        .values_list("row_kind", "pk", "name", "owner_id", "country", "created_at")
    )
    contacts = (
        contacts.order_by()
        .annotate(row_kind=Value("contact", output_field=CharField()))
        .values_list("row_kind", "pk", "display_name", "owner_id", "country", "created_at")
    )
    if kind == "account":
        return accounts.order_by("name", "pk")
    if kind == "contact":
        return contacts.order_by("display_name", "pk")
    return accounts.union(contacts, all=True).order_by("name", "pk")


def client_rows(rows: Sequence[tuple]) -> list[ClientRow]:
    """The page's rows with their owners, counts of deals and the accounts' contacts: three
    queries for the page, whatever its length."""
    account_ids = [row[1] for row in rows if row[0] == "account"]
    contact_ids = [row[1] for row in rows if row[0] == "contact"]
    owner_ids = {row[3] for row in rows if row[3]}
    owners = (
        {user.pk: user for user in get_user_model().objects.filter(pk__in=owner_ids)}
        if owner_ids
        else {}
    )
    deal_counts: dict[tuple[str, int], int] = {}
    details: dict[tuple[str, int], str] = {}
    if account_ids:
        for account_id, n in (
            Deal.objects.filter(account_id__in=account_ids)
            .values_list("account_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            deal_counts[("account", account_id)] = n
        for account_id, n in (
            Contact.objects.filter(account_id__in=account_ids)
            .values_list("account_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            details[("account", account_id)] = str(n)
    if contact_ids:
        for contact_id, n in (
            Deal.objects.filter(contact_id__in=contact_ids, account__isnull=True)
            .values_list("contact_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            deal_counts[("contact", contact_id)] = n
    return [
        ClientRow(
            kind=row[0],
            pk=row[1],
            name=row[2],
            detail=details.get((row[0], row[1]), ""),
            owner=owners.get(row[3]),
            country=row[4],
            deals=deal_counts.get((row[0], row[1]), 0),
            created_at=row[5],
        )
        for row in rows
    ]


# --- the cards ---------------------------------------------------------------------------


def totals_by_currency(deals: Sequence[Deal]) -> list[dict[str, Any]]:
    """Per currency: the won total, the open total and the number of deals (money is never
    added across currencies)."""
    totals: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"won": Decimal("0"), "open": Decimal("0"), "count": 0}
    )
    for deal in deals:
        row = totals[deal.currency]
        row["count"] += 1
        if deal.stage.kind == DealStageKind.WON:
            row["won"] += deal.amount
        elif deal.stage.kind == DealStageKind.OPEN:
            row["open"] += deal.amount
    return [{"currency": currency, **row} for currency, row in sorted(totals.items())]


# the newest changes a client's card shows (the access report has them all)
HISTORY_LIMIT = 50


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field since removed: named as stored
        return name


def client_history(*, contact: Contact | None = None, account: Account | None = None) -> list:
    """A contact's or an account's changes, newest first, each with its fields' before and
    after in words (``changes``, as a lead's timeline shows them) — one query."""
    model, condition = (Contact, Q(contact=contact)) if contact else (Account, Q(account=account))
    events = list(ClientEvent.objects.filter(condition).select_related("actor")[:HISTORY_LIMIT])
    kinds = dict(ContactKind.choices)
    for event in events:
        params = event.params or {}
        event.changes = [
            {"label": _field_label(model, name), "before": pair[0], "after": pair[1]}
            for name, pair in (params.get("changes") or {}).items()
            if isinstance(pair, list) and len(pair) == 2
        ]
        event.method = (
            {
                "kind": kinds.get(params.get("kind"), params.get("kind")),
                "value": params.get("value"),
            }
            if event.type == ClientEventType.METHOD_ADDED
            else None
        )
    return events


def account_card(*, user, account_id: int) -> dict[str, Any]:
    """An account with its contacts, deals (with totals per currency) and the leads it came
    from that the user may see (the others counted)."""
    account = client_access.account_get_for(user=user, account_id=account_id)
    account = Account.objects.select_related("owner", "team").get(pk=account.pk)
    contacts = list(
        Contact.objects.filter(account=account)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "methods", queryset=ContactMethod.objects.order_by("-is_primary", "kind", "id")
            )
        )
    )
    deals = list(
        Deal.objects.filter(account=account).select_related("stage", "contact", "owner", "lead")
    )
    links = ClientLead.objects.filter(account=account)
    return {
        "account": account,
        "contacts": contacts,
        "deals": deals,
        "totals": totals_by_currency(deals),
        "deal_stages": list(DealStage.objects.all()),
        "history": client_history(account=account),
        **client_leads(user, links),
    }


def contact_card(*, user, contact_id: int) -> dict[str, Any]:
    """A contact with its ways to reach them, its account, deals and leads."""
    contact = client_access.contact_get_for(user=user, contact_id=contact_id)
    contact = (
        Contact.objects.select_related("owner", "team", "account")
        .prefetch_related("methods")
        .get(pk=contact.pk)
    )
    deals = list(
        Deal.objects.filter(contact=contact).select_related("stage", "account", "owner", "lead")
    )
    links = ClientLead.objects.filter(contact=contact)
    return {
        "contact": contact,
        "deals": deals,
        "totals": totals_by_currency(deals),
        "deal_stages": list(DealStage.objects.all()),
        "history": client_history(contact=contact),
        **client_leads(user, links),
    }


def client_leads(user, links: QuerySet[ClientLead]) -> dict[str, Any]:
    """The leads a client came from that the user may see, newest first; the others only
    counted (a lead out of one's sight stays so)."""
    links = links.order_by("-linked_at", "-id")
    try:
        visible = access.leads_visible_to(user, include_merged=True)
    except PermissionDenied:  # a role without leads sees none of them
        visible = Lead.objects.none()
    shown = list(
        links.filter(lead__in=visible.values("pk")).select_related(
            "lead__stage", "lead__owner", "lead__conversion"
        )[:100]
    )
    total = links.count()
    return {"lead_links": shown, "hidden_leads": max(total - len(shown), 0)}


def lead_client(lead: Lead) -> dict[str, Any]:
    """What the lead card's client panel shows: the conversion (with its deal) or the known
    client the lead is linked to — one query."""
    link = (
        ClientLead.objects.filter(lead_id=lead.pk)
        .select_related(
            "contact",
            "account",
            "lead__conversion__deal__stage",
            "lead__conversion__client_owner",
        )
        .first()
    )
    conversion = None
    if link is not None and link.kind == "converted":
        conversion = getattr(link.lead, "conversion", None)
    return {"link": link, "conversion": conversion}


def default_deal_stage_id() -> int | None:
    return DealStage.objects.filter(is_default=True).values_list("pk", flat=True).first()


# --- proposals: existing clients to link at conversion -----------------------------------


@dataclass
class Proposal:
    """An existing contact or account the conversion could link to, and why."""

    kind: str  # "contact" or "account"
    record: Any
    reasons: list[str] = field(default_factory=list)
    probability: float | None = None
    explanation: Any = None
    score: float = 0.0
    # the same e-mail, phone or tax id (or the account of such a contact): linked by default
    strong: bool = False


# How many candidates by name a proposal search reads at most, and the company-name
# similarity (rapidfuzz token set ratio on matching's company form) that counts as similar.
NAME_CANDIDATES = 50
COMPANY_SIMILAR = 90
PROPOSALS_SHOWN = 5


def _contact_record(contact: Contact) -> Record:
    methods = list(contact.methods.all())
    return Record(
        id=contact.pk,
        first_name=contact.first_name,
        last_name=contact.last_name,
        middle_name=contact.middle_name,
        emails=[m.value for m in methods if m.kind == ContactKind.EMAIL],
        phones=[m.value for m in methods if m.kind == ContactKind.PHONE],
        profiles=[m.value for m in methods if m.kind not in MATCHED_KINDS],
        company=contact.account.name if contact.account else "",
    )


def lead_tax_id(lead: Lead) -> str:
    attributes = lead.attributes or {}
    for name in ("tax_id", "vat", "vat_number", "national_id"):
        value = attributes.get(name)
        if isinstance(value, str | int) and str(value).strip():
            return str(value)
    return ""


def conversion_proposals(*, user, lead: Lead) -> dict[str, list[Proposal]]:
    """Existing contacts and accounts the user may see that a lead's conversion should link
    to instead of creating duplicates, best first, each with the reasons it is proposed: the
    same e-mail or phone (indexed), the same tax id (indexed), a similar person (matching's
    comparisons and weights) or company name (matching's company form, rapidfuzz)."""
    from rapidfuzz import fuzz

    from galena.clients.services import tax_id_normalise
    from galena.matching.duplicates import leads_records, score_against
    from galena.matching.records import company_form
    from galena.matching.review import explanation_of
    from galena.matching.weights import match_model

    visible_contacts = client_access.contacts_visible_to(user)
    visible_accounts = client_access.accounts_visible_to(user)
    points = [
        (kind, value)
        for kind, value in lead.contact_points.values_list("kind", "value")
        if kind in MATCHED_KINDS
    ]
    contacts: dict[int, Proposal] = {}
    if points:
        condition = Q()
        for kind, value in points:
            condition |= Q(kind=kind, value=value)
        for method in ContactMethod.objects.filter(
            condition, contact__in=visible_contacts.values("pk")
        ).select_related("contact__account", "contact__owner"):
            proposal = contacts.setdefault(
                method.contact_id, Proposal(kind="contact", record=method.contact)
            )
            template = (
                _("same e-mail: %(value)s")
                if method.kind == ContactKind.EMAIL
                else _("same phone: %(value)s")
            )
            proposal.reasons.append(template % {"value": method.value})
            proposal.strong = True
            proposal.score += 10
    name_condition = Q()
    if lead.name_translit:
        name_condition |= Q(name_translit=lead.name_translit)
    if lead.last_name.strip():
        name_condition |= Q(search_text__contains=lead.last_name.strip().casefold())
    if name_condition:
        for contact in (
            visible_contacts.filter(name_condition)
            .exclude(pk__in=list(contacts))
            .select_related("account", "owner")[:NAME_CANDIDATES]
        ):
            contacts[contact.pk] = Proposal(kind="contact", record=contact)
    if contacts:
        records = leads_records([lead.pk])
        lead_record = records.get(lead.pk)
        prefetched = {
            contact.pk: contact
            for contact in Contact.objects.filter(pk__in=list(contacts))
            .select_related("account", "owner")
            .prefetch_related("methods")
        }
        model = match_model()
        scored = (
            score_against(lead_record, [_contact_record(c) for c in prefetched.values()], model)
            if lead_record is not None
            else []
        )
        for contact_id, probability, explanation in scored:
            proposal = contacts[contact_id]
            proposal.record = prefetched[contact_id]
            proposal.probability = probability
            if probability >= model.possible_threshold:
                proposal.explanation = explanation_of(explanation)
                proposal.reasons.append(
                    _("similar person (%(percent)s the same)") % {"percent": f"{probability:.0%}"}
                )
                proposal.score += probability
    contact_list = sorted(
        (p for p in contacts.values() if p.reasons), key=lambda p: (-p.score, p.record.pk)
    )[:PROPOSALS_SHOWN]

    accounts: dict[int, Proposal] = {}
    wanted = {p.record.account_id for p in contact_list if p.record.account_id}
    seen = (
        set(visible_accounts.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted
        else set()
    )
    for proposal in contact_list:
        account = proposal.record.account
        if account is not None and account.pk in seen:
            accounts.setdefault(account.pk, Proposal(kind="account", record=account))
            accounts[account.pk].reasons.append(
                _("account of %(contact)s") % {"contact": proposal.record}
            )
            accounts[account.pk].strong = accounts[account.pk].strong or proposal.strong
            accounts[account.pk].score += 5
    tax_id = tax_id_normalise(lead_tax_id(lead))
    if tax_id:
        for account in visible_accounts.filter(tax_id_normalised=tax_id).select_related("owner"):
            accounts.setdefault(account.pk, Proposal(kind="account", record=account))
            accounts[account.pk].reasons.append(
                _("same tax id: %(tax_id)s") % {"tax_id": account.tax_id}
            )
            accounts[account.pk].strong = True
            accounts[account.pk].score += 10
    company = company_form(lead.company_name or "")
    if company:
        word = max(company.split(), key=len)
        for account in visible_accounts.filter(search_text__contains=word).select_related("owner")[
            :NAME_CANDIDATES
        ]:
            similarity = max(
                fuzz.token_set_ratio(company, company_form(account.name)),
                fuzz.token_set_ratio(company, company_form(account.legal_name or "")),
            )
            if similarity >= COMPANY_SIMILAR:
                accounts.setdefault(account.pk, Proposal(kind="account", record=account))
                words = (
                    _("same company name (%(percent)s)")
                    if similarity >= 100
                    else _("similar company name (%(percent)s)")
                )
                accounts[account.pk].reasons.append(words % {"percent": f"{similarity:.0f} %"})
                accounts[account.pk].score += similarity / 100
    account_list = sorted(accounts.values(), key=lambda p: (-p.score, p.record.pk))
    return {"contacts": contact_list, "accounts": account_list[:PROPOSALS_SHOWN]}
