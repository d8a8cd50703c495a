"""Public pages behind a signed e-mail link, in a real browser: their own form posts past
Django's CSRF check. Under "Referrer-Policy: no-referrer" Chromium posts such a form with
"Origin: null" and Django refused it (403), which the test client, sending no Origin, never
showed: the double opt-in confirmation and the unsubscribe page both had it."""

import pytest
from django.urls import reverse

from galena.leads.models import Verification
from galena.nurture.models import Suppression
from galena.nurture.services import unsubscribe_token
from galena.quality.verification import confirmation_token
from tests.nurture.conftest import make_lead
from tests.quality.verification_helpers import create_lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_confirms_their_email_address(page):
    lead = create_lead(interest="Solar panels")
    token = confirmation_token(lead_id=lead.pk, email="ana@solaris.example")

    page.goto(reverse("verify-confirm", kwargs={"token": token}))
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="Thank you, Ana!").wait_for()
    lead.refresh_from_db()
    assert lead.verification == Verification.VERIFIED


def test_a_person_unsubscribes_with_the_button(page):
    lead = make_lead()
    token = unsubscribe_token(lead_id=lead.pk, email="ana@example.com")

    page.goto(reverse("nurture-unsubscribe", args=[token]))
    page.get_by_role("button", name="Unsubscribe me").click()

    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert Suppression.objects.filter(email="ana@example.com").exists()
