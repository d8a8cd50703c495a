"""Quick entry at /intake/quick/: staff enter the people they meet at an event, one after
another, and each goes through the same capture as a web form."""

import pytest

from galena.intake.models import Form, Submission
from galena.leads.models import Lead, LeadEvent, OfflineEvent, Source
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")


@pytest.fixture
def expo(db):
    source = Source.objects.create(name="Expo Bucharest 2026", channel="exhibition")
    event = OfflineEvent.objects.create(name="Expo Bucharest 2026", source=source, city="Bucharest")
    return source, event


@pytest.fixture
def booth(expo, team):
    source, event = expo
    return Form.objects.create(
        name="Booth B12",
        slug="expo-booth",
        kind="quick_entry",
        channel="exhibition",
        source=source,
        offline_event=event,
        default_team=team,
        interest="Solar panels",
    )


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_quick_entry_needs_a_login(client, booth):
    response = client.get("/intake/quick/expo-booth/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/intake/quick/expo-booth/"


def test_a_marketer_may_not_enter_leads(client, marketer, booth):
    client.force_login(marketer)

    shown = client.get("/intake/quick/expo-booth/")
    posted = client.post("/intake/quick/expo-booth/", {"name": "Ana", "phone": "0722123456"})
    listed = client.get("/intake/quick/")

    assert (shown.status_code, posted.status_code, listed.status_code) == (403, 403, 403)
    assert nothing_written()


def test_the_list_shows_the_active_quick_entry_forms(client, manager, booth, source):
    Form.objects.create(
        name="Old fair", slug="old-fair", kind="quick_entry", source=source, is_active=False
    )
    Form.objects.create(name="Web", slug="web", source=source)
    client.force_login(manager)

    response = client.get("/intake/quick/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/intake/quick/expo-booth/"' in html
    assert "Old fair" not in html
    assert "/intake/quick/web/" not in html


def test_the_list_takes_the_same_number_of_queries_for_any_number_of_forms(
    client, manager, booth, expo, django_assert_num_queries
):
    client.force_login(manager)
    client.get("/intake/quick/")  # the session and the user are read the same way each time
    with django_assert_num_queries(4) as one_form:
        client.get("/intake/quick/")
    source, event = expo
    for n in range(3):
        Form.objects.create(
            name=f"Booth {n}",
            slug=f"booth-{n}",
            kind="quick_entry",
            source=source,
            offline_event=event,
        )

    with django_assert_num_queries(len(one_form.captured_queries)):
        response = client.get("/intake/quick/")

    assert response.content.decode().count('class="panel quick-form-link"') == 4


def test_the_page_shows_the_event_and_source_and_focuses_the_first_field(client, manager, booth):
    client.force_login(manager)

    html = client.get("/intake/quick/expo-booth/").content.decode()

    assert "Event: Expo Bucharest 2026" in html
    assert "Source: Expo Bucharest 2026" in html
    assert (
        '<input type="text" id="field-name" name="name" value="" autocomplete="off" autofocus>'
        in html
    )
    for name in ("phone", "email", "company", "interest", "comment"):
        assert f'name="{name}"' in html
    assert "0 people saved this session" in html


def test_saving_makes_a_lead_from_the_event_and_returns_an_empty_form(client, manager, booth, team):
    client.force_login(manager)

    response = client.post(
        "/intake/quick/expo-booth/",
        {
            "name": "Ana Marin",
            "phone": "0722 123 456",
            "email": "",
            "company": "Solaris SRL",
            "interest": "",
            "comment": "Wants an offer for a 10 kW roof",
            "_idempotency": "tap-1",
        },
        follow=True,
    )

    html = response.content.decode()
    assert response.redirect_chain == [("/intake/quick/expo-booth/", 302)]
    assert "Saved: Ana Marin" in html
    assert "1 person saved this session" in html
    assert 'name="name" value=""' in html
    lead = Lead.objects.get()
    assert (lead.display_name, lead.company_name, lead.comment) == (
        "Ana Marin",
        "Solaris SRL",
        "Wants an offer for a 10 kW roof",
    )
    assert (lead.channel, lead.source, lead.offline_event) == (
        "exhibition",
        booth.source,
        booth.offline_event,
    )
    assert lead.interest == "Solar panels"
    assert lead.team == team
    assert lead.owner is None
    assert lead.attributes == {"entered_by": "manager"}
    assert Submission.objects.get().idempotency_key == "tap-1"


def test_the_forms_default_owner_gets_the_lead(client, manager, booth, team):
    owner = UserFactory(username="expo-rep", team=team)
    booth.default_owner = owner
    booth.save()
    client.force_login(manager)

    client.post("/intake/quick/expo-booth/", {"name": "Ana", "phone": "0722123456"})

    assert Lead.objects.get().owner == owner


def test_the_count_runs_for_the_session(client, manager, booth):
    client.force_login(manager)

    for n in range(3):
        client.post("/intake/quick/expo-booth/", {"name": f"Person {n}", "phone": f"072212345{n}"})

    assert "3 people saved this session" in client.get("/intake/quick/expo-booth/").content.decode()
    assert Lead.objects.count() == 3


def test_a_double_tap_saves_once(client, manager, booth):
    client.force_login(manager)
    data = {"name": "Ana", "phone": "0722123456", "_idempotency": "tap-2"}

    client.post("/intake/quick/expo-booth/", data)
    client.post("/intake/quick/expo-booth/", data)

    assert Submission.objects.count() == 1


def test_a_person_without_a_phone_or_email_is_refused_and_nothing_is_written(
    client, manager, booth
):
    client.force_login(manager)

    response = client.post(
        "/intake/quick/expo-booth/", {"name": "Ana Marin", "company": "Solaris SRL"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Give a phone number or an e-mail address." in html
    assert 'name="company" value="Solaris SRL"' in html
    assert nothing_written()


def test_capture_validation_errors_come_back_next_to_the_field(client, manager, booth):
    client.force_login(manager)

    response = client.post("/intake/quick/expo-booth/", {"name": "", "email": "ana@"})

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<ul class="errorlist" id="field-name-error"><li>This field is required.</li></ul>' in html
    )
    assert "Enter a valid e-mail address" in html
    assert nothing_written()


def test_a_closed_quick_entry_form_is_410(client, manager, booth):
    booth.is_active = False
    booth.save()
    client.force_login(manager)

    assert client.get("/intake/quick/expo-booth/").status_code == 410
    assert (
        client.post("/intake/quick/expo-booth/", {"name": "A", "phone": "0722123456"}).status_code
        == 410
    )
    assert nothing_written()


def test_a_web_form_is_not_a_quick_entry_page(client, manager, form):
    client.force_login(manager)

    assert client.get("/intake/quick/contact-us/").status_code == 404
