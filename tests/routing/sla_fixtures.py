"""What the SLA tests share: leads written through the services at a fixed moment, routed to
a team of two who work around the clock."""

import datetime as dt

import pytest

from galena.leads.models import Lead
from galena.leads.services import Actor, ContactInput, lead_create
from galena.routing.models import SlaClock
from tests.routing.conftest import member

# a Monday morning in the team's time zone (UTC): inside the default hours, 09:00–18:00
MONDAY = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def clocks_for_any_arrival(settings):
    """Leads here arrive at MONDAY, whatever day the tests run: none is too old for a clock."""
    settings.SLA_START_MAX_AGE_HOURS = 10 * 365 * 24


@pytest.fixture
def sellers(team, team_rule):
    """Ana and Bob take the team's leads in turn (Ana first)."""
    return member("ana", team), member("bob", team)


def new_lead(
    *, temperature: str = "warm", created_at: dt.datetime = MONDAY, verdict=None, **data
) -> Lead:
    """A lead written by lead_create (routing and the SLA hooks run), arriving at MONDAY."""
    data.setdefault("first_name", "Ion")
    return lead_create(
        actor=Actor.system(),
        data={"temperature": temperature, **data},
        contacts=[ContactInput(kind="email", value=f"ion{Lead.objects.count()}@example.com")],
        created_at=created_at,
        verdict=verdict,
    )


def clock_of(lead: Lead) -> SlaClock:
    return SlaClock.objects.get(lead=lead)
