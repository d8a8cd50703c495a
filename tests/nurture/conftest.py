import pytest

from galena.leads.models import ContactKind, ContactStatus, EventType, LeadEvent, Stage
from galena.nurture.models import Audience, Sequence, SequenceStep
from tests.factories import ContactPointFactory, LeadFactory

MARKETING = {"purposes": ["contact", "marketing"], "text_version": "2026-01"}


def stage(code):
    return Stage.objects.get(code=code)


def make_lead(
    *,
    owner=None,
    team=None,
    email="ana@example.com",
    consent=MARKETING,
    stage_code="new",
    status=ContactStatus.VALID,
    **fields,
):
    """A lead with an e-mail address and the consent its submission carried."""
    lead = LeadFactory(owner=owner, team=team, stage=stage(stage_code), **fields)
    if email:
        ContactPointFactory(
            lead=lead, kind=ContactKind.EMAIL, value_raw=email, value=email, status=status
        )
    if consent is not None:
        LeadEvent.objects.create(
            lead=lead,
            type=EventType.SUBMISSION_RECEIVED,
            actor_source="web_form",
            params={"consent": consent},
        )
    return lead


def make_sequence(*, audience=Audience.REJECTED, steps=((1, 0), (2, 30)), **fields):
    sequence = Sequence.objects.create(
        name=fields.pop("name", "Later"), audience=audience, **fields
    )
    for order, wait in steps:
        SequenceStep.objects.create(
            sequence=sequence,
            order=order,
            wait_days=wait,
            subject=f"Step {order} for {{{{ first_name }}}}",
            body=f"Hello {{{{ first_name }}}}, step {order}.",
        )
    return sequence


@pytest.fixture
def lead(manager, team):
    return make_lead(owner=manager, team=team, first_name="Ana")
