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


def test_import_jobs_are_listed_read_only_with_a_link_to_their_page(
    client, admin_user, source, settings, tmp_path
):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path

    from galena.intake.models import ImportJob

    job = ImportJob.objects.create(
        original_name="expo.csv", source=source, file=ContentFile(b"name\n", name="expo.csv")
    )
    client.force_login(admin_user)

    listing = client.get("/admin/intake/importjob/")
    page = client.get(f"/admin/intake/importjob/{job.pk}/change/")

    assert listing.status_code == 200
    assert "expo.csv" in listing.text
    assert f'href="/intake/import/{job.pk}/"' in listing.text
    assert page.status_code == 200
    assert "/admin/intake/importjob/add/" not in listing.text
