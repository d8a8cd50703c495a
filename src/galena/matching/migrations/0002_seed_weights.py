from django.db import migrations


def seed(apps, schema_editor):
    # The comparisons and their default m and u are code (galena.matching.comparisons); the
    # seed reads them from there rather than copying them, writing through historical models.
    from galena.matching.weights import weights_sync

    weights_sync(
        weight_model=apps.get_model("matching", "ComparisonWeight"),
        settings_model=apps.get_model("matching", "MatchSettings"),
    )


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
