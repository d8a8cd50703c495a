"""What `galena worker` and `galena beat` share: the broker check."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def broker_require() -> str:
    """The configured broker URL, or a clear refusal when there is none."""
    if not settings.CELERY_BROKER_URL:
        raise CommandError(
            "No task broker is configured: set REDIS_URL (or CELERY_BROKER_URL), "
            "e.g. REDIS_URL=redis://127.0.0.1:6379/0. Without a broker Galena runs its "
            "background tasks in-process and `galena serve` runs the periodic ones (it "
            "starts `galena beat --embedded`), so no worker or beat is needed."
        )
    return settings.CELERY_BROKER_URL
