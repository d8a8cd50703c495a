import pytest


@pytest.fixture(autouse=True)
def locmem_mail_and_media(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEFAULT_FROM_EMAIL = "sales@galena.example"
    settings.SITE_URL = "https://crm.galena.example"


@pytest.fixture
def commit_callbacks_run(monkeypatch):
    """The test's transaction never commits: intake processes a stored submission at once."""
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )
