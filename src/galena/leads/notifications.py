"""Telling people about their leads. The routing issue grows this into preferences,
in-app notifications and webhooks; today it e-mails a new owner."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from galena.leads.models import EventType, LeadEvent


def assignment_email_send(*, event_id: int) -> bool:
    """Send the "a lead is yours" e-mail for one assignment event, once."""
    with transaction.atomic():
        event = (
            LeadEvent.objects.select_for_update()
            .select_related("lead")
            .filter(pk=event_id, type=EventType.ASSIGNED)
            .first()
        )
        if event is None or event.params.get("notified_at"):
            return False
        owner = get_user_model().objects.filter(pk=event.params.get("to"), is_active=True).first()
        if owner is None or not owner.email:
            return False
        lead = event.lead
        send_mail(
            subject=_("New lead for you: %(name)s") % {"name": lead},
            message=_("%(name)s (%(company)s) is now yours. Interest: %(interest)s.\n\n%(url)s")
            % {
                "name": lead,
                "company": lead.company_name or "—",
                "interest": lead.interest or "—",
                "url": f"{settings.SITE_URL}/leads/{lead.pk}/",
            },
            from_email=None,
            recipient_list=[owner.email],
        )
        event.params = {**event.params, "notified_at": timezone.now().isoformat()}
        event.save(update_fields=["params"])
    return True
