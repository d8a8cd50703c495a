"""The one door nurture's e-mails leave by (the farewell and every sequence step): the
activities app's ``email_send``, as a marketing e-mail (an unsubscribe footer and the
List-Unsubscribe headers, not a response to the lead), stored with the lead's other
e-mails and writing the event named here once it is sent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from galena.leads.models import Lead
from galena.leads.services import Actor


class DeliveryFailed(Exception):
    """The mail server refused the e-mail (activities kept it with the error)."""


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str
    lead_id: int
    unsubscribe_url: str
    event_type: str
    event_params: dict[str, Any] = field(default_factory=dict)
    # the consent the ledger must show (None: marketing e-mail; "": none, a service e-mail)
    consent_purpose: str | None = None


def email_deliver(email: OutgoingEmail) -> None:
    """Send one e-mail now, as written (merge fields were filled in by nurture); raises
    DeliveryFailed when it did not leave."""
    from galena.activities.models import EmailKind, EmailStatus
    from galena.activities.services import email_send

    sent = email_send(
        actor=Actor.system(),
        lead=Lead.objects.get(pk=email.lead_id),
        subject=email.subject,
        body=email.body,
        to=email.to,
        kind=EmailKind.MARKETING,
        unsubscribe_url=email.unsubscribe_url,
        headers={"Auto-Submitted": "auto-generated"},
        event_type=email.event_type,
        event_params=email.event_params,
        templated=False,
        consent_purpose=email.consent_purpose,
    )
    if sent.status != EmailStatus.SENT:
        raise DeliveryFailed(sent.error)
