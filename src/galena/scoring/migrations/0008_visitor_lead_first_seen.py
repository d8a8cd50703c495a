"""Analytics: a region per channel, source or campaign reads a region's leads, their conversions
and their visitors from indexes (docs/benchmarks.md, "Analytics reports")."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0021_lead_analytics_region_converted'),
        ('scoring', '0007_visitor_first_seen_touch_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='visitor',
            index=models.Index(condition=models.Q(('lead__isnull', False)), fields=['lead', 'first_seen_at', 'channel', 'source', 'campaign'], name='visitor_lead_first_seen'),
        ),
    ]
