"""POST /api/v1/inbound/chat/<key>: a dialog becomes a lead with its transcript on the
timeline; later posts of the same dialog add the new messages to the same lead."""

import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.intake.adapters import chat as chat_adapter
from galena.intake.models import Submission, WebhookIntegration
from galena.leads.models import EventType, Lead, LeadEvent
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

SECRET = "chat-secret-9f8e7d6c5b4a3928"


@pytest.fixture
def integration(team):
    source = SourceFactory(name="Site chat", channel="chat")
    return WebhookIntegration.objects.create(
        name="Jivo",
        kind="chat",
        secret=SECRET,
        source=source,
        campaign=CampaignFactory(source=source, name="Chat"),
        default_team=team,
    )


def dialog(*messages, **changes):
    data = {
        "channel": "telegram",
        "dialog_id": "tg-884422",
        "visitor_id": "351882244",
        "started_at": "2026-03-11T10:00:00+02:00",
        "messages": list(messages)
        or [
            {
                "from": "visitor",
                "text": "Здравствуйте! Сколько стоит доставка в Кишинёв?",
                "at": "2026-03-11T10:00:05+02:00",
            },
            {
                "from": "agent",
                "text": "Добрый день! 300 лей. Оставьте телефон?",
                "at": "2026-03-11T10:01:10+02:00",
            },
            {"from": "visitor", "text": "+373 69 123 456", "at": "2026-03-11T10:02:00+02:00"},
        ],
        "contact": {"name": "Ирина Лупу", "phone": "+373 69 123 456", "telegram": "@irina_lupu"},
        "utm_source": "instagram",
        "utm_campaign": "spring",
        "page": "https://shop.example.md/delivery",
    }
    return data | changes


def post(client, integration, data, *, auth="bearer", raw=None):
    body = raw if raw is not None else json.dumps(data).encode()
    headers = {}
    if auth == "bearer":
        headers["Authorization"] = f"Bearer {SECRET}"
    elif auth == "hmac":
        digest = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers["X-Galena-Signature"] = f"sha256={digest}"
    elif auth:
        headers["Authorization"] = auth
    return client.post(
        f"/api/v1/inbound/chat/{integration.key}",
        body,
        content_type="application/json",
        headers=headers,
    )


def nothing_written():
    return (Submission.objects.count(), Lead.objects.count(), LeadEvent.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_dialog_becomes_a_lead_with_its_transcript_and_messenger_handle(
    client, integration, team
):
    response = post(client, integration, dialog())

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.idempotency_key == "tg-884422:2026-03-11T08:02:00+00:00"
    lead = submission.lead
    assert (lead.first_name, lead.last_name) == ("Ирина", "Лупу")
    assert lead.comment == "Здравствуйте! Сколько стоит доставка в Кишинёв?"
    assert (lead.source, lead.campaign, lead.team) == (
        integration.source,
        integration.campaign,
        team,
    )
    assert (lead.channel, lead.utm_source, lead.utm_campaign, lead.landing_page) == (
        "chat",
        "instagram",
        "spring",
        "https://shop.example.md/delivery",
    )
    assert sorted(lead.contact_points.values_list("kind", "label", "value")) == [
        ("messenger", "telegram", "https://t.me/irina_lupu"),
        ("phone", "given", "+37369123456"),
    ]
    chat = LeadEvent.objects.get(lead=lead, type=EventType.CHAT)
    assert chat.params["channel"] == "telegram"
    assert chat.params["messages"] == [
        {
            "from": "visitor",
            "text": "Здравствуйте! Сколько стоит доставка в Кишинёв?",
            "at": "2026-03-11T10:00:05+02:00",
        },
        {
            "from": "agent",
            "text": "Добрый день! 300 лей. Оставьте телефон?",
            "at": "2026-03-11T10:01:10+02:00",
        },
        {"from": "visitor", "text": "+373 69 123 456", "at": "2026-03-11T10:02:00+02:00"},
    ]
    assert chat.occurred_at.isoformat() == "2026-03-11T08:00:05+00:00"


def test_a_later_post_of_the_dialog_adds_only_the_new_messages_to_the_same_lead(
    client, integration
):
    post(client, integration, dialog())
    first = dialog()["messages"]
    later = [
        *first,
        {"from": "agent", "text": "Спасибо, перезвоним.", "at": "2026-03-11T10:03:00+02:00"},
        {"from": "visitor", "text": "Жду.", "at": "2026-03-11T10:03:30+02:00"},
    ]

    response = post(client, integration, dialog(*later))

    assert response.status_code == 201
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    chats = LeadEvent.objects.filter(lead=lead, type=EventType.CHAT).order_by("id")
    assert [len(c.params["messages"]) for c in chats] == [3, 2]
    assert chats[1].params["messages"][1]["text"] == "Жду."
    assert chats[1].params["continued"] is True
    assert Submission.objects.order_by("pk").last().outcome == "attached"


def test_the_same_post_twice_is_stored_once(client, integration):
    first = post(client, integration, dialog())
    again = post(client, integration, dialog())

    assert (first.status_code, again.status_code) == (201, 200)
    assert Submission.objects.count() == 1


def test_a_signed_post_is_accepted_too(client, integration):
    assert post(client, integration, dialog(), auth="hmac").status_code == 201


def test_an_anonymous_site_chat_is_an_interest_until_the_visitor_leaves_a_contact(
    client, integration
):
    question = {
        "from": "visitor",
        "text": "Do you deliver on Sundays?",
        "at": "2026-03-11T09:00:00Z",
    }
    anonymous = dialog(question, channel="site_chat", dialog_id="web-1", contact={})

    post(client, integration, anonymous)

    assert Submission.objects.get().outcome == "interest"
    assert Lead.objects.count() == 0

    with_email = dialog(
        question,
        {"from": "visitor", "text": "mail me: tom@example.com", "at": "2026-03-11T09:05:00Z"},
        channel="site_chat",
        dialog_id="web-1",
        contact={"email": "tom@example.com"},
    )
    post(client, integration, with_email)

    lead = Lead.objects.get()
    assert lead.display_name == "tom@example.com"
    assert len(LeadEvent.objects.get(lead=lead, type=EventType.CHAT).params["messages"]) == 2


def test_a_messenger_visitor_id_is_kept_as_the_handle_when_no_other_is_given(client, integration):
    post(
        client,
        integration,
        dialog(contact={"name": "Ion"}, channel="whatsapp", visitor_id="37369000111"),
    )

    point = Lead.objects.get().contact_points.get()
    assert (point.kind, point.label, point.value) == (
        "messenger",
        "whatsapp",
        "https://wa.me/37369000111",
    )


def test_without_credentials_it_is_401(client, integration):
    response = post(client, integration, dialog(), auth=None)

    assert response.status_code == 401
    assert "Bearer" in response.json()["error"]["message"]
    assert nothing_written()


def test_a_wrong_bearer_secret_is_403(client, integration):
    response = post(client, integration, dialog(), auth="Bearer not-the-secret")

    assert response.status_code == 403
    assert nothing_written()


def test_bad_messages_are_named_and_nothing_is_stored(client, integration):
    response = post(
        client,
        integration,
        dialog(
            {"from": "customer", "text": "hi", "at": "2026-03-11T10:00:00+02:00"},
            {"from": "visitor", "text": 42, "at": "11 March"},
            dialog_id="",
        ),
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "dialog_id": "This field is required: the dialog's id, the same in every post.",
        "messages[0].from": "Use one of: visitor, agent, bot, system.",
        "messages[1].text": "Expected the message's text.",
        "messages[1].at": "Give the time as ISO 8601 with its zone.",
    }
    assert nothing_written()


def test_messages_must_be_a_list(client, integration):
    response = post(client, integration, dialog(messages="hello"))

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "messages"
    assert nothing_written()


def test_a_call_integrations_key_is_not_a_chat_integration(client, db):
    calls = WebhookIntegration.objects.create(name="Calls", kind="calls", secret=SECRET)

    assert post(client, calls, dialog()).status_code == 404
    assert nothing_written()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "dialog_id": JSON,
            "channel": JSON,
            "started_at": JSON,
            "messages": JSON
            | st.lists(
                st.fixed_dictionaries({}, optional={"from": JSON, "text": JSON, "at": JSON}),
                max_size=3,
            ),
            "contact": JSON,
            "page": JSON,
        },
    )
)
def test_validating_any_json_names_problems_and_never_crashes(data):
    errors = chat_adapter.validate(data)

    assert all(isinstance(message, str) and message for message in errors.values())


def test_inbound_endpoints_are_documented_in_openapi(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {
        "/api/v1/inbound/email/{mailbox_key}",
        "/api/v1/inbound/calls/{key}",
        "/api/v1/inbound/chat/{key}",
        "/api/v1/inbound/meta/{key}",
        "/api/v1/inbound/google-ads/{key}",
    } <= set(paths)
