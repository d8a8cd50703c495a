import pytest

from galena.intake.models import Form
from tests.factories import CampaignFactory, SourceFactory


@pytest.fixture
def source(db):
    return SourceFactory(name="Website", channel="landing_page")


@pytest.fixture
def form(source, team):
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
        thank_you_message="Thank you, we will call you shortly.",
        allowed_origins=["https://shop.example.com"],
        interest="Solar panels",
    )


@pytest.fixture
def commit_callbacks_run(monkeypatch):
    """The test's transaction never commits: run what would run after the commit at once
    (intake processes a stored submission on commit)."""
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )
