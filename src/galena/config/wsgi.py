import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galena.config.settings")
application = get_wsgi_application()

if settings.INTAKE_CAPTURE_FAST_PATH:
    from galena.intake.fastpath import CaptureFastPath

    application = CaptureFastPath(application)
