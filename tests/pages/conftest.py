import pytest

from galena.leads.models import ActorSource
from galena.leads.services import Actor, ContactInput, lead_create
from tests.factories import SourceFactory


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(client, manager):
    return login(client, manager)


@pytest.fixture
def head_client(client, head):
    return login(client, head)


@pytest.fixture
def marketer_client(client, marketer):
    return login(client, marketer)


@pytest.fixture
def admin_client(client, admin_user):
    return login(client, admin_user)


@pytest.fixture
def website(db):
    return SourceFactory(name="Website", channel="landing_page")


def create_lead(user, *, first_name="Ana", last_name="Marin", phone="+40722123456", **data):
    """A lead made the way the pages make them: through the service, with its events."""
    contacts = [ContactInput(kind="phone", value=phone)] if phone else []
    if "email" in data:
        contacts.append(ContactInput(kind="email", value=data.pop("email")))
    return lead_create(
        actor=Actor(user=user, source=ActorSource.MANUAL),
        data={"first_name": first_name, "last_name": last_name, **data},
        contacts=contacts,
    )


@pytest.fixture
def lead(manager):
    """A lead the manager owns (a manager entering a lead by hand works it)."""
    return create_lead(manager, company_name="Solaris SRL", email="ana@solaris.example")


@pytest.fixture
def colleague_lead(colleague):
    return create_lead(colleague, first_name="Pekka", last_name="Virtanen", phone="+358401234567")
