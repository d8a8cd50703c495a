"""GET /api/v1/track/greeting: a returning known visitor gets the first greeting whose
conditions their lead meets — plain text with only what it names — anyone else nothing."""

import pytest
from django.core.exceptions import ValidationError

from galena.leads.models import Temperature
from galena.scoring.email_tracking import lead_token
from galena.scoring.greetings import GreetingFacts, GreetingSpec, greeting_choose, greeting_render
from galena.scoring.models import Greeting, TrackingSite, Visitor
from tests.factories import LeadFactory
from tests.scoring import tracking_fixtures
from tests.scoring.tracking_fixtures import ORIGIN, VISITOR

site = tracking_fixtures.site


@pytest.fixture
def lead(db):
    return LeadFactory(
        first_name="Ana",
        last_name="Marin",
        interest="Solar panels",
        temperature=Temperature.WARM,
        company_name="Secret Ltd",
    )


@pytest.fixture
def known(lead):
    return Visitor.objects.create(key=VISITOR, lead=lead)


@pytest.fixture
def greetings(site):
    return {
        "hot": Greeting.objects.create(
            name="Hot", order=1, temperatures=["hot"], message="Ready, {first_name}?"
        ),
        "warm": Greeting.objects.create(
            name="Warm solar",
            order=2,
            temperatures=["warm"],
            interest_contains="solar",
            message="Welcome back, {first_name}! Still thinking about {interest}?",
            offer_text="10% off this week",
            offer_url="https://shop.example.com/offer",
        ),
        "any": Greeting.objects.create(name="Anyone", order=3, message="Hello again!"),
    }


def ask(client, vid=VISITOR, *, site_key="site_shop", origin=ORIGIN, **params):
    headers = {"Origin": origin} if origin else {}
    return client.get(
        "/api/v1/track/greeting", {"site": site_key, "vid": vid, **params}, headers=headers
    )


def test_a_known_visitor_gets_the_first_greeting_that_fits_their_lead(client, known, greetings):
    response = ask(client)

    assert response.status_code == 200
    assert response.json() == {
        "message": "Welcome back, Ana! Still thinking about Solar panels?",
        "offer_text": "10% off this week",
        "offer_url": "https://shop.example.com/offer",
    }
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert response["Cache-Control"] == "no-store"


def test_the_answer_reveals_nothing_the_greeting_does_not_name(client, known, greetings):
    body = ask(client).json()

    assert set(body) == {"message", "offer_text", "offer_url"}  # no id, no other field
    for private in ("Marin", "Secret Ltd", "warm"):
        assert private not in str(body)


def test_an_unknown_visitor_gets_no_content(client, site, greetings):
    Visitor.objects.create(key="visitor-anon")

    assert ask(client, "visitor-anon").status_code == 204
    assert ask(client, "visitor-never-seen").status_code == 204


def test_no_greeting_fits_no_content(client, known, site):
    Greeting.objects.create(name="Hot", temperatures=["hot"], message="Hi")

    response = ask(client)

    assert response.status_code == 204
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_a_greeting_for_a_page_category_shows_only_there(client, known, site):
    Greeting.objects.create(name="Prices", page_category="pricing", message="Prices for you")

    assert ask(client, category="product").status_code == 204
    assert ask(client, category="pricing").json()["message"] == "Prices for you"
    # the page's address, classified by the category rules, when the page names none
    assert ask(client, url="https://shop.example.com/pricing").status_code == 200


def test_a_greeting_of_another_site_is_not_shown_here(client, known, site):
    other = TrackingSite.objects.create(name="Other", allowed_origins=["https://other.example"])
    Greeting.objects.create(name="Elsewhere", site=other, message="Not here")
    Greeting.objects.create(name="Here", site=site, message="Here")

    assert ask(client).json()["message"] == "Here"


def test_a_greeting_that_names_what_the_lead_did_not_give_is_skipped(client, known, site):
    known.lead.first_name = ""
    known.lead.save()
    Greeting.objects.create(name="Named", order=1, message="Hi {first_name}")
    Greeting.objects.create(name="Plain", order=2, message="Hi there")

    assert ask(client).json()["message"] == "Hi there"


def test_inactive_greetings_are_not_shown(client, known, site):
    Greeting.objects.create(name="Off", is_active=False, message="Off")

    assert ask(client).status_code == 204


def test_a_merged_leads_visitor_is_greeted_as_the_lead_it_became(client, known, site):
    survivor = LeadFactory(first_name="Anna")
    known.lead.merged_into = survivor
    known.lead.save()
    Greeting.objects.create(name="Hi", message="Hi {first_name}")

    assert ask(client).json()["message"] == "Hi Anna"


def test_a_glid_of_this_page_names_the_lead_before_the_events_do(client, lead, site, greetings):
    response = ask(client, "visitor-new-0001", glid=lead_token(lead.pk))

    assert response.status_code == 200
    assert Visitor.objects.count() == 0  # reading stores nothing


def test_a_bad_visitor_id_is_refused(client, site):
    response = ask(client, "bad id")

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "vid"


def test_another_origin_is_refused(client, known, greetings):
    response = ask(client, origin="https://evil.example")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_an_unknown_site_is_404(client, known, greetings):
    assert ask(client, site_key="nope").status_code == 404


def test_greetings_are_rate_limited_per_address(client, known, greetings, settings):
    settings.TRACKING_RATE_PER_ADDRESS = 1

    assert [ask(client).status_code for _ in range(2)] == [200, 429]


# --- the pure parts ---------------------------------------------------------------------------


def test_only_the_known_placeholders_are_filled_and_other_braces_are_text():
    values = {"first_name": "Ana", "interest": ""}

    assert greeting_render("Hi {first_name} {x} {first_name.__class__}", values) == (
        "Hi Ana {x} {first_name.__class__}"
    )
    assert greeting_render("About {interest}", values) is None


def test_markup_in_a_name_stays_text_for_the_script_to_show_as_text():
    shown = greeting_choose(
        [GreetingSpec(None, (), "", "", "Hi {first_name}", "", "")],
        GreetingFacts("warm", "", "<img src=x onerror=alert(1)>", ""),
        site_id=1,
    )

    assert shown.message == "Hi <img src=x onerror=alert(1)>"  # the script sets textContent


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"message": "Hi {name}"}, "message"),
        ({"message": "Hi", "temperatures": ["boiling"]}, "temperatures"),
        ({"message": "Hi", "offer_url": "https://a.example/"}, "offer_text"),
        ({"message": "Hi", "offer_text": "Go", "offer_url": "javascript:alert(1)"}, "offer_url"),
    ],
)
def test_a_greeting_is_checked_before_it_is_saved(db, fields, field):
    greeting = Greeting(name="G", **fields)

    with pytest.raises(ValidationError) as refused:
        greeting.full_clean()

    assert field in refused.value.message_dict
