"""Admins retry failed submissions from the admin's list with one action."""

from django.test import override_settings

from galena.intake.models import Submission
from galena.intake.services import submission_process
from galena.leads.models import Lead
from tests.intake import test_submission_process as flaky


@override_settings(INTAKE_STAGES=["tests.intake.test_submission_process.flaky_stage"])
def test_admin_action_retries_the_selected_failed_submissions(client, admin_user, form):
    flaky.FLAKY["fail"] = True
    failed = flaky.receive(form, {"name": "Ana", "phone": "0722123456"})
    submission_process(submission_id=failed.pk)
    flaky.FLAKY["fail"] = False
    client.force_login(admin_user)

    response = client.post(
        "/admin/intake/submission/",
        {"action": "retry", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert "Retried 1: 1 processed." in response.text
    assert Submission.objects.get().status == "processed"
    assert Lead.objects.count() == 1


def test_admin_action_on_processed_submissions_says_there_is_nothing(client, admin_user, form):
    done = flaky.receive(form, {"name": "Ana", "phone": "0722123456"})
    submission_process(submission_id=done.pk)
    client.force_login(admin_user)

    response = client.post(
        "/admin/intake/submission/",
        {"action": "retry", "_selected_action": [done.pk]},
        follow=True,
    )

    assert "nothing to retry" in response.text
    assert Lead.objects.count() == 1
