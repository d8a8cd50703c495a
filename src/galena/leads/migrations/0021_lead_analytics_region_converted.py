"""Analytics: a region per channel, source or campaign reads a region's leads, their conversions
and their visitors from indexes (docs/benchmarks.md, "Analytics reports")."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_data_protection_officer_role'),
        ('leads', '0020_lead_analytics_region_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='lead',
            name='lead_analytics_region',
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(condition=models.Q(('merged_into__isnull', True)), fields=['region', 'id', 'channel', 'source', 'campaign', 'converted_at'], name='lead_analytics_region'),
        ),
    ]
