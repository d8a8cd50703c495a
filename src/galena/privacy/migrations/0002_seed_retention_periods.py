from django.db import migrations

# The default periods (days); see galena/privacy/retention.py for what each counts from.
DEFAULTS = [
    ("pseudo_leads", 90, True, "Spam, bots and tests: kept three months to tune the checks."),
    ("rejected_leads", 3 * 365, True, "Rejected: three years after the rejection."),
    ("deferred_leads", 3 * 365, True, "Deferred: three years after the last change."),
    ("open_leads", 2 * 365, True, "Open but untouched: two years after the last change."),
    (
        "converted_leads",
        5 * 365,
        False,
        "Converted: the client record holds the person; off until the business sets its "
        "contract and tax-law period.",
    ),
    (
        "unlinked_submissions",
        180,
        True,
        "Submissions that made no lead (interest, refused): six months.",
    ),
]


def seed(apps, schema_editor):
    RetentionPolicy = apps.get_model("privacy", "RetentionPolicy")
    for purpose, days, active, note in DEFAULTS:
        RetentionPolicy.objects.get_or_create(
            purpose=purpose, defaults={"days": days, "is_active": active, "note": note}
        )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_erasures_retention")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
