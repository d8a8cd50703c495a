"""The public request page in a real browser: the form posts past the CSRF check (a
"no-referrer" policy made Chromium send "Origin: null" and Django refuse it), the link from
the e-mail confirms the request, and the person reads the deadline."""

import re

import pytest
from django.core import mail

from galena.compliance.models import DataRequest, RequestStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ask_then_confirm_from_the_emailed_link(page, live_server, settings):
    settings.SITE_URL = live_server.url
    page.goto("/data-request/")
    page.get_by_label("Access: what is held and how it is used").check()
    page.get_by_label("Your e-mail address").fill("Maria.Test@example.org")
    page.get_by_role("button", name="Send my request").click()

    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert "We will answer by" in page.content()
    link = re.search(r"http://\S+/data-request/v/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="Thank you: your request is confirmed").wait_for()
    item = DataRequest.objects.get()
    assert item.status == RequestStatus.VERIFIED and item.email == "maria.test@example.org"
