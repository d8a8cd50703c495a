"""The quality benchmark's generator: the same seed gives the same day, every item carries
its truth, the mix is what was asked, and each kind of item looks like what it claims."""

import datetime as dt
import ipaddress
from collections import Counter, defaultdict

import phonenumbers
import pytest

from benchmarks import quality_data as data
from galena.intake.adapters import capture
from galena.intake.fields import fields_or_default

DAY = dt.date(2026, 11, 21)
COUNT = 4000


@pytest.fixture(scope="module")
def dataset():
    return data.generate(COUNT, seed=11, day=DAY)


def by_group(items):
    groups = defaultdict(list)
    for item in items:
        if item.group:
            groups[item.group].append(item)
    return groups


def test_the_same_seed_gives_the_same_items():
    first = [item.as_json() for item in data.generate(300, seed=5, day=DAY).items]
    again = [item.as_json() for item in data.generate(300, seed=5, day=DAY).items]

    assert first == again


def test_another_seed_gives_other_items():
    first = [item.payload for item in data.generate(300, seed=5, day=DAY).items]
    other = [item.payload for item in data.generate(300, seed=6, day=DAY).items]

    assert first != other


def test_every_item_is_labelled_with_its_truth(dataset):
    for item in dataset.items:
        assert item.category in (data.GENUINE, *data.PSEUDO_CATEGORIES)
        assert item.truth == (data.GENUINE if item.category == data.GENUINE else data.PSEUDO)
        assert item.trait


def test_the_default_mix_is_kept_exactly(dataset):
    counts = dataset.counts()

    assert sum(counts.values()) == COUNT
    for category, share in data.DEFAULT_MIX.items():
        if category != data.GENUINE:
            assert counts[category] == round(COUNT * share), category
    assert counts[data.GENUINE] / COUNT == pytest.approx(0.85, abs=0.001)


def test_genuine_traits_follow_their_shares(dataset):
    genuine = [item for item in dataset.items if item.truth == data.GENUINE]
    traits = Counter(item.trait for item in genuine)

    for trait, share in data.GENUINE_TRAITS.items():
        assert traits[trait] == round(len(genuine) * share), trait
    assert traits["plain"] > len(genuine) / 2


def test_a_custom_mix_gives_the_rest_to_genuine_people():
    mix = data.parse_mix("bot_fast=0.1,competitor=0")

    dataset = data.generate(500, seed=2, day=DAY, mix=mix)

    counts = dataset.counts()
    assert counts["bot_fast"] == 50
    assert counts["competitor"] == 0
    assert mix[data.GENUINE] == pytest.approx(1 - 0.1 - (0.15 - 0.02 - 0.005))


def test_a_mix_naming_an_unknown_category_is_refused():
    with pytest.raises(ValueError, match="unknown category"):
        data.parse_mix("robots=0.1")


def test_a_mix_of_more_than_everything_is_refused():
    with pytest.raises(ValueError, match="more than 1"):
        data.parse_mix("bot_fast=0.7,bot_honeypot=0.6")


def test_items_come_in_received_order_within_the_day(dataset):
    start = dt.datetime.combine(DAY, dt.time(0), tzinfo=dt.UTC)
    moments = [item.received_at for item in dataset.items]

    assert moments == sorted(moments)
    assert start <= moments[0] and moments[-1] < start + dt.timedelta(days=1)
    assert [item.index for item in dataset.items] == list(range(COUNT))


def test_every_payload_passes_the_capture_apis_validation(dataset):
    for item in dataset.items:
        form = data.FORM_BY_SLUG[item.form]
        required = [
            spec["name"] for spec in fields_or_default([], form.kind) if spec.get("required")
        ]

        assert capture.validate(item.payload, required=required) == {}, item.payload


def test_genuine_numbers_are_valid_where_they_are_typed(dataset):
    for item in dataset.items:
        if item.truth != data.GENUINE or item.trait == "typo_phone" or "phone" not in item.payload:
            continue
        region = data.FORM_BY_SLUG[item.form].default_region or None
        phone = item.payload["phone"]
        if region is None and phone.startswith("00"):
            phone = "+" + phone[2:]  # the international prefix in most of Europe

        number = phonenumbers.parse(phone, region)

        assert phonenumbers.is_valid_number(number), (phone, item.form)
        assert phonenumbers.number_type(number) in data.PERSONAL, phone  # no toll-free lines


def test_different_genuine_people_have_different_addresses(dataset):
    emails = [
        item.payload["email"].lower()
        for item in dataset.items
        if item.truth == data.GENUINE and item.trait != "returning" and "email" in item.payload
    ]

    assert len(emails) == len(set(emails))


def test_genuine_numbers_come_in_the_shapes_people_type(dataset):
    phones = [
        item.payload["phone"]
        for item in dataset.items
        if item.truth == data.GENUINE and "phone" in item.payload
    ]

    assert any(phone.startswith("+") and " " in phone for phone in phones)
    assert any(phone.startswith("00") for phone in phones)
    assert any(phone.startswith("8 (") for phone in phones)  # Russian national
    assert any("-" in phone and not phone.startswith("+") for phone in phones)
    assert any(phone.isdigit() and phone.startswith("0") for phone in phones)


def test_a_mistyped_number_is_no_longer_valid(dataset):
    typos = [item for item in dataset.items if item.trait == "typo_phone"]

    assert typos
    for item in typos:
        region = data.FORM_BY_SLUG[item.form].default_region or None
        try:
            number = phonenumbers.parse(item.payload["phone"], region)
        except phonenumbers.NumberParseException:
            continue
        assert not phonenumbers.is_valid_number(number), item.payload["phone"]


def test_a_mistyped_email_domain_is_a_known_typo_and_expects_a_suggestion(dataset):
    typos = [item for item in dataset.items if item.trait == "typo_email"]
    known = {typo for typos_of in data.EMAIL_TYPOS.values() for typo in typos_of}

    assert typos
    for item in typos:
        assert item.payload["email"].rpartition("@")[2] in known
        assert item.suggestion_expected
    assert not any(item.suggestion_expected for item in dataset.items if item.trait != "typo_email")


def test_genuine_people_carry_none_of_the_pseudo_markers(dataset):
    config = dataset.config
    marked_domains = {
        *data.DISPOSABLE_DOMAINS,
        *config.competitor_domains,
        *config.blocked_domains,
    }
    for item in dataset.items:
        if item.truth != data.GENUINE:
            continue
        payload = item.payload
        email = payload.get("email", "").lower()

        assert email.rpartition("@")[2] not in marked_domains
        assert email not in data.TEST_EMAILS and email not in config.blocked_emails
        assert payload.get("phone") not in data.TEST_PHONES
        assert payload.get("name") not in data.TEST_NAMES
        assert payload.get("_hp", "") == ""
        assert item.user_agent in dict(data.BROWSER_AGENTS)
        assert payload.get("_ts") is None or payload["_ts"] >= 2500


def test_edge_names_are_among_genuine_people(dataset):
    names = {
        item.payload.get("name") or item.payload.get("last_name")
        for item in dataset.items
        if item.trait == "edge_name"
    } - {None}

    assert any("'" in name for name in names)
    assert any("-" in name for name in names)
    assert any(any("\u0400" <= c <= "\u04ff" for c in name) for name in names)


def test_honeypot_bots_fill_the_honeypot_and_no_one_else_does(dataset):
    for item in dataset.items:
        assert bool(item.payload.get("_hp")) == (item.category == "bot_honeypot")


def test_fast_bots_submit_faster_than_any_genuine_person(dataset):
    fast = [item.payload["_ts"] for item in dataset.items if item.category == "bot_fast"]
    genuine = [
        item.payload["_ts"]
        for item in dataset.items
        if item.truth == data.GENUINE and "_ts" in item.payload
    ]

    assert fast and max(fast) < min(genuine)


def test_headless_bots_send_a_headless_or_programmatic_user_agent(dataset):
    agents = {item.user_agent for item in dataset.items if item.category == "bot_headless_ua"}

    assert agents <= set(data.HEADLESS_AGENTS)
    assert len(agents) > 5


def test_a_burst_is_one_address_many_people_within_minutes(dataset):
    bursts = by_group(i for i in dataset.items if i.category == "bot_burst")

    assert bursts
    for items in bursts.values():
        moments = [item.received_at for item in items]
        assert len({item.remote_addr for item in items}) == 1
        assert max(moments) - min(moments) <= dt.timedelta(minutes=15)
        assert len(
            {item.payload.get("email") or item.payload.get("phone") for item in items}
        ) == len(items)
    assert max(len(items) for items in bursts.values()) >= 8


def test_a_farm_is_one_network_or_one_device_one_form_within_an_hour(dataset):
    farms = by_group(i for i in dataset.items if i.category == "farmed")

    assert farms
    for items in farms.values():
        networks = {ipaddress.ip_network(f"{item.remote_addr}/24", strict=False) for item in items}
        devices = {item.payload["_fp"] for item in items}
        moments = [item.received_at for item in items]
        assert len(networks) == 1 or len(devices) == 1
        assert len({item.form for item in items}) == 1
        assert max(moments) - min(moments) <= dt.timedelta(hours=1)


def test_a_repeated_payload_is_the_same_person_on_several_forms(dataset):
    repeats = by_group(i for i in dataset.items if i.category == "repeated_payload")
    person = ("name", "first_name", "last_name", "phone", "email", "message")

    assert repeats
    for items in repeats.values():
        if len(items) < 2:
            continue  # the last group may be cut short by the count
        assert len({tuple(item.payload.get(k) for k in person) for item in items}) == 1
        assert len({item.form for item in items}) == len(items)


def test_office_colleagues_share_a_network_and_kiosk_entries_a_device(dataset):
    offices = by_group(i for i in dataset.items if i.trait == "shared_network")
    kiosks = by_group(i for i in dataset.items if i.trait == "kiosk")

    for items in offices.values():
        assert len({item.remote_addr.rsplit(".", 1)[0] for item in items}) == 1
    for items in kiosks.values():
        assert len({item.payload["_fp"] for item in items}) == 1
        assert {item.form for item in items} == {"expo-stand"}


def test_competitors_and_blocked_items_use_the_configured_values(dataset):
    config = dataset.config
    for item in dataset.items:
        email = item.payload.get("email", "")
        if item.category == "competitor":
            assert email.rpartition("@")[2] in config.competitor_domains
        elif item.category == "blocked" and item.trait == "phone":
            region = data.FORM_BY_SLUG[item.form].default_region
            number = phonenumbers.parse(item.payload["phone"], region)
            assert (
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                in config.blocked_phones
            )
        elif item.category == "blocked" and item.trait == "email_domain":
            assert email.rpartition("@")[2] in config.blocked_domains
        elif item.category == "blocked":
            assert email in config.blocked_emails


def test_disposable_items_use_a_disposable_domain(dataset):
    for item in dataset.items:
        if item.category == "disposable_email":
            assert item.payload["email"].rpartition("@")[2] in data.DISPOSABLE_DOMAINS
