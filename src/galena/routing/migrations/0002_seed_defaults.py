"""The default rule and SLA policies every business starts with (editable in the admin):
leads no other rule takes wait in the general queue; hot leads are answered within 5
minutes, warm within an hour, the rest within one business day."""

from django.db import migrations

POLICIES = [
    # name, order, conditions, minutes, business days, business hours, warn before
    (
        "Hot leads: 5 minutes",
        10,
        [{"field": "temperature", "operator": "eq", "value": "hot"}],
        5,
        0,
        False,
        2,
    ),
    (
        "Warm leads: 1 hour",
        20,
        [{"field": "temperature", "operator": "eq", "value": "warm"}],
        60,
        0,
        True,
        15,
    ),
    ("Other leads: 1 business day", 30, [], 0, 1, True, 60),
]


def seed(apps, schema_editor):
    RoutingRule = apps.get_model("routing", "RoutingRule")
    SlaPolicy = apps.get_model("routing", "SlaPolicy")
    if not RoutingRule.objects.exists():
        RoutingRule.objects.create(
            name="Every other lead: the general queue",
            order=1000,
            conditions=[],
            target_kind="queue",
        )
    if not SlaPolicy.objects.exists():
        for name, order, conditions, minutes, days, business, warn in POLICIES:
            SlaPolicy.objects.create(
                name=name,
                order=order,
                conditions=conditions,
                response_minutes=minutes,
                response_business_days=days,
                business_hours=business,
                warn_before_minutes=warn,
                reassign_after_minutes=15 if minutes and minutes <= 5 else 60,
                alert_after_minutes=30 if minutes and minutes <= 5 else 120,
                response_kinds=["call", "email", "task"],
            )


def unseed(apps, schema_editor):
    apps.get_model("routing", "SlaPolicy").objects.filter(
        name__in=[p[0] for p in POLICIES]
    ).delete()
    apps.get_model("routing", "RoutingRule").objects.filter(
        name="Every other lead: the general queue"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
