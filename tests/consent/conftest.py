import pytest

from galena.intake.models import Form
from galena.leads.models import ContactKind, Stage
from tests.factories import ContactPointFactory, LeadFactory, SourceFactory
from tests.routing.conftest import team_rule  # noqa: F401 (a fixture)


def make_lead(*, owner=None, team=None, email="ana@example.com", phone="", **fields):
    """A lead with an e-mail (and a phone when given)."""
    lead = LeadFactory(owner=owner, team=team, stage=Stage.objects.get(code="new"), **fields)
    if email:
        ContactPointFactory(
            lead=lead, kind=ContactKind.EMAIL, value_raw=email, value=email, is_primary=True
        )
    if phone:
        ContactPointFactory(
            lead=lead, kind=ContactKind.PHONE, value_raw=phone, value=phone, is_primary=True
        )
    return lead


@pytest.fixture
def lead(manager, team):
    return make_lead(owner=manager, team=team, first_name="Ana", phone="+40722123456")


@pytest.fixture
def form(db, team):
    return Form.objects.create(
        name="Contact us",
        slug="contact-us",
        source=SourceFactory(name="Website", channel="landing_page"),
        default_team=team,
        fields=[
            {"name": "name", "label": "Your name", "type": "text", "required": True},
            {"name": "email", "label": "E-mail", "type": "email", "required": False},
        ],
        consent_text="I agree to be contacted and to receive news.",
        consent_version="2026-03",
        consent_purposes=["contact", "marketing"],
    )
