from django.db import migrations


def seed(apps, schema_editor):
    # The checks are code (galena.quality.checks.REGISTRY): their codes, names and default
    # weights and thresholds live there and nowhere else, so the seed imports the registry
    # rather than copying it. It only reads plain data from it and writes through the
    # historical model, so later changes to the live models cannot break this migration.
    from galena.quality.services import quality_checks_sync

    quality_checks_sync(model=apps.get_model("quality", "QualityCheck"))


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
