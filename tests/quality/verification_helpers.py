"""Shared setup for the verification tests: leads made through the services, as in life."""

from galena.leads.models import ActorSource
from galena.leads.services import Actor, ContactInput, lead_create

WEB = Actor(user=None, source=ActorSource.WEB_FORM)


def create_lead(
    *,
    actor=WEB,
    first_name="Ana",
    last_name="Marin",
    phone="+40722123456",
    email="ana@solaris.example",
    **data,
):
    contacts = []
    if phone:
        contacts.append(ContactInput(kind="phone", value=phone))
    if email:
        contacts.append(ContactInput(kind="email", value=email))
    return lead_create(
        actor=actor,
        data={"first_name": first_name, "last_name": last_name, **data},
        contacts=contacts,
    )


def manual(user):
    return Actor(user=user, source=ActorSource.MANUAL)
