import pytest

from galena.consent.intake import submission_consents_record
from galena.leads.models import ContactKind, ContactStatus, EventType, LeadEvent, Stage
from galena.nurture.models import Audience, FarewellQuestionnaire, Sequence, SequenceStep
from tests.factories import ContactPointFactory, LeadFactory

MARKETING = {"purposes": ["contact", "marketing"], "text_version": "2026-01"}


def seeded_questionnaire():
    """The farewell questionnaire a data migration seeds (its id is not always 1: after a
    transactional test's flush the seed runs again)."""
    return FarewellQuestionnaire.objects.get()


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
        event = LeadEvent.objects.create(
            lead=lead,
            type=EventType.SUBMISSION_RECEIVED,
            actor_source="web_form",
            params={"consent": consent},
        )
        # as intake does: the consent it carried goes to the ledger
        submission_consents_record([(event, None)])
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


@pytest.fixture
def api_as(db):
    """api_as(user) -> an API client with a fresh personal token of that user."""
    from galena.accounts.services import api_token_create
    from tests.api.helpers import ApiClient

    def make(user):
        _, key = api_token_create(user=user, name="tests")
        return ApiClient(key)

    return make


def rejected(*, owner, team, code="no_budget", **fields):
    """A lead rejected through the service (its stage hooks run)."""
    from galena.leads.models import RejectionReason
    from galena.leads.services import Actor, lead_reject

    lead = make_lead(owner=owner, team=team, **fields)
    return lead_reject(
        actor=Actor(user=owner), lead=lead, reason=RejectionReason.objects.get(code=code)
    )
