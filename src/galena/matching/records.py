"""The records matching compares, prepared once into columns, and their blocking keys.

A ``Record`` is what is known of a person, from a lead, a submission or a CSV row. ``prepare``
turns a list of them into ``Prepared``: one list per comparable field, in the forms the
comparisons read (Latin, lower case, simplified spelling; digits of phone numbers; e-mail
local part and domain apart). Pure: no database.

Names are compared in a *matching form*: transliterated to Latin (ICAO, as Russian passports
spell them) and then simplified so that the common ways of writing one name in Latin meet:
``x``→``ks``, ``w``→``v``, ``y`` and ``j``→``i``, ``ph``→``f``, ``kh``→``h``, doubled letters
once, ``-off``/``-eff`` → ``-ov``/``-ev``. "Alexandr Ivanoff", "Aleksandr Ivanov" and
«Александр Иванов» all become ``aleksandr ivanov``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache

import jellyfish
import numpy as np

from galena.leads.contact_values import EMAIL_PROVIDERS, transliterate
from galena.matching.nicknames import name_groups


@dataclass
class Record:
    """One person as one source describes them; any field may be empty."""

    id: str | int
    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    profiles: Sequence[str] = ()
    company: str = ""
    street: str = ""
    city: str = ""
    postcode: str = ""
    region: str = ""
    birth_date: str = ""  # ISO 8601, yyyy-mm-dd
    national_id: str = ""


_SIMPLE_SPELLING = (
    ("shch", "shh"),
    ("x", "ks"),
    ("w", "v"),
    ("ph", "f"),
    ("kh", "h"),
    ("ck", "k"),
    ("y", "i"),
    ("j", "i"),
)
_DOUBLED = re.compile(r"(.)\1+")
_RUSSIAN_OFF = re.compile(r"(?<=[oe])ff\b")
_LEGAL_FORMS = frozenset(
    [
        "llc",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "bv",
        "nv",
        "ooo",
        "zao",
        "oao",
        "pao",
        "ao",
        "ip",
        "tov",
        "chp",
        "srl",
        "sa",
        "srl-d",
        "pfa",
        "ii",
        "snc",
        "scs",
        "sl",
        "sll",
        "slu",
        "sau",
        "oy",
        "oyj",
        "ab",
        "ky",
        "tmi",
    ]
)
# words that say "street", "avenue"… in the seeds' languages: "ul. Lenina 5" and "ulitsa
# Lenina 5" are one address
_STREET_WORDS = frozenset(
    [
        "ul",
        "ulitsa",
        "ulica",
        "pr",
        "prosp",
        "prospekt",
        "per",
        "pereulok",
        "pl",
        "ploshchad",
        "sh",
        "shosse",
        "bul",
        "bulvar",
        "nab",
        "d",
        "dom",
        "kv",
        "str",
        "strada",
        "bd",
        "bdul",
        "bulevardul",
        "sos",
        "soseaua",
        "calea",
        "aleea",
        "nr",
        "bl",
        "sc",
        "ap",
        "et",
        "c",
        "calle",
        "av",
        "avda",
        "avenida",
        "pza",
        "plaza",
        "paseo",
        "po",
        "cl",
        "katu",
        "tie",
        "kuja",
        "polku",
        "st",
        "street",
        "rd",
        "road",
        "ave",
        "avenue",
        "ln",
        "lane",
        "blvd",
    ]
)
_COMPANY_NOISE = re.compile(r"[^\w ]+")
_NOT_DIGITS = re.compile(r"\D+")
# mailboxes that stand for a role, not a person: their local part is no blocking key
_ROLE_MAILBOXES = frozenset(
    [
        "info",
        "mail",
        "email",
        "office",
        "sales",
        "contact",
        "contacts",
        "admin",
        "support",
        "hello",
        "manager",
        "post",
        "team",
    ]
)
FREE_EMAIL_DOMAINS = frozenset(EMAIL_PROVIDERS)


def _simple_spelling(form: str) -> str:
    """Latin lower-case text in the simple spelling (see the module)."""
    form = _RUSSIAN_OFF.sub("v", form)
    for old, new in _SIMPLE_SPELLING:
        form = form.replace(old, new)
    return _DOUBLED.sub(r"\1", form)


@lru_cache(maxsize=200_000)
def name_form(text: str) -> str:
    """A name in matching form: Latin, lower case, the simple spelling (see the module)."""
    form = transliterate(text)
    return _simple_spelling(form) if form else ""


@lru_cache(maxsize=200_000)
def company_form(text: str) -> str:
    """A company's name without its legal form, quotes and punctuation: "ООО «Ромашка»",
    "Romashka LLC" and "romashka" meet."""
    words = _COMPANY_NOISE.sub(" ", transliterate(text)).split()
    return " ".join(name_form(w) for w in words if w not in _LEGAL_FORMS)


@lru_cache(maxsize=100_000)
def _phonetic(form: str) -> str:
    return jellyfish.metaphone(form) if form else ""


_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})"),
    # day first, as written in the seeds' countries (and the UK)
    re.compile(r"^(?P<d>\d{1,2})[-./](?P<m>\d{1,2})[-./](?P<y>\d{4})"),
)


def date_form(text: str) -> str:
    """A date as yyyy-mm-dd from ISO or day-first writing ("07.03.1985"), else ""."""
    text = (text or "").strip()
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            year, month, day = int(found["y"]), int(found["m"]), int(found["d"])
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


@lru_cache(maxsize=200_000)
def street_form(text: str) -> str:
    """A street address without the words for "street" and "number", punctuation or case."""
    words = _COMPANY_NOISE.sub(" ", transliterate(text)).split()
    return " ".join(name_form(w) for w in words if w not in _STREET_WORDS)


@lru_cache(maxsize=200_000)
def given_groups(text: str) -> frozenset[str]:
    """The nickname groups of a given name (its first word), looked up in its transliterated
    form, then in its matching form."""
    words = transliterate(text).split()
    if not words or len(words[0]) < 2:
        return frozenset()
    return name_groups(words[0]) or name_groups(name_form(words[0]))


def phone_digits(value: str) -> str:
    """The last nine digits of a phone number: its national significant number in most
    countries, so "+7 916 123-45-67", "8 (916) 123 45 67" and "9161234567" meet."""
    return _NOT_DIGITS.sub("", value or "")[-9:]


@dataclass
class Prepared:
    """Records as columns of matching forms, index-aligned with the input list."""

    ids: list[str | int] = field(default_factory=list)
    first: list[str] = field(default_factory=list)
    first_groups: list[frozenset[str]] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    last_groups: list[frozenset[str]] = field(default_factory=list)  # for swapped names
    middle: list[str] = field(default_factory=list)
    emails: list[tuple[str, ...]] = field(default_factory=list)
    email_local: list[str] = field(default_factory=list)  # of the first address
    email_domain: list[str] = field(default_factory=list)
    phones: list[tuple[str, ...]] = field(default_factory=list)
    profiles: list[tuple[str, ...]] = field(default_factory=list)
    company: list[str] = field(default_factory=list)
    street: list[str] = field(default_factory=list)
    street_numbers: list[str] = field(default_factory=list)  # "12 3" of "Mayor 12, ap. 3"
    city: list[str] = field(default_factory=list)
    postcode: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    birth_date: list[str] = field(default_factory=list)
    national_id: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def extend(self, other: Prepared) -> None:
        """Append another Prepared's records (the chunks of a large file)."""
        for column in fields(self):
            getattr(self, column.name).extend(getattr(other, column.name))
        self.__dict__.pop("_arrays", None)
        self.__dict__.pop("_many", None)
        self.__dict__.pop("_email_named", None)

    def email_named(self, records: np.ndarray) -> np.ndarray:
        """Whether each record's (first) e-mail local part is made of its own name
        (``local_named``). Worked out when first asked, once per record: only pairs whose
        local parts are the same ask, a fraction of the records of a large file."""
        known = self.__dict__.get("_email_named")
        if known is None:
            known = self.__dict__["_email_named"] = np.full(len(self), -1, dtype=np.int8)
        for i in np.unique(records[known[records] < 0]).tolist():
            known[i] = local_named(self.email_local[i], self.first[i], self.last[i], self.middle[i])
        return known[records] == 1

    def emails_named(self, i: int) -> tuple[bool, ...]:
        """``email_named`` of each of record ``i``'s addresses."""
        return tuple(
            local_named(email.partition("@")[0], self.first[i], self.last[i], self.middle[i])
            for email in self.emails[i]
        )

    def array(self, column: str) -> np.ndarray:
        """A column as a numpy object array (made once), for fast fancy indexing."""
        cache = self.__dict__.setdefault("_arrays", {})
        if column not in cache:
            values = getattr(self, column)
            cache[column] = np.empty(len(values), dtype=object)
            cache[column][:] = values
        return cache[column]

    def many(self, column: str) -> bool:
        """Whether any record has more than one value in this column (emails, phones…)."""
        cache = self.__dict__.setdefault("_many", {})
        if column not in cache:
            cache[column] = any(len(values) > 1 for values in getattr(self, column))
        return cache[column]


_LOCAL_WORDS = re.compile(r"[^a-z0-9]+")
_DIGIT = re.compile(r"\d")


def _spelt_from(word: str, parts: tuple[str, ...]) -> tuple[bool, bool]:
    """Whether ``word`` is a run of the name's parts, each whole or as its initial
    ("ivanpetrov", "ipetrov", "petrovi"), and whether a whole part was used. A doubled letter
    where two parts meet is written once in the simple spelling ("anna" + "andersson")."""
    # the positions reached, each with whether a whole part was used to get there
    reached = {0: False}
    for at in range(len(word)):
        if at not in reached:
            continue
        whole = reached[at]
        for part in parts:
            for start in (at, at - 1) if at and word[at - 1] == part[0] else (at,):
                if word.startswith(part, start) and start + len(part) > at:
                    reached[start + len(part)] = True
            if word[at] == part[0]:
                reached[at + 1] = reached.get(at + 1, False) or whole
    if len(word) not in reached:
        return False, False
    return True, reached[len(word)]


def local_named(local: str, first: str, last: str, middle: str) -> bool:
    """Is this e-mail local part made of the person's own name and nothing else — its given
    name, surname and middle name (in matching form), whole or as initials, in any order,
    with dots, dashes or underscores ("maria.subbotina", "msubbotina", "subbotina_m")? Such
    an address says little more than the name: namesakes build theirs the same way. Digits
    or any other word make it the person's own ("maria.subbotina88", "wolfpack")."""
    if not local or _DIGIT.search(local):
        return False
    parts = tuple(p for p in f"{first} {middle} {last}".split() if len(p) > 1)
    if not parts:
        return False
    any_whole = False
    # a local part is Latin and lower case already (``_email_form``): only the spelling
    for word in _LOCAL_WORDS.split(_simple_spelling(local)):
        if not word:
            continue
        if word in parts:  # the usual case, without the search
            any_whole = True
            continue
        spelt, whole = _spelt_from(word, parts)
        if not spelt:
            return False
        any_whole = any_whole or whole
    return any_whole


def _email_form(value: str) -> str:
    value = (value or "").strip().lower()
    return value if value.count("@") == 1 and not value.startswith("@") else ""


def _first_and_middle(first: str, middle: str) -> tuple[str, str]:
    """ "Anna Maria" in the first-name field: the first word is compared as the first name,
    the rest as the middle name (unless a middle name is given)."""
    words = first.split()
    if len(words) > 1:
        return words[0], middle or " ".join(words[1:])
    return first, middle


def prepare(records: Iterable[Record], into: Prepared | None = None) -> Prepared:
    """Matching forms of the records, column by column (appended to ``into`` if given, so a
    large file is prepared chunk by chunk without holding every Record)."""
    out = Prepared() if into is None else into
    for record in records:
        first, middle = _first_and_middle(
            name_form(record.first_name), name_form(record.middle_name)
        )
        out.ids.append(record.id)
        out.first.append(first)
        out.first_groups.append(given_groups(record.first_name))
        out.last.append(name_form(record.last_name))
        out.last_groups.append(given_groups(record.last_name))
        out.middle.append(middle)
        emails = tuple(e for e in map(_email_form, record.emails) if e)
        out.emails.append(emails)
        local, _, domain = emails[0].partition("@") if emails else ("", "", "")
        out.email_local.append(local)
        out.email_domain.append(domain)
        out.phones.append(tuple(p for p in map(phone_digits, record.phones) if len(p) >= 6))
        out.profiles.append(tuple(p.strip().lower() for p in record.profiles if p.strip()))
        out.company.append(company_form(record.company) if record.company else "")
        street = street_form(record.street) if record.street else ""
        out.street.append(street)
        out.street_numbers.append(" ".join(_NOT_DIGITS.sub(" ", street).split()))
        out.city.append(name_form(record.city) if record.city else "")
        out.postcode.append((record.postcode or "").replace(" ", "").upper())
        out.region.append(name_form(record.region) if record.region else "")
        out.birth_date.append(date_form(record.birth_date))
        out.national_id.append(_NOT_DIGITS.sub("", record.national_id or "") or "")
    return out


# --- blocking keys ---------------------------------------------------------------------

# A fuzzy key shared by more records than this (a very common name in one city) is too
# common to point at one person: batch and online matching both ignore it, and such
# records meet through their other keys
MAX_BLOCK = 20

# Keys on exact contact values: online, they are looked up through ContactPoint's index
EXACT_KEY_KINDS = {"e": "email", "p": "phone", "s": "profile"}


def _given_keys(first: str, groups: frozenset[str]) -> tuple[str, ...]:
    """The given name as blocking keys: its nickname groups when known (Sasha → both
    Alexander and Alexandra), else the name itself."""
    return tuple(sorted(groups)) if groups else ((first,) if first else ())


def record_keys(prepared: Prepared, i: int) -> set[str]:
    """The blocking keys of record ``i``: two records are compared only when they share one.
    Exact contact values, plus fuzzy keys meant to survive the usual errors: the name as a
    set of (given-name group, surname) so swapped names and nicknames meet, the surname's
    sound with the first initial, the surname's start with the city, the company, the birth
    date, the last seven digits of a phone and the local part of an e-mail."""
    # the sound and the city keys take the given name's first letters too: a common surname
    # alone (Ivanov in Moscow) makes blocks too large to compare
    keys: set[str] = set()
    first, last, city = prepared.first[i], prepared.last[i], prepared.city[i]
    for email in prepared.emails[i]:
        keys.add(f"e:{email}")
        local = email.split("@", 1)[0]
        if len(local) >= 5 and local not in _ROLE_MAILBOXES:
            keys.add(f"el:{local}")
    for phone in prepared.phones[i]:
        keys.add(f"p:{phone}")
        keys.add(f"p7:{phone[-7:]}")
    for profile in prepared.profiles[i]:
        keys.add(f"s:{profile}")
    if prepared.national_id[i]:
        keys.add(f"id:{prepared.national_id[i]}")
    if last and len(last) > 1:
        for given in _given_keys(first, prepared.first_groups[i]):
            keys.add("n:" + "|".join(sorted((given, last))))
        sound = _phonetic(last)
        if first and sound:
            keys.add(f"ph:{sound}|{first[:2]}")
        if first and len(first) > 1 and sound:
            # the sounds of both names in either order: swapped names meet
            other = _phonetic(first)
            if other:
                keys.add("pp:" + "|".join(sorted((other, sound))))
        if city and first:
            keys.add(f"lc:{last[:4]}|{first[0]}|{city}")
        if prepared.birth_date[i]:
            keys.add(f"d:{prepared.birth_date[i]}|{last[0]}")
    if prepared.company[i] and (first or last):
        keys.add(f"c:{prepared.company[i][:60]}|{(last or first)[0]}")
    if prepared.birth_date[i] and first:
        keys.add(f"d:{prepared.birth_date[i]}|{first[0]}")
    return {key[:96] for key in keys}
