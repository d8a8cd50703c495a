from django.db import migrations

DEFAULT_REJECTION_REASONS = [
    # code, name, order
    ("no_budget", "No budget", 10),
    ("bought_elsewhere", "Bought elsewhere", 20),
    ("not_decision_maker", "Not the decision maker", 30),
    ("no_need_now", "No need now", 40),
    ("unreachable", "Unreachable", 50),
    ("other", "Other", 90),
]
# what a lead must have before it enters a stage of this kind
DEFAULT_REQUIREMENTS = {"lost": ["rejection_reason"], "deferred": ["recontact_at"]}


def seed(apps, schema_editor):
    RejectionReason = apps.get_model("leads", "RejectionReason")
    Stage = apps.get_model("leads", "Stage")
    for code, name, order in DEFAULT_REJECTION_REASONS:
        RejectionReason.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    for kind, names in DEFAULT_REQUIREMENTS.items():
        for stage in Stage.objects.filter(kind=kind):
            if not stage.required_fields:
                stage.required_fields = names
                stage.save(update_fields=["required_fields"])


class Migration(migrations.Migration):
    dependencies = [("leads", "0010_rejection_reasons_required_fields")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
