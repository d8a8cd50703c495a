"""The record that demo data was loaded, so `galena demo` loads it only once."""

from django.db import models
from django.utils import timezone


class DemoLoad(models.Model):
    seed = models.IntegerField()
    lead_count = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(default=timezone.now)
    duration_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"Demo data: {self.lead_count} leads, seed {self.seed}"
