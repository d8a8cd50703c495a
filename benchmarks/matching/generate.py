"""A labelled, generated file of lead-like records for the matching benchmark (issue 5).

People come from the seeds' countries (Faker's ru_RU, ro_RO, es_ES, fi_FI and en_GB name
lists, equal shares) with the contact data leads carry: an e-mail, a mobile number in the
country's own formats, a company with its legal form, a street, a city, a postcode and
sometimes a birth date. About 30 % of the people wrote more than once: each of them gets 1–3
duplicate records (60 % one, 28 % two, 12 % three), and every duplicate is corrupted
independently of the others, each kind with its own rate (the named constants below):

========================  =====  ==========================================================
kind                      rate   what it does to a duplicate
========================  =====  ==========================================================
``typo_name``             0.12   one keyboard slip in the first or the last name
                                 (insertion, deletion, adjacent-key substitution or
                                 transposition; ЙЦУКЕН neighbours for Cyrillic)
``typo_other``            0.10   the same slip in the street, the city or the company
``translit``              0.45   Russians: another script or romanisation (Cyrillic,
                                 passport/ICAO, BGN, informal «Alexandr Ivanoff», English
                                 forms «Alexander», «Moscow»); the others: diacritics
                                 dropped (Ștefan → Stefan, Mäkinen → Makinen/Maekinen,
                                 Ş with a cedilla for Ș) — applied only when it changes text
``nickname``              0.30   a diminutive or short form, for the ~40 first names that
                                 have one (Александр → Саша, José → Pepe, William → Bill)
``swapped_names``         0.05   first and last name in each other's columns
``initial``               0.05   the first name reduced to its initial («A.»)
``middle_name``           0.30   the patronymic (Russians) or a second given name added
                                 or dropped; Spaniards: the second surname dropped
``phone_format``          0.50   the same number written another way (+7 916 123-45-67,
                                 8 (916) 123 45 67, 9161234567, 0040 721 234 567, …)
``phone_changed``         0.08   another number: people change phones
``email_typo``            0.06   a slip in the local part or the domain (gmial.com,
                                 yandex.ri, mail.rru)
``email_provider``        0.06   the same local part at another provider
``missing_email``         0.15   blank (each ``missing_*`` only if the person has a value)
``missing_phone``         0.15
``missing_company``       0.25
``missing_street``        0.25   street and postcode blank
``missing_city``          0.05
``missing_birth_date``    0.30
``date_swapped``          0.04   day and month swapped (when both are ≤ 12 and differ)
``company_form``          0.30   the legal form dropped, spelt otherwise or translated
                                 (ООО «Ромашка» / «Ромашка» / Romashka LLC / SRL / S.L. / Oy)
``street_format``         0.25   abbreviations expanded or shortened (ул. / улица,
                                 Strada / Str., Calle / C/, Road / Rd), the flat dropped
``moved``                 0.04   another street and postcode (sometimes another city)
========================  =====  ==========================================================

A duplicate is a lead a human would still call the same person: one that kept none of the
e-mail, the phone, the birth date and the street of its person gets its phone (or e-mail)
back. The original record itself is clean but not complete: 10 % have no e-mail, 10 % no
phone (never both), 45 % no company, 35 % no street or postcode, 5 % no city, 50 % no birth
date; a quarter of the Russians are written in Latin letters, 40 % show their patronymic.

Hard non-matches, distinct people who look alike (they get duplicates like anyone else):

* crowds: per country a very common name in its capital — Иван Иванов in Москва, Ion Popescu
  in București, María García in Madrid, Juha Virtanen in Helsinki, John Smith in London —
  ``CROWD_PER_10K`` people each per 10,000 records;
* namesakes (``NAMESAKE_SHARE`` of the people): the first and last name (and, for a third
  of the Russians, the patronymic) of someone already drawn, in the same city;
* family members (``FAMILY_SHARE``): the surname (in its gender's form) and the address of
  someone already drawn, another first name and birth date, sharing the phone (60 %)
  and/or the e-mail (40 %), at least one of them; Russian siblings share the patronymic.

Columns: ``id,cluster,first_name,last_name,middle_name,email,phone,company,street,city,
postcode,birth_date`` and two label columns after them, ``corruptions`` (the kinds applied
to this record, ``;``-separated, blank for an original) and ``hard`` (``crowd:ru``,
``namesake:12``, ``family:7``, ``|``-separated, for the people built as look-alikes). The
``cluster`` is the true person; ids are 1..N in a shuffled order; the same seed gives the
same file.

    .venv/bin/python benchmarks/matching/generate.py --records 20000 --seed 1 --out /tmp/m.csv
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import functools
import itertools
import random
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

# --- who is in the file -----------------------------------------------------------------
LOCALES = {"ru": "ru_RU", "ro": "ro_RO", "es": "es_ES", "fi": "fi_FI", "gb": "en_GB"}
LOCALE_WEIGHTS = {"ru": 0.2, "ro": 0.2, "es": 0.2, "fi": 0.2, "gb": 0.2}
DUPLICATED_SHARE = 0.30  # of the people, those who wrote more than once
DUPLICATES_PER_PERSON = {1: 0.60, 2: 0.28, 3: 0.12}
NICKNAMED_FIRST_NAME_SHARE = 0.15  # people drawn among the names that have short forms
NAMESAKE_SHARE = 0.03
FAMILY_SHARE = 0.04
FAMILY_SHARED_PHONE = 0.60
FAMILY_SHARED_EMAIL = 0.40
CROWD_PER_10K = 3

# --- how the original record looks ------------------------------------------------------
BASE_MISSING = {
    "email": 0.10,
    "phone": 0.10,
    "company": 0.45,
    "street": 0.35,
    "city": 0.05,
    "birth_date": 0.50,
}
RU_LATIN_SHARE = 0.25  # Russians whose own record is in Latin letters
RU_PATRONYMIC_SHOWN = 0.40
MIDDLE_NAME_SHARE = 0.15  # the others with a second given name
ES_SECOND_SURNAME_SHARE = 0.60
COMPANY_EMAIL_SHARE = 0.15

# --- what a duplicate suffers (each independently) --------------------------------------
TYPO_NAME_RATE = 0.12
TYPO_OTHER_RATE = 0.10
TRANSLIT_RATE = 0.45
NICKNAME_RATE = 0.30
SWAPPED_NAMES_RATE = 0.05
INITIAL_RATE = 0.05
MIDDLE_NAME_RATE = 0.30
PHONE_FORMAT_RATE = 0.50
PHONE_CHANGED_RATE = 0.08
EMAIL_TYPO_RATE = 0.06
EMAIL_PROVIDER_RATE = 0.06
MISSING_RATES = {
    "email": 0.15,
    "phone": 0.15,
    "company": 0.25,
    "street": 0.25,
    "city": 0.05,
    "birth_date": 0.30,
}
DATE_SWAPPED_RATE = 0.04
COMPANY_FORM_RATE = 0.30
STREET_FORMAT_RATE = 0.25
MOVED_RATE = 0.04

CORRUPTION_KINDS = (
    "typo_name",
    "typo_other",
    "translit",
    "nickname",
    "swapped_names",
    "initial",
    "middle_name",
    "phone_format",
    "phone_changed",
    "email_typo",
    "email_provider",
    *(f"missing_{name}" for name in MISSING_RATES),
    "date_swapped",
    "company_form",
    "street_format",
    "moved",
)
COLUMNS = (
    "id",
    "cluster",
    "first_name",
    "last_name",
    "middle_name",
    "email",
    "phone",
    "company",
    "street",
    "city",
    "postcode",
    "birth_date",
)
LABEL_COLUMNS = ("corruptions", "hard")
# what a tool is given of a person: the columns without the id and the true person
RECORD_COLUMNS = tuple(column for column in COLUMNS if column not in ("id", "cluster"))

# --- nicknames: this benchmark's own small list, not the matcher's ----------------------
NICKNAMES = {
    "ru": {
        "Александр": ["Саша", "Шура"],
        "Алексей": ["Лёша", "Алёша"],
        "Дмитрий": ["Дима"],
        "Михаил": ["Миша"],
        "Николай": ["Коля"],
        "Сергей": ["Серёжа"],
        "Владимир": ["Вова", "Володя"],
        "Иван": ["Ваня"],
        "Евгений": ["Женя"],
        "Павел": ["Паша"],
        "Константин": ["Костя"],
        "Екатерина": ["Катя"],
        "Елена": ["Лена"],
        "Мария": ["Маша"],
        "Анастасия": ["Настя"],
        "Наталья": ["Наташа"],
        "Ольга": ["Оля"],
        "Татьяна": ["Таня"],
        "Юлия": ["Юля"],
        "Анна": ["Аня"],
    },
    "ro": {
        "Ecaterina": ["Cati", "Katya"],
        "Ioan": ["Ionuț", "Nelu"],
        "Gheorghe": ["Gică", "George"],
        "Constantin": ["Costel", "Costi"],
        "Alexandru": ["Alex", "Sandu"],
        "Mihai": ["Mihăiță"],
        "Elena": ["Lenuța"],
        "Vasile": ["Vasilică"],
        "Nicolae": ["Nicu"],
    },
    "es": {
        "José": ["Pepe"],
        "Francisco": ["Paco", "Curro"],
        "Manuel": ["Manolo"],
        "Antonio": ["Toño"],
        "Dolores": ["Lola"],
        "Concepción": ["Concha"],
        "Ignacio": ["Nacho"],
        "Guadalupe": ["Lupe"],
        "Enrique": ["Quique"],
        "Rosario": ["Charo"],
        "Mercedes": ["Merche"],
    },
    "fi": {
        "Johannes": ["Juha", "Jussi", "Hannu"],
        "Aleksanteri": ["Santeri", "Aleksi"],
        "Katariina": ["Kati", "Katri"],
        "Elisabet": ["Liisa", "Elisa"],
        "Kristiina": ["Kirsi", "Tiina"],
        "Mikael": ["Mikko"],
    },
    "gb": {
        "William": ["Bill", "Will"],
        "Robert": ["Bob", "Rob"],
        "Richard": ["Rick", "Dick"],
        "Elizabeth": ["Liz", "Beth"],
        "Margaret": ["Maggie", "Peggy"],
        "Catherine": ["Kate", "Cathy"],
        "James": ["Jim", "Jamie"],
        "Thomas": ["Tom"],
        "Michael": ["Mike"],
        "Edward": ["Ed", "Ted"],
        "Jennifer": ["Jen"],
    },
}
RU_FEMALE_NAMES = {"Екатерина", "Елена", "Мария", "Анастасия", "Наталья", "Ольга"} | {
    "Татьяна",
    "Юлия",
    "Анна",
}
OTHER_FEMALE_NAMES = {"Ecaterina", "Elena", "Dolores", "Concepción", "Guadalupe", "Rosario"} | {
    "Mercedes",
    "Katariina",
    "Elisabet",
    "Kristiina",
    "Elizabeth",
    "Margaret",
    "Catherine",
    "Jennifer",
}
# English forms of Russian names, one of the ways Russians write themselves in Latin letters
RU_ENGLISH_FORMS = {
    "Александр": "Alexander",
    "Алексей": "Alexei",
    "Пётр": "Peter",
    "Евгений": "Eugene",
    "Михаил": "Michael",
    "Павел": "Paul",
    "Николай": "Nicholas",
    "Екатерина": "Catherine",
    "Юлия": "Julia",
    "Наталья": "Natalia",
    "Татьяна": "Tatiana",
    "Мария": "Maria",
    "Елена": "Helen",
    "Москва": "Moscow",
    "Санкт-Петербург": "Saint Petersburg",
}

# --- places -----------------------------------------------------------------------------
# city: (weight, postcode prefixes); a postcode is a prefix and random digits
CITIES = {
    "ru": {
        "Москва": (
            35,
            ["101", "105", "107", "109", "115", "117", "119", "121", "123", "125", "127", "129"],
        ),
        "Санкт-Петербург": (15, ["190", "191", "192", "194", "196", "197", "198"]),
        "Новосибирск": (5, ["630"]),
        "Екатеринбург": (5, ["620"]),
        "Казань": (4, ["420"]),
        "Нижний Новгород": (4, ["603"]),
        "Челябинск": (3, ["454"]),
        "Самара": (3, ["443"]),
        "Омск": (3, ["644"]),
        "Ростов-на-Дону": (3, ["344"]),
        "Уфа": (3, ["450"]),
        "Красноярск": (3, ["660"]),
        "Воронеж": (2, ["394"]),
        "Пермь": (2, ["614"]),
    },
    "ro": {
        "București": (30, ["010", "020", "030", "040", "050", "060"]),
        "Cluj-Napoca": (8, ["400"]),
        "Timișoara": (7, ["300"]),
        "Iași": (7, ["700"]),
        "Constanța": (6, ["900"]),
        "Craiova": (5, ["200"]),
        "Brașov": (5, ["500"]),
        "Galați": (4, ["800"]),
        "Ploiești": (4, ["100"]),
        "Oradea": (3, ["410"]),
    },
    "es": {
        "Madrid": (25, ["280"]),
        "Barcelona": (20, ["080"]),
        "Valencia": (8, ["460"]),
        "Sevilla": (7, ["410"]),
        "Zaragoza": (5, ["500"]),
        "Málaga": (5, ["290"]),
        "Murcia": (3, ["300"]),
        "Palma": (3, ["070"]),
        "Bilbao": (3, ["480"]),
        "Alicante": (3, ["030"]),
        "Córdoba": (3, ["140"]),
        "Valladolid": (2, ["470"]),
    },
    "fi": {
        "Helsinki": (25, ["001", "002", "003", "004", "005", "006", "007", "008", "009"]),
        "Espoo": (10, ["021", "022", "023", "024", "025", "026", "027", "028"]),
        "Tampere": (9, ["331", "332", "333", "334", "335", "336"]),
        "Vantaa": (8, ["013", "014", "015", "016", "017"]),
        "Oulu": (7, ["901", "902", "903", "904", "905"]),
        "Turku": (7, ["201", "202", "203", "204", "205"]),
        "Jyväskylä": (5, ["401", "402", "403", "404"]),
        "Lahti": (4, ["151", "152", "153", "154"]),
        "Kuopio": (4, ["701", "702", "703"]),
        "Pori": (3, ["281", "282", "283"]),
    },
    "gb": {
        "London": (
            30,
            ["E1", "E14", "N1", "N7", "NW3", "SE1", "SE15", "SW1A", "SW11", "W2", "W11", "EC1V"],
        ),
        "Birmingham": (8, ["B1", "B5", "B15", "B29"]),
        "Manchester": (7, ["M1", "M4", "M14", "M20"]),
        "Leeds": (5, ["LS1", "LS6", "LS11"]),
        "Glasgow": (5, ["G1", "G3", "G12"]),
        "Liverpool": (4, ["L1", "L8", "L17"]),
        "Bristol": (4, ["BS1", "BS6", "BS8"]),
        "Sheffield": (3, ["S1", "S10", "S11"]),
        "Edinburgh": (3, ["EH1", "EH3", "EH9"]),
        "Leicester": (2, ["LE1", "LE2"]),
    },
}
CAPITALS = {"ru": "Москва", "ro": "București", "es": "Madrid", "fi": "Helsinki", "gb": "London"}
CROWD_NAMES = {  # (gender, first, last)
    "ru": ("m", "Иван", "Иванов"),
    "ro": ("m", "Ion", "Popescu"),
    "es": ("f", "María", "García"),
    "fi": ("m", "Juha", "Virtanen"),
    "gb": ("m", "John", "Smith"),
}
STREET_ABBREVIATIONS = {
    "ru": [
        ("ул.", "улица"),
        ("пр.", "проспект"),
        ("пер.", "переулок"),
        ("ш.", "шоссе"),
        ("наб.", "набережная"),
        ("бул.", "бульвар"),
        ("алл.", "аллея"),
        ("пл.", "площадь"),
    ],
    "ro": [("Strada", "Str."), ("Bulevardul", "Bd."), ("Soseaua", "Șos."), ("Drumul", "Dr.")],
    "es": [
        ("Calle", "C/"),
        ("Avenida", "Avda."),
        ("Plaza", "Pl."),
        ("Paseo", "Pº"),
        ("Camino", "Cno."),
        ("C.", "Calle"),
    ],
    "fi": [],
    "gb": [
        ("Street", "St"),
        ("Road", "Rd"),
        ("Avenue", "Ave"),
        ("Court", "Ct"),
        ("Lane", "Ln"),
        ("Drive", "Dr"),
        ("Crescent", "Cres"),
        ("Place", "Pl"),
    ],
}
GB_STREET_ENDINGS = ["Street", "Road", "Avenue", "Lane", "Court", "Drive", "Crescent", "Place"]
RU_STREET_TYPES = ["ул.", "ул.", "ул.", "пр.", "пер.", "ш.", "наб.", "бул."]

# --- contacts ---------------------------------------------------------------------------
EMAIL_PROVIDERS = {
    "ru": {"mail.ru": 30, "yandex.ru": 30, "gmail.com": 20, "bk.ru": 5, "inbox.ru": 5}
    | {"list.ru": 5, "rambler.ru": 5},
    "ro": {"gmail.com": 45, "yahoo.com": 30, "yahoo.ro": 10, "hotmail.com": 10, "outlook.com": 5},
    "es": {"gmail.com": 45, "hotmail.com": 20, "hotmail.es": 10, "yahoo.es": 10}
    | {"outlook.es": 10, "telefonica.net": 5},
    "fi": {"gmail.com": 40, "hotmail.com": 15, "outlook.com": 15, "luukku.com": 10}
    | {"elisanet.fi": 10, "kolumbus.fi": 10},
    "gb": {"gmail.com": 40, "hotmail.co.uk": 20, "yahoo.co.uk": 15, "outlook.com": 15}
    | {"btinternet.com": 10},
}
COMPANY_TLD = {"ru": "ru", "ro": "ro", "es": "es", "fi": "fi", "gb": "co.uk"}
DOMAIN_TYPOS = {
    "gmail.com": ["gmial.com", "gmail.co", "gmai.com", "gnail.com", "gmail.cm"],
    "yandex.ru": ["yandex.ri", "yandx.ru", "yndex.ru", "yandex.tu"],
    "mail.ru": ["mail.rru", "mai.ru", "mail.ry", "maill.ru"],
    "hotmail.com": ["hotmial.com", "hotmail.con", "hotmal.com"],
    "yahoo.com": ["yaho.com", "yahoo.cm", "yahooo.com"],
    "outlook.com": ["outlok.com", "outlook.co"],
}
# phone: (country code, trunk prefix, mobile prefixes, national significant number length)
PHONES = {
    "ru": (
        "7",
        "8",
        ["903", "905", "910", "915", "916", "917", "919", "925", "926", "977", "985", "999"],
        10,
    ),
    "ro": (
        "40",
        "0",
        ["721", "722", "723", "724", "731", "740", "744", "751", "755", "766", "770", "788"],
        9,
    ),
    "es": (
        "34",
        "",
        ["600", "610", "619", "620", "626", "630", "644", "650", "655", "666", "680", "699"],
        9,
    ),
    "fi": ("358", "0", ["40", "41", "44", "45", "46", "50"], 9),
    "gb": (
        "44",
        "0",
        ["7400", "7700", "7712", "7722", "7766", "7800", "7812", "7900", "7944", "7970"],
        10,
    ),
}

# --- legal forms: (usual, [other spellings / translations]) ------------------------------
LEGAL_FORMS = {
    "ru": [
        ("ООО", ["OOO", "LLC", "Ltd"]),
        ("АО", ["AO", "JSC"]),
        ("ПАО", ["PAO", "PJSC"]),
        ("ИП", ["IP"]),
    ],
    "ro": [("SRL", ["S.R.L.", "srl"]), ("SA", ["S.A."]), ("PFA", ["P.F.A."])],
    "es": [("S.L.", ["SL", "S.L.U.", "Sociedad Limitada"]), ("S.A.", ["SA", "Sociedad Anónima"])],
    "fi": [("Oy", ["OY", "Ab", "Oy Ab"]), ("Oyj", ["OYJ", "Abp"]), ("Ky", ["KY"])],
    "gb": [
        ("Ltd", ["Limited", "Ltd.", "LTD"]),
        ("PLC", ["plc", "Public Limited Company"]),
        ("LLP", ["L.L.P."]),
    ],
}
FORM_WORDS = (
    {form for forms in LEGAL_FORMS.values() for usual, others in forms for form in (usual, *others)}
    | {"ЗАО", "ОАО", "НПО", "МКК", "ТД", "SCA", "SCS", "ASF", "S.Coop.", "S.A.T.", "S.L.N.E"}
    | {
        "As",
        "Osk",
        "ry",
        "Tmi",
        "Inc",
        "Group",
        "and",
        "Sons",
        "Co",
    }
)

# --- keyboards --------------------------------------------------------------------------
KEYBOARD_ROWS = [
    ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
]


def _neighbours() -> dict[str, str]:
    near: dict[str, set[str]] = {}
    for rows in KEYBOARD_ROWS:
        for r, row in enumerate(rows):
            for i, ch in enumerate(row):
                keys = near.setdefault(ch, set())
                keys.update(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
                for other in (r - 1, r + 1):
                    if 0 <= other < len(rows):
                        keys.update(rows[other][j] for j in (i - 1, i) if 0 <= j < len(rows[other]))
    return {ch: "".join(sorted(keys)) for ch, keys in near.items()}


NEIGHBOURS = _neighbours()
RO_CEDILLA = str.maketrans("șțȘȚ", "şţŞŢ")  # the older cedilla letters many keyboards type

# --- transliteration of Russian ---------------------------------------------------------
_RU_COMMON = dict(zip("абвгдзиклмнопрстуфыэ", "abvgdziklmnoprstufye", strict=True)) | {
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ь": "",
}
RU_SYSTEMS = {
    # the Russian passport's (ICAO 9303) romanisation
    "icao": _RU_COMMON | {"й": "i", "х": "kh", "ц": "ts", "ю": "iu", "я": "ia", "ъ": "ie"},
    # BGN/PCGN as used in English-language texts
    "bgn": _RU_COMMON | {"й": "y", "х": "kh", "ц": "ts", "ю": "yu", "я": "ya", "ъ": "", "ё": "yo"},
    # how people write it themselves: x for кс, h for х, -off, -y
    "informal": _RU_COMMON
    | {"й": "y", "х": "h", "ц": "tz", "ю": "yu", "я": "ya", "ъ": "", "щ": "sch"},
}
RU_SCRIPTS = ("cyrillic", "icao", "bgn", "informal", "english")
_CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]+")


def _romanise_word(word: str, system: str, surname: bool) -> str:
    table = RU_SYSTEMS[system]
    low = word.lower()
    if system == "bgn":
        low = re.sub(r"(^|[аеёиоуыэюяьъ])е", r"\1ye", low)
        low = re.sub(r"ий$", "iy", low)
    if system == "informal":
        low = low.replace("кс", "x")
        low = re.sub(r"ий$", "y", low)
        if surname:
            low = re.sub(r"ов$", "off", re.sub(r"ев$", "eff", low))
    out = "".join(table.get(ch, ch) for ch in low)
    if word.isupper() and len(word) > 1:
        return out.upper()
    return out[:1].upper() + out[1:] if word[:1].isupper() else out


def romanise(text: str, script: str, surname: bool = False) -> str:
    """Russian text in ``script`` (one of RU_SCRIPTS; ``cyrillic`` leaves it as it is)."""
    if script == "cyrillic" or not text:
        return text
    if script == "english":
        if text in RU_ENGLISH_FORMS:
            return RU_ENGLISH_FORMS[text]
        script = "informal"
    return _CYRILLIC_WORD.sub(lambda m: _romanise_word(m.group(0), script, surname), text)


def fold_diacritics(text: str, finnish_ae: bool = False) -> str:
    if finnish_ae:
        text = text.replace("ä", "ae").replace("ö", "oe").replace("Ä", "Ae").replace("Ö", "Oe")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ascii_handle(text: str, locale: str) -> str:
    """A name as people put it in an e-mail address: Latin, lower case, no diacritics."""
    if locale == "ru":
        text = romanise(text, "bgn")
    return re.sub(r"[^a-z]", "", fold_diacritics(text).lower())


def typo(text: str, rng: random.Random) -> str:
    """One slip of the fingers: an insertion, deletion, adjacent-key substitution or
    transposition, rarely at the first letter."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = rng.choice(letters[1:]) if rng.random() < 0.9 else letters[0]
    ch = text[i]
    near = NEIGHBOURS.get(ch.lower(), "")
    op = rng.random()
    if op < 0.3 and near:
        new = rng.choice(near)
        return text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1 :]
    if op < 0.55:
        return text[:i] + text[i + 1 :]
    if op < 0.8:
        extra = rng.choice(near) if near and rng.random() < 0.6 else ch.lower()
        return text[: i + 1] + extra + text[i + 1 :]
    if i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != ch:
        return text[:i] + text[i + 1] + ch + text[i + 2 :]
    return text[:i] + text[i + 1 :]


# --- phones -----------------------------------------------------------------------------
def _groups(digits: str, sizes: tuple[int, ...]) -> list[str]:
    out, start = [], 0
    for size in sizes:
        out.append(digits[start : start + size])
        start += size
    if start < len(digits):
        out.append(digits[start:])
    return out


def phone_formats(locale: str, nsn: str) -> list[str]:
    """The ways people write one mobile number, the country's usual one first."""
    cc, trunk, _, _ = PHONES[locale]
    if locale == "ru":
        a, b, c, d = _groups(nsn, (3, 3, 2, 2))
        return [
            f"+7 {a} {b}-{c}-{d}",
            f"8 ({a}) {b}-{c}-{d}",
            f"8 {a} {b} {c} {d}",
            f"8{nsn}",
            f"+7{nsn}",
            nsn,
            f"+7 ({a}) {b}{c}{d}",
            f"8-{a}-{b}-{c}-{d}",
        ]
    if locale == "fi":
        a, b, c = _groups(nsn, (2, 3, 4))
        return [
            f"0{a} {b} {c}",
            f"+358 {a} {b} {c}",
            f"0{nsn}",
            f"+358{nsn}",
            f"00358 {a} {b}{c}",
            f"0{a}-{b}{c}",
        ]
    if locale == "gb":
        a, b = _groups(nsn, (4, 6))
        return [
            f"0{a} {b}",
            f"+44 {a} {b}",
            f"0{nsn}",
            f"+44{nsn}",
            f"0044 {a} {b[:3]} {b[3:]}",
            f"(0{a}) {b[:3]} {b[3:]}",
            f"+44 (0){a} {b}",
        ]
    a, b, c = _groups(nsn, (3, 3, 3))
    national = f"{trunk}{a} {b} {c}"
    forms = [
        national,
        f"+{cc} {a} {b} {c}",
        f"{trunk}{nsn}",
        f"+{cc}{nsn}",
        f"00{cc} {a} {b} {c}",
        f"{trunk}{a}-{b}-{c}",
        f"{trunk}{a}.{b}.{c}",
    ]
    if locale == "es":
        forms[0] = f"{a} {b[:2]} {b[2:]}{c[:1]} {c[1:]}"  # 612 34 56 78
    return forms


# --- the people -------------------------------------------------------------------------
@dataclass
class Person:
    cluster: int
    locale: str
    gender: str
    first: str
    last: str
    middle: str = ""
    second_surname: str = ""
    script: str = "cyrillic"
    show_middle: bool = False
    email: str = ""
    phone: str = ""
    phone_format: int = 0
    company_core: str = ""
    company_form: int = 0
    street: str = ""
    city: str = ""
    postcode: str = ""
    birth: dt.date | None = None
    hard: list[str] = field(default_factory=list)


class Pools:
    """Names, streets and company names drawn once from Faker for a seed."""

    def __init__(self, seed: int):
        from faker import Faker

        self.first: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        self.last: dict[str, tuple[list[str], list[float]]] = {}
        self.patronymics: list[str] = []
        self.streets: dict[str, list[str]] = {}
        self.companies: dict[str, list[str]] = {}
        self.handles: dict[str, list[str]] = {}
        for locale, faker_locale in LOCALES.items():
            fake = Faker(faker_locale)
            fake.seed_instance(seed)
            person = next(p for p in fake.get_providers() if "person" in type(p).__module__)
            for gender, attr in (("m", "first_names_male"), ("f", "first_names_female")):
                self.first[locale, gender] = _weighted(getattr(person, attr))
            surnames = person.last_names_male if locale == "ru" else person.last_names
            self.last[locale] = _weighted(surnames)
            if locale == "ru":
                self.patronymics = [
                    name for name in person.middle_names_male if name.endswith(("ович", "евич"))
                ]
            self.streets[locale] = sorted({_street_name(fake, locale) for _ in range(1500)})
            self.companies[locale] = sorted(
                {core for core in (_company_core(fake.company()) for _ in range(2500)) if core}
            )
            self.handles[locale] = sorted(
                {re.sub(r"[^a-z0-9]", "", fake.user_name().lower()) for _ in range(1500)} - {""}
            )


@functools.lru_cache(maxsize=4)
def pools(seed: int) -> Pools:
    """The pools for a seed, built once (they are only read)."""
    return Pools(seed)


def _weighted(names) -> tuple[list[str], list[float]]:
    items = list(names.items()) if isinstance(names, dict) else [(n, 1.0) for n in names]
    population = [name for name, _ in items]
    cumulative = list(itertools.accumulate(float(w) for _, w in items))
    return population, cumulative


def _pick(rng: random.Random, pool: tuple[list[str], list[float]]) -> str:
    population, cumulative = pool
    return population[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


def _street_name(fake, locale: str) -> str:
    name = fake.street_name().strip()
    if locale == "gb":
        words = name.split()
        return " ".join(words[:-1] or words)  # the ending comes from GB_STREET_ENDINGS
    if locale == "ru":
        return name.split(". ", 1)[-1]  # the type comes from RU_STREET_TYPES
    return name


def _company_core(name: str) -> str:
    inner = re.search(r"«(.+)»", name)
    if inner:
        name = inner.group(1)
    words = [w.strip(",") for w in name.split() if w.strip(",") not in FORM_WORDS]
    words = [w for w in words if w not in ("y", "asociados", "&", "Hnos")]
    return " ".join(words[:2])


def female_surname(last: str) -> str:
    if last.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return last + "а"
    if last.endswith(("ий", "ой")):
        return last[:-2] + "ая"
    return last


def female_patronymic(middle: str) -> str:
    return re.sub(r"(ов|ев)ич$", r"\1на", middle)


class Generator:
    def __init__(self, records: int, seed: int):
        self.records = records
        self.rng = random.Random(seed)
        self.pools = pools(seed)
        self.people: list[Person] = []
        self.by_locale: dict[str, list[Person]] = {locale: [] for locale in LOCALES}
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.hard_groups = itertools.count(1)
        self.locales = list(LOCALE_WEIGHTS)
        self.locale_cum = list(itertools.accumulate(LOCALE_WEIGHTS.values()))
        self.dup_counts = list(DUPLICATES_PER_PERSON)
        self.dup_cum = list(itertools.accumulate(DUPLICATES_PER_PERSON.values()))

    # -- drawing a person --
    def locale(self) -> str:
        return self.locales[bisect.bisect(self.locale_cum, self.rng.random() * self.locale_cum[-1])]

    def first_name(self, locale: str, gender: str) -> str:
        rng = self.rng
        if rng.random() < NICKNAMED_FIRST_NAME_SHARE:
            female = RU_FEMALE_NAMES if locale == "ru" else OTHER_FEMALE_NAMES
            names = [n for n in NICKNAMES[locale] if (n in female) == (gender == "f")]
            if names:
                return rng.choice(names)
        return _pick(rng, self.pools.first[locale, gender])

    def surname(self, locale: str, gender: str) -> str:
        last = _pick(self.rng, self.pools.last[locale])
        return female_surname(last) if locale == "ru" and gender == "f" else last

    def city(self, locale: str) -> tuple[str, str]:
        cities = CITIES[locale]
        weights = [w for w, _ in cities.values()]
        city = self.rng.choices(list(cities), weights=weights)[0]
        return city, self.postcode(locale, city)

    def postcode(self, locale: str, city: str) -> str:
        rng = self.rng
        prefix = rng.choice(CITIES[locale][city][1])
        if locale == "gb":
            return f"{prefix} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        width = 6 if locale in ("ru", "ro") else 5
        return prefix + "".join(rng.choice("0123456789") for _ in range(width - len(prefix)))

    def street(self, locale: str) -> str:
        rng = self.rng
        name = rng.choice(self.pools.streets[locale])
        number = rng.randint(1, 180)
        flat = rng.randint(1, 240) if rng.random() < 0.6 else 0
        if locale == "ru":
            text = f"{rng.choice(RU_STREET_TYPES)} {name}, д. {number}"
            return text + (f", кв. {flat}" if flat else "")
        if locale == "ro":
            return f"{name} nr. {number}" + (f", ap. {flat}" if flat else "")
        if locale == "es":
            floor = f", {rng.randint(1, 9)}º {rng.choice('ABCD')}" if flat else ""
            return f"{name}, {number}{floor}"
        if locale == "fi":
            return f"{name} {number}" + (f" {rng.choice('ABC')} {flat % 40 + 1}" if flat else "")
        text = f"{number} {name} {rng.choice(GB_STREET_ENDINGS)}"
        return (f"Flat {flat % 30 + 1}, " if flat and rng.random() < 0.4 else "") + text

    def phone(self, locale: str) -> str:
        rng = self.rng
        _, _, prefixes, length = PHONES[locale]
        while True:
            prefix = rng.choice(prefixes)
            nsn = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
            if nsn not in self.phones:
                self.phones.add(nsn)
                return nsn

    def email(self, person: Person) -> str:
        rng = self.rng
        first = ascii_handle(person.first, person.locale)
        last = ascii_handle(person.last, person.locale)
        year = person.birth.year if person.birth else rng.randint(1960, 2004)
        if person.company_core and rng.random() < COMPANY_EMAIL_SHARE:
            slug = ascii_handle(person.company_core, person.locale)[:14] or "firma"
            domain = f"{slug}.{COMPANY_TLD[person.locale]}"
        else:
            providers = EMAIL_PROVIDERS[person.locale]
            domain = rng.choices(list(providers), weights=list(providers.values()))[0]
        patterns = [
            (25, f"{first}.{last}"),
            (10, f"{first}{last}"),
            (10, f"{first[:1]}{last}"),
            (10, f"{first}.{last}{year % 100:02d}"),
            (5, f"{last}.{first}"),
            (5, f"{first}_{last}"),
            (10, f"{first}{year}"),
            (10, f"{last}{rng.randint(1, 99)}"),
            (15, f"{rng.choice(self.pools.handles[person.locale])}{rng.randint(1, 999)}"),
        ]
        local = rng.choices([p for _, p in patterns], weights=[w for w, _ in patterns])[0]
        local = local.strip("._") or f"user{rng.randint(1, 9999)}"
        address = f"{local}@{domain}"
        while address in self.emails:
            address = f"{local}{rng.randint(1, 9999)}@{domain}"
        self.emails.add(address)
        return address

    def new_person(self, cluster: int) -> Person:
        rng = self.rng
        locale = self.locale()
        gender = rng.choice("mf")
        person = Person(cluster, locale, gender, self.first_name(locale, gender), "")
        person.last = self.surname(locale, gender)
        self.fill(person)
        return person

    def fill(self, person: Person, keep_place: bool = False, keep_names: bool = False) -> None:
        """Everything but the names (and the address with ``keep_place``)."""
        rng = self.rng
        locale = person.locale
        if not keep_names:
            if locale == "ru":
                middle = rng.choice(self.pools.patronymics)
                person.middle = female_patronymic(middle) if person.gender == "f" else middle
            elif locale == "es":
                if rng.random() < ES_SECOND_SURNAME_SHARE:
                    person.second_surname = self.surname(locale, person.gender)
            elif rng.random() < MIDDLE_NAME_SHARE:
                person.middle = self.first_name(locale, person.gender)
        person.script = "icao" if locale == "ru" and rng.random() < RU_LATIN_SHARE else "cyrillic"
        person.show_middle = bool(person.middle) and (
            locale != "ru" or rng.random() < RU_PATRONYMIC_SHOWN
        )
        person.birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20088))
        if not keep_place:
            person.city, person.postcode = self.city(locale)
            person.street = self.street(locale)
        person.company_core = rng.choice(self.pools.companies[locale])
        person.company_form = rng.randrange(len(LEGAL_FORMS[locale]))
        person.phone = self.phone(locale)
        person.phone_format = min(
            int(rng.expovariate(1.2)), len(phone_formats(locale, person.phone)) - 1
        )
        person.email = self.email(person)

    # -- look-alikes --
    def crowd_member(self, cluster: int, locale: str) -> Person:
        gender, first, last = CROWD_NAMES[locale]
        person = Person(cluster, locale, gender, first, last, hard=[f"crowd:{locale}"])
        self.fill(person)
        person.city = CAPITALS[locale]
        person.postcode = self.postcode(locale, person.city)
        return person

    def group(self, of: Person, kind: str) -> str:
        """``of``'s look-alike group of this kind (a family or namesakes grows), or a new one."""
        for group in of.hard:
            if group.startswith(f"{kind}:"):
                return group
        group = f"{kind}:{next(self.hard_groups)}"
        of.hard.append(group)
        return group

    def namesake(self, cluster: int, of: Person) -> Person:
        group = self.group(of, "namesake")
        person = Person(cluster, of.locale, of.gender, of.first, of.last, hard=[group])
        person.second_surname = of.second_surname
        self.fill(person)
        if of.locale == "ru" and self.rng.random() < 1 / 3:
            person.middle = of.middle
        if of.city:
            person.city = of.city
            person.postcode = self.postcode(of.locale, of.city)
        return person

    def relative(self, cluster: int, of: Person) -> Person:
        rng = self.rng
        group = self.group(of, "family")
        gender = rng.choice("mf")
        person = Person(cluster, of.locale, gender, "", "", hard=[group])
        while not person.first or person.first == of.first:
            person.first = self.first_name(of.locale, gender)
        person.last = of.last
        if of.locale == "ru":
            male = re.sub(r"(ов|ев|ёв|ин|ын)а$", r"\1", re.sub(r"ая$", "ий", of.last))
            person.last = female_surname(male) if gender == "f" else male
        person.second_surname = of.second_surname
        person.street, person.city, person.postcode = of.street, of.city, of.postcode
        self.fill(person, keep_place=True)
        if of.locale == "ru" and rng.random() < 0.5:  # a sibling: the same father
            male = re.sub(r"(ов|ев)на$", r"\1ич", of.middle)
            person.middle = female_patronymic(male) if gender == "f" else male
        share_phone = rng.random() < FAMILY_SHARED_PHONE
        share_email = rng.random() < FAMILY_SHARED_EMAIL
        if not (share_phone or share_email):
            share_phone = True
        if share_phone:
            person.phone, person.phone_format = of.phone, of.phone_format
        if share_email:
            person.email = of.email
        return person

    # -- the file --
    def generate(self) -> list[dict[str, str]]:
        rng = self.rng
        rows: list[dict[str, str]] = []
        cluster = itertools.count(1)
        crowd = max(2, round(self.records * CROWD_PER_10K / 10_000))
        pending = [(locale, i) for locale in LOCALES for i in range(crowd)]
        while len(rows) < self.records:
            if pending:
                person = self.crowd_member(next(cluster), pending.pop()[0])
            else:
                roll = rng.random()
                earlier = rng.choice(self.people) if self.people else None
                if earlier and roll < NAMESAKE_SHARE:
                    person = self.namesake(next(cluster), earlier)
                elif earlier and roll < NAMESAKE_SHARE + FAMILY_SHARE:
                    person = self.relative(next(cluster), earlier)
                else:
                    person = self.new_person(next(cluster))
            self.people.append(person)
            base_missing = self.base_missing()
            rows.append(self.record(person, base_missing, []))
            if rng.random() < DUPLICATED_SHARE:
                copies = self.dup_counts[
                    bisect.bisect(self.dup_cum, rng.random() * self.dup_cum[-1])
                ]
                for _ in range(min(copies, self.records - len(rows))):
                    rows.append(self.duplicate(person, base_missing))
        order = list(range(len(rows)))
        rng.shuffle(order)
        for new_id, index in enumerate(order, 1):
            rows[index]["id"] = str(new_id)
        rows.sort(key=lambda row: int(row["id"]))
        for row in rows:  # the hard groups are known only once everyone is drawn
            row["hard"] = "|".join(self.people[int(row["cluster"]) - 1].hard)
        return rows

    def base_missing(self) -> set[str]:
        rng = self.rng
        missing = {name for name, rate in BASE_MISSING.items() if rng.random() < rate}
        if {"email", "phone"} <= missing:
            missing.discard(rng.choice(["email", "phone"]))
        return missing

    def record(
        self,
        person: Person,
        missing: set[str],
        tags: list[str],
        *,
        first: str | None = None,
        last: str | None = None,
        middle: str | None = None,
        script: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        company: str | None = None,
        street: str | None = None,
        city: str | None = None,
        postcode: str | None = None,
        birth: str | None = None,
    ) -> dict[str, str]:
        script = script or person.script
        ru = person.locale == "ru"
        last_name = person.last + (f" {person.second_surname}" if person.second_surname else "")
        shown_middle = person.middle if person.show_middle else ""

        def cyr(text, surname=False):
            return romanise(text, script, surname) if ru else text

        row = {
            "id": "",
            "cluster": str(person.cluster),
            "first_name": first if first is not None else cyr(person.first),
            "last_name": last if last is not None else cyr(last_name, surname=True),
            "middle_name": middle if middle is not None else cyr(shown_middle),
            "email": email if email is not None else person.email,
            "phone": phone
            if phone is not None
            else phone_formats(person.locale, person.phone)[person.phone_format],
            "company": company if company is not None else self.company(person, 0, script),
            "street": street if street is not None else cyr(person.street),
            "city": city if city is not None else cyr(person.city),
            "postcode": postcode if postcode is not None else person.postcode,
            "birth_date": birth if birth is not None else person.birth.isoformat(),
            "corruptions": ";".join(tags),
            "hard": "",
        }
        for name in missing:
            row[name] = ""
            if name == "street":
                row["postcode"] = ""
        return row

    def company(self, person: Person, style: int, script: str) -> str:
        """style 0: the usual form; 1: no form; 2: another spelling or translation."""
        usual, others = LEGAL_FORMS[person.locale][person.company_form]
        core = person.company_core
        if person.locale == "ru":
            latin = script != "cyrillic"
            if latin:
                core = romanise(core, script)
            if style == 1:
                return core if latin else f"«{core}»"
            if style == 2:
                form = self.rng.choice(others)
                return (
                    f'"{core}" {form}'
                    if form in ("LLC", "Ltd", "JSC", "PJSC")
                    else f"{form} {core}"
                )
            return f'{romanise(usual, "icao")} "{core}"' if latin else f"{usual} «{core}»"
        if style == 1:
            return core
        return f"{core} {self.rng.choice(others) if style == 2 else usual}"

    def duplicate(self, person: Person, base_missing: set[str]) -> dict[str, str]:
        rng = self.rng
        locale = person.locale
        ru = locale == "ru"
        tags: list[str] = []
        missing = {
            name
            for name, rate in MISSING_RATES.items()
            if name not in base_missing and rng.random() < rate
        } | (base_missing if rng.random() < 0.7 else set())  # the same form lacks the same
        for name in sorted(missing - base_missing):
            tags.append(f"missing_{name}")

        # names: nickname and middle name on the canonical form, then script, initial, swap, typo
        first = person.first
        if first in NICKNAMES[locale] and rng.random() < NICKNAME_RATE:
            first = rng.choice(NICKNAMES[locale][first])
            tags.append("nickname")
        middle = person.middle if person.show_middle else ""
        last = person.last + (f" {person.second_surname}" if person.second_surname else "")
        if rng.random() < MIDDLE_NAME_RATE:
            if locale == "es" and person.second_surname:
                last = person.last
                tags.append("middle_name")
            elif person.middle:
                middle = "" if person.show_middle else person.middle
                tags.append("middle_name")
        script = person.script
        city, street = person.city, person.street
        translit = rng.random() < TRANSLIT_RATE
        if ru:
            if translit:
                script = rng.choice([s for s in RU_SCRIPTS if s != person.script])
            first = romanise(first, script)
            last = romanise(last, script, surname=True)
            middle = romanise(middle, script)
            if script != person.script and rng.random() < 0.7:
                city = romanise(city, script)
            else:
                city = romanise(city, person.script)
            street = romanise(street, script if rng.random() < 0.5 else person.script)
            if script != person.script:
                tags.append("translit")
        elif translit:
            ae = locale == "fi" and rng.random() < 0.2
            cedilla = locale == "ro" and rng.random() < 0.3

            def fold(text: str) -> str:
                if cedilla:
                    return text.translate(RO_CEDILLA)
                return fold_diacritics(text, ae)

            new = [fold(first), fold(last), fold(middle), fold(city), fold(street)]
            if new != [first, last, middle, city, street]:
                first, last, middle, city, street = new
                tags.append("translit")
        if rng.random() < INITIAL_RATE:
            first = first[:1] + ("." if rng.random() < 0.7 else "")
            tags.append("initial")
        if rng.random() < SWAPPED_NAMES_RATE:
            first, last = last, first
            tags.append("swapped_names")
        if rng.random() < TYPO_NAME_RATE:
            if rng.random() < 0.5 and len(first) > 2:
                first = typo(first, rng)
            else:
                last = typo(last, rng)
            tags.append("typo_name")

        # contacts
        email = person.email
        if rng.random() < EMAIL_TYPO_RATE and "email" not in missing:
            local, domain = email.split("@")
            if rng.random() < 0.5 and len(local) > 3:
                local = typo(local, rng)
            elif domain in DOMAIN_TYPOS:
                domain = rng.choice(DOMAIN_TYPOS[domain])
            else:
                name, _, tld = domain.partition(".")
                domain = f"{typo(name, rng) if len(name) > 2 else name + name[-1]}.{tld}"
            if f"{local}@{domain}" != email:
                email = f"{local}@{domain}"
                tags.append("email_typo")
        if rng.random() < EMAIL_PROVIDER_RATE and "email" not in missing:
            local, domain = email.split("@")
            providers = [p for p in EMAIL_PROVIDERS[locale] if p != domain]
            email = f"{local}@{rng.choice(providers)}"
            tags.append("email_provider")
        nsn = person.phone
        if rng.random() < PHONE_CHANGED_RATE and "phone" not in missing:
            nsn = self.phone(locale)
            tags.append("phone_changed")
        formats = phone_formats(locale, nsn)
        phone = formats[person.phone_format]
        if rng.random() < PHONE_FORMAT_RATE and "phone" not in missing:
            phone = rng.choice([f for i, f in enumerate(formats) if i != person.phone_format])
            tags.append("phone_format")

        # the rest
        style = 0
        if rng.random() < COMPANY_FORM_RATE and "company" not in missing:
            style = rng.choice([1, 2])
            tags.append("company_form")
        company_script = script if ru and rng.random() < 0.5 else person.script
        company = self.company(person, style, company_script)
        postcode = person.postcode
        if rng.random() < MOVED_RATE and "street" not in missing:
            street = self.street(locale)
            new_city = self.city(locale)[0] if rng.random() < 0.3 else person.city
            postcode = self.postcode(locale, new_city)
            if new_city != person.city:
                city = romanise(new_city, script) if ru else new_city
            if ru:
                street = romanise(street, script)
            tags.append("moved")
        if rng.random() < STREET_FORMAT_RATE and "street" not in missing:
            new_street = self.restyle_street(street, locale)
            if locale == "gb" and rng.random() < 0.5:
                postcode = postcode.replace(" ", "") if rng.random() < 0.5 else postcode.lower()
            if new_street != street or postcode != person.postcode:
                street = new_street
                tags.append("street_format")
        if rng.random() < TYPO_OTHER_RATE:
            target = rng.choice(["street", "city", "company"])
            if target not in missing:
                if target == "street":
                    street = typo(street, rng)
                elif target == "city":
                    city = typo(city, rng)
                else:
                    company = typo(company, rng)
                tags.append("typo_other")
        birth = person.birth
        if (
            rng.random() < DATE_SWAPPED_RATE
            and "birth_date" not in missing
            and birth.day <= 12
            and birth.day != birth.month
        ):
            birth = birth.replace(month=birth.day, day=birth.month)
            tags.append("date_swapped")

        # a duplicate keeps some evidence beyond the name
        kept = (
            (
                "email" not in missing
                and "email" not in base_missing
                and "email_provider" not in tags
            )
            or (
                "phone" not in missing
                and "phone" not in base_missing
                and "phone_changed" not in tags
            )
            or ("birth_date" not in missing and "birth_date" not in base_missing)
            or ("street" not in missing and "street" not in base_missing and "moved" not in tags)
        )
        if not kept:
            field_name = "phone" if "phone" not in base_missing else "email"
            missing.discard(field_name)
            if field_name == "phone":
                phone = phone_formats(locale, person.phone)[person.phone_format]
                tags = [
                    t for t in tags if t not in ("missing_phone", "phone_changed", "phone_format")
                ]
            else:
                email = person.email
                tags = [
                    t for t in tags if t not in ("missing_email", "email_provider", "email_typo")
                ]
        return self.record(
            person,
            missing,
            tags,
            first=first,
            last=last,
            middle=middle,
            script=script,
            email=email,
            phone=phone,
            company=company,
            street=street,
            city=city,
            postcode=postcode,
            birth=birth.isoformat(),
        )

    def restyle_street(self, street: str, locale: str) -> str:
        rng = self.rng
        out = street
        for short, long in STREET_ABBREVIATIONS[locale]:
            for a, b in ((short, long), (long, short)):
                if re.search(rf"(^|\s){re.escape(a)}(\s|$|,)", out) and rng.random() < 0.8:
                    out = re.sub(
                        rf"(^|\s){re.escape(a)}(?=\s|$|,)",
                        lambda m, b=b: m.group(1) + b,
                        out,
                        count=1,
                    )
                    break
            if out != street:
                break
        if out == street or rng.random() < 0.3:  # drop the flat
            out = re.sub(
                r"(,\s*(кв\.|ap\.|kv\.)\s*\d+|,\s*\d+º\s*[A-D]|\s[A-C]\s\d+$|^Flat \d+,\s*)",
                "",
                out,
            )
        if out == street:
            out = out.replace(",", "") if "," in out else out.lower()
        return out


def generate(records: int, seed: int) -> list[dict[str, str]]:
    """``records`` labelled rows (dicts keyed by COLUMNS + LABEL_COLUMNS) for ``seed``."""
    return Generator(records, seed).generate()


def write_csv(rows: list[dict[str, str]], out, labels: bool = True) -> None:
    columns = COLUMNS + LABEL_COLUMNS if labels else tuple(c for c in COLUMNS if c != "cluster")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def summary(rows: list[dict[str, str]]) -> dict[str, object]:
    clusters = Counter(row["cluster"] for row in rows)
    kinds = Counter(k for row in rows for k in row["corruptions"].split(";") if k)
    duplicates = sum(size - 1 for size in clusters.values())
    return {
        "records": len(rows),
        "people": len(clusters),
        "duplicated_people": sum(1 for size in clusters.values() if size > 1),
        "duplicate_records": duplicates,
        "true_pairs": sum(size * (size - 1) // 2 for size in clusters.values()),
        "corruptions": dict(sorted(kinds.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="-", help="CSV file to write ('-': standard output)")
    parser.add_argument(
        "--no-labels", action="store_true", help="leave out cluster, corruptions and hard"
    )
    parser.add_argument("--summary", action="store_true", help="print counts to stderr")
    args = parser.parse_args(argv)
    rows = generate(args.records, args.seed)
    if args.out == "-":
        write_csv(rows, sys.stdout, labels=not args.no_labels)
    else:
        with open(args.out, "w", newline="", encoding="utf-8") as out:
            write_csv(rows, out, labels=not args.no_labels)
    if args.summary:
        for key, value in summary(rows).items():
            print(f"{key}: {value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
