"""Namesakes and the e-mail address made of the name (decision 0008): an address built from
the name ("victor.stevens@…") says little more than the name once the names agree, so two
people of one name do not become one person by it; an address of the person's own making,
or one mailbox, still does (pure, no database)."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from galena.matching.batch import dedupe
from galena.matching.duplicates import score_against
from galena.matching.model import MatchModel, probability_of
from galena.matching.records import Record, local_named, name_form, prepare


def probability(a: Record, b: Record) -> float:
    """What the online stage decides with the default weights."""
    [(_, found, _)] = score_against(a, [b], MatchModel.default())
    return found


def batch_pairs(records: list[Record]) -> dict[tuple, float]:
    """What ``galena dedupe`` keeps with the default weights (no EM on a handful of rows)."""
    prepared = prepare(records)
    result = dedupe(prepared, MatchModel.default(), estimate_weights=False)
    return {
        (prepared.ids[a], prepared.ids[b]): float(p)
        for a, b, p in zip(result.a, result.b, result.probability, strict=True)
    }


NAMESAKES = [
    Record(1, "Victor", "Stevens", emails=["vstevens@btinternet.com"], city="London"),
    Record(2, "Victor", "Stevens", emails=["vstevens@gmail.com"], city="London"),
]


def test_namesakes_with_addresses_made_of_their_name_at_two_providers_are_not_one_person():
    model = MatchModel.default()
    assert probability(*NAMESAKES) < model.same_threshold
    assert batch_pairs(NAMESAKES).get((1, 2), 0.0) < model.same_threshold


def test_one_mailbox_made_of_the_name_is_still_one_person():
    one_mailbox = [
        Record(1, "Victor", "Stevens", emails=["vstevens@gmail.com"], city="London"),
        Record(2, "Victor", "Stevens", emails=["VStevens@gmail.com"]),
    ]
    assert probability(*one_mailbox) >= MatchModel.default().same_threshold
    assert batch_pairs(one_mailbox)[(1, 2)] >= MatchModel.default().same_threshold


def test_a_typo_in_the_name_with_an_address_of_the_persons_own_making_is_still_one_person():
    typo = [
        Record(1, "Aleksandr", "Kuznetsov", emails=["wolfpack77@mail.ru"]),
        Record(2, "Aleksnadr", "Kuznetsov", emails=["wolfpack77@mail.ru"]),
    ]
    assert probability(*typo) >= MatchModel.default().same_threshold
    assert batch_pairs(typo)[(1, 2)] >= MatchModel.default().same_threshold


def test_an_own_address_counts_more_than_one_made_of_the_name():
    own = [
        Record(1, "Victor", "Stevens", emails=["stevens1961@btinternet.com"], city="London"),
        Record(2, "Victor", "Stevens", emails=["stevens1961@gmail.com"], city="London"),
    ]
    assert probability(*own) > probability(*NAMESAKES)


def test_the_explanation_says_how_the_address_was_counted_and_adds_up():
    [(_, found, explained)] = score_against(NAMESAKES[0], [NAMESAKES[1]], MatchModel.default())
    levels = {f["comparison"]: f["level"] for f in explained["fields"]}
    assert levels["email_local"] == "exact_name"
    assert levels["email_domain"] == "different_same_local"
    total = explained["prior_weight"] + sum(f["weight"] for f in explained["fields"])
    assert total == pytest.approx(explained["match_weight"], abs=0.05)
    assert probability_of(explained["match_weight"]) == pytest.approx(found, abs=1e-3)


def test_a_lead_with_several_addresses_is_compared_on_its_best_one():
    several = Record(
        1, "Victor", "Stevens", emails=["v.s.work@stevens-and-co.co.uk", "vstevens@gmail.com"]
    )
    one = Record(2, "Victor", "Stevens", emails=["vstevens@gmail.com"])
    [(_, found, explained)] = score_against(several, [one], MatchModel.default())
    levels = {f["comparison"]: f["level"] for f in explained["fields"]}
    assert (levels["email_local"], levels["email_domain"]) == ("exact_name", "exact_address")
    assert found >= MatchModel.default().same_threshold


LATIN_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=12)


@given(first=LATIN_NAME, last=LATIN_NAME, separator=st.sampled_from([".", "_", "-"]))
def test_a_name_written_into_an_address_is_made_of_the_name_and_digits_make_it_ones_own(
    first, last, separator
):
    forms = name_form(first), name_form(last)
    assume(min(map(len, forms)) >= 2)  # a one-letter name is an initial
    assert local_named(f"{first}{separator}{last}", *forms, "")
    assert local_named(f"{last}{separator}{first}", *forms, "")
    # an initial as the matching form spells it ("Xenia" is "ksenia": k)
    assert local_named(f"{forms[0][0]}{separator}{last}", *forms, "")
    assert not local_named(f"{first}{separator}{last}7", *forms, "")
