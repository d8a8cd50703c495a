from django.db import migrations

DEAL_STAGES = [
    # code, name, kind, order, is_default
    ("agreed", "Agreed", "open", 10, True),
    ("invoiced", "Invoiced", "open", 20, False),
    ("paid", "Paid", "won", 30, False),
    ("lost", "Lost", "lost", 40, False),
]
REQUIRED_FIELDS = [
    ("account", "tax_id", 10),
    ("account", "registration_number", 20),
    ("account", "billing_address", 30),
]


def seed(apps, schema_editor):
    DealStage = apps.get_model("clients", "DealStage")
    ClientField = apps.get_model("clients", "ClientField")
    for code, name, kind, order, is_default in DEAL_STAGES:
        DealStage.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "order": order, "is_default": is_default},
        )
    for record, field, order in REQUIRED_FIELDS:
        ClientField.objects.get_or_create(
            record=record, field=field, defaults={"is_required": True, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_clients_contacts_accounts_deals")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
