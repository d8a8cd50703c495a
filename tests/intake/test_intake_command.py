import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from galena.intake.models import Submission
from galena.leads.models import Lead
from tests.intake import test_submission_process as flaky


@override_settings(INTAKE_STAGES=["tests.intake.test_submission_process.flaky_stage"])
def test_retry_reprocesses_failed_submissions(form, capsys):
    from galena.intake.services import submission_process

    flaky.FLAKY["fail"] = True
    submission = flaky.receive(form, {"name": "Ana", "phone": "0722123456"})
    submission_process(submission_id=submission.pk)
    flaky.FLAKY["fail"] = False

    call_command("intake", "retry")

    assert "Retried 1: 1 processed." in capsys.readouterr().out
    assert Submission.objects.get().status == "processed"
    assert Lead.objects.count() == 1


def test_retry_with_nothing_failed_says_so(db, capsys):
    call_command("intake", "retry")
    assert "No failed submissions to retry." in capsys.readouterr().out


def test_retry_of_an_unknown_id_is_an_error(db):
    with pytest.raises(CommandError, match="No submission with id 404"):
        call_command("intake", "retry", "--id", "404")


def test_status_counts_by_status_and_outcome(form, capsys):
    flaky.receive(form, {"name": "Ana"})

    call_command("intake", "status")

    assert "received" in capsys.readouterr().out
