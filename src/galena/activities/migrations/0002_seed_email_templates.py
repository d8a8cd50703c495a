"""A few useful e-mail templates to start from (edit them in the admin); their names are
marked for translation and shown translated (EmailTemplate.label)."""

from django.db import migrations
from django.utils.translation import gettext_noop

TEMPLATES = [
    {
        "name": gettext_noop("First contact after an inquiry"),
        "purpose": "first_contact",
        "subject": "Your inquiry{% if interest %} about {{ interest }}{% endif %}",
        "body": (
            "Hello {{ first_name|default:'there' }},\n\n"
            "Thank you for your interest{% if interest %} in {{ interest }}{% endif %}. "
            "I am {{ owner_name }} and I will take care of your request"
            "{% if company %} for {{ company }}{% endif %}.\n\n"
            "When would be a good time for a short call? You can also simply reply to this "
            "e-mail with your questions.\n\n"
            "Best regards,\n{{ signature }}"
        ),
    },
    {
        "name": gettext_noop("Could not reach you by phone"),
        "purpose": "follow_up",
        "subject": "I tried to call you{% if interest %} about {{ interest }}{% endif %}",
        "body": (
            "Hello {{ first_name|default:'there' }},\n\n"
            "I tried to reach you by phone today but could not get through. Please reply "
            "with a time that suits you, or call me back{% if owner_phone %} at "
            "{{ owner_phone }}{% endif %}.\n\n"
            "Best regards,\n{{ signature }}"
        ),
    },
    {
        "name": gettext_noop("Commercial offer"),
        "purpose": "offer",
        "subject": "Our offer{% if company %} for {{ company }}{% endif %}",
        "body": (
            "Hello {{ first_name|default:'there' }},\n\n"
            "As promised, please find our offer{% if interest %} for {{ interest }}{% endif %} "
            "attached. I am happy to go through it with you and adapt it to your needs.\n\n"
            "Best regards,\n{{ signature }}"
        ),
    },
    {
        "name": gettext_noop("Price list"),
        "purpose": "offer",
        "subject": "Our current price list",
        "body": (
            "Hello {{ first_name|default:'there' }},\n\n"
            "Please find our current price list attached. Let me know which options "
            "interest you and I will prepare a detailed offer.\n\n"
            "Best regards,\n{{ signature }}"
        ),
    },
    {
        "name": gettext_noop("Thank you for the meeting"),
        "purpose": "thank_you",
        "subject": "Thank you for your time",
        "body": (
            "Hello {{ first_name|default:'there' }},\n\n"
            "Thank you for meeting with me today. As agreed, I will follow up with the next "
            "steps shortly. Do not hesitate to reply if anything else comes to mind.\n\n"
            "Best regards,\n{{ signature }}"
        ),
    },
]


def seed(apps, schema_editor):
    EmailTemplate = apps.get_model("activities", "EmailTemplate")
    for order, template in enumerate(TEMPLATES):
        EmailTemplate.objects.get_or_create(
            name=template["name"],
            language="en",
            defaults={**template, "order": order * 10},
        )


def unseed(apps, schema_editor):
    EmailTemplate = apps.get_model("activities", "EmailTemplate")
    EmailTemplate.objects.filter(name__in=[t["name"] for t in TEMPLATES], language="en").delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_emails_documents_meetings")]

    operations = [migrations.RunPython(seed, unseed)]
