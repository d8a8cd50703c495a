from importlib import import_module

from django.db import migrations

# 0002's seed again: it creates the rows of levels that have none, with the code's defaults,
# and keeps those that exist. Decision 0008 added levels to the e-mail's comparisons (for
# pairs whose names agree); the rows of the old levels keep what was stored.
seed = import_module("galena.matching.migrations.0002_seed_weights").seed


class Migration(migrations.Migration):
    dependencies = [("matching", "0003_match_key_lead_index")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
