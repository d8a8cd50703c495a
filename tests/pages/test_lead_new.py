from django.urls import reverse

from galena.leads.models import EventType, Lead
from tests.factories import CampaignFactory, SourceFactory

NEW = reverse("lead-new")


def test_new_lead_form_renders(manager_client):
    response = manager_client.get(NEW)

    assert response.status_code == 200
    for name in ("first_name", "last_name", "company_name", "phone", "email", "source"):
        assert f'name="{name}"' in response.text


def test_creating_a_lead_opens_its_card(manager_client, manager, website):
    response = manager_client.post(
        NEW,
        {
            "first_name": "Ana",
            "last_name": "Marin",
            "company_name": "Solaris",
            "position": "CFO",
            "interest": "Kitchen",
            "phone": "0722 123 456",
            "email": "Ana@Solaris.example",
            "comment": "Met at the fair",
            "source": website.pk,
        },
    )

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("lead-detail", args=[lead.pk])
    assert (lead.display_name, lead.company_name, lead.position) == ("Ana Marin", "Solaris", "CFO")
    assert lead.owner == manager  # a manager entering a lead works it
    assert (lead.source, lead.channel) == (website, "landing_page")
    assert sorted(lead.contact_points.values_list("kind", "value")) == [
        ("email", "ana@solaris.example"),
        ("phone", "+40722123456"),
    ]
    assert lead.events.filter(type=EventType.CREATED, actor=manager).exists()


def test_a_campaign_brings_its_source(manager_client):
    campaign = CampaignFactory(source=SourceFactory(name="Quiz", channel="quiz"))

    manager_client.post(
        NEW, {"first_name": "Ana", "phone": "+40722123456", "campaign": campaign.pk}
    )

    lead = Lead.objects.get()
    assert (lead.campaign, lead.source, lead.channel) == (campaign, campaign.source, "quiz")


def test_without_source_the_channel_is_manual(manager_client):
    manager_client.post(NEW, {"first_name": "Ana", "email": "ana@example.com"})

    assert Lead.objects.get().channel == "manual"


def test_a_lead_needs_a_name(manager_client):
    response = manager_client.post(NEW, {"company_name": "Solaris", "phone": "+40722123456"})

    assert response.status_code == 200
    assert 'id="new-first_name_error"' in response.text
    assert "A lead is a person" in response.text
    assert not Lead.objects.exists()


def test_a_lead_needs_a_way_to_reach_them(manager_client):
    response = manager_client.post(NEW, {"first_name": "Ana"})

    assert 'id="new-phone_error"' in response.text
    assert "Give at least one way to reach the person" in response.text
    assert not Lead.objects.exists()


def test_campaign_of_another_source_is_refused(manager_client, website):
    campaign = CampaignFactory()

    response = manager_client.post(
        NEW,
        {
            "first_name": "Ana",
            "phone": "+40722123456",
            "source": website.pk,
            "campaign": campaign.pk,
        },
    )

    assert "This campaign belongs to" in response.text
    assert not Lead.objects.exists()


def test_marketer_cannot_create_leads(marketer_client):
    assert marketer_client.get(NEW).status_code == 403
    assert (
        marketer_client.post(NEW, {"first_name": "A", "phone": "+40722123456"}).status_code == 403
    )
    assert not Lead.objects.exists()
