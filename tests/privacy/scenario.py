"""A person as they live in Galena: through the real intake pipeline (a form, a repeat
inquiry, an import), worked on (notes, tasks, an e-mail, an offer document, a meeting),
unsubscribed, tracked on the site and converted to a client — every table the registry
declares gets some of their rows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from galena.activities.models import DocumentKind
from galena.activities.services import document_upload, email_send, meeting_schedule
from galena.clients.models import Contact
from galena.clients.services import (
    AccountData,
    ContactData,
    DealData,
    contact_update,
    lead_convert,
)
from galena.intake.importing.services import import_job_create, import_job_run
from galena.intake.models import Form, Submission
from galena.leads.models import ActorSource, Lead
from galena.leads.services import Actor, lead_assign, lead_update, note_add, task_create
from galena.notifications.models import Webhook
from galena.nurture.services import suppression_add
from galena.scoring.models import TrackedEvent, Visitor
from tests.factories import CampaignFactory, SourceFactory


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str  # as typed
    phone: str  # as typed
    e164: str
    translit: str
    address: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def needles(self) -> list[str]:
        """Every form of their values that must be gone: as typed, normalised, transliterated,
        national and international, and as JSON escapes them."""
        digits = self.e164.lstrip("+")
        plain = [
            self.first,
            self.last,
            self.name,
            self.translit,
            *self.translit.split(),
            self.email,
            self.email.lower(),
            self.phone,
            self.e164,
            digits,
            digits[2:],  # the national significant number
            "0" + digits[2:],
        ]
        forms = set()
        for value in plain:
            for variant in (value, value.casefold()):
                forms.add(variant.casefold())
                forms.add(json.dumps(variant)[1:-1].casefold())
        return sorted(forms)


ANA = Person(
    first="Ștefania",
    last="Văduva",
    email="Stefania.Vaduva@Example.RO",
    phone="0722 987 654",
    e164="+40722987654",
    translit="stefania vaduva",
    address="203.0.113.9",
)
DAN = Person(
    first="Mihai",
    last="Ionescu",
    email="mihai.ionescu@yahoo.com",
    phone="0733 111 222",
    e164="+40733111222",
    translit="mihai ionescu",
    address="198.51.100.20",
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n"


def make_form(team) -> Form:
    # another system told of every event: the deliveries carry the lead's summary
    Webhook.objects.create(name="CRM sync", url="http://127.0.0.1:9/hook", secret="s" * 32)
    source = SourceFactory(name="Website", channel="landing_page")
    return Form.objects.create(
        name="Contact us",
        slug="contact-us",
        source=source,
        campaign=CampaignFactory(source=source, name="Spring"),
        default_team=team,
        fields=[
            {"name": "name", "label": "Your name", "type": "text", "required": True},
            {"name": "phone", "label": "Phone", "type": "tel", "required": False},
            {"name": "email", "label": "E-mail", "type": "email", "required": False},
        ],
        consent_text="I agree to be contacted about my request.",
        consent_version="2026-01",
        consent_purposes=["contact"],
        thank_you_message="Thank you.",
        interest="Solar panels",
    )


def capture(client, form: Form, person: Person, *, email: str | None = None) -> Submission:
    response = client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps(
            {
                "name": person.name,
                "email": email or person.email,
                "phone": person.phone,
                "consent": True,
            }
        ),
        content_type="application/json",
        headers={"User-Agent": f"Mozilla/5.0 ({person.last})"},
        REMOTE_ADDR=person.address,
    )
    assert response.status_code in (200, 201), response.content
    return Submission.objects.get(pk=response.json()["reference"])


def import_people(people: list[Person], source):
    header = "Nume;Prenume;Telefon;Email;Oraș\n"
    rows = "".join(f"{p.last};{p.first};{p.phone};{p.email};Cluj\n" for p in people)
    job = import_job_create(
        file=ContentFile((header + rows).encode()), name="expo.csv", source=source
    )
    return import_job_run(job_id=job.pk)


def live(person: Person, *, client, form: Form, admin, owner) -> Lead:
    """The person's life in Galena; returns their lead."""
    actor = Actor(user=admin, source=ActorSource.MANUAL)
    lead = capture(client, form, person).lead
    assert lead is not None
    # the owner is told (and so is the other system, through the webhook)
    lead = lead_assign(actor=actor, lead=lead, owner=owner)
    # a repeat inquiry: the same person again, the address typed otherwise
    again = capture(client, form, person, email=person.email.upper())
    assert again.lead_id == lead.pk, (again.status, again.outcome, again.decision, again.error)
    note_add(actor=actor, lead=lead, text=f"{person.name} asked to be called on {person.phone}")
    task_create(
        actor=actor,
        lead=lead,
        title=f"Call {person.name}",
        description=f"Ask {person.first} about the roof",
    )
    lead = lead_update(
        actor=actor,
        lead=Lead.objects.get(pk=lead.pk),
        data={"comment": f"{person.first} prefers {person.email}", "position": "Owner"},
    )
    email_send(
        actor=actor,
        lead=lead,
        subject="Your offer, {{ first_name }}",
        body=f"Hello {{{{ first_name }}}},\n\nas agreed on {person.phone}: the offer.",
    )
    document_upload(
        actor=actor,
        title=f"Offer for {person.name}",
        kind=DocumentKind.OFFER,
        file=SimpleUploadedFile(
            f"offer-{person.translit.replace(' ', '-')}.pdf",
            PDF + f"% for {person.name}, {person.email}\n".encode(),
            content_type="application/pdf",
        ),
        lead=lead,
    )
    starts = timezone.now() + dt.timedelta(days=2)
    meeting_schedule(
        actor=actor,
        lead=Lead.objects.get(pk=lead.pk),
        title=f"Site survey at {person.last}",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
        location=f"{person.last} house, Str. Florilor 5",
        description=f"Bring the panels catalogue for {person.first}",
    )
    suppression_add(
        actor=actor,
        email=person.email,
        method="by_hand",
        lead=lead,
        evidence={"ip": person.address, "said": f"{person.name} on the phone"},
        note=f"{person.first} asked by phone",
    )
    visitor = Visitor.objects.create(key=f"v-{person.translit.replace(' ', '-')}", lead=lead)
    TrackedEvent.objects.create(
        lead=lead,
        visitor_key=visitor.key,
        kind="page_view",
        category="pricing",
        url=f"https://shop.example.com/thanks?email={person.email}",
        title="Thank you",
    )
    lead_convert(
        actor=actor,
        lead=Lead.objects.get(pk=lead.pk),
        # the surname misspelt at the conversion, corrected below: the client's history
        # keeps both
        contact=ContactData(first_name=person.first, last_name=f"{person.last}a", position="Owner"),
        account=AccountData(
            name=f"{person.name} PFA",
            tax_id=f"RO{person.e164[-6:]}",
            registration_number=f"F12/{person.e164[-4:]}/2024",
            billing_address=f"Str. Florilor 5, Cluj, {person.last}",
            country="RO",
        ),
        deal=DealData(amount="1500", currency="EUR", title=f"Panels for {person.name}"),
    )
    contact_update(
        actor=actor,
        contact=Contact.objects.get(lead_links__lead=lead),
        data=ContactData(first_name=person.first, last_name=person.last, position="Owner"),
    )
    return Lead.objects.get(pk=lead.pk)
