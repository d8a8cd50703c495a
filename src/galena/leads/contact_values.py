"""Pure normalisation of what a person typed: phones, e-mails, names, profile links.

No database access. The lead stores what they return (``leads.normalise.normalise_contact``);
the quality stage reads their details (line type, suggested fixes, gibberish) for its checks.
Every function accepts any string and never raises; a value it cannot make sense of comes
back marked invalid, with the raw input kept.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import OSA


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --------------------------------------------------------------------------- phones

PHONE_VALID = "valid"
PHONE_POSSIBLE = "possible"
PHONE_INVALID = "invalid"

_LINE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed_line",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium",
}


@dataclass(frozen=True)
class PhoneResult:
    raw: str
    region: str
    e164: str
    status: str
    line_type: str
    suggestion: str = ""
    # what phonenumbers read of ``raw`` (None when it read nothing), for the checks that look
    # further into the number without parsing it again
    number: phonenumbers.PhoneNumber | None = field(default=None, compare=False, repr=False)

    @property
    def is_valid(self) -> bool:
        return self.status == PHONE_VALID


def _parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None


def _valid_e164(text: str, region: str) -> str:
    number = _parse_phone(text, region)
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def _phone_suggestion(raw: str, region: str) -> str:
    """The valid number a person most likely meant, from the mistakes people often make."""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    candidates = []
    if text.startswith("00") or digits.startswith("00"):
        # "00" is the international prefix in most of Europe, not where the form is.
        candidates.append("+" + digits.lstrip("0"))
    if text.startswith("+8") and len(digits) == 11:
        # The Russian trunk prefix 8 written as if it were the country code.
        candidates.append("+7" + digits[1:])
    if digits.startswith("8") and len(digits) == 11 and region != "RU":
        # A Russian national number typed into a form that assumes another country.
        candidates.append("+7" + digits[1:])
    if not text.startswith("+"):
        candidates.append("+" + digits)  # an international number missing its "+"
        candidates.append("0" + digits)  # a national number that lost its leading 0
    for candidate in candidates:
        suggestion = _valid_e164(candidate, region)
        if suggestion:
            return suggestion
    return ""


def normalise_phone(raw: str, region: str = "") -> PhoneResult:
    """Parse a phone number as typed, assuming `region` (ISO 3166 alpha-2) for national forms."""
    raw = raw or ""
    region = (region or "").strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = ""
    number = _parse_phone(raw, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return PhoneResult(
            raw=raw,
            region=region,
            e164="",
            status=PHONE_INVALID,
            line_type="unknown",
            suggestion=_phone_suggestion(raw, region),
            number=number,
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if region and phonenumbers.is_valid_number_for_region(number, region):
        used_region = region
    else:
        used_region = phonenumbers.region_code_for_number(number) or region
    # valid exactly when its type is known (is_valid_number tests that type, and a second
    # test would read the country's metadata patterns again)
    line_type = phonenumbers.number_type(number)
    if line_type != phonenumbers.PhoneNumberType.UNKNOWN:
        return PhoneResult(
            raw=raw,
            region=used_region,
            e164=e164,
            status=PHONE_VALID,
            line_type=_LINE_TYPES.get(line_type, "unknown"),
            number=number,
        )
    suggestion = _phone_suggestion(raw, region)
    again = _parse_phone(e164, "")
    if (
        again is None
        or phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164) != e164
    ):
        # a possible-looking number whose E.164 form does not read back as itself (national
        # leading zeros: "0000000" in Finland) is no number to store or match on
        return PhoneResult(
            raw=raw,
            region=region,
            e164="",
            status=PHONE_INVALID,
            line_type="unknown",
            suggestion=suggestion,
            number=number,
        )
    return PhoneResult(
        raw=raw,
        region=used_region,
        e164=e164,
        status=PHONE_POSSIBLE,
        line_type="unknown",
        suggestion=suggestion if suggestion != e164 else "",
        number=number,
    )


# --------------------------------------------------------------------------- e-mails

# Providers people in the seeds' countries use, most popular first: a tie in distance
# goes to the earlier one.
EMAIL_PROVIDERS = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "yandex.ru",
    "mail.ru",
    "rambler.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "ya.ru",
    "yahoo.ro",
    "yahoo.es",
    "hotmail.es",
    "outlook.es",
    "telefonica.net",
    "gmx.com",
    "protonmail.com",
    "proton.me",
    "live.com",
    "hotmail.co.uk",
    "yahoo.co.uk",
    "btinternet.com",
    "aol.com",
    "comcast.net",
    "hotmail.fi",
    "luukku.com",
    "suomi24.fi",
)

# Real domains close to a provider's name, never "corrected".
_KNOWN_DOMAINS = _words(
    """
    mail.com email.com gmx.de gmx.net gmx.at web.de me.com mac.com msn.com live.ru
    live.co.uk yandex.com yandex.by yandex.kz yandex.ua ok.ru yahoo.fr yahoo.de yahoo.it
    hotmail.fr hotmail.de hotmail.it outlook.fr outlook.de outlook.it icloud.ru
    googlemail.com mail.ua ukr.net yahoo.ca hotmail.ca orange.fr
    """
)


# Top-level domains real enough that "mail.ro" is not a typo of "mail.ru".
_REAL_SUFFIXES = _words("ro ru es fi uk us de fr it by kz ua md net org com eu se no pt pl bg")


@dataclass(frozen=True)
class EmailResult:
    raw: str
    value: str
    valid: bool
    error: str = ""
    suggestion: str = ""


def _split_domain(domain: str) -> tuple[str, str]:
    name, _, suffix = domain.partition(".")
    return name, suffix


def _domain_suggestion(domain: str) -> str:
    """The provider a mistyped domain most likely meant, or "" when it is not close to one."""
    domain = domain.strip().lower().rstrip(".").replace(",", ".")
    if not domain or domain in _KNOWN_DOMAINS:
        return ""
    if domain in EMAIL_PROVIDERS:
        return domain
    name, suffix = _split_domain(domain)
    best, best_distance = "", 99
    for provider in EMAIL_PROVIDERS:
        provider_name, provider_suffix = _split_domain(provider)
        if name == provider_name:
            # A typo in the top-level domain: "gmail.con", "yandex.ri", "icloud.co"; but
            # "mail.ro" or "gmx.ru" may well be someone's real domain.
            allowed = OSA.distance(suffix, provider_suffix) <= 1 and suffix not in _REAL_SUFFIXES
        elif suffix == provider_suffix:
            name_distance = OSA.distance(name, provider_name)
            if len(provider_name) >= 7:
                allowed = name_distance <= 2
            elif len(provider_name) >= 5:
                allowed = name_distance <= 1
            elif len(provider_name) == 4:
                # Short names are real words too: only a swap of two letters ("mial").
                allowed = name_distance == 1 and sorted(name) == sorted(provider_name)
            else:
                allowed = False
        else:
            allowed = False
        if allowed:
            distance = OSA.distance(domain, provider)
            if distance < best_distance:
                best, best_distance = provider, distance
    return best


def normalise_email(raw: str) -> EmailResult:
    """Check an e-mail address's syntax (no DNS lookups) and suggest a fix for a provider typo."""
    raw = raw or ""
    text = raw.strip()
    local, at, domain = text.rpartition("@")
    suggestion = ""
    if at and local:
        provider = _domain_suggestion(domain)
        if provider and provider != domain.lower():
            candidate = f"{local}@{provider}"
            try:
                suggestion = validate_email(candidate, check_deliverability=False).normalized
            except EmailNotValidError:
                suggestion = ""
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        return EmailResult(
            raw=raw, value=text, valid=False, error=str(error), suggestion=suggestion
        )
    value = checked.normalized
    return EmailResult(
        raw=raw, value=value, valid=True, suggestion=suggestion if suggestion != value else ""
    )


# --------------------------------------------------------------------------- names

ORDER_GIVEN_FIRST = "given_first"
ORDER_FAMILY_FIRST = "family_first"

_PARTICLES = _words("da de del della der den di do dos das du la le van von ter ten bin binti ibn")

_PATRONYMIC = re.compile(
    r"(ович|евич|ьич|ична|инична|овна|евна|ovich|evich|ovitch|evitch|ovna|evna|ichna)$",
    re.IGNORECASE,
)
_RUSSIAN_SURNAME = re.compile(
    r"(ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|ская|цкий|цкая|енко)$", re.IGNORECASE
)

# Common given names in the seeds' countries, lower-case: they tell "Last First" order.
COMMON_FIRST_NAMES = _words(
    # Russian
    """
    александр алексей анатолий андрей антон артём артем борис вадим валентин валерий василий
    виктор владимир владислав вячеслав геннадий георгий григорий даниил денис дмитрий
    евгений егор иван игорь илья кирилл константин леонид максим михаил никита николай олег
    павел пётр петр роман сергей станислав степан тимур фёдор федор юрий ярослав александра
    алина алла анастасия анна валентина вера виктория галина дарья евгения екатерина елена
    елизавета жанна зоя ирина кристина ксения лариса лидия любовь людмила маргарита марина
    мария надежда наталья наталия нина оксана ольга полина светлана софия софья тамара
    татьяна ульяна юлия яна
    """
    # Romanian
    """
    ion ioan gheorghe vasile constantin mihai andrei alexandru nicolae florin cristian
    adrian marius daniel stefan ștefan bogdan radu dan ionuț ionut gabriel sorin cătălin
    catalin maria elena ioana ana andreea mihaela cristina gabriela alexandra daniela roxana
    raluca irina simona alina georgiana florentina ramona oana adriana
    """
)

_LETTER_PIECES = re.compile(r"([-'’])")
_INITIAL = re.compile(r"^\w\.?$")
_DOUBLE_INITIAL = re.compile(r"^(\w\.)(\w\.)$")

_CYRILLIC_TO_LATIN = {
    # ICAO Doc 9303 (Russian passports since 2014), plus Ukrainian and Belarusian letters.
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia", "і": "i", "ї": "i", "є": "ie", "ґ": "g", "ў": "u",
}  # fmt: skip
_LATIN_SPECIAL = {
    "ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th",
    "ı": "i", "ħ": "h",
}  # fmt: skip

_KEYBOARD_ROWS = (
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "йцукенгшщзхъ",
    "фывапролджэ",
    "ячсмитьбю",
)
_TEST_WORDS = _words(
    """
    test testing tester тест тестовый проверка asdf qwerty йцукен фыва xxx zzz aaa abc abcd
    foo foobar lorem ipsum noname nobody sample dummy
    """
)
_VOWELS = frozenset("aeiouyаеёиоуыэюяіїє")
_NOT_CONSONANTS = frozenset("ьъйw")


@dataclass(frozen=True)
class NameResult:
    raw: str
    first: str
    middle: str
    last: str
    order: str
    transliteration: str
    looks_like_phone: bool
    looks_like_email: bool
    gibberish_score: float

    @property
    def full(self) -> str:
        """The name in given-name-first order, as it is shown."""
        return " ".join(part for part in (self.first, self.middle, self.last) if part)


def _base_letter(char: str) -> str:
    lower = char.lower()
    if lower in "йё":  # letters of their own in Cyrillic, not и and е with a mark
        return lower
    return unicodedata.normalize("NFKD", char)[:1].lower()


_TRANSLITERATION = str.maketrans(
    {**_CYRILLIC_TO_LATIN, **_LATIN_SPECIAL, "-": " ", "\u2010": " ", "\u2011": " ", "\u2013": " "}
)
_NOT_LATIN_WORD = re.compile(r"[^a-z0-9\s]+")


def transliterate(text: str) -> str:
    """A Latin, lower-case, accent-free form of a name, for matching."""
    text = unicodedata.normalize("NFC", text or "").lower().translate(_TRANSLITERATION)
    if not text.isascii():
        # letters with marks lose them (ș → s, ñ → n); what has no Latin base is dropped
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
        text = text.lower()
    return " ".join(_NOT_LATIN_WORD.sub("", text).split())


def _is_shouting_or_flat(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return False
    return all(c.isupper() for c in letters) or all(c.islower() for c in letters)


def _lower(text: str) -> str:
    # Letter by letter, so the length never changes ("İ" would become two characters).
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


def _upper(text: str) -> str:
    # "ß" upper-cases to "SS", which would not read back as the same name.
    return "".join(char.upper() if len(char.upper()) == 1 else char for char in text)


def _capitalise(text: str) -> str:
    return _upper(text[:1]) + _lower(text[1:])


def _case_token(token: str, *, particle: bool) -> str:
    """Fix the case of ALL CAPS or all lower-case input; keep any case a person chose."""
    if not _is_shouting_or_flat(token):
        return token
    if particle:
        return _lower(token)
    if _INITIAL.match(token) or _DOUBLE_INITIAL.match(token):
        return _upper(token)
    pieces = _LETTER_PIECES.split(token)
    result = []
    for index, piece in enumerate(pieces):
        if piece in {"-", "'", "’"}:
            result.append(piece)
        elif index == 0 and _lower(piece) in {"al", "el"} and pieces[1:2] == ["-"]:
            result.append(_lower(piece))
        elif _lower(piece[:2]) == "mc" and len(piece) > 2:
            # "Mc" is always followed by a capital; "Mac" is not (Mack, Macy, Machado).
            result.append("Mc" + _capitalise(piece[2:]))
        else:
            result.append(_capitalise(piece))
    return "".join(result)


def _group_particles(tokens: list[str]) -> list[str]:
    """Join particles to the name they belong to: "da Silva", "van der Berg", "de la Cruz"."""
    groups: list[str] = []
    pending: list[str] = []
    for index, token in enumerate(tokens):
        is_particle = token.lower() in _PARTICLES and index > 0 and index < len(tokens) - 1
        if is_particle:
            pending.append(token)
            continue
        groups.append(" ".join([*pending, token]))
        pending = []
    return groups + pending


def _is_initial(token: str) -> bool:
    return bool(_INITIAL.match(token) or _DOUBLE_INITIAL.match(token)) and "." in token


def _is_all_caps_word(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _is_first_name(token: str) -> bool:
    return token.lower() in COMMON_FIRST_NAMES


def _split_name(tokens: list[str], locale_hint: str) -> tuple[str, str, str, str]:
    """(first, middle, last, order) from the tokens of a full name."""
    if not tokens:
        return "", "", "", ORDER_GIVEN_FIRST
    if len(tokens) == 1:
        return tokens[0], "", "", ORDER_GIVEN_FIRST
    patronymic = [bool(_PATRONYMIC.search(token)) for token in tokens]
    if len(tokens) == 3 and patronymic[2] and not patronymic[1]:
        return tokens[1], tokens[2], tokens[0], ORDER_FAMILY_FIRST
    if len(tokens) == 3 and patronymic[1]:
        return tokens[0], tokens[1], tokens[2], ORDER_GIVEN_FIRST
    if len(tokens) == 2 and patronymic[1]:
        return tokens[0], tokens[1], "", ORDER_GIVEN_FIRST
    # "Иванов И.И.", "Popescu A.": initials after a surname.
    if len(tokens) == 2 and _is_initial(tokens[1]) and not _is_initial(tokens[0]):
        double = _DOUBLE_INITIAL.match(tokens[1])
        if double:
            return double.group(1), double.group(2), tokens[0], ORDER_FAMILY_FIRST
        return tokens[1], "", tokens[0], ORDER_FAMILY_FIRST
    # Romanian (and French) habit: the surname in capitals, "POPESCU Ion".
    caps = [_is_all_caps_word(token) for token in tokens]
    if any(caps) and not all(caps):
        surname = [token for token, cap in zip(tokens, caps, strict=True) if cap]
        given = [token for token, cap in zip(tokens, caps, strict=True) if not cap]
        order = ORDER_FAMILY_FIRST if caps[0] else ORDER_GIVEN_FIRST
        return given[0], " ".join(given[1:]), " ".join(surname), order
    if len(tokens) == 2:
        first_known, second_known = _is_first_name(tokens[0]), _is_first_name(tokens[1])
        if second_known and not first_known:
            return tokens[1], "", tokens[0], ORDER_FAMILY_FIRST
        if (
            not first_known
            and not second_known
            and _RUSSIAN_SURNAME.search(tokens[0])
            and not _RUSSIAN_SURNAME.search(tokens[1])
            and _is_cyrillic(tokens[0])
        ):
            return tokens[1], "", tokens[0], ORDER_FAMILY_FIRST
        return tokens[0], "", tokens[1], ORDER_GIVEN_FIRST
    if locale_hint.lower()[:2] in {"es", "pt"} and len(tokens) == 3:
        # Spanish and Portuguese names carry two surnames.
        return tokens[0], "", " ".join(tokens[1:]), ORDER_GIVEN_FIRST
    return tokens[0], " ".join(tokens[1:-1]), tokens[-1], ORDER_GIVEN_FIRST


def _is_cyrillic(text: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in text)


def _clean_part(text: str) -> str:
    tokens = (text or "").split()
    cased = [
        _case_token(token, particle=token.lower() in _PARTICLES and index < len(tokens) - 1)
        for index, token in enumerate(tokens)
    ]
    return " ".join(cased)


# Sounds written with two or more Latin letters (in the seeds' languages and in the common
# romanisations of Slavic, Georgian, Armenian and Asian names): one consonant each when
# consonant runs are measured, so "Mkrtchyan" (m-k-r-t-ch), "Shcherbakov" (shch) or
# "Szczepański" (sz-cz) read as what they are.
_LATIN_DIGRAPHS = re.compile(r"tsch|sch|tch|shch|ch|sh|zh|kh|th|ph|gh|ts|tz|dz|dzh|sz|cz|rz|ck|ng")
# Russian and Ukrainian letters that never begin a word, and the pairs no word begins with.
_CYRILLIC_NEVER_FIRST = frozenset("ь")
_CYRILLIC_SONORANTS = frozenset("рлнй")
_CYRILLIC_CONSONANTS = frozenset("бвгджзйклмнпрстфхцчшщ")
_CYRILLIC_VOWELS = frozenset("аеёиоуыэюяіїє")
_LATIN_VOWELS = frozenset("aeiouy")


def _keyboard_cluster(letters: str) -> bool:
    """All the letters are a run of neighbouring keys on one row, typed in any order: at
    least four different keys side by side ("werty" typed as "Reytw", "олдж" as "Жолд")."""
    keys = set(letters)
    if len(keys) < 4:
        return False
    for row in _KEYBOARD_ROWS:
        if keys <= set(row):
            positions = sorted(row.index(key) for key in keys)
            return positions[-1] - positions[0] + 1 == len(keys)
    return False


def _cyrillic_impossible(letters: str) -> bool:
    """Sequences no Russian, Ukrainian or Bulgarian word has: a soft sign first or after a
    vowel or a sign, й before a consonant at the start, a word starting with two sonorants
    (рл, лр, нр…). The hard sign is a vowel in Bulgarian ("Ърнест"), so it may start one."""
    if letters[0] in _CYRILLIC_NEVER_FIRST:
        return True
    if letters[0] == "й" and len(letters) > 1 and letters[1] in _CYRILLIC_CONSONANTS:
        return True
    if len(letters) > 1 and letters[0] in "рлн" and letters[1] in _CYRILLIC_SONORANTS:
        return True
    return any(
        sign == "ь" and (before in _CYRILLIC_VOWELS or before in "ьъ")
        for before, sign in pairwise(letters)
    )


def _pronounceable(letters: str, cyrillic: bool) -> bool:
    """A short word reads as a word: no three vowels in a row, and in Cyrillic no word
    ending in two consonants after a single syllable's vowel ("Жолд")."""
    vowels = _CYRILLIC_VOWELS if cyrillic else _LATIN_VOWELS
    pattern = "".join("v" if c in vowels else "c" for c in letters)
    if "vvv" in pattern or "v" not in pattern:
        return False
    if cyrillic and pattern.endswith("cc") and pattern.count("v") == 1:
        return letters[-1] in "ь"
    return True


def _consonant_run(letters: str, cyrillic: bool) -> int:
    if not cyrillic:
        letters = _LATIN_DIGRAPHS.sub("C", letters)
    run = longest = 0
    for char in letters:
        if char in _VOWELS or char in _NOT_CONSONANTS:
            run = 0
        else:
            run += 1
            longest = max(longest, run)
    return longest


@functools.lru_cache(maxsize=65_536)  # first and last names repeat from lead to lead
def _token_gibberish(token: str) -> float:
    letters = "".join(_base_letter(c) for c in token if c.isalpha())
    if not letters:
        return 0.0
    if letters in _TEST_WORDS:
        return 1.0
    if re.search(r"(.)\1\1", letters):
        return 0.9
    for row in _KEYBOARD_ROWS:
        for line in (row, row[::-1]):
            if len(letters) >= 3 and line.startswith(letters[:3]) and line.startswith(letters[:4]):
                return 0.9
            if any(line[i : i + 5] in letters for i in range(len(line) - 4)):
                return 0.9
    alphabet = [c for c in letters if "a" <= c <= "z" or "а" <= c <= "я" or c in "ёй"]
    if len(alphabet) != len(letters):
        return 0.0  # other scripts: no vowel model for them here
    scripts = {_is_cyrillic(c) for c in letters}
    if len(scripts) > 1:
        return 0.6  # Latin look-alikes inside a Cyrillic word, or the other way round
    cyrillic = scripts == {True}
    if cyrillic and _cyrillic_impossible(letters):
        return 0.9
    if _keyboard_cluster(letters) and (
        len(set(letters)) >= 5 or not _pronounceable(letters, cyrillic)
    ):
        return 0.9
    # Czech, Slovak and Croatian short names make r or l the vowel: Vlk, Plch, Krk
    syllabic = len(letters) <= 4 and re.search(r"[^aeiouy][rl][^aeiouy]", letters)
    if len(letters) >= 4 and not syllabic and not any(c in _VOWELS or c == "ъ" for c in letters):
        return 0.8
    # Five consonant sounds in a row happen in real names ("Mkrtchyan", "Мкртчян"); six
    # do not.
    return 0.8 if _consonant_run(letters, cyrillic) >= 6 else 0.0


def gibberish_score(text: str) -> float:
    """0 for a name that reads like one, up to 1 for keyboard mashing and test values."""
    tokens = re.findall(r"[^\W\d_]+", text or "")
    if not tokens:
        return 0.0
    whole = "".join(tokens).lower()
    if whole in _TEST_WORDS:
        return 1.0
    return max(_token_gibberish(token) for token in tokens)


def parse_name(
    raw_full: str = "",
    first: str = "",
    last: str = "",
    middle: str = "",
    locale_hint: str = "",
) -> NameResult:
    """Split and normalise a person's name; separate fields, when given, win over the full one."""
    raw_full = raw_full or ""
    first, last, middle = first or "", last or "", middle or ""
    if first.strip() or last.strip() or middle.strip():
        raw = " ".join(part.strip() for part in (first, middle, last) if part.strip())
        first_out, middle_out, last_out = _clean_part(first), _clean_part(middle), _clean_part(last)
        order = ORDER_GIVEN_FIRST
    else:
        raw = raw_full
        text = " ".join(raw_full.split())
        if text.count(",") == 1:
            # "Popescu, Ion": the part before the comma is the surname.
            surname, given = (part.strip() for part in text.split(","))
            given_tokens = given.split()
            first_out = _clean_part(given_tokens[0]) if given_tokens else ""
            middle_out = _clean_part(" ".join(given_tokens[1:]))
            last_out = _clean_part(surname)
            order = ORDER_FAMILY_FIRST
        else:
            # Split before fixing the case: capitals tell the surname in "POPESCU Ion".
            grouped = _group_particles(text.replace(",", " ").split())
            parts = _split_name(grouped, locale_hint)
            first_out, middle_out, last_out = (_clean_part(part) for part in parts[:3])
            order = parts[3]
    full = " ".join(part for part in (first_out, middle_out, last_out) if part)
    return NameResult(
        raw=raw,
        first=first_out,
        middle=middle_out,
        last=last_out,
        order=order,
        transliteration=transliterate(full),
        looks_like_phone=sum(char.isdigit() for char in raw) >= 5,
        looks_like_email=bool(re.search(r"\S@\S+\.\S", raw)),
        gibberish_score=gibberish_score(raw),
    )


# --------------------------------------------------------------------------- profiles

# Besides every utm_* parameter.
_TRACKING_PARAMETERS = _words(
    """
    fbclid gclid igshid igsh si ref ref_src ref_url s t mibextid rdid share_url _rdr __tn__
    __cft__ trk lipi feature originalsubdomain
    """
)

_HOSTS = {
    "facebook": {"facebook.com", "m.facebook.com", "mobile.facebook.com", "web.facebook.com",
                 "mbasic.facebook.com", "touch.facebook.com", "fb.com", "fb.me"},
    "instagram": {"instagram.com", "m.instagram.com", "instagr.am"},
    "vk": {"vk.com", "m.vk.com", "new.vk.com", "vk.ru", "m.vk.ru", "vkontakte.ru"},
    "ok": {"ok.ru", "m.ok.ru", "odnoklassniki.ru", "m.odnoklassniki.ru"},
    "linkedin": {"linkedin.com"},
    "telegram": {"t.me", "telegram.me", "telegram.dog"},
    "whatsapp": {"wa.me", "api.whatsapp.com", "web.whatsapp.com", "whatsapp.com"},
    "x": {"x.com", "twitter.com", "mobile.twitter.com", "mobile.x.com"},
}  # fmt: skip
_CANONICAL_BASE = {
    "facebook": "https://www.facebook.com/",
    "instagram": "https://www.instagram.com/",
    "vk": "https://vk.com/",
    "ok": "https://ok.ru/",
    "linkedin": "https://www.linkedin.com/",
    "telegram": "https://t.me/",
    "whatsapp": "https://wa.me/",
    "x": "https://x.com/",
}
_KIND_ALIASES = {
    "facebook": "facebook", "fb": "facebook", "instagram": "instagram", "ig": "instagram",
    "insta": "instagram", "vk": "vk", "vkontakte": "vk", "вконтакте": "vk", "ok": "ok",
    "odnoklassniki": "ok", "одноклассники": "ok", "linkedin": "linkedin",
    "telegram": "telegram", "tg": "telegram", "whatsapp": "whatsapp", "wa": "whatsapp",
    "x": "x", "twitter": "x",
}  # fmt: skip
_PATH_KINDS = frozenset({"profile", "group", "groups", "people", "pages", "channel", "c"})
_HANDLE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


@dataclass(frozen=True)
class ProfileResult:
    raw: str
    network: str
    url: str
    handle: str
    valid: bool


def _network_for_host(host: str) -> str:
    bare = host.removeprefix("www.")
    for network, hosts in _HOSTS.items():
        if bare in hosts:
            return network
    if bare == "linkedin.com" or bare.endswith(".linkedin.com"):
        return "linkedin"
    return ""


def _clean_query(query: str) -> str:
    pairs = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in _TRACKING_PARAMETERS
    ]
    return urlencode(pairs)


def _quote_path(path: str) -> str:
    return quote(unquote(path), safe="/@._-~!$&'()*+,;=:")


def _invalid_profile(raw: str) -> ProfileResult:
    return ProfileResult(raw=raw, network="", url="", handle="", valid=False)


def _profile_from_handle(raw: str, network: str, handle: str) -> ProfileResult:
    if network == "whatsapp":
        digits = re.sub(r"\D", "", handle)
        if not 7 <= len(digits) <= 15:
            return _invalid_profile(raw)
        return ProfileResult(raw, network, _CANONICAL_BASE[network] + digits, digits, True)
    handle = handle.strip().lstrip("@").lower()
    if not _HANDLE.match(handle):
        return _invalid_profile(raw)
    path = "in/" + handle if network == "linkedin" else handle
    return ProfileResult(raw, network, _CANONICAL_BASE[network] + path, handle, True)


def normalise_profile(raw: str, kind_hint: str = "") -> ProfileResult:
    """A social-network or messenger link in one canonical form, and the network's name."""
    raw = raw or ""
    text = raw.strip()
    hint = _KIND_ALIASES.get(kind_hint.strip().lower(), "")
    if not text:
        return _invalid_profile(raw)
    if text.startswith("tg://"):
        match = re.search(r"domain=([A-Za-z0-9_]+)", text)
        return (
            _profile_from_handle(raw, "telegram", match.group(1))
            if match
            else _invalid_profile(raw)
        )
    looks_like_url = "://" in text or re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", text, re.IGNORECASE)
    if not looks_like_url:
        if hint:
            return _profile_from_handle(raw, hint, text)
        if text.startswith("@"):
            # A bare @handle is how people give their Telegram.
            return _profile_from_handle(raw, "telegram", text)
        return _invalid_profile(raw)
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return _invalid_profile(raw)
    if not host or parts.scheme.lower() not in {"http", "https"}:
        return _invalid_profile(raw)
    network = _network_for_host(host)
    segments = [segment for segment in unquote(parts.path).split("/") if segment]
    if not network:
        query = _clean_query(parts.query)
        path = _quote_path(parts.path).rstrip("/")
        url = f"https://{host}{path}" + (f"?{query}" if query else "")
        return ProfileResult(raw, "", url, "", False)
    if network == "whatsapp":
        phone = dict(parse_qsl(parts.query)).get("phone", "")
        return _profile_from_handle(raw, network, phone or (segments[0] if segments else ""))
    if network == "facebook" and segments[:1] == ["profile.php"]:
        profile_id = dict(parse_qsl(parts.query)).get("id", "")
        if not profile_id.isdigit():
            return _invalid_profile(raw)
        url = f"{_CANONICAL_BASE[network]}profile.php?id={profile_id}"
        return ProfileResult(raw, network, url, profile_id, True)
    if not segments:
        return _invalid_profile(raw)
    if network == "linkedin":
        if len(segments) >= 2 and segments[0] in {"in", "pub", "company", "school"}:
            handle = segments[1].lower()
            url = f"{_CANONICAL_BASE[network]}{segments[0]}/{quote(handle, safe='-_.~')}"
            return ProfileResult(raw, network, url, handle, True)
        return _invalid_profile(raw)
    if network == "x" and segments[0].lower() == "i":
        return _invalid_profile(raw)
    path = "/".join(segments)
    if len(segments) == 1:
        return _profile_from_handle(raw, network, segments[0])
    # Deeper links (a post, a group's page): keep the path, drop the tracking.
    query = _clean_query(parts.query)
    url = _CANONICAL_BASE[network] + quote(path, safe="/@._-~") + (f"?{query}" if query else "")
    # "ok.ru/profile/561234567890", "facebook.com/groups/12345": the id follows the kind.
    handle = segments[1] if segments[0].lower() in _PATH_KINDS else segments[0]
    return ProfileResult(raw, network, url, handle.lower(), True)
