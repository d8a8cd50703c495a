"""The cost report's pair dimensions (one slice grouped by another attribution): a second
value on the lead and revenue facts. Every day that has lead facts is marked for a refresh,
so an installation upgraded with facts in place gets the pairs' rows from the next refresh
(the beat task ``analytics-refresh-facts`` or the first report that reads them)."""

from django.db import migrations, models


def mark_lead_days(apps, schema_editor):
    lead_fact = apps.get_model("analytics", "LeadFact")
    dirty_day = apps.get_model("analytics", "DirtyDay")
    days = lead_fact.objects.order_by().values_list("day", flat=True).distinct()
    dirty_day.objects.bulk_create(
        [dirty_day(kind="lead", day=day, writer=0) for day in days.iterator()],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0007_visitor_first_touch_trigger'),
    ]

    operations = [
        migrations.AddField(
            model_name='leadfact',
            name='other_value',
            field=models.CharField(max_length=120, null=True),
        ),
        migrations.AddField(
            model_name='revenuefact',
            name='other_value',
            field=models.CharField(max_length=120, null=True),
        ),
        migrations.AlterField(
            model_name='conversionfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='dealfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='interestfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='leadfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='qualityfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='responsefact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='revenuefact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='stayfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='teamfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.AlterField(
            model_name='visitorfact',
            name='dimension',
            field=models.CharField(choices=[('total', 'total'), ('channel', 'channel'), ('source', 'source'), ('campaign', 'campaign'), ('region', 'region'), ('owner', 'owner'), ('team', 'team'), ('first_owner', 'first owner'), ('cost_channel', 'cost channel'), ('cost_source', 'cost source'), ('cost_region', 'cost region'), ('cost_chan_region', 'cost channel and region'), ('cost_src_region', 'cost source and region'), ('cost_chan_source', 'cost channel and source')], max_length=16),
        ),
        migrations.RunPython(mark_lead_days, migrations.RunPython.noop),
    ]
