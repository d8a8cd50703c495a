"""The demo's clients: every lead the demo won becomes a client as ``clients.lead_convert``
would have made it — a contact with the lead's e-mails and phones, the company's account
(one per company name; private persons have none), the first deal with the value the lead
closed at, the conversion with its conversion time and lead time, the link and the
``converted`` event — and some accounts bought again since (repeat purchases, upsells,
cross-sells, some still open). Some accounts lack the required client fields, so the cards
show what is missing. Written in bulk, deterministic for a seed."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from galena.clients.models import (
    Account,
    ClientLead,
    Contact,
    ContactMethod,
    Conversion,
    Deal,
    DealKind,
    DealStage,
    DealStageKind,
    LinkKind,
)
from galena.clients.services import tax_id_normalise
from galena.core.bulk import insert_many
from galena.leads.contact_values import transliterate
from galena.leads.models import ActorSource, ContactPoint, EventType, Lead, LeadEvent, StageKind

# the share of accounts with each required field filled in (the rest show as missing)
FILLED = {"tax_id": 0.85, "registration_number": 0.75, "billing_address": 0.7}
# the share of accounts that bought again, and what they bought
REPEAT_SHARE = 0.3
FOLLOW_UPS = (
    (DealKind.REPEAT, "Repeat order"),
    (DealKind.UPSELL, "Upgrade"),
    (DealKind.CROSS_SELL, "Service plan"),
)
STREETS = ("Main Street", "Station Road", "Park Avenue", "Mill Lane", "Church Street")


def _tax_id(rng: random.Random, country: str) -> str:
    return f"{country or 'EU'}{rng.randint(10_000_000, 99_999_999)}"


def demo_clients_create(*, seed: int, now: dt.datetime) -> int:
    """Make every won demo lead a client; returns the number of conversions."""
    rng = random.Random(seed * 7919 + 17)  # noqa: S311 - repeatable demo data, not secrets
    won = list(
        Lead.objects.filter(stage__kind=StageKind.WON, merged_into__isnull=True)
        .order_by("id")
        .values(
            "id",
            "first_name",
            "middle_name",
            "last_name",
            "display_name",
            "company_name",
            "position",
            "language",
            "country",
            "city",
            "owner_id",
            "team_id",
            "created_at",
            "converted_at",
            "deal_value",
            "deal_currency",
            "interest",
        )
    )
    if not won:
        return 0
    points: dict[int, list[tuple]] = defaultdict(list)
    for row in ContactPoint.objects.filter(lead_id__in=[lead["id"] for lead in won]).values_list(
        "lead_id", "kind", "value_raw", "value", "label", "is_primary", "verified"
    ):
        points[row[0]].append(row[1:])
    stages = {stage.code: stage for stage in DealStage.objects.all()}
    paid = next((s for s in stages.values() if s.kind == DealStageKind.WON), None)
    open_stage = next((s for s in stages.values() if s.kind == DealStageKind.OPEN), None)
    if paid is None or open_stage is None:
        return 0

    accounts: dict[str, Account] = {}
    used_tax_ids: set[str] = set()
    for lead in won:
        name = lead["company_name"].strip()
        if not name or name.casefold() in accounts:
            continue
        country = lead["country"]
        tax_id = _tax_id(rng, country) if rng.random() < FILLED["tax_id"] else ""
        while tax_id and tax_id_normalise(tax_id) in used_tax_ids:  # one account per tax id
            tax_id = _tax_id(rng, country)
        used_tax_ids.add(tax_id_normalise(tax_id))
        account = Account(
            name=name,
            legal_name=name,
            tax_id=tax_id,
            tax_id_normalised=tax_id_normalise(tax_id),
            registration_number=(
                f"J{rng.randint(1, 52):02}/{rng.randint(100, 9999)}/{rng.randint(2005, 2024)}"
                if rng.random() < FILLED["registration_number"]
                else ""
            ),
            billing_address=(
                f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {lead['city'] or country}"
                if rng.random() < FILLED["billing_address"]
                else ""
            ),
            country=country,
            owner_id=lead["owner_id"],
            team_id=lead["team_id"],
            created_at=lead["converted_at"] or now,
            updated_at=lead["converted_at"] or now,
        )
        account.search_text = " ".join(
            p for p in (account.name, account.tax_id, account.registration_number) if p
        ).casefold()
        accounts[name.casefold()] = account
    insert_many(Account, list(accounts.values()))

    contacts = []
    for lead in won:
        account = accounts.get(lead["company_name"].strip().casefold())
        full_name = " ".join(
            p for p in (lead["first_name"], lead["middle_name"], lead["last_name"]) if p
        )
        values = [point[2] for point in points[lead["id"]]]
        contacts.append(
            Contact(
                first_name=lead["first_name"],
                middle_name=lead["middle_name"],
                last_name=lead["last_name"],
                display_name=full_name or lead["display_name"],
                position=lead["position"],
                language=lead["language"],
                country=lead["country"],
                account=account,
                owner_id=lead["owner_id"],
                team_id=lead["team_id"],
                name_translit=transliterate(full_name or lead["display_name"])[:255],
                search_text=" ".join([full_name or lead["display_name"], *values]).casefold(),
                created_at=lead["converted_at"] or now,
                updated_at=lead["converted_at"] or now,
            )
        )
    insert_many(Contact, contacts)
    insert_many(
        ContactMethod,
        [
            ContactMethod(
                contact=contact,
                kind=kind,
                value_raw=raw,
                value=value,
                label=label,
                is_primary=primary,
                verified=verified,
                created_at=contact.created_at,
            )
            for lead, contact in zip(won, contacts, strict=True)
            for kind, raw, value, label, primary, verified in points[lead["id"]]
        ],
    )

    deals = []
    for lead, contact in zip(won, contacts, strict=True):
        converted_at = lead["converted_at"] or now
        amount = lead["deal_value"] or Decimal(rng.randrange(500, 20_000, 50))
        deals.append(
            Deal(
                account=contact.account,
                contact=contact,
                lead_id=lead["id"],
                title=lead["interest"] or "First order",
                kind=DealKind.NEW,
                amount=amount,
                currency=lead["deal_currency"] or "EUR",
                stage=paid,
                owner_id=lead["owner_id"],
                closed_at=converted_at,
                created_at=converted_at,
                updated_at=converted_at,
            )
        )
    follow_ups = []
    for account in accounts.values():
        if rng.random() >= REPEAT_SHARE:
            continue
        kind, title = rng.choice(FOLLOW_UPS)
        created = account.created_at + dt.timedelta(days=rng.randint(5, 60))
        if created > now:
            created = now - dt.timedelta(hours=rng.randint(1, 48))
        still_open = rng.random() < 0.4
        first = next(d for d in deals if d.account is account)
        follow_ups.append(
            Deal(
                account=account,
                contact=first.contact,
                title=title,
                kind=kind,
                amount=(first.amount * Decimal(rng.choice(("0.3", "0.5", "1")))).quantize(
                    Decimal("0.01")
                ),
                currency=first.currency,
                stage=open_stage if still_open else paid,
                expected_close_on=(created + dt.timedelta(days=30)).date() if still_open else None,
                owner_id=account.owner_id,
                closed_at=None if still_open else created,
                created_at=created,
                updated_at=created,
            )
        )
    insert_many(Deal, [*deals, *follow_ups])

    conversions, links, events = [], [], []
    for lead, contact, deal in zip(won, contacts, deals, strict=True):
        converted_at = lead["converted_at"] or now
        conversions.append(
            Conversion(
                lead_id=lead["id"],
                contact=contact,
                account=contact.account,
                deal=deal,
                converted_by_id=lead["owner_id"],
                client_owner_id=lead["owner_id"],
                lead_owner_id=lead["owner_id"],
                converted_at=converted_at,
                first_contact_at=lead["created_at"],
                conversion_time=max(converted_at - lead["created_at"], dt.timedelta(0)),
                lead_time=max(converted_at - lead["created_at"], dt.timedelta(0)),
                contact_created=True,
                account_created=contact.account is not None,
            )
        )
        links.append(
            ClientLead(
                lead_id=lead["id"],
                contact=contact,
                account=contact.account,
                kind=LinkKind.CONVERTED,
                linked_at=converted_at,
            )
        )
        events.append(
            LeadEvent(
                lead_id=lead["id"],
                type=EventType.CONVERTED,
                occurred_at=converted_at,
                actor_id=lead["owner_id"],
                actor_source=ActorSource.MANUAL,
                params={
                    "contact_id": contact.pk,
                    "contact_name": str(contact),
                    "contact_created": True,
                    "account_id": contact.account.pk if contact.account else None,
                    "account_name": contact.account.name if contact.account else "",
                    "account_created": contact.account is not None,
                    "deal_id": deal.pk,
                    "deal_title": deal.title,
                    "amount": str(deal.amount),
                    "currency": deal.currency,
                    "client_owner_id": lead["owner_id"],
                    "lead_time_seconds": int(
                        max(converted_at - lead["created_at"], dt.timedelta(0)).total_seconds()
                    ),
                },
            )
        )
    insert_many(Conversion, conversions)
    insert_many(ClientLead, links)
    insert_many(LeadEvent, events)
    return len(conversions)


def demo_clients_wipe() -> None:
    """The demo's clients, before its leads (a conversion keeps its lead)."""
    Conversion.objects.all().delete()
    ClientLead.objects.all().delete()
    Deal.objects.all().delete()
    Contact.objects.all().delete()
    Account.objects.all().delete()
