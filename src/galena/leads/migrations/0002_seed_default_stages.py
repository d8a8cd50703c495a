from django.db import migrations

DEFAULT_STAGES = [
    # code, name, kind, order, is_initial
    ("new", "New", "open", 10, True),
    ("in_work", "In work", "open", 20, False),
    ("qualified", "Qualified", "open", 30, False),
    ("converted", "Converted", "won", 40, False),
    ("rejected", "Rejected", "lost", 50, False),
    ("deferred", "Deferred", "deferred", 60, False),
]


def seed_stages(apps, schema_editor):
    Stage = apps.get_model("leads", "Stage")
    for code, name, kind, order, is_initial in DEFAULT_STAGES:
        Stage.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "order": order, "is_initial": is_initial},
        )


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]

    operations = [migrations.RunPython(seed_stages, migrations.RunPython.noop)]
