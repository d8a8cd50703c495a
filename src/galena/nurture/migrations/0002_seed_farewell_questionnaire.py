"""The default farewell questionnaire (why not us, how we did, what would change your mind,
may we write later?) and two example sequences, switched off until someone reviews them."""

import datetime as dt

from django.db import migrations

from galena.nurture.models import DEFAULT_FAREWELL_TEXTS

(
    SUBJECT,
    BODY,
    WHY,
    PRICE,
    ANOTHER,
    NOT_FIT,
    TIMING,
    SLOW,
    OTHER,
    RATE,
    CHANGE,
    LATER,
    YES,
    NO,
) = DEFAULT_FAREWELL_TEXTS

QUESTIONS = [
    (1, "why_not_us", "choice", WHY, [PRICE, ANOTHER, NOT_FIT, TIMING, SLOW, OTHER]),
    (2, "handling", "scale", RATE, []),
    (3, "change_mind", "text", CHANGE, []),
    (4, "may_write_later", "choice", LATER, [YES, NO]),
]


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("nurture", "FarewellQuestionnaire")
    Question = apps.get_model("nurture", "FarewellQuestion")
    Sequence = apps.get_model("nurture", "Sequence")
    Step = apps.get_model("nurture", "SequenceStep")
    questionnaire, created = Questionnaire.objects.get_or_create(
        name="Farewell",
        defaults={"subject": SUBJECT, "body": BODY, "auto_send": True, "auto_send_reasons": []},
    )
    if created:
        for order, code, kind, text, choices in QUESTIONS:
            Question.objects.create(
                questionnaire=questionnaire,
                order=order,
                code=code,
                kind=kind,
                text=text,
                choices=choices,
            )
    later, created = Sequence.objects.get_or_create(
        name="Rejected: come back later", defaults={"audience": "rejected", "is_active": False}
    )
    if created:
        Step.objects.create(
            sequence=later,
            order=1,
            wait_days=90,
            subject="Has anything changed, {{ first_name }}?",
            body=(
                "Hello {{ first_name }},\n\nA few months ago you asked us about "
                "{{ interest }}. If the time is right now, just reply to this e-mail and "
                "{{ owner_name }} will get back to you.\n\nKind regards"
            ),
        )
        Step.objects.create(
            sequence=later,
            order=2,
            wait_days=180,
            subject="A new offer for you, {{ first_name }}",
            body="Hello {{ first_name }},\n\nWe have new offers this season: reply to hear more.",
        )
    greetings, created = Sequence.objects.get_or_create(
        name="Holiday greetings", defaults={"audience": "deferred", "is_active": False}
    )
    if created:
        Step.objects.create(
            sequence=greetings,
            order=1,
            send_on=dt.date(2026, 12, 23),
            repeat_yearly=True,
            subject="Season's greetings, {{ first_name }}",
            body="Hello {{ first_name }},\n\nWe wish you happy holidays and a good new year!",
        )


class Migration(migrations.Migration):
    dependencies = [("nurture", "0001_deferred_demand_base")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
