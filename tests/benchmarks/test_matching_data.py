"""The matching benchmark's generator and evaluation: the same seed gives the same file,
duplicates are a realistic minority, every kind of corruption and look-alike occurs and
looks like what it claims, and precision, recall and F1 are counted over unordered pairs."""

import csv
import io
import re
from collections import Counter, defaultdict

import phonenumbers
import pytest

from benchmarks.matching import evaluate as ev
from benchmarks.matching import generate as gen

COUNT = 1500


@pytest.fixture(scope="module")
def rows():
    return gen.generate(COUNT, seed=3)


def clusters(rows):
    out = defaultdict(list)
    for row in rows:
        out[row["cluster"]].append(row)
    return out


def test_the_same_seed_gives_the_same_records():
    assert gen.generate(300, seed=5) == gen.generate(300, seed=5)


def test_another_seed_gives_other_records():
    assert gen.generate(300, seed=5) != gen.generate(300, seed=6)


def test_the_file_has_the_columns_and_unique_ids(rows):
    out = io.StringIO()
    gen.write_csv(rows, out)
    header = out.getvalue().splitlines()[0].split(",")
    assert header == [*gen.COLUMNS, *gen.LABEL_COLUMNS]
    assert len(rows) == COUNT
    assert sorted(int(row["id"]) for row in rows) == list(range(1, COUNT + 1))


def test_the_tools_file_has_no_labels(rows):
    out = io.StringIO()
    gen.write_csv(rows[:5], out, labels=False)
    header = next(csv.reader(io.StringIO(out.getvalue())))
    assert "cluster" not in header
    assert "corruptions" not in header
    assert header[0] == "id"


def test_about_thirty_percent_of_people_have_one_to_three_duplicates(rows):
    sizes = Counter(len(members) for members in clusters(rows).values())
    people = sum(sizes.values())
    assert set(sizes) <= {1, 2, 3, 4}
    assert (people - sizes[1]) / people == pytest.approx(gen.DUPLICATED_SHARE, abs=0.04)
    assert sizes[2] > sizes[3] > sizes[4] > 0
    duplicates = sum(1 for row in rows if row["corruptions"]) / len(rows)
    assert 0.2 < duplicates < 0.4


def test_each_cluster_is_one_person_with_one_original(rows):
    for members in clusters(rows).values():
        assert len({row["hard"] for row in members}) == 1  # one person, one set of groups
        birth_dates = {row["birth_date"] for row in members if row["birth_date"]}
        assert len(birth_dates) <= 2  # the date, perhaps with day and month swapped


def test_every_corruption_kind_occurs(rows):
    kinds = Counter(k for row in rows for k in row["corruptions"].split(";") if k)
    assert set(kinds) == set(gen.CORRUPTION_KINDS)


def test_corruption_rates_are_roughly_the_named_constants():
    rows = gen.generate(6000, seed=4)
    duplicates = len(rows) - len(clusters(rows))
    kinds = Counter(k for row in rows for k in row["corruptions"].split(";") if k)
    share = {kind: kinds[kind] / duplicates for kind in kinds}
    assert share["phone_format"] == pytest.approx(gen.PHONE_FORMAT_RATE * 0.8, abs=0.08)
    assert share["swapped_names"] == pytest.approx(gen.SWAPPED_NAMES_RATE, abs=0.02)
    assert share["typo_name"] == pytest.approx(gen.TYPO_NAME_RATE, abs=0.03)
    assert share["missing_birth_date"] == pytest.approx(
        gen.MISSING_RATES["birth_date"] / 2, abs=0.06
    )


def test_all_five_countries_and_both_scripts_appear(rows):
    cyrillic = [row for row in rows if re.search("[А-Яа-я]", row["last_name"])]
    assert len(cyrillic) > COUNT * 0.08
    for city in ("Москва", "București", "Madrid", "Helsinki", "London"):
        assert any(row["city"] == city for row in rows), city


def test_transliteration_gives_latin_forms_of_a_russian(rows):
    for members in clusters(rows).values():
        scripts = {bool(re.search("[А-Яа-я]", row["last_name"])) for row in members}
        if scripts == {True, False}:
            return
    pytest.fail("no Russian written in both scripts")


def test_romanisation_systems():
    assert gen.romanise("Александр", "icao") == "Aleksandr"
    assert gen.romanise("Александр", "informal") == "Alexandr"
    assert gen.romanise("Александр", "english") == "Alexander"
    assert gen.romanise("Иванов", "informal", surname=True) == "Ivanoff"
    assert gen.romanise("Юлия", "icao") == "Iuliia"
    assert gen.romanise("Юлия", "bgn") == "Yuliya"
    assert gen.romanise("ООО", "icao") == "OOO"


def test_a_typo_is_one_edit(rows):
    import random

    rng = random.Random(1)
    for word in ("Aleksandr", "Иванов", "Virtanen", "García"):
        for _ in range(50):
            slipped = gen.typo(word, rng)
            assert slipped != word or len(set(word)) < len(word)
            assert abs(len(slipped) - len(word)) <= 1


def test_phone_formats_are_the_same_valid_number():
    regions = {"ru": "RU", "ro": "RO", "es": "ES", "fi": "FI", "gb": "GB"}
    for locale, (cc, _, prefixes, length) in gen.PHONES.items():
        for prefix in prefixes:
            nsn = prefix + "1234567890"[: length - len(prefix)]
            _check_formats(locale, regions[locale], cc, nsn)


def _check_formats(locale, region, cc, nsn):
    expected = f"+{cc}{nsn}"
    for text in gen.phone_formats(locale, nsn):
        parsed = phonenumbers.parse(text.replace("00" + cc, "+" + cc, 1), region)
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == expected
        assert phonenumbers.is_valid_number(parsed), text


def test_nicknames_come_from_the_generators_own_list(rows):
    nicknames = {n for names in gen.NICKNAMES.values() for ns in names.values() for n in ns}
    assert len({name for names in gen.NICKNAMES.values() for name in names}) >= 40
    nicknamed = [row for row in rows if "nickname" in row["corruptions"]]
    assert nicknamed
    latin = {gen.romanise(n, s) for n in nicknames for s in gen.RU_SCRIPTS}
    for row in nicknamed:
        if "initial" in row["corruptions"] or "typo_name" in row["corruptions"]:
            continue
        name = row["last_name"] if "swapped_names" in row["corruptions"] else row["first_name"]
        assert name in nicknames | latin or gen.fold_diacritics(name) in {
            gen.fold_diacritics(n) for n in nicknames
        }, name


def test_hard_non_matches_are_different_people(rows):
    groups = defaultdict(set)
    for row in rows:
        for group in filter(None, row["hard"].split("|")):
            groups[group].add(row["cluster"])
    kinds = Counter(group.split(":")[0] for group, people in groups.items() if len(people) > 1)
    assert kinds["crowd"] == 5
    assert kinds["namesake"] > 0
    assert kinds["family"] > 0


def test_family_members_share_a_phone_or_an_email():
    rows = gen.generate(3000, seed=8)
    by_group = defaultdict(list)
    for row in rows:
        for group in filter(None, row["hard"].split("|")):
            if group.startswith("family:") and not row["corruptions"]:
                by_group[group].append(row)
    shared = 0
    for members in by_group.values():
        if len({m["cluster"] for m in members}) < 2:
            continue
        phones = Counter(re.sub(r"\D", "", m["phone"])[-9:] for m in members if m["phone"])
        emails = Counter(m["email"] for m in members if m["email"])
        shared += any(c > 1 for c in phones.values()) or any(c > 1 for c in emails.values())
    assert shared > 10


def test_a_duplicate_keeps_evidence_beyond_the_name(rows):
    for members in clusters(rows).values():
        original = next((m for m in members if not m["corruptions"]), None)
        if original is None:
            continue
        for dup in members:
            if dup is original or not dup["corruptions"]:
                continue
            digits = re.sub(r"\D", "", original["phone"])[-9:]
            assert (
                (original["phone"] and re.sub(r"\D", "", dup["phone"])[-9:] == digits)
                or (
                    original["email"]
                    and dup["email"].split("@")[0] == original["email"].split("@")[0]
                )
                or (original["birth_date"] and dup["birth_date"])
                or (original["street"] and dup["street"])
                or "email_typo" in dup["corruptions"]
            ), (original, dup)


# --- evaluation ---------------------------------------------------------------------------
def tiny_truth():
    rows = [
        {"id": "1", "cluster": "a", "corruptions": "", "hard": ""},
        {"id": "2", "cluster": "a", "corruptions": "typo_name", "hard": ""},
        {"id": "3", "cluster": "a", "corruptions": "nickname", "hard": ""},
        {"id": "4", "cluster": "b", "corruptions": "", "hard": "family:1"},
        {"id": "5", "cluster": "c", "corruptions": "", "hard": "family:1"},
        {"id": "6", "cluster": "d", "corruptions": "", "hard": ""},
        {"id": "10", "cluster": "d", "corruptions": "translit", "hard": ""},
    ]
    return ev.Truth.from_rows(rows)


def test_true_pairs_are_all_pairs_within_clusters():
    assert tiny_truth().true_pairs() == {("1", "2"), ("1", "3"), ("2", "3"), ("10", "6")}


def test_precision_recall_f1_on_a_hand_built_example():
    truth = tiny_truth()
    predicted = [("1", "2"), ("2", "1"), (2, 1), ("3", "1"), ("4", "5"), ("6", "6")]
    scores = ev.evaluate(predicted, truth)

    assert (scores.predicted, scores.tp, scores.fp, scores.fn) == (3, 2, 1, 2)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 4)
    assert scores.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_a_pair_written_in_both_orders_counts_once():
    truth = tiny_truth()
    once = ev.evaluate([("6", "10")], truth)
    twice = ev.evaluate([("6", "10"), ("10", "6"), ("10.0", "6")], truth)
    assert once == twice
    assert twice.predicted == 1


def test_nothing_predicted_has_full_precision_and_no_recall():
    scores = ev.evaluate([], tiny_truth())
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 0.0, 0.0)


def test_recall_by_kind_and_false_positives_by_lookalike():
    truth = tiny_truth()
    predicted = ev.unique_pairs([("1", "2"), ("4", "5"), ("1", "6")])
    kinds = ev.recall_by_kind(predicted, truth)
    assert kinds["typo_name"] == (2, 1)  # (1,2) found, (2,3) not
    assert kinds["nickname"] == (2, 0)
    assert kinds["translit"] == (1, 0)
    assert ev.false_positives_by_lookalike(predicted, truth) == {"family": 1, "other": 1}


def test_clustered_scores_count_the_transitive_closure():
    truth = tiny_truth()
    predicted = ev.unique_pairs([("1", "2"), ("2", "3"), ("3", "4")])
    scores = ev.closure_score(predicted, truth)
    # one component {1,2,3,4}: six pairs, three of them true
    assert (scores.predicted, scores.tp, scores.fn) == (6, 3, 1)


def test_best_threshold_picks_the_cut_with_the_best_f1():
    truth = tiny_truth()
    scored = {("1", "2"): 0.99, ("1", "3"): 0.9, ("4", "5"): 0.8, ("2", "3"): 0.6}
    cut, scores = ev.best_threshold(scored, truth.true_pairs())
    assert cut == 0.6
    assert (scores.tp, scores.fp) == (3, 1)
