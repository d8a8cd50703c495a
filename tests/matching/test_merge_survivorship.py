"""Survivorship: which value the surviving lead keeps of each field (pure, no database)."""

import datetime as dt

import pytest

from galena.matching.merge import (
    ContactValues,
    LeadValues,
    UnknownChoice,
    choice_differs,
    is_address_key,
    merge_choices,
    plan_contacts,
    survivorship,
)

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def lead(lead_id, *, created=0, updated=0, **values):
    """A lead's values: created and updated as days after T0."""
    base = {
        "first_name": "",
        "last_name": "",
        "country": "",
        "region": "",
        "city": "",
        "attributes": {},
        "temperature": "unknown",
        "fit": "unknown",
        "verification": "unverified",
        "verification_method": "",
        "verified_at": None,
        "quality_status": "unknown",
        "quality_reasons": [],
        "owner_id": None,
        "team_id": None,
        "assigned_at": None,
        "source_id": None,
        "channel": "other",
        "score": 0,
        "predicted_probability": None,
        "stage_id": 1,
        "first_response_at": None,
        "created_at": T0 + dt.timedelta(days=created),
        "updated_at": T0 + dt.timedelta(days=updated),
    }
    base.update(values)
    return LeadValues(id=lead_id, values=base)


def merged(survivor, *others, choices=None):
    return survivorship(survivor=survivor, others=list(others), choices=choices)


# --- plain fields ---------------------------------------------------------------------


def test_a_plain_field_keeps_the_survivors_value():
    result = merged(lead(1, first_name="Ana"), lead(2, first_name="Anna", updated=5))

    assert result.values["first_name"] == "Ana"
    assert result.sources["first_name"] == 1


def test_an_empty_field_takes_the_most_recently_updated_other_value():
    result = merged(
        lead(1, last_name=""),
        lead(2, last_name="Marin", updated=1),
        lead(3, last_name="Marinescu", updated=3),
        lead(4, last_name="", updated=9),
    )

    assert result.values["last_name"] == "Marinescu"
    assert result.sources["last_name"] == 3


def test_unknown_counts_as_empty_for_classifications():
    result = merged(lead(1, fit="unknown"), lead(2, fit="target"))

    assert result.values["fit"] == "target"


def test_a_choice_overrides_the_default():
    result = merged(
        lead(1, first_name="Ana"), lead(2, first_name="Anna"), choices={"first_name": 2}
    )

    assert result.values["first_name"] == "Anna"
    assert result.picks["first_name"] == 2
    assert result.defaults["first_name"] == 1


def test_a_choice_may_take_an_empty_value():
    result = merged(lead(1, first_name="Ana"), lead(2, first_name=""), choices={"first_name": 2})

    assert result.values["first_name"] == ""


def test_an_unknown_field_is_refused():
    with pytest.raises(UnknownChoice) as refused:
        merged(lead(1), lead(2), choices={"city": 2})

    assert refused.value.name == "city"


def test_a_lead_outside_the_merge_is_refused():
    with pytest.raises(UnknownChoice, match="Lead #9 is not one of the leads"):
        merged(lead(1), lead(2), choices={"first_name": 9})


# --- the address ----------------------------------------------------------------------


def test_the_address_comes_whole_from_the_most_complete_one():
    result = merged(
        lead(1, country="RO", city="Iasi"),
        lead(2, country="RO", region="Cluj", city="Cluj-Napoca", attributes={"street": "Horea 3"}),
    )

    assert (result.values["country"], result.values["region"], result.values["city"]) == (
        "RO",
        "Cluj",
        "Cluj-Napoca",
    )
    assert result.values["attributes"] == {"street": "Horea 3"}
    assert {result.sources[name] for name in ("country", "region", "city")} == {2}


def test_a_city_never_joins_another_persons_region():
    """The survivor has a city but no region: the region is not filled in from another
    address, which may be elsewhere."""
    result = merged(lead(1, country="MD", city="Chisinau"), lead(2, country="RO", region="Iasi"))

    assert (result.values["country"], result.values["region"], result.values["city"]) == (
        "MD",
        "",
        "Chisinau",
    )


def test_equally_complete_addresses_keep_the_survivors():
    result = merged(lead(1, city="Iasi"), lead(2, city="Cluj", updated=9))

    assert result.values["city"] == "Iasi"


def test_address_attributes_leave_with_the_address_they_belong_to():
    result = merged(
        lead(1, city="Iasi", attributes={"postcode": "700001", "budget": 100}),
        lead(2, country="RO", region="Cluj", city="Cluj", attributes={"Street": "Horea"}),
    )

    assert result.values["attributes"] == {"budget": 100, "Street": "Horea"}


@pytest.mark.parametrize(
    "key", ["street", "Postcode", "zip_code", "billing address", "cod_postal", "адрес", "katu"]
)
def test_address_like_attribute_names(key):
    assert is_address_key(key)


@pytest.mark.parametrize("key", ["budget", "When do you plan to buy?", "interest", "statement"])
def test_other_attribute_names(key):
    assert not is_address_key(key)


def test_other_attributes_are_filled_in_key_by_key():
    result = merged(
        lead(1, attributes={"budget": 100, "size": ""}),
        lead(2, attributes={"budget": 200, "size": "L", "colour": "red"}),
    )

    assert result.values["attributes"] == {"budget": 100, "size": "L", "colour": "red"}
    assert result.sources["attributes.size"] == 2


def test_an_attribute_can_be_chosen_by_its_name():
    result = merged(
        lead(1, attributes={"budget": 100}),
        lead(2, attributes={"budget": 200}),
        choices={"attributes.budget": 2},
    )

    assert result.values["attributes"] == {"budget": 200}


# --- verification, temperature, quality, the first contact ----------------------------


def test_a_verified_record_wins_with_its_method_and_time():
    when = T0 + dt.timedelta(days=2)
    result = merged(
        lead(1),
        lead(2, verification="verified", verification_method="call", verified_at=when),
    )

    assert (
        result.values["verification"],
        result.values["verification_method"],
        result.values["verified_at"],
    ) == ("verified", "call", when)


def test_of_two_verified_others_the_latest_verification_wins():
    result = merged(
        lead(1),
        lead(2, verification="verified", verification_method="email", verified_at=T0, updated=9),
        lead(
            3,
            verification="verified",
            verification_method="call",
            verified_at=T0 + dt.timedelta(days=1),
        ),
    )

    assert result.values["verification_method"] == "call"


def test_a_verified_survivor_keeps_its_verification():
    result = merged(
        lead(1, verification="verified", verification_method="email", verified_at=T0),
        lead(
            2, verification="verified", verification_method="call", verified_at=T0 + dt.timedelta(1)
        ),
    )

    assert result.values["verification_method"] == "email"


def test_the_hottest_temperature_wins():
    result = merged(
        lead(1, temperature="cold"), lead(2, temperature="hot"), lead(3, temperature="warm")
    )

    assert result.values["temperature"] == "hot"


def test_the_best_quality_status_wins_with_its_reasons():
    result = merged(
        lead(1, quality_status="quarantined", quality_reasons=[{"code": "too_fast"}]),
        lead(2, quality_status="accepted", quality_reasons=[]),
    )

    assert (result.values["quality_status"], result.values["quality_reasons"]) == ("accepted", [])


def test_the_first_contact_gives_the_creation_time_and_the_attribution():
    result = merged(
        lead(1, created=5, source_id=10, channel="landing_page"),
        lead(2, created=1, source_id=20, channel="exhibition"),
    )

    assert result.values["created_at"] == T0 + dt.timedelta(days=1)
    assert (result.values["source_id"], result.values["channel"]) == (20, "exhibition")


def test_the_earliest_first_response_and_the_highest_score():
    result = merged(
        lead(1, first_response_at=None, score=10),
        lead(2, first_response_at=T0 + dt.timedelta(days=3), score=40, predicted_probability=0.2),
        lead(3, first_response_at=T0 + dt.timedelta(days=2), score=20),
    )

    assert result.values["first_response_at"] == T0 + dt.timedelta(days=2)
    assert (result.values["score"], result.values["predicted_probability"]) == (40, 0.2)


def test_the_owner_comes_with_their_team():
    result = merged(lead(1, owner_id=None, team_id=7), lead(2, owner_id=5, team_id=8))

    assert (result.values["owner_id"], result.values["team_id"]) == (5, 8)


def test_the_survivors_stage_is_kept():
    result = merged(lead(1, stage_id=1), lead(2, stage_id=3))

    assert result.values["stage_id"] == 1


def test_every_choice_is_offered_and_differences_are_told():
    leads = [lead(1, first_name="Ana", city="Iasi"), lead(2, first_name="Ana", city="Cluj")]
    choices = {choice.name: choice for choice in merge_choices(leads)}

    assert not choice_differs(choices["first_name"], leads)
    assert choice_differs(choices["address"], leads)
    assert {"address", "verification", "assignment", "attribution", "pipeline"} <= set(choices)


# --- contact points -------------------------------------------------------------------


def point(point_id, lead_id, kind="email", value="a@x.example", **flags):
    return ContactValues(id=point_id, lead_id=lead_id, kind=kind, value=value, **flags)


def test_every_contact_point_is_kept_and_a_value_the_survivor_has_stays_behind():
    plan = plan_contacts(
        survivor_id=1,
        lead_order=[2],
        points=[
            point(10, 1, value="ana@x.example", is_primary=True),
            point(20, 2, value="ana@x.example", is_primary=True),
            point(21, 2, value="ana@work.example"),
        ],
    )

    assert plan.stay == {20}
    assert plan.primary == {"email": 10}


def test_a_verified_twin_that_stays_behind_verifies_the_survivors_point():
    when = T0 + dt.timedelta(days=1)
    plan = plan_contacts(
        survivor_id=1,
        lead_order=[2],
        points=[point(10, 1), point(20, 2, verified=True, verified_at=when)],
    )

    assert plan.stay == {20}
    assert plan.verified == {10: when}


def test_the_most_recently_verified_value_becomes_primary():
    plan = plan_contacts(
        survivor_id=1,
        lead_order=[2, 3],
        points=[
            point(10, 1, kind="phone", value="+40700000001", is_primary=True),
            point(20, 2, kind="phone", value="+40700000002", verified=True, verified_at=T0),
            point(
                30,
                3,
                kind="phone",
                value="+40700000003",
                verified=True,
                verified_at=T0 + dt.timedelta(hours=1),
            ),
        ],
    )

    assert plan.primary == {"phone": 30}
    assert plan.stay == frozenset()


def test_without_verification_the_survivors_primary_stays_primary():
    plan = plan_contacts(
        survivor_id=1,
        lead_order=[2],
        points=[
            point(10, 1, kind="phone", value="+40700000001"),
            point(11, 1, kind="phone", value="+40700000009", is_primary=True),
            point(20, 2, kind="phone", value="+40700000002", is_primary=True),
            point(21, 2, kind="email", value="b@x.example", is_primary=True),
        ],
    )

    assert plan.primary == {"phone": 11, "email": 21}


def test_a_value_two_merged_leads_share_moves_once():
    plan = plan_contacts(
        survivor_id=1,
        lead_order=[3, 2],
        points=[point(20, 2, value="c@x.example"), point(30, 3, value="c@x.example")],
    )

    assert plan.stay == {20}  # lead 3 is first in the order
