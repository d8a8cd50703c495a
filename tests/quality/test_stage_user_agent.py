"""The quality stage on HTTP-library user agents: held when the form page's signals are
missing too, only flagged when they are there, never for an allowed network."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import pytest

from galena.intake.models import DecisionReason, Submission
from galena.intake.services import submission_process
from galena.quality.models import ListedValue, QualityCheck
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401
from tests.quality.test_stage import process, receive

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

PERSON = {"name": "Ana Popescu", "phone": "0744 518 203", "email": "ana.popescu@gmail.com"}
PAGE = {"_hp": "", "_ts": 14000, "_fp": "fp-ana"}


def reason_of(submission):
    return next(r for r in submission.lead.quality_reasons if r["code"] == "bot_user_agent")


def test_a_library_post_without_the_page_signals_is_quarantined(form):
    submission = process(form, PERSON, agent="python-requests/2.32.3")

    assert submission.outcome == "quarantined"
    reason = reason_of(submission)
    assert (reason["points"], reason["evidence"]["page_signals"]) == (100, False)
    assert list(
        DecisionReason.objects.filter(submission=submission).values_list("code", "outcome")
    ) == [("bot_user_agent", "quarantined")]


def test_a_library_post_with_the_time_but_no_hidden_field_is_quarantined(form):
    submission = process(form, {**PERSON, "_ts": 14000}, agent="curl/8.5.0")

    assert submission.outcome == "quarantined"
    assert reason_of(submission)["evidence"]["honeypot_field"] is False


def test_a_library_post_with_the_page_signals_is_held_until_its_address_is_listed(form):
    # Given a site's back end relaying what its visitor's browser sent, not yet listed
    submission = process(form, {**PERSON, **PAGE}, agent="axios/1.7.7")

    assert submission.lead.quality_status == "quarantined"
    reason = reason_of(submission)
    assert (reason["points"], reason["evidence"]["honeypot_field"]) == (100, True)
    assert "allowed list" in reason["message"]


def test_a_business_can_only_flag_such_posts(form):
    QualityCheck.objects.update_or_create(
        code="bot_user_agent",
        defaults={"group": "bot", "name": "Bot", "params": {"library_points": 40}},
    )

    submission = process(form, {**PERSON, **PAGE}, agent="axios/1.7.7")

    assert submission.lead.quality_status == "accepted"
    assert reason_of(submission)["points"] == 40


def test_no_user_agent_without_the_page_signals_is_quarantined(form):
    submission = receive(form, PERSON, agent="")
    Submission.objects.filter(pk=submission.pk).update(
        headers={"Content-Type": "application/json"}, content_type="application/json"
    )
    submission = submission_process(submission_id=submission.pk)

    assert submission.outcome == "quarantined"
    assert reason_of(submission)["evidence"]["kind"] == "none"


def test_a_library_from_an_allowed_network_is_accepted_unflagged(form):
    ListedValue.objects.create(purpose="allowed", kind="network", value="198.51.100.0/24")

    submission = process(form, PERSON, agent="python-requests/2.32.3", address="198.51.100.7")

    assert submission.outcome == "created"
    assert submission.lead.quality_reasons == []
