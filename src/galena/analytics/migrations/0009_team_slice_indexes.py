"""The team report for one slice (a channel, a region…) reads the people grain's rows of that
value only: (grain, dimension, value, day) on the response, team and deal facts. On 1,000,000
leads, the admin's team report for one channel: 332 → 172 ms (docs/benchmarks.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0008_cost_attribution_pairs'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='dealfact',
            index=models.Index(fields=['grain', 'dimension', 'value', 'day'], name='deal_fact_value'),
        ),
        migrations.AddIndex(
            model_name='responsefact',
            index=models.Index(fields=['grain', 'dimension', 'value', 'day'], name='response_fact_value'),
        ),
        migrations.AddIndex(
            model_name='teamfact',
            index=models.Index(fields=['grain', 'dimension', 'value', 'day'], name='team_fact_value'),
        ),
    ]
