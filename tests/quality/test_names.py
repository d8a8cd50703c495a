import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.leads.contact_values import parse_name, transliterate


@pytest.mark.parametrize(
    ("raw", "first", "middle", "last", "order"),
    [
        # Russian: "Last First Patronymic", "First Patronymic Last", "Last First"
        ("Иванов Иван Иванович", "Иван", "Иванович", "Иванов", "family_first"),
        ("Петрова Анна Сергеевна", "Анна", "Сергеевна", "Петрова", "family_first"),
        ("Иван Иванович Иванов", "Иван", "Иванович", "Иванов", "given_first"),
        ("Иванов Иван", "Иван", "", "Иванов", "family_first"),
        ("Кузнецова Ольга", "Ольга", "", "Кузнецова", "family_first"),
        ("Смирнов Тихон", "Тихон", "", "Смирнов", "family_first"),
        ("Иван Петров", "Иван", "", "Петров", "given_first"),
        ("Ольга Ильинична", "Ольга", "Ильинична", "", "given_first"),
        ("Иванов И.И.", "И.", "И.", "Иванов", "family_first"),
        ("Ivanov Ivan Ivanovich", "Ivan", "Ivanovich", "Ivanov", "family_first"),
        # Romanian
        ("POPESCU Ion", "Ion", "", "Popescu", "family_first"),
        ("Ion POPESCU", "Ion", "", "Popescu", "given_first"),
        ("IONESCU Maria Elena", "Maria", "Elena", "Ionescu", "family_first"),
        ("Popescu Ion", "Ion", "", "Popescu", "family_first"),
        ("Popescu, Ion", "Ion", "", "Popescu", "family_first"),
        ("Ștefan Țăranu", "Ștefan", "", "Țăranu", "given_first"),
        ("A. Popescu", "A.", "", "Popescu", "given_first"),
        ("Popescu A.", "A.", "", "Popescu", "family_first"),
        # Spanish, Portuguese, Dutch, German, Arabic particles
        ("María José García", "María", "José", "García", "given_first"),
        ("Arantxa Sánchez-Vicario", "Arantxa", "", "Sánchez-Vicario", "given_first"),
        ("José de la Cruz", "José", "", "de la Cruz", "given_first"),
        ("Pedro del Río", "Pedro", "", "del Río", "given_first"),
        ("Maria da Silva", "Maria", "", "da Silva", "given_first"),
        ("João dos Santos", "João", "", "dos Santos", "given_first"),
        ("Ludwig van der Berg", "Ludwig", "", "van der Berg", "given_first"),
        ("Ursula von der Leyen", "Ursula", "", "von der Leyen", "given_first"),
        ("Leonardo di Caprio", "Leonardo", "", "di Caprio", "given_first"),
        ("Mohammed bin Salman", "Mohammed", "", "bin Salman", "given_first"),
        ("Omar al-Hassan", "Omar", "", "al-Hassan", "given_first"),
        # Finnish, English, Irish, French
        ("Matti Meikäläinen", "Matti", "", "Meikäläinen", "given_first"),
        ("Aino-Kaisa Saarinen", "Aino-Kaisa", "", "Saarinen", "given_first"),
        ("Seán O'Brien", "Seán", "", "O'Brien", "given_first"),
        ("Jean-Luc Picard", "Jean-Luc", "", "Picard", "given_first"),
        ("Charles D'Artagnan", "Charles", "", "D'Artagnan", "given_first"),
        ("Ronald McDonald", "Ronald", "", "McDonald", "given_first"),
        ("Ewan MacLeod", "Ewan", "", "MacLeod", "given_first"),
        ("John Fitzgerald Kennedy", "John", "Fitzgerald", "Kennedy", "given_first"),
        # Short Asian names
        ("Li", "Li", "", "", "given_first"),
        ("Wu Xi", "Wu", "", "Xi", "given_first"),
        ("Ng", "Ng", "", "", "given_first"),
        ("Le Minh", "Le", "", "Minh", "given_first"),
    ],
)
def test_full_names_are_split(raw, first, middle, last, order):
    # Given a full name as typed
    # When it is parsed
    result = parse_name(raw)

    # Then its parts and their order are recognised
    assert (result.first, result.middle, result.last, result.order) == (first, middle, last, order)


def test_spanish_double_surnames_with_a_locale_hint():
    result = parse_name("Arantxa Sánchez Vicario", locale_hint="es-ES")

    assert (result.first, result.middle, result.last) == ("Arantxa", "", "Sánchez Vicario")


@pytest.mark.parametrize(
    ("raw", "full"),
    [
        ("ИВАНОВ ИВАН ИВАНОВИЧ", "Иван Иванович Иванов"),
        ("иванов иван", "Иван Иванов"),
        ("ion popescu", "Ion Popescu"),
        ("MARIA DA SILVA", "Maria da Silva"),
        ("ludwig van der berg", "Ludwig van der Berg"),
        ("sean o'brien", "Sean O'Brien"),
        ("JEAN-LUC PICARD", "Jean-Luc Picard"),
        ("ronald mcdonald", "Ronald McDonald"),
        ("RONALD MCDONALD", "Ronald McDonald"),
        ("ANNA SMITH-MCDONALD", "Anna Smith-McDonald"),
        ("jürgen groß", "Jürgen Groß"),
        ("arantxa sánchez-vicario", "Arantxa Sánchez-Vicario"),
        ("matti meikäläinen", "Matti Meikäläinen"),
        ("omar al-hassan", "Omar al-Hassan"),
        ("  Ion   Popescu  ", "Ion Popescu"),
    ],
)
def test_all_caps_and_all_lower_input_is_title_cased(raw, full):
    assert parse_name(raw).full == full


@pytest.mark.parametrize(
    "raw",
    ["Ewan MacLeod", "Ronald McDonald", "Maria da Silva", "Leonardo DiCaprio", "Tom deGrasse"],
)
def test_case_a_person_chose_is_never_changed(raw):
    assert parse_name(raw).full == raw


def test_mac_is_not_guessed_from_all_caps():
    # "Mac" is followed by a lower-case letter as often as not (Mack, Machado).
    assert parse_name("EWAN MACLEOD").full == "Ewan Macleod"


def test_separate_fields_win_over_the_full_name():
    # Given both separate fields and a full name
    result = parse_name("ignored name", first="ion", last="POPESCU", middle="")

    # Then the separate fields are used, each normalised
    assert (result.raw, result.first, result.middle, result.last) == (
        "ion POPESCU",
        "Ion",
        "",
        "Popescu",
    )


def test_separate_fields_keep_particles_in_the_surname():
    result = parse_name(first="Maria", last="DA SILVA")

    assert (result.first, result.last) == ("Maria", "da Silva")


@pytest.mark.parametrize(
    ("raw", "transliteration"),
    [
        ("Иванов Иван Иванович", "ivan ivanovich ivanov"),
        ("Щукина Юлия", "iuliia shchukina"),
        ("Фёдор Хабенский", "fedor khabenskii"),
        ("Ткаченко Євген", "ievgen tkachenko"),
        ("Ștefan Țăranu", "stefan taranu"),
        ("Ştefan Ţăranu", "stefan taranu"),
        ("Íñigo Núñez", "inigo nunez"),
        ("Jyrki Mäkelä-Öhman", "jyrki makela ohman"),
        ("Seán O'Brien", "sean obrien"),
        ("Zoë Ørsted", "zoe orsted"),
        ("Jürgen Groß", "jurgen gross"),
        ("Wu Xi", "wu xi"),
    ],
)
def test_transliteration_is_latin_lower_case_and_accent_free(raw, transliteration):
    assert parse_name(raw).transliteration == transliteration


def test_scripts_without_a_table_are_dropped_from_the_transliteration():
    assert transliterate("李 Li") == "li"


@pytest.mark.parametrize(
    "raw",
    [
        "Иванов Иван Иванович",
        "Щербаков Вячеслав",
        "Ion Popescu",
        "Ștefănescu Mihai",
        "María José García",
        "Íñigo Sánchez-Vicario",
        "Matti Meikäläinen",
        "Jyrki Äijälä",
        "Aaltonen Liisa",
        "Seán O'Brien",
        "Charles D'Artagnan",
        "Jean-Luc Picard",
        "Ronald McDonald",
        "Friedrich Nietzsche",
        "Grzegorz Brzęczyszczykiewicz",
        "Arnold Schwarzenegger",
        "Robert Ewert",
        "Li",
        "Wu",
        "Ng",
        "Xi",
        "Ng Wu",
        "Nguyen Van An",
        "Kim Ji-woo",
        "Björk",
        "O",
    ],
)
def test_real_names_are_not_flagged(raw):
    # Given a real name from one of the seeds' countries, or a short Asian name
    result = parse_name(raw)

    # Then nothing about it looks wrong
    assert (result.gibberish_score, result.looks_like_phone, result.looks_like_email) == (
        0.0,
        False,
        False,
    )


@pytest.mark.parametrize(
    "raw",
    [
        "asdf",
        "asdfgh",
        "qwerty",
        "Qwe Rty",
        "йцукен",
        "фыва",
        "фывапр",
        "test",
        "Test Test",
        "тест",
        "aaaa",
        "Ioooon",
        "xkcdqzt",
        "jfhdksla",
        "zxcvb",
        "Bcdfgh",
    ],
)
def test_keyboard_mashing_and_test_values_score_high(raw):
    assert parse_name(raw).gibberish_score >= 0.8


def test_latin_look_alikes_inside_a_cyrillic_name_score_in_between():
    # Given "Иванов" with a Latin "o"
    assert parse_name("Иванoв").gibberish_score == 0.6


@pytest.mark.parametrize(
    ("raw", "phone", "email"),
    [
        ("0722 123 456", True, False),
        ("Ion 0722123456", True, False),
        ("ion.popescu@gmail.com", False, True),
        ("Ion Popescu ion@acme.ro", False, True),
        ("Ion Popescu 2", False, False),
    ],
)
def test_phones_and_emails_typed_into_the_name_are_flagged(raw, phone, email):
    result = parse_name(raw)

    assert (result.looks_like_phone, result.looks_like_email) == (phone, email)


def test_an_empty_name_is_empty_and_unflagged():
    result = parse_name("")

    assert (result.first, result.middle, result.last, result.transliteration) == ("", "", "", "")
    assert (result.gibberish_score, result.looks_like_phone, result.looks_like_email) == (
        0.0,
        False,
        False,
    )


NAME_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@given(NAME_TEXT, NAME_TEXT, NAME_TEXT, NAME_TEXT, st.sampled_from(["", "ru", "ro", "es-ES"]))
def test_never_raises(raw, first, last, middle, locale_hint):
    result = parse_name(raw, first=first, last=last, middle=middle, locale_hint=locale_hint)

    assert 0.0 <= result.gibberish_score <= 1.0


@given(NAME_TEXT)
def test_transliteration_is_ascii_lower_case(raw):
    transliteration = parse_name(raw).transliteration

    assert transliteration.isascii()
    assert transliteration == transliteration.lower()
    assert transliteration == transliteration.strip()


LETTERS = st.text(
    alphabet=st.sampled_from(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "абвгдежзиклмнопрстуфхцчшщыэюяАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЭЮЯ"
        "ăâîșțäöñéáÁÉÑ-'"
    ),
    min_size=1,
    max_size=12,
)


@given(st.lists(LETTERS, min_size=1, max_size=4))
def test_parsing_a_parsed_name_gives_the_same_parts(tokens):
    # Given a name parsed once and its parts fed back as separate fields
    first = parse_name(" ".join(tokens))
    again = parse_name(first=first.first, middle=first.middle, last=first.last)

    # Then nothing changes
    assert (again.first, again.middle, again.last) == (first.first, first.middle, first.last)
    assert again.transliteration == first.transliteration


@given(NAME_TEXT)
def test_parsing_any_parsed_name_again_gives_the_same_parts(raw):
    first = parse_name(raw)
    again = parse_name(first=first.first, middle=first.middle, last=first.last)

    assert (again.first, again.middle, again.last) == (first.first, first.middle, first.last)
