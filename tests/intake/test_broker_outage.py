"""A broker that is down never turns an accepted submission into an error or a loss."""

import datetime as dt
import json

from django.utils import timezone

from galena.intake.models import Submission
from galena.intake.tasks import process_stuck_submissions
from galena.leads.models import Lead


def test_accepted_while_the_broker_is_down_then_swept(client, form, monkeypatch):
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis://127.0.0.1:6379 refused the connection")

    monkeypatch.setattr("galena.intake.tasks.process_submission.delay", broker_down)

    response = client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps({"name": "Ana Marin", "phone": "0722123456"}),
        content_type="application/json",
    )

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.status == "received"
    assert Lead.objects.count() == 0

    Submission.objects.filter(pk=submission.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=10)
    )
    assert process_stuck_submissions() == {"processed": 1}
    assert Lead.objects.get().display_name == "Ana Marin"
