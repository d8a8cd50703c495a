"""Parsing and validating what a form posts: aliases, attributes, consent, meta fields."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.intake.adapters import capture
from galena.intake.models import Form, Submission


def stored(form, payload, **kwargs):
    return Submission.objects.create(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload=payload,
        headers=kwargs.pop("headers", {"User-Agent": "Mozilla/5.0"}),
        remote_addr=kwargs.pop("remote_addr", "203.0.113.7"),
        **kwargs,
    )


def test_aliases_in_the_seeds_languages_map_to_fields(form):
    payload = {
        "Имя": "Юлия",
        "Фамилия": "Смирнова",
        "Телефон": "+7 916 123-45-67",
        "mail": "yulia@example.ru",
        "Компания": "Вега",
    }

    parsed = capture.parse(stored(form, payload))

    assert parsed.person.first_name == "Юлия"
    assert parsed.person.last_name == "Смирнова"
    assert parsed.person.company_name == "Вега"
    assert [(c.kind, c.value) for c in parsed.contacts] == [
        ("phone", "+7 916 123-45-67"),
        ("email", "yulia@example.ru"),
    ]


def test_attribution_comes_from_the_form_and_the_payload(form):
    payload = {
        "name": "Ana Marin",
        "email": "ana@example.ro",
        "utm_source": "google",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
        "landing_page": "https://x.ro/solar",
        "referrer": "https://google.com/",
    }

    parsed = capture.parse(stored(form, payload))

    a = parsed.attribution
    assert (a.source_id, a.campaign_id, a.channel) == (
        form.source_id,
        form.campaign_id,
        "landing_page",
    )
    assert (a.utm_source, a.utm_medium, a.utm_campaign) == ("google", "cpc", "spring")
    assert a.landing_page == "https://x.ro/solar"
    assert a.referrer == "https://google.com/"
    assert parsed.interest == "Solar panels"
    assert parsed.team_id == form.default_team_id


def test_unknown_fields_are_kept_as_attributes(form):
    parsed = capture.parse(
        stored(
            form,
            {"name": "Ana", "phone": "0722123456", "budget": "5000", "roof_m2": 40, "empty": ""},
        )
    )

    assert parsed.attributes == {"budget": "5000", "roof_m2": 40}


@pytest.mark.parametrize(
    ("country", "code", "attributes"),
    [
        ("RO", "RO", {}),
        ("Spain", "ES", {}),  # not "SP"
        ("Россия", "RU", {}),
        ("Narnia", "", {"country": "Narnia"}),  # kept as it was written, not cut to "NA"
    ],
)
def test_a_country_is_stored_as_its_code_whatever_way_it_is_written(
    form, country, code, attributes
):
    parsed = capture.parse(stored(form, {"name": "Ana", "phone": "0722123456", "țară": country}))

    assert (parsed.person.country, parsed.attributes) == (code, attributes)


def test_consent_records_text_version_time_and_address(form):
    submission = stored(form, {"name": "Ana", "phone": "0722123456", "consent": "on"})

    consent = capture.parse(submission).consent

    assert consent.purposes == ["contact"]
    assert consent.text_version == "2026-01"
    assert consent.text == form.consent_text
    assert consent.given_at == submission.received_at
    assert consent.ip == "203.0.113.7"


def test_no_consent_box_means_no_consent(form):
    assert capture.parse(stored(form, {"name": "Ana", "phone": "0722"})).consent is None


def test_signals_for_the_quality_checks(form):
    parsed = capture.parse(
        stored(
            form,
            {
                "name": "Ana",
                "phone": "0722123456",
                "_hp": "http://spam",
                "_ts": "1450",
                "_visitor": "v-123",
            },
            headers={"User-Agent": "HeadlessChrome/120"},
        )
    )

    assert parsed.signals.honeypot == "http://spam"
    assert parsed.signals.time_to_submit_ms == 1450
    assert parsed.signals.visitor_id == "v-123"
    assert parsed.signals.user_agent == "HeadlessChrome/120"
    assert "_hp" not in parsed.attributes


def test_callback_form_asks_for_a_call_at_the_requested_time(form):
    form.kind = "callback"
    form.save()
    parsed = capture.parse(
        stored(form, {"phone": "0722123456", "callback_at": "2030-05-01T15:00:00+03:00"})
    )

    (task,) = parsed.tasks
    assert task.kind == "call"
    assert task.due_at.isoformat() == "2030-05-01T15:00:00+03:00"


def test_callback_without_a_time_is_due_now(form):
    form.kind = "callback"
    form.save()
    submission = stored(form, {"phone": "0722123456"})

    (task,) = capture.parse(submission).tasks
    assert task.due_at == submission.received_at


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"phone": "0722123456"}, "name"),
        ({"name": "Ana", "email": "ana@"}, "email"),
        ({"name": "Ana", "phone": "call me"}, "phone"),
        ({"name": "x" * 2001}, "name"),
        ({"name": "Ana", "nested": {"a": 1}}, "nested"),
        ({"name": "Ana", "callback_at": "tomorrow"}, "callback_at"),
    ],
)
def test_validation_names_the_field(payload, field):
    errors = capture.validate(payload, required=["name"])
    assert field in errors


def test_required_field_given_by_an_alias_is_present():
    assert capture.validate({"Имя": "Юлия", "phone": "+79161234567"}, required=["first_name"]) == {}


def test_too_many_fields_are_refused():
    assert "__all__" in capture.validate({f"f{i}": "x" for i in range(101)}, required=[])


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=20),
        st.one_of(st.text(max_size=50), st.integers(), st.booleans(), st.none()),
        max_size=30,
    )
)
def test_validate_and_canonical_never_raise(payload):
    capture.validate(payload, required=["name"])
    capture.canonical(payload)


def test_parse_never_loses_a_field(form):
    payload = {"name": "Ana Marin", "phone": "0722123456", "color": "blue", "utm_term": "solar"}
    parsed = capture.parse(stored(form, payload))
    assert parsed.person.full_name == "Ana Marin"
    assert parsed.attributes["color"] == "blue"
    assert parsed.attribution.utm_term == "solar"
    assert Form.objects.count() == 1


def test_a_required_name_is_given_by_first_and_last_name():
    assert capture.validate({"first_name": "Ana", "last_name": "Marin"}, required=["name"]) == {}
    assert capture.validate({"last_name": "Marin"}, required=["name"]) == {}
    assert "name" in capture.validate({"company": "Solaris"}, required=["name"])
