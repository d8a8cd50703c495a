"""From a submission to the review: what the quality stage holds shows in the queue with its
reasons, a reviewer's release sends it to sales, and the credibility report follows."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import pytest
from django.urls import reverse
from django.utils import timezone

from galena.intake.models import DecisionReason
from galena.intake.services import submission_process, submission_receive
from galena.leads.models import EventType, LeadEvent
from galena.quality.selectors import Period, source_credibility
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def process(form, payload):
    submission, _ = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload=payload,
        headers={"User-Agent": BROWSER, "Accept-Language": "ro-RO,ro;q=0.9"},
        remote_addr="203.0.113.10",
    )
    return submission_process(submission_id=submission.pk)


def test_a_held_submission_is_reviewed_and_counted(client, head, marketer, form, source):
    held = process(
        form, {"name": "Ana Popescu", "phone": "0744 518 203", "_ts": 900, "_fp": "fp-ana"}
    )
    genuine = process(
        form, {"name": "Ion Ionescu", "phone": "0745 111 222", "_ts": 15000, "_fp": "fp-ion"}
    )
    lead = held.lead
    assert held.outcome == "quarantined" and lead.quality_status == "quarantined"
    assert genuine.outcome == "created"
    codes = set(DecisionReason.objects.filter(lead=lead).values_list("code", flat=True))
    assert "too_fast" in codes

    client.force_login(head)
    queue = client.get(reverse("quality-queue")).text
    assert lead.display_name in queue and genuine.lead.display_name not in queue
    assert '<code class="small muted">too_fast</code>' in queue
    assert lead.display_name not in client.get(reverse("lead-list")).text

    today = timezone.localdate()
    before = source_credibility(user=marketer, period=Period(start=today, end=today)).rows[0]
    client.post(reverse("quality-review"), {"release_one": lead.pk})
    after = source_credibility(user=marketer, period=Period(start=today, end=today)).rows[0]

    lead.refresh_from_db()
    assert lead.quality_status == "accepted"
    assert lead.display_name in client.get(reverse("lead-list")).text
    assert LeadEvent.objects.filter(lead=lead, type=EventType.QUALITY_DECIDED, actor=head).exists()
    assert before.name == after.name == source.name
    assert (before.submissions, before.leads, before.waiting, before.released) == (2, 2, 1, 0)
    assert (after.waiting, after.released, after.accepted, after.pseudo_rate) == (0, 1, 2, 0.0)
    assert after.reasons["too_fast"] == 1
