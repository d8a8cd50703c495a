"""The comparisons: what level a pair of records gets on each field (pure, no database)."""

import numpy as np

from galena.matching.comparisons import COMPARISON_CODES, MISSING, compare
from galena.matching.records import Record, company_form, date_form, name_form, prepare


def levels_of(a: Record, b: Record) -> dict[str, str]:
    """The level code per comparison of one pair; missing comparisons left out."""
    from galena.matching.comparisons import BY_CODE

    compared = compare(prepare([a, b]), np.array([0]), np.array([1]))
    row = compared.levels[0]
    return {
        code: BY_CODE[code].levels[row[j]].code
        for j, code in enumerate(COMPARISON_CODES)
        if row[j] != MISSING
    }


def test_names_meet_across_scripts_spellings_and_nicknames():
    levels = levels_of(
        Record(1, "Александр", "Иванов"),
        Record(2, "Sasha", "Ivanoff"),
    )
    assert levels == {"first_name": "nickname", "last_name": "exact"}


def test_name_forms_of_one_name_are_equal():
    forms = {name_form(n) for n in ("Aleksandr", "Alexandr", "Александр", "ALEKSANDR")}
    assert forms == {"aleksandr"}
    assert name_form("Юлия") == name_form("Yulia") == name_form("Julia")


def test_swapped_first_and_last_names_are_compared_across():
    a, b = Record(1, "Sergei", "Kuznetsov"), Record(2, "Kuznetsov", "Sergei")
    compared = compare(prepare([a, b]), np.array([0]), np.array([1]))
    assert bool(compared.swapped[0]) is True
    assert levels_of(a, b) == {"first_name": "exact", "last_name": "exact"}


def test_swapped_names_with_a_nickname_are_compared_across():
    assert levels_of(Record(1, "Sasha", "Ivanov"), Record(2, "Ivanov", "Alexandr")) == {
        "first_name": "nickname",
        "last_name": "exact",
    }


def test_an_initial_fits_the_first_name():
    assert levels_of(Record(1, "M.", "Popescu"), Record(2, "Maria", "Popescu"))["first_name"] == (
        "initial"
    )


def test_different_people_with_one_surname_differ_on_the_first_name():
    assert levels_of(Record(1, "Ivan", "Ivanov"), Record(2, "Oleg", "Ivanov")) == {
        "first_name": "different",
        "last_name": "exact",
    }


def test_email_local_part_and_domain_are_compared_apart():
    assert levels_of(
        Record(1, emails=["cati.popescu@gmial.com"]), Record(2, emails=["cati.popescu@gmail.com"])
    ) == {"email_local": "exact", "email_domain": "different"}
    assert levels_of(
        Record(1, emails=["ana@romashka.ru"]), Record(2, emails=["boris@romashka.ru"])
    ) == {"email_local": "different", "email_domain": "exact_rare"}


def test_the_best_of_several_contact_values_counts():
    levels = levels_of(
        Record(1, emails=["work@firm.ro", "ana.pop@gmail.com"], phones=["+40744518203"]),
        Record(2, emails=["ana.pop@gmail.com"], phones=["+40211111111", "0744 518 203"]),
    )
    assert levels == {"email_local": "exact", "email_domain": "exact", "phone": "exact"}


def test_phone_numbers_meet_whatever_their_format():
    assert levels_of(
        Record(1, phones=["+7 916 123-45-67"]), Record(2, phones=["8 (916) 1234567"])
    ) == {"phone": "exact"}
    assert levels_of(Record(1, phones=["+79161234567"]), Record(2, phones=["+79161234568"])) == {
        "phone": "one_digit"
    }


def test_birth_date_with_day_and_month_swapped_is_close():
    assert date_form("07.03.1985") == "1985-03-07"
    assert levels_of(Record(1, birth_date="1985-03-07"), Record(2, birth_date="1985-07-03")) == {
        "birth_date": "close"
    }


def test_company_legal_forms_and_quotes_do_not_count():
    assert company_form("ООО «Ромашка»") == company_form("Romashka LLC") == "romashka"
    assert levels_of(Record(1, company="Romashka LLC"), Record(2, company="ооо ромашка")) == {
        "company": "exact"
    }


def test_street_with_other_house_numbers_is_different():
    assert levels_of(Record(1, street="ul. Lenina 5"), Record(2, street="ul. Lenina 7")) == {
        "street": "different"
    }
    assert levels_of(Record(1, street="ul. Lenina 5"), Record(2, street="улица Ленина, 5")) == {
        "street": "exact"
    }
    assert levels_of(Record(1, street="Calle Mayor 12"), Record(2, street="C/ Mayro 12")) == {
        "street": "close"
    }


def test_a_field_either_record_lacks_is_missing():
    assert levels_of(Record(1, "Ana", ""), Record(2, "Ana", "Popescu")) == {"first_name": "exact"}


def test_an_address_made_of_the_name_is_told_apart_when_the_names_agree():
    assert levels_of(
        Record(1, "Victor", "Stevens", emails=["victor.stevens@btinternet.com"]),
        Record(2, "Victor", "Stevens", emails=["victor.stevens@gmail.com"]),
    ) == {
        "first_name": "exact",
        "last_name": "exact",
        "email_local": "exact_name",
        "email_domain": "different_same_local",
    }


def test_an_address_is_made_of_the_name_whatever_the_order_initials_script_and_dots():
    for first, last, local in (
        ("Мария", "Субботина", "mariya.subbotina"),
        ("Traian", "Diaconescu", "tdiaconescu"),
        ("Hannah", "Gould", "gould_hannah"),
        ("Anna", "Andersson", "annaandersson"),
        ("Pepito", "Grau Barroso", "pepito.grau"),
    ):
        levels = levels_of(
            Record(1, first, last, emails=[f"{local}@gmail.com"]),
            Record(2, first, last, emails=[f"{local}@gmail.com"]),
        )
        assert (levels["email_local"], levels["email_domain"]) == ("exact_name", "exact_address")


def test_an_address_of_the_persons_own_making_is_not_made_of_the_name():
    for local in ("wolfpack", "stevens1961", "victor.stevens.office", "vs"):
        levels = levels_of(
            Record(1, "Victor", "Stevens", emails=[f"{local}@mail.ru"]),
            Record(2, "Victor", "Stevens", emails=[f"{local}@yandex.ru"]),
        )
        assert levels["email_local"] == "exact_own", local


def test_when_the_names_do_not_agree_the_address_is_compared_on_its_own():
    # a household's shared box: whether it is made of a name is not told apart
    assert levels_of(
        Record(1, "Ivan", "Petrov", emails=["petrov@mail.ru"]),
        Record(2, "Olga", "Petrova", emails=["petrov@mail.ru"]),
    ) == {
        "first_name": "different",
        "last_name": "close",
        "email_local": "exact",
        "email_domain": "exact",
    }
