"""Each pseudo-lead check: what it catches, and what it must leave alone (real names from the
seeds' countries, real numbers, real addresses)."""

import datetime as dt
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.intake.contract import Attribution, ParsedSubmission, Person, Signals
from galena.leads.services import ContactInput
from galena.quality.checks import (
    REGISTRY,
    CheckContext,
    Lists,
    active_checks,
    bot_kind,
    facts_of,
    params_errors,
)

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)

# Numbers as people type them, with the region the form assumes: (raw, region, line type).
GENUINE_PHONES = [
    ("+40 744 518 203", "RO", "mobile"),
    ("021 318 22 40", "RO", "fixed_line"),
    ("8 916 482-17-35", "RU", "mobile"),
    ("+7 495 628-41-93", "RU", "fixed_line"),
    ("+373 691 48 257", "MD", "mobile"),
    ("022 27 45 81", "MD", "fixed_line"),
    ("+380 67 482 19 35", "UA", "mobile"),
    ("+380 44 279 18 64", "UA", "fixed_line"),
    ("654 28 19 37", "ES", "mobile"),
    ("91 523 48 16", "ES", "fixed_line"),
    ("040 518 2947", "FI", "mobile"),
    ("09 4289 1735", "FI", "fixed_line"),
    ("07462 318 905", "GB", "mobile"),
    ("020 7946 0182", "GB", "fixed_line"),
    ("(415) 829-4716", "US", "fixed_line_or_mobile"),
    ("(212) 736-4821", "US", "fixed_line_or_mobile"),
    ("0151 42873619", "DE", "mobile"),
    ("030 28749163", "DE", "fixed_line"),
    ("06 48 27 19 35", "FR", "mobile"),
    ("01 42 68 53 07", "FR", "fixed_line"),
]
GENUINE_NAMES = [
    "Seán O'Brien",
    "Lucia D'Angelo",
    "Jean-Luc Moreau",
    "Emma Smith-Jones",
    "Пётр Иванов",
    "Анна-Мария Сидорова",
    "Li Na",
    "Ng",
    "Wu",
    "Kim Ji-woo",
    "Yu",
    "Ștefan Țăranu",
    "Ioana Brâncoveanu",
    "Jääskeläinen Mikko",
    "Päivi Häkkinen",
    "José Núñez Peña",
    "María del Carmen Ibáñez",
    "Testa Giulia",
    "Tess Bauer",
    "Ольга Тестова",
    "Mc Donald",
    "Brzęczyszczykiewicz",
]
GENUINE_EMAILS = [
    "ana.popescu@gmail.com",
    "sean.obrien@eircom.net",
    "o'brien@outlook.ie",
    "petr.ivanov@yandex.ru",
    "jääskeläinen@kolumbus.fi",
    "mikko@suomi24.fi",
    "ion@mail.ro",
    "testa.giulia@libero.it",
]


def parsed(
    name: str = "",
    *,
    phones=(),
    emails=(),
    profiles=(),
    company: str = "",
    signals: Signals | None = None,
    form_id: int | None = None,
    source_id: int | None = None,
) -> ParsedSubmission:
    contacts = [ContactInput(kind="phone", value=p) for p in phones]
    contacts += [ContactInput(kind="email", value=e) for e in emails]
    contacts += [ContactInput(kind="social", value=p) for p in profiles]
    return ParsedSubmission(
        channel="landing_page",
        received_at=NOW,
        person=Person(full_name=name, company_name=company),
        contacts=contacts,
        attribution=Attribution(channel="landing_page", source_id=source_id),
        signals=signals or Signals(),
        form_id=form_id,
    )


def facts(name: str = "", *, region: str = "RO", **kwargs):
    return facts_of(parsed(name, **kwargs), region=region)


def run(code: str, the_facts, context: CheckContext | None = None, **params):
    check = REGISTRY[code]
    return check.function(
        the_facts, {**check.params, "weight": check.weight, **params}, context or CheckContext()
    )


def lists(purpose: str, **entries) -> Lists:
    return Lists(**{purpose: entries})


# --------------------------------------------------------------------------- the registry


def test_every_check_has_a_code_group_words_weight_and_its_params():
    assert set(REGISTRY) == {
        "phone_invalid",
        "phone_unlikely",
        "email_invalid",
        "email_typo",
        "name_is_contact",
        "swapped_fields",
        "honeypot",
        "too_fast",
        "bot_user_agent",
        "burst_address",
        "burst_device",
        "repeated_payload",
        "test_value",
        "disposable_email",
        "gibberish_name",
        "phone_many_names",
        "blocked_value",
        "competitor",
        "farmed_network",
    }
    for code, check in REGISTRY.items():
        assert check.code == code
        assert str(check.name) and str(check.description)
        assert check.weight > 0
        assert params_errors(code, dict(check.params)) == []


def test_honest_mistakes_weigh_less_than_a_quarantine():
    mistakes = [c for c in REGISTRY.values() if c.group == "mistake"]
    assert len(mistakes) == 6
    assert sum(c.weight for c in mistakes) < 100


def test_a_row_overrides_the_defaults_and_a_disabled_check_does_not_run():
    rows = {
        "too_fast": SimpleNamespace(enabled=True, weight=40, params={"min_ms": 1000}),
        "honeypot": SimpleNamespace(enabled=False, weight=150, params={}),
    }

    active = {a.check.code: a for a in active_checks(rows)}

    assert "honeypot" not in active
    assert (active["too_fast"].weight, active["too_fast"].params) == (40, {"min_ms": 1000})
    assert active["burst_address"].params == {"count": 5, "minutes": 10}  # no row: defaults


def test_a_row_with_broken_params_runs_with_the_defaults():
    rows = {"too_fast": SimpleNamespace(enabled=True, weight=100, params={"min_ms": "soon"})}

    (active,) = [a for a in active_checks(rows) if a.check.code == "too_fast"]

    assert active.params == {"min_ms": 2500}


def test_params_errors_name_the_key_and_what_is_allowed():
    assert params_errors("too_fast", {"min_ms": 3000}) == []
    assert params_errors("too_fast", {"min_sec": 3}) == [
        "Unknown parameter min_sec; this check takes: min_ms."
    ]
    assert params_errors("too_fast", {"min_ms": "3s"}) == [
        "min_ms must be a number, like the default 2500."
    ]
    assert params_errors("burst_address", {"count": 2.5}) == ["count must be a whole number."]
    assert params_errors("burst_address", {"count": -1}) == ["count cannot be negative."]
    assert params_errors("honeypot", []) == ["Write the parameters as a JSON object, e.g. {}."]
    assert params_errors("no_such_check", {}) == ["No check has the code no_such_check."]


# --------------------------------------------------------------------------- facts


def test_facts_read_national_numbers_with_the_region_and_hash_the_content():
    one = facts("Ana Popescu", phones=["0744 518 203"], emails=["Ana.Popescu@Gmail.com"])
    same = facts("ANA POPESCU", phones=["+40744518203"], emails=["ana.popescu@gmail.com"])

    assert one.phones[0].result.e164 == "+40744518203"
    assert one.content_hash == same.content_hash
    assert len(one.content_hash) == 64
    assert facts("Ana Popescu").content_hash == ""  # nothing to reach: no payload to repeat


def test_the_device_is_the_fingerprint_else_the_visitor_else_the_agent_and_network():
    fingerprint = facts(signals=Signals(fingerprint="fp-1", user_agent="Firefox"))
    visitor = facts(signals=Signals(visitor_id="v-1", user_agent="Firefox"))
    agent = facts(signals=Signals(user_agent="Firefox", remote_addr="203.0.113.5"))
    agent_same_network = facts(signals=Signals(user_agent="Firefox", remote_addr="203.0.113.9"))
    agent_elsewhere = facts(signals=Signals(user_agent="Firefox", remote_addr="198.51.100.5"))

    assert len({fingerprint.device, visitor.device, agent.device}) == 3
    assert agent.device == agent_same_network.device
    assert agent.device != agent_elsewhere.device
    assert facts().device == ""


# --------------------------------------------------------------------------- mistakes


@pytest.mark.parametrize(("raw", "region", "line_type"), GENUINE_PHONES)
def test_real_numbers_of_the_seeds_countries_are_valid_and_raise_nothing(raw, region, line_type):
    the_facts = facts("Ana Popescu", phones=[raw], region=region)

    assert the_facts.phones[0].result.status == "valid"
    assert the_facts.phones[0].result.line_type == line_type
    for code in ("phone_invalid", "phone_unlikely", "test_value", "swapped_fields"):
        assert run(code, the_facts) is None, code


def test_an_impossible_number_is_flagged_with_the_number_meant():
    reason = run("phone_invalid", facts("Пётр Иванов", phones=["+8 916 123 45 67"], region="RU"))

    assert (reason.stage, reason.code, reason.points) == ("quality", "phone_invalid", 10)
    assert reason.suggestion == "+79161234567"
    assert reason.evidence == {"phone": "+8 916 123 45 67", "region": "RU"}
    assert "+79161234567" in reason.message


def test_a_possible_number_nobody_issued_is_unlikely():
    reason = run("phone_unlikely", facts("Ana", phones=["+40 222 222 222"]))

    assert (reason.code, reason.points, reason.evidence["e164"]) == (
        "phone_unlikely",
        5,
        "+40222222222",
    )
    assert run("phone_invalid", facts("Ana", phones=["+40 222 222 222"])) is None


@pytest.mark.parametrize("email", GENUINE_EMAILS)
def test_real_addresses_raise_no_e_mail_check(email):
    the_facts = facts("Ana Popescu", emails=[email])

    for code in ("email_invalid", "email_typo", "test_value", "disposable_email"):
        assert run(code, the_facts) is None, code


def test_a_malformed_address_is_invalid_with_the_fix():
    reason = run("email_invalid", facts("Ana", emails=["ivan@gmail,com"]))

    assert (reason.code, reason.suggestion) == ("email_invalid", "ivan@gmail.com")
    assert run("email_typo", facts("Ana", emails=["ivan@gmail,com"])) is None


def test_a_provider_typo_is_flagged_with_the_provider():
    reason = run("email_typo", facts("Ana", emails=["ivan@gmial.com"]))

    assert (reason.code, reason.points, reason.suggestion) == (
        "email_typo",
        5,
        "ivan@gmail.com",
    )
    assert reason.evidence == {"email": "ivan@gmial.com", "domain": "gmial.com"}


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("0744 518 203", "+40744518203"), ("ana.popescu@gmail.com", "ana.popescu@gmail.com")],
)
def test_a_contact_in_the_name_field_is_flagged(name, suggestion):
    reason = run("name_is_contact", facts(name, phones=["0744 518 203"]))

    assert (reason.code, reason.suggestion, reason.evidence) == (
        "name_is_contact",
        suggestion,
        {"name": name},
    )


@pytest.mark.parametrize("name", GENUINE_NAMES)
def test_real_names_raise_no_name_check(name):
    the_facts = facts(name, phones=["0744 518 203"])

    assert the_facts.has_name
    for code in ("name_is_contact", "gibberish_name", "test_value"):
        assert run(code, the_facts) is None, (code, name)


def test_an_e_mail_in_the_phone_field_is_swapped_with_the_fix():
    reason = run("swapped_fields", facts("Ana", phones=["Ana.Popescu@gmail.com"]))

    assert (reason.code, reason.suggestion) == ("swapped_fields", "Ana.Popescu@gmail.com")
    assert reason.evidence["holds"] == "email"
    # not also an invalid phone: one mistake, one reason
    assert run("phone_invalid", facts("Ana", phones=["Ana.Popescu@gmail.com"])) is None


def test_a_phone_in_the_e_mail_field_is_swapped_with_the_number():
    reason = run("swapped_fields", facts("Ana", emails=["0744 518 203"]))

    assert (reason.evidence["field"], reason.suggestion) == ("email", "+40744518203")
    assert run("email_invalid", facts("Ana", emails=["0744 518 203"])) is None


def test_a_name_in_the_phone_field_is_swapped():
    reason = run("swapped_fields", facts("", phones=["Ana Popescu"]))

    assert reason.evidence == {"field": "phone", "value": "Ana Popescu", "holds": "name"}


# --------------------------------------------------------------------------- bots


def test_a_filled_honeypot_is_a_bot():
    reason = run("honeypot", facts("Ana", signals=Signals(honeypot="http://spam.example")))

    assert (reason.code, reason.points) == ("honeypot", 150)
    assert run("honeypot", facts("Ana", signals=Signals(honeypot=""))) is None


@pytest.mark.parametrize(
    ("elapsed", "fires"), [(0, True), (900, True), (2499, True), (2500, False)]
)
def test_too_fast_below_the_minimum(elapsed, fires):
    reason = run("too_fast", facts("Ana", signals=Signals(time_to_submit_ms=elapsed)))

    assert (reason is not None) == fires
    if fires:
        assert reason.evidence == {"time_to_submit_ms": elapsed, "min_ms": 2500}


def test_too_fast_needs_the_channel_to_record_the_time():
    assert run("too_fast", facts("Ana", signals=Signals(time_to_submit_ms=None))) is None


@pytest.mark.parametrize(
    ("agent", "kind"),
    [
        ("curl/8.4.0", "library"),
        ("python-requests/2.31.0", "library"),
        ("Go-http-client/1.1", "library"),
        ("Wget/1.21.4", "crawler"),
        ("Scrapy/2.11 (+https://scrapy.org)", "crawler"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0", "headless"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "crawler"),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0)", "crawler"),
        ("SomeSpider crawler", "crawler"),
    ],
)
def test_programs_are_told_by_their_agent(agent, kind):
    # Given a post that carries the form page's signals (time to submit, hidden field)
    the_facts = replace(
        facts("Ana", signals=Signals(user_agent=agent, time_to_submit_ms=9000)),
        honeypot_field=True,
    )

    # a business that lets unlisted programs with the page's signals through, only flagged
    reason = run("bot_user_agent", the_facts, library_points=40)

    assert bot_kind(agent) == kind
    points = 40 if kind == "library" else 100  # a site's back end relaying posts, or a bot
    assert (reason.code, reason.evidence["kind"], reason.points) == ("bot_user_agent", kind, points)


@pytest.mark.parametrize(
    ("time_to_submit_ms", "honeypot_field", "points", "page_signals"),
    [
        (9000, True, 40, True),  # the page's signals: maybe a back end relaying a visitor
        (9000, None, 40, True),  # the body was not read: the time alone speaks for it
        (None, True, 100, False),  # no time to submit: no page sent it
        (9000, False, 100, False),  # no hidden field: no page sent it
        (None, False, 100, False),
    ],
)
def test_an_http_library_is_held_when_the_page_signals_are_missing_too(
    time_to_submit_ms, honeypot_field, points, page_signals
):
    the_facts = replace(
        facts(
            "Ana",
            signals=Signals(user_agent="python-requests/2.32", time_to_submit_ms=time_to_submit_ms),
        ),
        honeypot_field=honeypot_field,
    )

    reason = run("bot_user_agent", the_facts, library_points=40)

    assert (reason.points, reason.evidence["page_signals"]) == (points, page_signals)
    assert reason.evidence["honeypot_field"] is honeypot_field


def test_no_user_agent_on_a_form_is_treated_like_a_library():
    bare = replace(facts("Ana", form_id=7, signals=Signals(user_agent="")), over_http=True)
    with_page = replace(
        facts("Ana", form_id=7, signals=Signals(user_agent="  ", time_to_submit_ms=8000)),
        honeypot_field=True,
        over_http=True,
    )

    held = run("bot_user_agent", bare, library_points=40)
    flagged = run("bot_user_agent", with_page, library_points=40)

    assert (held.evidence["kind"], held.points) == ("none", 100)
    assert (flagged.evidence["kind"], flagged.points) == ("none", 40)


def test_by_default_an_unlisted_program_is_held_even_with_the_page_signals():
    # a relaying back end must be on the allowed list anyway (its posts come in bursts)
    the_facts = replace(
        facts("Ana", signals=Signals(user_agent="axios/1.7.7", time_to_submit_ms=9000)),
        honeypot_field=True,
    )

    reason = run("bot_user_agent", the_facts)

    assert reason.points == 100
    assert "allowed list" in reason.message


def test_no_user_agent_outside_a_form_is_not_a_bot():
    # an e-mail, a call, an API integration: no browser was ever involved
    no_form = replace(facts("Ana", signals=Signals(user_agent="")), over_http=True)

    assert run("bot_user_agent", no_form) is None


def test_no_user_agent_is_no_evidence_when_no_request_headers_were_kept():
    # an internal call or a re-processed old submission: nobody knows what was sent
    assert run("bot_user_agent", facts("Ana", form_id=7, signals=Signals(user_agent=""))) is None


def test_a_library_from_an_allowed_network_is_never_flagged_even_without_page_signals():
    the_facts = replace(
        facts("Ana", form_id=7, signals=Signals(user_agent="curl/8.5.0", remote_addr="10.1.2.3")),
        honeypot_field=False,
    )
    no_agent = replace(the_facts, signals=Signals(user_agent="", remote_addr="10.1.2.3"))
    allowed = CheckContext(lists=lists("allowed", network={"10.1.0.0/16": "our site"}))

    assert (
        run("bot_user_agent", the_facts, allowed),
        run("bot_user_agent", no_agent, allowed),
    ) == (
        None,
        None,
    )


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/25.0 Chrome/121.0 Mobile Safari/537.36",
        "",
    ],
)
def test_peoples_browsers_are_not_bots(agent):
    assert bot_kind(agent) == ""
    assert run("bot_user_agent", facts("Ana", signals=Signals(user_agent=agent))) is None


def test_the_back_end_on_the_allowed_list_is_not_a_bot_nor_a_burst():
    the_facts = facts(
        "Ana", signals=Signals(user_agent="python-requests/2.31", remote_addr="10.1.2.3")
    )
    allowed = CheckContext(
        lists=lists("allowed", network={"10.1.0.0/16": "our site"}), address_count=50
    )

    assert run("bot_user_agent", the_facts, allowed) is None
    assert run("burst_address", the_facts, allowed) is None


def test_a_burst_from_one_address_fires_from_the_count():
    the_facts = facts("Ana", signals=Signals(remote_addr="203.0.113.7"))

    assert run("burst_address", the_facts, CheckContext(address_count=4)) is None
    reason = run("burst_address", the_facts, CheckContext(address_count=5))
    assert reason.evidence == {"address": "203.0.113.7", "count": 5, "minutes": 10}


def test_a_burst_from_one_device_fires_from_the_count():
    the_facts = facts("Ana", signals=Signals(fingerprint="abc"))

    assert run("burst_device", the_facts, CheckContext(device_count=3)) is None
    reason = run("burst_device", the_facts, CheckContext(device_count=4))
    assert (reason.evidence["count"], reason.evidence["device"]) == (4, the_facts.device)
    assert run("burst_device", facts("Ana"), CheckContext(device_count=40)) is None  # no device


def test_the_same_payload_on_three_forms_is_repeated_but_not_on_two():
    the_facts = facts("Ana Popescu", phones=["0744 518 203"], form_id=3)

    two = CheckContext(payload_forms=frozenset({1, 3}))
    three = CheckContext(payload_forms=frozenset({1, 2}))
    assert run("repeated_payload", the_facts, two) is None
    assert run("repeated_payload", the_facts, three).evidence["forms"] == [1, 2, 3]


def test_staff_entering_leads_at_a_stand_are_no_burst():
    the_facts = facts_of(
        parsed(
            "Ana", signals=Signals(remote_addr="203.0.113.7", fingerprint="tablet"), source_id=1
        ),
        region="RO",
        form_kind="quick_entry",
    )
    busy = CheckContext(address_count=40, device_count=40, network_source_count=40)

    for code in ("burst_address", "burst_device", "farmed_network"):
        assert run(code, the_facts, busy) is None, code


# --------------------------------------------------------------------------- fakes


@pytest.mark.parametrize(
    ("name", "phones", "emails"),
    [
        ("Ana", [], ["test@test.com"]),
        ("Ana", [], ["test@example.com"]),
        ("Ana", [], ["ana@example.org"]),
        ("Ana", [], ["test123@gmail.com"]),
        ("Ana", [], ["ana@test.ro"]),
        ("asdf", [], []),
        ("qwerty", [], []),
        ("Test Testov", [], []),
        ("тест", [], []),
        ("Proba", [], []),
        ("Testi Testinen", [], []),
        ("Prueba", [], []),
        ("Ana", ["1111111"], []),
        ("Ana", ["1234567"], []),
        ("Ana", ["+70000000000"], []),
        ("Ana", ["+7 900 000 00 00"], []),
        ("Ana", ["+33 1 23 45 67 89"], []),
        ("Ana", ["0987654321"], []),
    ],
)
def test_test_values_are_caught(name, phones, emails):
    reason = run("test_value", facts(name, phones=phones, emails=emails))

    assert (reason.code, reason.points) == ("test_value", 150)
    assert reason.evidence["values"]


def test_the_allowed_list_overrides_a_test_looking_domain():
    context = CheckContext(lists=lists("allowed", email_domain={"example.com": ""}))

    assert run("test_value", facts("Ana", emails=["ana@example.com"]), context) is None


def test_a_disposable_mailbox_is_flagged_unless_allowed():
    the_facts = facts("Ana", emails=["ana@mailinator.com"])

    reason = run("disposable_email", the_facts)
    assert reason.evidence == {"email": "ana@mailinator.com", "domain": "mailinator.com"}
    allowed = CheckContext(lists=lists("allowed", email_domain={"mailinator.com": "QA team"}))
    assert run("disposable_email", the_facts, allowed) is None


def test_a_one_letter_typo_of_a_provider_is_a_typo_not_a_disposable_mailbox():
    typo = facts("Ana", emails=["ana.popescu@gmial.com"])
    disposable = facts("Ana", emails=["nitap@yopmail.com"])

    assert run("disposable_email", typo) is None
    assert run("email_typo", typo).suggestion == "ana.popescu@gmail.com"
    assert run("disposable_email", disposable).evidence["domain"] == "yopmail.com"


@pytest.mark.parametrize("name", ["Xzkvbq Wrtpl", "fghjkl", "ааааа"])
def test_gibberish_names_are_flagged(name):
    reason = run("gibberish_name", facts(name))

    assert reason.code == "gibberish_name"
    assert reason.evidence["score"] >= 0.8


def test_a_phone_under_many_names_is_flagged_by_distinct_transliteration():
    the_facts = facts("Ion Rusu", phones=["0744 518 203"])
    two_others = CheckContext(phone_names={"+40744518203": frozenset({"ana popescu", "dan marin"})})
    one_other_twice = CheckContext(
        phone_names={"+40744518203": frozenset({"ion rusu", "ana popescu"})}
    )

    reason = run("phone_many_names", the_facts, two_others)
    assert reason.evidence["count"] == 3
    assert reason.evidence["names"] == ["ana popescu", "dan marin", "ion rusu"]
    assert run("phone_many_names", the_facts, one_other_twice) is None


def test_a_family_sharing_a_landline_under_two_names_is_not_flagged():
    the_facts = facts("Пётр Иванов", phones=["+7 495 628-41-93"])
    context = CheckContext(phone_names={"+74956284193": frozenset({"anna ivanova"})})

    assert run("phone_many_names", the_facts, context) is None


# --------------------------------------------------------------------------- competitors


def test_blocked_values_of_every_kind():
    blocked = lists(
        "blocked",
        email={"spy@rival.ro": ""},
        email_domain={"rival.ro": "Rival SRL"},
        phone={"+40744518203": ""},
        network={"198.51.100.0/24": "scraper"},
    )
    context = CheckContext(lists=blocked)

    by_email = run("blocked_value", facts("Ana", emails=["Spy@Rival.ro"]), context)
    by_subdomain = run("blocked_value", facts("Ana", emails=["ana@sales.rival.ro"]), context)
    by_phone = run("blocked_value", facts("Ana", phones=["0744 518 203"]), context)
    by_network = run(
        "blocked_value", facts("Ana", signals=Signals(remote_addr="198.51.100.77")), context
    )

    assert (by_email.evidence["kind"], by_email.evidence["value"]) == ("email", "spy@rival.ro")
    assert by_subdomain.evidence == {
        "kind": "email_domain",
        "value": "rival.ro",
        "note": "Rival SRL",
    }
    assert by_phone.evidence["value"] == "+40744518203"
    assert by_network.evidence["value"] == "198.51.100.0/24"
    assert by_email.points == 200
    assert run("blocked_value", facts("Ana", emails=["ana@arrival.ro"]), context) is None


def test_a_competitor_is_named_in_the_evidence():
    context = CheckContext(lists=lists("competitor", email_domain={"solarix.ro": "Solarix"}))

    reason = run("competitor", facts("Ana", emails=["ana@solarix.ro"]), context)

    assert reason.evidence == {
        "kind": "email_domain",
        "value": "solarix.ro",
        "competitor": "Solarix",
    }
    assert "Solarix" in reason.message
    assert run("competitor", facts("Ana", emails=["ana@gmail.com"]), context) is None


# --------------------------------------------------------------------------- farmed


def test_many_from_one_network_for_one_source_are_farmed():
    the_facts = facts("Ana", signals=Signals(remote_addr="203.0.113.7"), source_id=3)

    assert run("farmed_network", the_facts, CheckContext(network_source_count=7)) is None
    reason = run("farmed_network", the_facts, CheckContext(network_source_count=8))
    assert reason.evidence == {
        "by": "network",
        "value": "203.0.113.0/24",
        "count": 8,
        "source_id": 3,
        "minutes": 120,
    }


def test_many_from_one_device_for_one_source_are_farmed():
    the_facts = facts("Ana", signals=Signals(fingerprint="x"), source_id=3)

    reason = run("farmed_network", the_facts, CheckContext(device_source_count=25))

    assert reason.evidence["by"] == "device"


def test_without_a_source_nothing_is_farmed():
    the_facts = facts("Ana", signals=Signals(remote_addr="203.0.113.7"))

    assert run("farmed_network", the_facts, CheckContext(network_source_count=500)) is None


# --------------------------------------------------------------------------- properties

FIRST = ["Ana", "Ion", "Пётр", "Ольга", "Seán", "Jean-Luc", "Li", "Kim", "Päivi", "José", "Ștefan"]
LAST = ["Popescu", "O'Brien", "D'Angelo", "Иванов", "Smith-Jones", "Na", "Wu", "Häkkinen", "Núñez"]
PROVIDERS = ["gmail.com", "yandex.ru", "mail.ru", "yahoo.ro", "outlook.es", "suomi24.fi"]
QUIET = ("name_is_contact", "gibberish_name", "test_value", "email_invalid", "email_typo")


@settings(max_examples=150, deadline=None)
@given(
    first=st.sampled_from(FIRST),
    last=st.sampled_from(LAST),
    phone=st.sampled_from(GENUINE_PHONES),
    local=st.from_regex(r"[a-z]{3,8}\.[a-z]{3,10}", fullmatch=True),
    provider=st.sampled_from(PROVIDERS),
)
def test_genuine_submissions_raise_no_fake_or_mistake_check(first, last, phone, local, provider):
    raw, region, _line_type = phone
    the_facts = facts(
        f"{first} {last}", phones=[raw], emails=[f"{local}@{provider}"], region=region
    )

    fired = [code for code in QUIET if run(code, the_facts) is not None]

    assert fired == []


@settings(max_examples=150, deadline=None)
@given(digit=st.sampled_from("0123456789"), length=st.integers(min_value=7, max_value=11))
def test_a_number_of_one_repeated_digit_is_always_a_test_value(digit, length):
    assert run("test_value", facts("Ana", phones=[digit * length])) is not None


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60))
def test_no_check_raises_on_any_name(text):
    the_facts = facts(text, phones=[text], emails=[text])

    for code in REGISTRY:
        run(code, the_facts)
