"""Leads that left the pipeline unanswered before their clock stopped on leaving
(routing.sla.lead_sla_on_stage): no deadline in the lists, nothing for the sweep."""

from django.db import migrations


def stop_clocks(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    SlaClock = apps.get_model("routing", "SlaClock")
    closed = Lead.objects.exclude(stage__kind="open").filter(
        first_response_at__isnull=True, response_due_at__isnull=False
    )
    SlaClock.objects.filter(lead__in=closed, met_at__isnull=True).update(next_check_at=None)
    closed.update(response_due_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("routing", "0002_seed_defaults"),
        ("leads", "0013_lead_team_queue_index"),
    ]

    operations = [migrations.RunPython(stop_clocks, migrations.RunPython.noop)]
