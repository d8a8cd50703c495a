import itertools
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.leads.contact_values import transliterate
from galena.matching.nicknames import DATA_PATH, name_groups, same_given_name

DATA = json.loads(DATA_PATH.read_text(encoding="utf-8"))
ALL_NAMES = sorted({name for group in DATA["groups"] for name in group["names"]})

# Russian names and their diminutives, as written in Cyrillic, and the group each belongs to
CYRILLIC = {
    "alexander_m": ["Александр", "Саша", "Шура"],
    "ekaterina_f": ["Екатерина", "Катя"],
    "dmitrii_m": ["Дмитрий", "Дима"],
    "iuliia_f": ["Юлия", "Юля"],
    "evgenii_m": ["Евгений", "Женя"],
    "natalia_f": ["Наталья", "Наташа"],
    "olga_f": ["Ольга", "Оля"],
    "mikhail_m": ["Михаил", "Миша"],
    "sergei_m": ["Сергей", "Серёжа"],
    "john_m": ["Иван", "Ваня"],
    "anastasiia_f": ["Анастасия", "Настя"],
    "tatiana_f": ["Татьяна", "Таня"],
    "elena_f": ["Елена", "Лена"],
    "aleksei_m": ["Алексей", "Лёша"],
    "vladimir_m": ["Владимир", "Вова", "Володя"],
    "nikolai_m": ["Николай", "Коля"],
    "maria_f": ["Мария", "Маша"],
    "andrew_m": ["Андрей"],
    "pavel_m": ["Павел", "Паша"],
    "svetlana_f": ["Светлана", "Света"],
    "irina_f": ["Ирина", "Ира"],
    "viktor_m": ["Виктор", "Витя"],
    "petr_m": ["Пётр", "Петя"],
    "grigorii_m": ["Григорий", "Гриша"],
    "konstantin_m": ["Константин", "Костя"],
    "anna_f": ["Анна", "Аня"],
    "liudmila_f": ["Людмила", "Люда"],
    "galina_f": ["Галина", "Галя"],
    "valentina_f": ["Валентина", "Валя"],
    "yaroslav_m": ["Ярослав", "Слава"],
    "viacheslav_m": ["Вячеслав", "Слава"],
    "stanislav_m": ["Станислав", "Стас"],
    "liubov_f": ["Любовь", "Люба"],
    "nadezhda_f": ["Надежда", "Надя"],
    "vera_f": ["Вера"],
    "iurii_m": ["Юрий", "Юра"],
    "roman_m": ["Роман", "Рома"],
    "maxim_m": ["Максим", "Макс"],
    "kirill_m": ["Кирилл"],
    "boris_m": ["Борис", "Боря"],
    "fedor_m": ["Фёдор", "Федя"],
    "ilya_m": ["Илья"],
    "igor_m": ["Игорь"],
    "oleg_m": ["Олег"],
    "anton_m": ["Антон", "Тоша"],
    "artem_m": ["Артём", "Тёма"],
    "denis_m": ["Денис"],
    "evgeniia_f": ["Евгения", "Женя"],
    "daria_f": ["Дарья", "Даша"],
    "polina_f": ["Полина", "Поля"],
    "alexandra_f": ["Александра", "Саша"],
    "sofia_f": ["София", "Соня", "Софья"],
    "kseniia_f": ["Ксения", "Ксюша"],
    "vasilii_m": ["Василий", "Вася"],
    "leonid_m": ["Леонид", "Лёня"],
    "timofei_m": ["Тимофей", "Тима"],
    "george_m": ["Георгий", "Жора", "Гоша"],
}
CYRILLIC_CASES = [(name, group) for group, names in CYRILLIC.items() for name in names]


@pytest.mark.parametrize(("cyrillic", "group"), CYRILLIC_CASES)
def test_cyrillic_name_lands_in_its_group(cyrillic, group):
    assert group in name_groups(transliterate(cyrillic))
    # the raw Cyrillic is transliterated by name_groups itself
    assert group in name_groups(cyrillic)


@pytest.mark.parametrize("group", sorted(CYRILLIC))
def test_cyrillic_full_name_and_diminutives_are_the_same_name(group):
    for a, b in itertools.combinations(CYRILLIC[group], 2):
        assert same_given_name(a, b), (a, b)


SAME = [
    ["Alexander", "Sasha", "Александр", "Alexandru", "Alejandro", "Santeri", "Aleksanteri"],
    ["Ecaterina", "Katya", "Kate", "Kaisa", "Екатерина", "Catalina", "Katherine", "Katariina"],
    ["Ioan", "Ivan", "Juan", "Juha", "John", "Иван", "Johannes", "Jussi", "Ion", "Vanya"],
    ["José", "Pepe", "Joseph", "Iosif"],
    ["Francisco", "Paco", "Pancho", "Curro"],
    ["William", "Bill", "Will", "Liam", "Guillermo"],
    ["Margaret", "Peggy", "Maggie", "Margarita", "Margareta", "Marketta", "Maarit"],
    ["Dmitry", "Dima", "Mitya", "Дмитрий", "Dmitriy", "Dmitrii", "Dumitru", "Mitică"],
    ["Peter", "Pyotr", "Petr", "Petru", "Pedro", "Pekka", "Petri", "Petya"],
    ["Michael", "Mikhail", "Mihai", "Miguel", "Mikko", "Misha", "Mike"],
    ["George", "Georgii", "Gheorghe", "Jorge", "Yrjö", "Zhora", "Gosha"],
    ["Yulia", "Julia", "Yuliya", "Iuliia", "Юлия", "Iulia"],
    ["Evgeny", "Evgeniy", "Yevgeny", "Eugene", "Eugen", "Zhenya", "Евгений"],
    ["Natalia", "Natalya", "Natasha", "Наталья", "Наталия"],
    ["Ksenia", "Kseniya", "Kseniia", "Ксюша"],
    ["Elizabeth", "Liz", "Beth", "Betty", "Eliza", "Elisabet", "Liisa", "Elsa", "Elizaveta"],
    ["Helena", "Elena", "Leena", "Heli", "Lenuța", "Olena"],
    ["Andrei", "Andrew", "Andrés", "Antti", "Antero", "Андрій"],
    ["Heikki", "Henrik", "Henry", "Enrique", "Quique"],
    ["Manuel", "Manolo"],
    ["Antonio", "Toño", "Toni", "Anton"],
    ["Jesús", "Chuy"],
    ["Ignacio", "Nacho"],
    ["Dolores", "Lola"],
    ["Concepción", "Concha", "Conchita"],
    ["Rosario", "Charo"],
    ["Mercedes", "Merche"],
    ["Eduardo", "Lalo", "Edward", "Ted", "Ned"],
    ["Roberto", "Beto", "Robert", "Bob", "Bobby"],
    ["Alberto", "Beto"],
    ["Richard", "Dick", "Rick"],
    ["James", "Jim", "Jimmy"],
    ["Constantin", "Costel", "Costică", "Konstantin", "Kostya"],
    ["Ștefan", "Fane", "Stepan", "Stephen", "Esteban"],
    ["Nicolae", "Nicu", "Nikolai", "Nicholas", "Nick", "Kolya"],
    ["Gabriel", "Gabi"],
    ["Daniel", "Dani", "Daniil"],
    ["Maria", "Mari", "Mărioara", "Mary", "Masha", "Mariia"],
    ["Matti", "Matias"],
    ["Mikael", "Mikko"],
]


@pytest.mark.parametrize("names", SAME, ids=lambda names: names[0])
def test_forms_of_one_name_are_the_same(names):
    for a, b in itertools.combinations(names, 2):
        assert same_given_name(a, b), (a, b)
        assert same_given_name(b, a), (b, a)


DIFFERENT = [
    ("Alexander", "Alexandra"),
    ("Aleksandr", "Aleksandra"),
    ("Evgenii", "Evgeniia"),
    ("Евгений", "Евгения"),
    ("Ivan", "Igor"),
    ("Maria", "Marina"),
    ("Mari", "Marina"),
    ("Oleg", "Olga"),
    ("Anna", "Antonina"),
    ("Oksana", "Kseniia"),
    ("Oksana", "Ksenia"),
    ("Yulia", "Yuri"),
    ("Юля", "Юра"),
    ("Iuliia", "Iurii"),
    ("Yaroslav", "Vyacheslav"),
    ("Alexander", "Aleksei"),
    ("Dmitry", "Vladimir"),
    ("Elena", "Alyona"),
    ("Ioan", "Ioana"),
    ("Nikita", "Nikolai"),
    ("Ivan", "Ioana"),
    ("Valentin", "Valentina"),
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_names_are_not_the_same(a, b):
    assert name_groups(a), a
    assert name_groups(b), b
    assert not same_given_name(a, b)
    assert not same_given_name(b, a)


def test_a_shared_diminutive_belongs_to_both_genders():
    assert name_groups("sasha") >= {"alexander_m", "alexandra_f"}
    assert same_given_name("sasha", "alexander")
    assert same_given_name("sasha", "alexandra")
    assert name_groups("zhenia") >= {"evgenii_m", "evgeniia_f"}


@pytest.mark.parametrize("name", ["", " ", "qwertyuiop", "xyzzy", "Блаблабла", "123", "a-b"])
def test_unknown_names_have_no_groups(name):
    assert name_groups(name) == frozenset()
    assert not same_given_name(name, name)
    assert not same_given_name(name, "alexander")


def test_raw_names_are_put_in_matching_form():
    assert name_groups("ALEXANDER") == name_groups("alexander")
    assert name_groups(" Sasha ") == name_groups("sasha")
    assert name_groups("Jesús") == name_groups("jesus") != frozenset()
    assert name_groups("Ionuț") == name_groups("ionut") != frozenset()
    assert name_groups("Yrjö") == name_groups("yrjo") != frozenset()


@given(st.sampled_from(ALL_NAMES), st.sampled_from(ALL_NAMES))
def test_same_given_name_is_symmetric(a, b):
    assert same_given_name(a, b) == same_given_name(b, a)


@given(st.sampled_from(ALL_NAMES))
def test_same_given_name_is_reflexive(name):
    assert same_given_name(name, name)


def test_every_name_is_reflexive_and_knows_its_groups():
    listed: dict[str, set[str]] = {}
    for group in DATA["groups"]:
        for name in group["names"]:
            listed.setdefault(name, set()).add(group["id"])
    for name, ids in listed.items():
        assert name_groups(name) == ids, name
        assert same_given_name(name, name), name


def test_data_is_well_formed():
    groups = DATA["groups"]
    ids = [group["id"] for group in groups]
    assert len(ids) == len(set(ids)), "group ids are unique"
    assert len(groups) >= 150
    for group in groups:
        assert re.fullmatch(r"[a-z]+_[mf]", group["id"]), group["id"]
        names = group["names"]
        assert names, f"{group['id']} is empty"
        assert len(names) == len(set(names)), f"{group['id']} repeats a name"
        for name in names:
            assert isinstance(name, str) and name, group["id"]
            assert transliterate(name) == name, f"{group['id']}: {name!r} is not in matching form"
            assert re.fullmatch(r"[a-z]+", name), f"{group['id']}: {name!r}"


def test_other_forms_are_the_rest_of_the_names_groups():
    from galena.matching.nicknames import other_forms

    forms = other_forms("Alexandru")
    assert {"sandu", "sasha", "aleksandr"} <= set(forms)
    assert "alexandru" not in forms
    assert other_forms("Xyzzy") == []
