"""Countries as people write them — a code, a name in any language, a common short form — to
ISO 3166-1 alpha-2. Pure.

The names come from phonenumbers' territory names (188 languages, updated with the package),
so no second list of countries is kept here; a name two countries share in some language is
left out. Alpha-3 codes (ROU, ESP) are not known.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers

# what people write that no territory's name is
_SHORT_FORMS = {
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "usa": "US",
    "u s a": "US",
    "u s": "US",
    "united states of america": "US",
    "russian federation": "RU",
    "российская федерация": "RU",
    "рф": "RU",
    "republic of moldova": "MD",
    "republica moldova": "MD",
    "республика молдова": "MD",
    "holland": "NL",
    "czech republic": "CZ",
}
_NOT_WORD = re.compile(r"[\W_]+")


def lookup_key(text: str) -> str:
    """Text as a lookup key: case, accents, spaces and punctuation do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare).strip()


@functools.cache
def _names() -> dict[str, str]:
    """Every territory's names, each language's (loaded the first time a name, not a code,
    is asked for: phonenumbers' table takes ~0.7 s to import and ~0.25 s to read)."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    found: dict[str, set[str]] = {}
    for code, names in LOCALE_DATA.items():
        for name in names.values():
            if name.startswith("*"):  # "the same as in that language"
                name = names.get(name[1:], "")
            if name:
                found.setdefault(lookup_key(name), set()).add(code)
    table = {key: codes.pop() for key, codes in found.items() if len(codes) == 1}
    return table


_SHORT = {lookup_key(form): code for form, code in _SHORT_FORMS.items()}


def country_code(text: str) -> str:
    """The two-letter code of the country ``text`` names, or "" when it names none."""
    key = lookup_key(text or "")
    if not key:
        return ""
    if key in _SHORT:
        return _SHORT[key]
    if len(key) == 2 and key.upper() in phonenumbers.SUPPORTED_REGIONS:
        return key.upper()  # a code, the common case: no table of names needed
    return _names().get(key, "")
