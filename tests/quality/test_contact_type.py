"""contact_type_for: quick, registration, promo or interested from the channel and fields."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.intake.contract import Attribution, ParsedSubmission, Person
from galena.leads.models import Channel, ContactKind, ContactType
from galena.leads.services import ContactInput
from galena.quality.fit import contact_type_for

WHEN = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
PHONE = ContactInput(kind=ContactKind.PHONE, value="+40721234567")
EMAIL = ContactInput(kind=ContactKind.EMAIL, value="ana@example.ro")


def parsed(channel=Channel.LANDING_PAGE, *, contacts=(PHONE,), landing_page="", event=None, **kw):
    return ParsedSubmission(
        channel=channel,
        received_at=WHEN,
        person=Person(first_name="Ana", last_name="Pop"),
        contacts=list(contacts),
        attribution=Attribution(channel=channel, landing_page=landing_page, offline_event_id=event),
        **kw,
    )


# --- quick ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel",
    [Channel.CALLBACK, Channel.PHONE_CALL, Channel.COLD_CALL, Channel.CHAT, Channel.SMS],
)
def test_fast_channels_are_quick(channel):
    assert contact_type_for(parsed(channel), "") == ContactType.QUICK


def test_a_callback_widget_is_quick_even_with_a_time_to_call():
    submission = parsed(Channel.LANDING_PAGE, preferred_contact_time="after 18:00")

    assert contact_type_for(submission, "callback") == ContactType.QUICK


def test_a_chat_with_a_question_stays_quick():
    submission = parsed(Channel.CHAT, comment="Do you install panels on flat roofs?")

    assert contact_type_for(submission, "") == ContactType.QUICK


def test_a_web_form_with_only_a_name_and_a_phone_is_quick():
    assert contact_type_for(parsed(), "web_form") == ContactType.QUICK


def test_a_form_with_tracking_and_one_short_word_is_quick():
    submission = parsed(
        comment="hello",
        attributes={"gclid": "abc", "_ts": "5000", "utm_id": "9", "page_title": "Solar"},
        interest="Solar panels",  # the form's default interest is no detail of the person's
    )

    assert contact_type_for(submission, "web_form") == ContactType.QUICK


# --- interested -----------------------------------------------------------------------


def test_a_comment_makes_an_interested_contact():
    submission = parsed(comment="I need a quote for a 10 kW system")

    assert contact_type_for(submission, "web_form") == ContactType.INTERESTED


def test_a_best_time_to_call_makes_an_interested_contact():
    submission = parsed(preferred_contact_time="weekdays after 18:00")

    assert contact_type_for(submission, "web_form") == ContactType.INTERESTED


def test_two_answered_questions_make_an_interested_contact():
    submission = parsed(attributes={"roof": "flat", "budget": "5 000"})

    assert contact_type_for(submission, "web_form") == ContactType.INTERESTED


def test_an_answered_quiz_is_interested():
    submission = parsed(
        Channel.QUIZ,
        attributes={"quiz": {"home": "house", "bill": "120", "roof": "flat", "when": "now"}},
    )

    assert contact_type_for(submission, "quiz") == ContactType.INTERESTED


def test_an_ad_lead_form_with_custom_answers_is_interested():
    submission = parsed(
        Channel.AD_LEAD_FORM,
        contacts=[EMAIL],
        attributes={
            "When do you plan to buy?": "this month",
            "Budget": "10000",
            "ad": {"platform": "meta", "form_id": "1"},
        },
    )

    assert contact_type_for(submission, "") == ContactType.INTERESTED


def test_an_ad_lead_form_with_only_contact_data_is_quick():
    submission = parsed(Channel.AD_LEAD_FORM, attributes={"ad": {"platform": "meta"}})

    assert contact_type_for(submission, "") == ContactType.QUICK


def test_a_written_e_mail_is_interested():
    submission = parsed(
        Channel.INBOUND_EMAIL,
        contacts=[EMAIL],
        comment="Hello, what would panels for a 120 m² roof cost?",
    )

    assert contact_type_for(submission, "") == ContactType.INTERESTED


def test_a_newsletter_tick_does_not_hide_a_question():
    submission = parsed(comment="Please send me a price list", attributes={"newsletter": "yes"})

    assert contact_type_for(submission, "web_form") == ContactType.INTERESTED


# --- registration ---------------------------------------------------------------------


def test_an_app_download_is_a_registration():
    assert contact_type_for(parsed(Channel.APP, contacts=[EMAIL]), "") == ContactType.REGISTRATION


@pytest.mark.parametrize(
    "attributes",
    [
        {"username": "ana_p"},
        {"password": "set"},
        {"account_type": "personal"},
        {"webinar": "Solar 101, 3 Dec"},
        {"event_ticket": "standard"},
        {"регистрация": "да"},
        {"Registro": "sí"},
    ],
)
def test_account_and_webinar_answers_make_a_registration(attributes):
    submission = parsed(contacts=[EMAIL], attributes=attributes, comment="see you there, thanks")

    assert contact_type_for(submission, "web_form") == ContactType.REGISTRATION


@pytest.mark.parametrize(
    "landing_page",
    [
        "https://helios.example/webinar/solar-101",
        "https://helios.example/ro/inregistrare?utm_source=fb",
        "https://helios.example/sign-up",
        "/en/register/",
    ],
)
def test_a_sign_up_page_makes_a_registration(landing_page):
    submission = parsed(contacts=[EMAIL, PHONE], landing_page=landing_page)

    assert contact_type_for(submission, "web_form") == ContactType.REGISTRATION


@pytest.mark.parametrize(
    "landing_page",
    [
        "https://helios.example/blogin-artikkeli",  # Finnish "blog's", not "login"
        "https://helios.example/accounting-software",
        "https://helios.example/?next=/register",  # the query is not the page
        "http://[broken",
    ],
)
def test_pages_that_only_resemble_a_sign_up_are_not_registrations(landing_page):
    submission = parsed(landing_page=landing_page)

    assert contact_type_for(submission, "web_form") == ContactType.QUICK


def test_a_newsletter_sign_up_without_details_is_a_registration():
    submission = parsed(contacts=[EMAIL], attributes={"subscribe": True})

    assert contact_type_for(submission, "web_form") == ContactType.REGISTRATION


def test_an_unticked_newsletter_box_is_no_sign_up():
    submission = parsed(attributes={"newsletter": "no", "promo_code": ""})

    assert contact_type_for(submission, "web_form") == ContactType.QUICK


# --- promo ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "channel",
    [Channel.EXHIBITION, Channel.CONFERENCE, Channel.RAFFLE, Channel.FLYER, Channel.MAILING_LIST],
)
def test_offline_promotions_are_promo(channel):
    submission = parsed(channel, comment="Met at the stand, wants a call next week")

    assert contact_type_for(submission, "") == ContactType.PROMO


def test_a_quick_entry_at_a_stand_is_promo():
    assert contact_type_for(parsed(Channel.LANDING_PAGE), "quick_entry") == ContactType.PROMO


def test_a_lead_met_at_an_offline_event_is_promo():
    assert contact_type_for(parsed(Channel.OTHER, event=3), "") == ContactType.PROMO


@pytest.mark.parametrize(
    "attributes",
    [
        {"promo_code": "SUN10"},
        {"promocode": "SUN10"},
        {"coupon": "X1"},
        {"giveaway": "yes"},
        {"промокод": "ЛЕТО"},
        {"cupón": "VERANO"},
        {"arvonta": "kyllä"},
    ],
)
def test_an_incentive_answer_makes_a_promo_contact(attributes):
    submission = parsed(attributes={**attributes, "roof": "flat", "budget": "5000"})

    assert contact_type_for(submission, "web_form") == ContactType.PROMO


def test_a_quiz_without_answers_came_for_the_discount():
    submission = parsed(Channel.QUIZ, attributes={"quiz": {"home": "house"}})

    assert contact_type_for(submission, "quiz") == ContactType.PROMO


def test_registration_wins_over_promo():
    submission = parsed(Channel.EXHIBITION, attributes={"username": "ana"})

    assert contact_type_for(submission, "quick_entry") == ContactType.REGISTRATION


def test_promo_wins_over_a_fast_channel():
    submission = parsed(Channel.CALLBACK, attributes={"promo_code": "SUN10"})

    assert contact_type_for(submission, "callback") == ContactType.PROMO


# --- robustness -----------------------------------------------------------------------

answers = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


@given(
    channel=st.one_of(st.sampled_from(Channel.values), st.text(max_size=10)),
    form_kind=st.one_of(
        st.sampled_from(["", "web_form", "quiz", "callback", "quick_entry"]), st.text(max_size=8)
    ),
    attributes=st.dictionaries(st.text(max_size=15), answers, max_size=5),
    comment=st.text(max_size=60),
    landing_page=st.text(max_size=40),
    preferred=st.text(max_size=10),
)
def test_contact_type_is_always_one_of_the_four(
    channel, form_kind, attributes, comment, landing_page, preferred
):
    submission = parsed(
        channel,
        attributes=attributes,
        comment=comment,
        landing_page=landing_page,
        preferred_contact_time=preferred,
    )

    assert contact_type_for(submission, form_kind) in {
        ContactType.QUICK,
        ContactType.REGISTRATION,
        ContactType.PROMO,
        ContactType.INTERESTED,
    }
