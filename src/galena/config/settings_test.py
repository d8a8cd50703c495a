"""Settings for the test suite: the normal settings with test-only speed-ups."""

import os

os.environ["GALENA_ENV"] = "test"

from galena.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
INTAKE_FORM_CACHE_SECONDS = 0  # tests change forms between requests
SCORING_CONFIG_SECONDS = 0  # tests change rules between calls, in rolled-back transactions
ROUTING_CONFIG_SECONDS = 0
QUALITY_CONFIG_SECONDS = 0
ROUTING_LOAD_SECONDS = 0  # tests count loads each time
NOTIFICATIONS_CONFIG_SECONDS = 0
