"""A labelled, generated day of web submissions for the quality benchmark: genuine people
from the seeds' countries and pseudo-leads of every kind the mission names.

The data is built from what people and pseudo-leads look like, not from how any check
works: genuine people type national and international numbers with the spaces, brackets
and dashes they use at home, have apostrophes, hyphens, particles, diacritics, Cyrillic and
short Asian names, make honest typos (a missing digit, ``gmial.com``), fill forms quickly
with the browser's autofill, share office networks and come back on another form hours
later; pseudo-leads are bots (a filled honeypot, inhuman speed, headless browsers, bursts
from one address), test values, disposable addresses, gibberish, farmed submissions (one
address range or one device within an hour, one source), the same payload posted on several
forms, competitors' and blocked addresses.

Every item carries its truth (``genuine`` or ``pseudo``), its category and a trait, a
capture-API payload (the fields ``intake/adapters/capture.py`` reads, the embed script's
``_hp``, ``_ts`` and ``_fp``), the user agent, the remote address and when it arrived.
The same seed gives the same items.

    .venv/bin/python benchmarks/quality_data.py --count 2000 --seed 1 --out /tmp/q.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import phonenumbers

GENUINE = "genuine"
PSEUDO = "pseudo"

# pseudo-lead categories, and which of them the "bots and test values" target covers
PSEUDO_CATEGORIES = (
    "bot_honeypot",
    "bot_fast",
    "bot_headless_ua",
    "bot_burst",
    "test_value",
    "disposable_email",
    "gibberish_name",
    "farmed",
    "repeated_payload",
    "competitor",
    "blocked",
)
BOTS_AND_TEST_VALUES = ("bot_honeypot", "bot_fast", "bot_headless_ua", "bot_burst", "test_value")
DEFAULT_MIX = {
    GENUINE: 0.85,
    "bot_honeypot": 0.02,
    "bot_fast": 0.02,
    "bot_headless_ua": 0.015,
    "bot_burst": 0.015,
    "test_value": 0.02,
    "disposable_email": 0.015,
    "gibberish_name": 0.01,
    "farmed": 0.015,
    "repeated_payload": 0.01,
    "competitor": 0.005,
    "blocked": 0.005,
}
# traits of genuine submissions, as shares of the genuine ones (the rest are "plain")
GENUINE_TRAITS = {
    "edge_name": 0.12,  # apostrophes, hyphens, particles, short Asian names, diacritics…
    "autofill": 0.04,  # the browser filled the form: a few seconds
    "no_script": 0.03,  # the site's own form posts to the API: no _ts, no _fp
    "typo_phone": 0.015,  # a digit missing or one too many
    "typo_email": 0.015,  # gmial.com, yandex.ri…
    "shared_network": 0.03,  # colleagues behind one office address
    "returning": 0.02,  # the same person again, on another form, hours later
    "kiosk": 0.01,  # an exhibition stand's tablet: many people, one device
}


# --- the business's capture points ----------------------------------------------------


@dataclass(frozen=True)
class FormSpec:
    slug: str
    name: str
    kind: str  # intake FormKind
    channel: str  # leads Channel
    source: str
    default_region: str
    lead_rule: str = "name_and_contact"


# fmt: off
FORMS = (
    FormSpec("ro-offer", "Ofertă panouri solare", "web_form", "landing_page", "Site RO", "RO"),
    FormSpec("ro-callback", "Sunați-mă", "callback", "callback", "Site RO", "RO", "contact"),
    FormSpec("md-offer", "Ofertă Moldova", "web_form", "landing_page", "Site MD", "MD"),
    FormSpec("ru-offer", "Заявка на расчёт", "web_form", "paid_search", "Яндекс Директ", "RU"),
    FormSpec("ru-callback", "Обратный звонок", "callback", "callback", "Сайт RU", "RU", "contact"),
    FormSpec("ua-offer", "Заявка Україна", "web_form", "social", "Facebook UA", "UA"),
    FormSpec("es-offer", "Presupuesto", "web_form", "paid_search", "Google Ads ES", "ES"),
    FormSpec("fi-offer", "Tarjouspyyntö", "web_form", "landing_page", "Sivusto FI", "FI"),
    FormSpec("gb-offer", "Get a quote", "web_form", "landing_page", "Website UK", "GB"),
    FormSpec("us-offer", "Request a quote", "web_form", "paid_search", "Google Ads US", "US"),
    FormSpec("intl-offer", "International enquiry", "web_form", "organic_search", "Website", ""),
    FormSpec("partner-ro", "Partner leads RO", "web_form", "referral", "Partner network", "RO"),
    FormSpec(
        "expo-stand", "Expo Energie stand", "quick_entry", "exhibition", "Expo Energie 2026",
        "RO",
    ),
)
FORM_BY_SLUG = {form.slug: form for form in FORMS}

# --- people ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    code: str
    locale: str
    forms: tuple[str, ...]
    mobile: tuple[str, ...]  # national significant number prefixes
    fixed: tuple[str, ...]
    providers: tuple[tuple[str, int], ...]  # e-mail provider, weight
    tld: str
    language: str
    weight: float


COUNTRIES = (
    Country(
        "RO", "ro_RO",
        ("ro-offer", "ro-offer", "ro-offer", "ro-callback", "partner-ro"),
        (
            "722", "723", "724", "726", "728", "731", "733", "740", "744", "745", "747", "751",
            "752", "755", "756", "757", "760", "762", "766", "768", "770", "771", "773", "788",
        ),
        ("21", "264", "232", "256", "268", "241", "251"),
        (
            ("gmail.com", 50), ("yahoo.com", 18), ("yahoo.ro", 8), ("outlook.com", 6),
            ("hotmail.com", 6), ("icloud.com", 4),
        ),
        "ro", "ro", 0.30,
    ),
    Country(
        "MD", "ro_RO", ("md-offer",), ("60", "62", "67", "68", "69", "78", "79"),
        ("22", "231", "291"),
        (
            ("gmail.com", 45), ("mail.ru", 20), ("yandex.ru", 8), ("yahoo.com", 10),
            ("inbox.ru", 5), ("list.ru", 4),
        ),
        "md", "ro", 0.06,
    ),
    Country(
        "RU", "ru_RU", ("ru-offer", "ru-offer", "ru-callback"),
        (
            "903", "905", "909", "912", "915", "916", "917", "919", "921", "925", "926", "929",
            "950", "952", "960", "977", "985", "999",
        ),
        ("495", "499", "812", "343", "383", "846"),
        (
            ("gmail.com", 20), ("mail.ru", 30), ("yandex.ru", 28), ("ya.ru", 4), ("bk.ru", 6),
            ("list.ru", 5), ("inbox.ru", 4), ("rambler.ru", 4),
        ),
        "ru", "ru", 0.20,
    ),
    Country(
        "UA", "uk_UA", ("ua-offer",),
        ("50", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99"),
        ("44", "32", "56", "57"),
        (("gmail.com", 50), ("ukr.net", 30), ("i.ua", 8), ("meta.ua", 4), ("outlook.com", 4)),
        "com.ua", "uk", 0.08,
    ),
    Country(
        "ES", "es_ES", ("es-offer",),
        (
            "600", "610", "619", "622", "630", "639", "644", "650", "655", "660", "666", "670",
            "676", "680", "687", "690", "699", "711", "722",
        ),
        ("91", "93", "96", "95", "94", "976"),
        (
            ("gmail.com", 50), ("hotmail.com", 18), ("hotmail.es", 8), ("yahoo.es", 8),
            ("outlook.es", 6), ("telefonica.net", 4),
        ),
        "es", "es", 0.12,
    ),
    Country(
        "FI", "fi_FI", ("fi-offer",), ("40", "41", "44", "45", "46", "50"),
        ("9", "2", "3", "14", "17"),
        (
            ("gmail.com", 45), ("hotmail.com", 15), ("outlook.com", 10), ("luukku.com", 8),
            ("kolumbus.fi", 5), ("suomi24.fi", 5), ("elisanet.fi", 5),
        ),
        "fi", "fi", 0.06,
    ),
    Country(
        "GB", "en_GB", ("gb-offer",),
        (
            "7400", "7411", "7423", "7450", "7500", "7700", "7712", "7723", "7734", "7766",
            "7788", "7800", "7823", "7900", "7912", "7956",
        ),
        ("20", "161", "121", "131", "113", "117"),
        (
            ("gmail.com", 40), ("hotmail.co.uk", 12), ("yahoo.co.uk", 10), ("btinternet.com", 8),
            ("outlook.com", 10), ("sky.com", 5), ("icloud.com", 8),
        ),
        "co.uk", "en", 0.07,
    ),
    Country(
        "US", "en_US", ("us-offer",),
        ("212", "310", "312", "347", "415", "512", "617", "646", "702", "718", "786", "917"),
        (),  # US numbers do not tell mobile from fixed
        (
            ("gmail.com", 45), ("yahoo.com", 15), ("hotmail.com", 8), ("outlook.com", 10),
            ("icloud.com", 12), ("aol.com", 4), ("comcast.net", 4),
        ),
        "com", "en", 0.05,
    ),
)
OTHER_COUNTRIES = (  # visitors of the international form: they write +code
    (
        "DE", "de_DE", ("151", "160", "170", "171", "176"),
        (("gmx.de", 3), ("web.de", 3), ("gmail.com", 4)),
    ),
    ("FR", "fr_FR", ("6", "7"), (("orange.fr", 3), ("gmail.com", 5), ("free.fr", 2))),
    ("IT", "it_IT", ("320", "333", "347", "349", "380"), (("libero.it", 3), ("gmail.com", 5))),
    (
        "PL", "pl_PL", ("501", "512", "600", "660", "690", "730"),
        (("wp.pl", 3), ("o2.pl", 2), ("gmail.com", 5)),
    ),
    ("PT", "pt_PT", ("91", "92", "93", "96"), (("sapo.pt", 3), ("gmail.com", 5))),
    ("BR", "pt_BR", ("11 9", "21 9", "31 9"), (("gmail.com", 6), ("hotmail.com", 3))),
    ("NL", "nl_NL", ("6",), (("gmail.com", 5), ("ziggo.nl", 2), ("kpnmail.nl", 2))),
    (
        "CN", "zh_CN", ("138", "139", "150", "186"),
        (("qq.com", 4), ("163.com", 3), ("gmail.com", 3)),
    ),
    ("VN", "vi_VN", ("90", "91", "98", "97"), (("gmail.com", 7), ("yahoo.com", 2))),
    ("KR", "ko_KR", ("10",), (("naver.com", 5), ("gmail.com", 4))),
    ("JP", "ja_JP", ("90", "80"), (("gmail.com", 4), ("yahoo.co.jp", 3))),
    ("IE", "en_IE", ("83", "85", "86", "87"), (("gmail.com", 5), ("eircom.net", 2))),
)

# Names real people have that naive checks stumble on; (first, last, country)
EDGE_NAMES = (
    ("Seán", "O'Brien", "GB"), ("Mary-Kate", "O'Neill", "GB"), ("Siobhán", "Ní Bhriain", "GB"),
    ("Ian", "MacLeod", "GB"), ("Sean", "McDonald", "GB"), ("Llywelyn", "ap Gruffydd", "GB"),
    ("Ffion", "Lloyd-Jones", "GB"), ("Zoë", "Brontë", "GB"), ("Ngozi", "Okonkwo-Adeyemi", "GB"),
    ("D'Arcy", "Fitzgerald", "GB"), ("Jo", "Ng", "GB"), ("Ed", "Li", "GB"), ("Al", "Wu", "US"),
    ("Bo", "Xu", "US"), ("Yu", "Li", "US"), ("An", "Ng", "US"), ("Ji-woo", "Park", "US"),
    ("Tyrone", "D'Souza", "US"), ("Mike", "O'Connor-Smith", "US"), ("Lê", "Văn Tâm", "US"),
    ("Ana María", "de la Cruz", "ES"), ("José Luis", "García-Márquez", "ES"),
    ("Íñigo", "Ibáñez", "ES"), ("Begoña", "Etxeberria", "ES"),
    ("María", "de los Ángeles Ruiz", "ES"), ("Nuño", "Núñez", "ES"),
    ("Pau", "Puig i Ferrer", "ES"), ("Xabier", "Arrizabalaga", "ES"),
    ("Anna-Maija", "Mäkinen", "FI"), ("Päivi", "Hyvärinen", "FI"), ("Jyrki", "Kärkkäinen", "FI"),
    ("Ääri", "Öhman", "FI"), ("Outi", "Ylä-Jääski", "FI"), ("Tuulikki", "Väänänen", "FI"),
    ("Ioana-Maria", "Șerban", "RO"), ("Ștefan", "Țăranu", "RO"), ("Mihăiță", "Dumitrașcu", "RO"),
    ("Ion", "Ţuţuianu", "RO"), ("Ana", "Pop", "RO"), ("Radu", "Ionescu-Quintus", "RO"),
    ("Ilie", "Năstase-Ungureanu", "RO"), ("Oana", "Grădinaru", "RO"), ("Ene", "Ene", "RO"),
    ("Vasile", "Crăciun", "MD"), ("Nicolae", "Ţurcan", "MD"), ("Ala", "Ursu", "MD"),
    ("Анна-Мария", "Петрова", "RU"), ("Мария", "Иванова-Смирнова", "RU"), ("Ян", "Ли", "RU"),
    ("Ольга", "Д'Аржанова", "RU"), ("Эльвира", "Ёлкина", "RU"), ("Юй", "Цой", "RU"),
    ("Аркадий", "Щербаков", "RU"), ("Ирина", "Шувалова-Эйхенвальд", "RU"),
    ("Олег", "Іваненко", "UA"), ("Юлія", "Ґудзь", "UA"), ("Ігор", "Їжакевич", "UA"),
    ("Євгенія", "Коваль-Мельник", "UA"), ("Марія", "П'ятничук", "UA"),
    ("Олександр", "Ющенко", "UA"), ("Grzegorz", "Brzęczyszczykiewicz", "PL"),
    ("Szczepan", "Szczygieł", "PL"), ("Pedro", "da Silva", "BR"), ("Maria", "dos Santos", "BR"),
    ("João", "de Sousa", "PT"), ("Luuk", "van der Berg", "NL"), ("Sanne", "van 't Hof", "NL"),
    ("Nguyễn", "Văn An", "VN"), ("Trần", "Thị Hà", "VN"), ("Đặng", "Minh", "VN"),
    ("Li", "Na", "CN"), ("Wu", "Yi", "CN"), ("Xu", "Qi", "CN"), ("Zhou", "Xun", "CN"),
    ("Kim", "Ha", "KR"), ("Ito", "Yu", "JP"), ("Hans-Jürgen", "Müller-Lüdenscheidt", "DE"),
    ("Jörg", "von Bülow", "DE"), ("Chloé", "Lefèvre-Dupont", "FR"),
    ("Gérard", "de Saint-Exupéry", "FR"), ("Aoife", "Ó Súilleabháin", "IE"),
    ("Giancarlo", "D'Alessandro", "IT"),
)

COMMENTS = {
    "ro": (
        "Bună ziua, aș dori o ofertă pentru panouri solare pe o casă de 120 mp.",
        "Vă rog să mă sunați după ora 17.",
        "Cât costă o pompă de căldură pentru un apartament cu 3 camere?",
        "Am nevoie de o ofertă pentru firmă, acoperiș de 400 mp.",
        "Sunt interesat de montaj în județul Cluj.", "Aveți și variante de finanțare în rate?",
    ),
    "ru": (
        "Здравствуйте! Интересует стоимость установки солнечных панелей на дачу.",
        "Перезвоните, пожалуйста, после 18:00.",
        "Нужен расчёт для частного дома 150 м², Подмосковье.",
        "Сколько стоит тепловой насос под ключ?",
        "Есть ли рассрочка? Хочу поставить систему весной.",
    ),
    "uk": (
        "Добрий день! Цікавить вартість сонячної станції 10 кВт.",
        "Зателефонуйте, будь ласка, увечері.", "Потрібна консультація щодо зеленого тарифу.",
    ),
    "es": (
        "Hola, quisiera un presupuesto para placas solares en un chalet.",
        "Llamadme por la tarde, por favor.", "¿Cuánto cuesta la instalación con batería?",
        "Somos una comunidad de vecinos, 24 viviendas.",
    ),
    "fi": (
        "Hei, haluaisin tarjouksen ilmalämpöpumpusta omakotitaloon.",
        "Soittakaa mieluiten iltapäivällä.", "Paljonko aurinkopaneelit maksavat asennettuna?",
    ),
    "en": (
        "Hi, could you send me a quote for solar panels on a semi-detached house?",
        "Please call me after 5pm.",
        "Interested in a heat pump for a 3-bed house. Do you do finance?",
        "We are a small business looking at a 30 kW system.",
        "What's the lead time for an installation in spring?",
    ),
}
INTERESTS = ("Solar panels", "Heat pump", "Battery storage", "Installation", "Maintenance")
UTM = (
    ("google", "cpc"), ("google", "organic"), ("yandex", "cpc"), ("facebook", "social"),
    ("instagram", "social"), ("vk", "social"), ("newsletter", "email"), ("tiktok", "social"),
    ("", ""), ("", ""),
)

BROWSER_AGENTS = (  # (user agent, weight)
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36", 22,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", 18,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.6723.102 Mobile Safari/537.36", 16,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/18.1 Safari/605.1.15", 7,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", 5),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", 6,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36", 4,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-G991B) AppleWebKit/537.36 (KHTML, like "
        "Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        4,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
        "like Gecko) Mobile/15E148 Instagram 352.0.0.30.88 (iPhone14,5; iOS 17_6; ru_RU)",
        3,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.6723.58 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.50.107;]",
        3,
    ),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36", 2,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0", 2,
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.7 Mobile/15E148 Safari/604.1", 3,
    ),
    (
        "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/109.0.0.0 Safari/537.36", 2,
    ),  # an old Windows 7 machine
)
HEADLESS_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.6099.109 Safari/537.36", "python-requests/2.32.3", "curl/8.5.0",
    "Go-http-client/1.1", "Scrapy/2.11.2 (+https://scrapy.org)", "axios/1.7.7",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) "
    "PhantomJS/2.1.1 Safari/538.1", "Python-urllib/3.11", "Java/17.0.9", "Wget/1.21.4",
    "okhttp/4.12.0",
    "",  # no user agent at all
)
DISPOSABLE_DOMAINS = (
    "mailinator.com", "10minutemail.com", "guerrillamail.com", "yopmail.com", "temp-mail.org",
    "sharklasers.com", "trashmail.com", "getnada.com", "dispostable.com", "maildrop.cc",
    "throwawaymail.com", "mailnesia.com", "mintemail.com", "spamgourmet.com", "fakeinbox.com",
    "tempr.email", "discard.email", "mohmal.com", "emailondeck.com", "guerrillamail.net",
)
EMAIL_TYPOS = {  # provider -> what people type instead
    "gmail.com": ("gmial.com", "gmal.com", "gamil.com", "gmail.con", "gnail.com", "gmaill.com"),
    "yahoo.com": ("yaho.com", "yahooo.com", "yahoo.con"),
    "hotmail.com": ("hotmial.com", "hotmal.com", "hotmail.con"),
    "outlook.com": ("outlok.com", "outlook.con"),
    "yandex.ru": ("yandex.ri", "yandex.ry", "yandx.ru"),
    "mail.ru": ("mail.ri", "mial.ru", "mail.ry"),
    "icloud.com": ("iclod.com", "icloud.con"),
    "ukr.net": ("ukr.ner", "urk.net"),
}
SPAM_COMMENTS = (
    "Earn $5000 per week from home! Visit http://quick-profit.example/ref=77",
    "Hello, we offer SEO services for your website. Top 1 Google guaranteed: seo-boost.example",
    "Крипто-инвестиции с доходом 300% в месяц: t.me/profit_bot_777",
    "Buy cheap followers and likes https://social-growth.example",
    "I am interested in your product, please contact me.", "",
)
TEST_NAMES = (
    "test", "Test", "Test Test", "TEST", "asdf", "qwerty", "Тест", "тест тест", "Тест Тестович",
    "йцукен", "aaa", "xxx", "Test User", "prueba", "testi", "Proba", "asd asd", "123", "ффф",
)
TEST_EMAILS = (
    "test@test.com", "test@example.com", "asdf@asdf.com", "123@123.com", "qwerty@qwerty.ru",
    "test@mail.ru", "a@a.ru", "test@gmail.com", "aaa@aaa.com", "test123@test.com",
    "noemail@noemail.com", "asd@asd.asd",
)
TEST_PHONES = (
    "1111111", "+70000000000", "0000000000", "1234567", "123456789", "+7 (999) 999-99-99",
    "89999999999", "0722 000 000", "+40 700 000 000", "11111111111", "+7 (111) 111-11-11",
    "12345678", "000000",
)
KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
LATIN_CONSONANTS = "bcdfghjklmnpqrstvwxz"
CYRILLIC_CONSONANTS = "бвгджзклмнпрстфхцчшщ"

# fmt: on
CYRILLIC_TO_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g".split(),  # noqa: SIM905
        strict=True,
    )
)

# --- helpers ---------------------------------------------------------------------------


def ascii_of(text: str) -> str:
    """A name as the ASCII letters people put in their e-mail address."""
    text = "".join(CYRILLIC_TO_LATIN.get(c, c) for c in text.casefold()).replace("_", "")
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z]", "", "".join(c for c in text if not unicodedata.combining(c)))


def weighted(rng: random.Random, pairs) -> str:
    values = [value for value, _ in pairs]
    weights = [weight for _, weight in pairs]
    return rng.choices(values, weights)[0]


PERSONAL = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def valid_number(
    rng: random.Random, region: str, prefixes: tuple[str, ...]
) -> phonenumbers.PhoneNumber:
    """A number the numbering plan of ``region`` allows, starting with one of ``prefixes``."""
    code = phonenumbers.country_code_for_region(region)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    length = len(str(example.national_number))
    for attempt in range(400):
        prefix = rng.choice(prefixes).replace(" ", "")
        size = length + (0, -1, 1, -2)[attempt % 4]
        rest = "".join(str(rng.randrange(10)) for _ in range(max(0, size - len(prefix))))
        number = phonenumbers.parse(f"+{code}{prefix}{rest}")
        if phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in PERSONAL:
            return number
    raise RuntimeError(f"no valid number for {region} {prefixes}")


def typed(rng: random.Random, number: phonenumbers.PhoneNumber, local: bool) -> str:
    """The number as a person types it: national forms only when the form is in their country."""
    fmt = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(number, fmt.NATIONAL)
    international = phonenumbers.format_number(number, fmt.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, fmt.E164)
    shapes: list[tuple[Callable[[], str], int]] = [
        (lambda: international, 25),
        (lambda: e164, 10),
        # "00" is the international prefix where most of these people live, not in RU or US
        (lambda: "00" + e164[1:], 4 if number.country_code not in (1, 7) else 0),
        (lambda: international.replace(" ", "-"), 3),
        (lambda: international.replace(" ", "", 1), 3),
    ]
    if local:
        shapes += [
            (lambda: national, 40),
            (lambda: re.sub(r"\D", "", national), 12),
            (lambda: re.sub(r"[ ]+", "-", national), 4),
            (lambda: re.sub(r"[()]", "", national), 4),
        ]
    return weighted(rng, shapes)()


def mistyped(rng: random.Random, number: phonenumbers.PhoneNumber, region: str, local: bool) -> str:
    """The number with a digit dropped or doubled — no longer valid for its country."""
    fmt = phonenumbers.PhoneNumberFormat
    national_digits = str(number.national_number)
    for _ in range(50):
        at = rng.randrange(2, len(national_digits))
        if rng.random() < 0.7:
            digits = national_digits[:at] + national_digits[at + 1 :]
        else:
            digits = national_digits[:at] + national_digits[at] + national_digits[at:]
        text = f"+{number.country_code} {digits}"
        if local:
            prefix = phonenumbers.format_number(number, fmt.NATIONAL)
            trunk = "8" if region == "RU" else ("0" if prefix.startswith("0") else "")
            text = trunk + digits
        try:
            parsed = phonenumbers.parse(text, region or None)
        except phonenumbers.NumberParseException:
            return text
        if not phonenumbers.is_valid_number(parsed):
            return text
    return ""  # every slip still makes a valid number (variable-length plans)


def human_ms(rng: random.Random, slow: float = 1.0) -> int:
    """How long a person takes to fill a short form: about half a minute, sometimes minutes."""
    return int(max(3500, rng.lognormvariate(math.log(30000 * slow), 0.6)))


def public_ipv4(rng: random.Random) -> str:
    first = rng.choice(
        (
            2,
            5,
            31,
            37,
            46,
            62,
            77,
            78,
            79,
            80,
            81,
            82,
            83,
            84,
            85,
            86,
            87,
            88,
            89,
            90,
            91,
            92,
            93,
            94,
            95,
            109,
            151,
            176,
            178,
            185,
            188,
            193,
            194,
            195,
            212,
            213,
            217,
            24,
            50,
            66,
            67,
            68,
            71,
            73,
            76,
            98,
            99,
            104,
            107,
            108,
        )
    )
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randrange(0x10000):x}" for _ in range(6)]
    return f"2a02:{rng.choice(('2f0d', '8108', 'a311', '2f00', 'c7e'))}:" + ":".join(groups)


def fingerprint(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


# --- the items -------------------------------------------------------------------------


@dataclass
class Item:
    truth: str  # genuine | pseudo
    category: str  # "genuine" or one of PSEUDO_CATEGORIES
    trait: str  # what is particular about it (a genuine trait, a pseudo variant)
    form: str  # FormSpec.slug
    payload: dict
    user_agent: str
    remote_addr: str
    received_at: dt.datetime
    group: str = ""  # the burst, farm, repeat, office, kiosk or returning person it belongs to
    suggestion_expected: bool = False  # an honest typo a check should offer a fix for
    index: int = 0

    def as_json(self) -> dict:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        return data


@dataclass
class Config:
    """The lists the business configured, which the data refers to."""

    competitor_domains: tuple[str, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    blocked_emails: tuple[str, ...] = ()
    blocked_phones: tuple[str, ...] = ()  # E.164


@dataclass
class Dataset:
    items: list[Item]
    config: Config
    seed: int
    day: dt.date
    mix: dict[str, float] = field(default_factory=dict)

    def counts(self) -> Counter:
        return Counter(item.category for item in self.items)


@dataclass
class Person:
    country: str
    locale: str
    language: str
    first: str
    last: str
    phone: phonenumbers.PhoneNumber | None
    email: str
    company: str = ""
    middle: str = ""


class Generator:
    def __init__(self, seed: int, day: dt.date, mix: dict[str, float]):
        self.rng = random.Random(seed)
        self.seed = seed
        self.day = day
        self.mix = mix
        self.start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
        self._pools: dict[str, dict[str, list[str]]] = {}
        self._carrier_networks = [public_ipv4(self.rng).rsplit(".", 1)[0] for _ in range(150)]
        self._groups = Counter()
        self._emails: set[str] = set()
        self.config = self._config()

    # configuration the business made: competitors' and blocked values
    def _config(self) -> Config:
        rng = self.rng
        blocked_phones = tuple(
            phonenumbers.format_number(
                valid_number(rng, country.code, country.mobile),
                phonenumbers.PhoneNumberFormat.E164,
            )
            for country in COUNTRIES[:4]
            for _ in range(3)
        )
        return Config(
            competitor_domains=(
                "helios-solar.ro",
                "solarteh.ru",
                "sunpower-iberia.es",
                "aurinkoenergia-oy.fi",
                "brightroof.co.uk",
            ),
            blocked_domains=("prank-mail.net", "leadreseller.biz"),
            blocked_emails=("vasya.pupkin1987@mail.ru", "troll.master@gmail.com"),
            blocked_phones=blocked_phones,
        )

    # pools of names per locale, generated once (Faker is slow per call)
    def pool(self, locale: str) -> dict[str, list[str]]:
        if locale not in self._pools:
            from faker import Faker

            fake = Faker(locale)
            fake.seed_instance(self.seed * 7919 + sum(map(ord, locale)))
            # first names, last names and patronymics by gender, picked independently so
            # that two people rarely share a whole name (as in life)
            if locale in ("zh_CN", "ja_JP"):
                names = [fake.romanized_name().partition(" ") for _ in range(400)]
                genders = {"any": ([n[0] for n in names], [n[2] for n in names], [])}
            elif locale in ("ru_RU", "uk_UA"):
                genders = {
                    gender: (
                        [getattr(fake, f"first_name_{gender}")() for _ in range(300)],
                        [getattr(fake, f"last_name_{gender}")() for _ in range(300)],
                        [
                            fake.middle_name_female()
                            if gender == "female"
                            else fake.middle_name_male()
                            for _ in range(60)
                        ]
                        if locale == "ru_RU"
                        else [],
                    )
                    for gender in ("female", "male")
                }
            else:
                genders = {
                    "any": (
                        [fake.first_name() for _ in range(400)],
                        [fake.last_name() for _ in range(400)],
                        [],
                    )
                }
            self._pools[locale] = {
                "genders": genders,
                "company": [fake.company() for _ in range(150)],
                "domain": [fake.domain_word() for _ in range(150)],
            }
        return self._pools[locale]

    def name(self, locale: str) -> tuple[str, str, str]:
        """First name, last name and (Russian) patronymic of one person."""
        rng = self.rng
        firsts, lasts, middles = rng.choice(list(self.pool(locale)["genders"].values()))
        return rng.choice(firsts), rng.choice(lasts), rng.choice(middles) if middles else ""

    def _country(self) -> Country | tuple:
        rng = self.rng
        if rng.random() < 0.06:
            return rng.choice(OTHER_COUNTRIES)
        return rng.choices(COUNTRIES, [c.weight for c in COUNTRIES])[0]

    def person(self, *, edge: bool = False) -> Person:
        rng = self.rng
        if edge:
            first, last, code = rng.choice(EDGE_NAMES)
            middle = ""
            country = next((c for c in COUNTRIES if c.code == code), None)
            other = next((o for o in OTHER_COUNTRIES if o[0] == code), None)
        else:
            picked = self._country()
            country = picked if isinstance(picked, Country) else None
            other = None if country else picked
            code = country.code if country else other[0]
            first, last, middle = self.name(country.locale if country else other[1])
        if country:
            locale, language, mobile, providers, tld = (
                country.locale,
                country.language,
                country.mobile,
                country.providers,
                country.tld,
            )
            fixed = country.fixed
        else:
            locale, mobile, providers = other[1], other[2], other[3]
            language, tld, fixed = "en", code.lower(), ()
        number = valid_number(rng, code, fixed if fixed and rng.random() < 0.12 else mobile)
        company = ""
        if rng.random() < 0.18:  # a work address at their company's domain
            pool = self.pool(locale if locale != "en_IE" else "en_GB")
            company = rng.choice(pool["company"])
            domain = f"{ascii_of(rng.choice(pool['domain'])) or 'firma'}.{tld}"
        else:
            domain = weighted(rng, providers)
        email = self.email(first, last, domain)
        return Person(code, locale, language, first, last, number, email, company, middle)

    def email(self, first: str, last: str, domain: str) -> str:
        """An address this person would have; two people never get the same one."""
        address = self._address_of(first, last, domain)
        while address in self._emails:
            local, _, domain = address.partition("@")
            address = f"{local}{self.rng.randrange(1, 99)}@{domain}"
        self._emails.add(address)
        return address

    def _address_of(self, first: str, last: str, domain: str) -> str:
        rng = self.rng
        f, l = ascii_of(first), ascii_of(last)  # noqa: E741
        if not f or not l:  # a name in a script with no Latin spelling here (Hangul, Han)
            handle = rng.choice(("sunny", "blue", "star", "moon", "lucky", "happy", "tiger"))
            return f"{f or l or handle}{rng.randrange(10, 9999)}@{domain}"
        year = rng.randrange(1955, 2007)
        local = weighted(
            rng,
            (
                (f"{f}.{l}", 30),
                (f"{f}{l}", 12),
                (f"{f[0]}.{l}", 8),
                (f"{f}_{l}", 6),
                (f"{f}.{l}{year % 100:02d}", 8),
                (f"{f}{l}{year}", 8),
                (f"{l}.{f}", 6),
                (f"{f}{rng.randrange(1, 999)}", 8),
                (f"{l}{f[0]}", 5),
                (f"{f}", 3),
                (f"{f}.{l}.{rng.randrange(1, 99)}", 3),
                (f"{f[0]}{l}", 3),
            ),
        )
        return f"{local}@{domain}"

    # the signals a browser with the embed script sends
    def browser(self) -> str:
        return weighted(self.rng, BROWSER_AGENTS)

    def address(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return ipv6(rng)
        if roll < 0.40:  # a mobile carrier's NAT: strangers share these ranges
            return f"{rng.choice(self._carrier_networks)}.{rng.randrange(1, 255)}"
        return public_ipv4(rng)

    def moment(self, *, human: bool = True) -> dt.datetime:
        """When during the day: people in the evening and at lunch more, bots any time."""
        rng = self.rng
        if human:
            hour = rng.choices(
                range(24),
                [1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 10, 9, 7, 4, 2],
            )[0]
        else:
            hour = rng.randrange(24)
        return self.start + dt.timedelta(hours=hour, seconds=rng.uniform(0, 3600))

    def payload(self, person: Person, form: FormSpec, *, local: bool | None = None) -> dict:
        """The fields a person fills on this form, written the way people write them."""
        rng = self.rng
        local = (person.country == form.default_region) if local is None else local
        payload: dict = {}
        name_style = rng.random()
        first, last = person.first, person.last
        if name_style < 0.03:
            first, last = first.upper(), last.upper()
        elif name_style < 0.07:
            first, last = first.lower(), last.lower()
        if form.kind == "callback":
            if rng.random() < 0.8:
                payload["name"] = first
        elif rng.random() < 0.55:
            if person.country in ("RU", "UA", "RO", "MD") and rng.random() < 0.35:
                full = f"{last} {first}"  # "Last First", common in these countries
                if person.middle and rng.random() < 0.5:
                    full += " " + person.middle
            elif rng.random() < 0.05:
                full = f"{first[0]}. {last}"
            else:
                full = f"{first} {last}"
            payload["name"] = full
        else:
            payload["first_name"], payload["last_name"] = first, last
        if person.phone is not None and (form.kind in ("callback",) or rng.random() < 0.85):
            payload["phone"] = typed(rng, person.phone, local)
        if form.kind != "callback" and (rng.random() < 0.8 or "phone" not in payload):
            payload["email"] = person.email if rng.random() < 0.9 else person.email.capitalize()
        if form.kind != "callback":
            if person.company and rng.random() < 0.8:
                payload["company"] = person.company
            if rng.random() < 0.55:
                payload["message"] = rng.choice(COMMENTS.get(person.language, COMMENTS["en"]))
            if rng.random() < 0.4:
                payload["interest"] = rng.choice(INTERESTS)
        if form.kind == "callback" and rng.random() < 0.3:
            payload["preferred_contact_time"] = rng.choice(("9-12", "after 18:00", "ASAP"))
        source, medium = rng.choice(UTM)
        if source:
            payload["utm_source"], payload["utm_medium"] = source, medium
            payload["utm_campaign"] = (
                f"{form.slug}-{rng.choice(('autumn', 'black-friday', 'brand'))}"
            )
        payload["consent"] = rng.random() < 0.97
        return payload

    def form_for(self, person: Person) -> FormSpec:
        country = next((c for c in COUNTRIES if c.code == person.country), None)
        if country is None or self.rng.random() < 0.04:
            return FORM_BY_SLUG["intl-offer"]
        return FORM_BY_SLUG[self.rng.choice(country.forms)]

    def browser_signals(self, payload: dict, *, ms: int | None, fp: str | None) -> dict:
        payload["_hp"] = ""
        if ms is not None:
            payload["_ts"] = ms
        if fp:
            payload["_fp"] = fp
        return payload

    def group(self, kind: str) -> str:
        self._groups[kind] += 1
        return f"{kind}-{self._groups[kind]}"

    # --- genuine ---------------------------------------------------------------------

    def genuine(self, trait: str) -> list[Item]:
        rng = self.rng
        if trait == "shared_network":
            return self._office()
        if trait == "kiosk":
            return self._kiosk()
        if trait == "returning":
            return self._returning()
        person = self.person(edge=trait == "edge_name")
        form = self.form_for(person)
        payload = self.payload(person, form)
        suggestion = False
        if trait == "typo_phone":
            local = person.country == form.default_region
            slip = mistyped(rng, person.phone, form.default_region, local)
            if not slip:
                return self.genuine(trait)
            payload["phone"] = slip
        elif trait == "typo_email":
            local, _, domain = person.email.partition("@")
            if domain not in EMAIL_TYPOS:
                domain = "gmail.com"
            payload["email"] = f"{local}@{rng.choice(EMAIL_TYPOS[domain])}"
            suggestion = True
        ms = human_ms(rng)
        fp = fingerprint(rng)
        if trait == "autofill":
            ms = rng.randrange(2500, 8000)
        if trait == "no_script":
            ms, fp = None, None
        return [
            Item(
                GENUINE,
                GENUINE,
                trait,
                form.slug,
                self.browser_signals(payload, ms=ms, fp=fp),
                self.browser(),
                self.address(),
                self.moment(),
                suggestion_expected=suggestion,
            )
        ]

    def _office(self) -> list[Item]:
        """Colleagues at one company, behind the office's address, on one working day."""
        rng = self.rng
        country = rng.choices(COUNTRIES, [c.weight for c in COUNTRIES])[0]
        pool = self.pool(country.locale)
        company = rng.choice(pool["company"])
        domain = f"{ascii_of(rng.choice(pool['domain'])) or 'firma'}.{country.tld}"
        network = public_ipv4(rng).rsplit(".", 1)[0]
        nat = f"{network}.{rng.randrange(1, 255)}"
        group = self.group("office")
        start = self.start + dt.timedelta(hours=rng.uniform(6, 14))
        items = []
        for _ in range(rng.randrange(2, 7)):
            first, last, middle = self.name(country.locale)
            person = Person(
                country.code,
                country.locale,
                country.language,
                first,
                last,
                valid_number(rng, country.code, country.mobile),
                self.email(first, last, domain),
                company,
                middle,
            )
            form = FORM_BY_SLUG[country.forms[0]]
            payload = self.payload(person, form)
            address = nat if rng.random() < 0.7 else f"{network}.{rng.randrange(1, 255)}"
            items.append(
                Item(
                    GENUINE,
                    GENUINE,
                    "shared_network",
                    form.slug,
                    self.browser_signals(payload, ms=human_ms(rng), fp=fingerprint(rng)),
                    self.browser(),
                    address,
                    start + dt.timedelta(minutes=rng.uniform(0, 240)),
                    group=group,
                )
            )
        return items

    def _kiosk(self) -> list[Item]:
        """An exhibition stand: staff type visitors' details on one tablet, all afternoon."""
        rng = self.rng
        form = FORM_BY_SLUG["expo-stand"]
        device, agent = fingerprint(rng), BROWSER_AGENTS[12][0]
        address = public_ipv4(rng)
        group = self.group("kiosk")
        at = self.start + dt.timedelta(hours=rng.uniform(7, 10))
        items = []
        for _ in range(rng.randrange(25, 60)):
            person = self.person()
            while person.country not in ("RO", "MD"):  # a stand at a Romanian fair
                person = self.person()
            payload = self.payload(person, form, local=person.country == "RO")
            for key in ("utm_source", "utm_medium", "utm_campaign"):
                payload.pop(key, None)
            at += dt.timedelta(minutes=rng.uniform(1.5, 9))
            items.append(
                Item(
                    GENUINE,
                    GENUINE,
                    "kiosk",
                    form.slug,
                    self.browser_signals(payload, ms=rng.randrange(9000, 60000), fp=device),
                    agent,
                    address,
                    at,
                    group=group,
                )
            )
        return items

    def _returning(self) -> list[Item]:
        """One person on two forms, hours apart (a quote request, then a call-back)."""
        rng = self.rng
        person = self.person()
        group = self.group("returning")
        first_at = self.moment()
        items = []
        for n, at in enumerate((first_at, first_at + dt.timedelta(hours=rng.uniform(2, 20)))):
            form = self.form_for(person) if n == 0 else FORM_BY_SLUG["intl-offer"]
            if n == 1 and person.country in ("RO", "RU"):
                form = FORM_BY_SLUG[f"{person.country.lower()}-callback"]
            payload = self.payload(person, form)
            if n == 1 and "message" in payload:
                payload["message"] = rng.choice(COMMENTS.get(person.language, COMMENTS["en"]))
            items.append(
                Item(
                    GENUINE,
                    GENUINE,
                    "returning",
                    form.slug,
                    self.browser_signals(payload, ms=human_ms(rng), fp=fingerprint(rng)),
                    self.browser(),
                    self.address(),
                    at,
                    group=group,
                )
            )
        return items

    # --- pseudo ----------------------------------------------------------------------

    def pseudo(self, category: str) -> list[Item]:
        return getattr(self, f"_{category}")()

    def _realistic(self) -> tuple[Person, FormSpec, dict]:
        person = self.person()
        form = self.form_for(person)
        return person, form, self.payload(person, form)

    def _spammy(self) -> tuple[FormSpec, dict]:
        """What a spam bot fills in: an English name, a random address, an offer."""
        rng = self.rng
        first, last, _ = self.name("en_US")
        form = rng.choice([f for f in FORMS if f.kind == "web_form"])
        payload = {
            "name": f"{first} {last}",
            "email": self.email(first, last, rng.choice(("gmail.com", "outlook.com", "yahoo.com"))),
            "message": rng.choice(SPAM_COMMENTS),
        }
        if rng.random() < 0.5:
            payload["phone"] = typed(rng, valid_number(rng, "US", ("212", "646", "917")), False)
        return form, payload

    def _bot_honeypot(self) -> list[Item]:
        rng = self.rng
        if rng.random() < 0.5:
            form, payload = self._spammy()
        else:
            _, form, payload = self._realistic()
        payload["_hp"] = rng.choice(
            ("http://cheap-meds.example", payload.get("email", "x@y.com"), "1", "John", "on")
        )
        if rng.random() < 0.5:  # it ran the page's script
            payload["_ts"] = rng.choice((human_ms(rng), rng.randrange(200, 3000)))
        agent = self.browser() if rng.random() < 0.7 else rng.choice(HEADLESS_AGENTS)
        return [
            Item(
                PSEUDO,
                "bot_honeypot",
                "honeypot",
                form.slug,
                payload,
                agent,
                self.address(),
                self.moment(human=False),
            )
        ]

    def _bot_fast(self) -> list[Item]:
        rng = self.rng
        form, payload = self._spammy() if rng.random() < 0.4 else self._realistic()[1:]
        payload = self.browser_signals(payload, ms=rng.randrange(40, 1800), fp=fingerprint(rng))
        return [
            Item(
                PSEUDO,
                "bot_fast",
                "fast",
                form.slug,
                payload,
                self.browser(),
                self.address(),
                self.moment(human=False),
            )
        ]

    def _bot_headless_ua(self) -> list[Item]:
        rng = self.rng
        form, payload = self._spammy() if rng.random() < 0.3 else self._realistic()[1:]
        ms = human_ms(rng) if rng.random() < 0.6 else None  # scripted with pauses, or posted
        payload = self.browser_signals(payload, ms=ms, fp=fingerprint(rng) if ms else None)
        agent = rng.choice(HEADLESS_AGENTS)
        return [
            Item(
                PSEUDO,
                "bot_headless_ua",
                agent.split("/")[0] or "none",
                form.slug,
                payload,
                agent,
                self.address(),
                self.moment(human=False),
            )
        ]

    def _bot_burst(self) -> list[Item]:
        """One address posting many different 'people' within minutes."""
        rng = self.rng
        address = public_ipv4(rng) if rng.random() < 0.85 else ipv6(rng)
        agent = self.browser()
        group = self.group("burst")
        start = self.moment(human=False)
        minutes = rng.uniform(2, 15)
        form = None if rng.random() < 0.3 else self.form_for(self.person())
        items = []
        for _ in range(rng.randrange(8, 35)):
            person, own_form, payload = self._realistic()
            if form is not None:
                payload = self.payload(person, form)
            payload = self.browser_signals(payload, ms=human_ms(rng), fp=fingerprint(rng))
            items.append(
                Item(
                    PSEUDO,
                    "bot_burst",
                    "one_address",
                    (form or own_form).slug,
                    payload,
                    agent,
                    address,
                    start + dt.timedelta(minutes=rng.uniform(0, minutes)),
                    group=group,
                )
            )
        return items

    def _test_value(self) -> list[Item]:
        rng = self.rng
        person, form, payload = self._realistic()
        variant = rng.random()
        for key in ("first_name", "last_name"):
            payload.pop(key, None)
        if variant < 0.5:  # everything is a test value
            payload["name"] = rng.choice(TEST_NAMES)
            payload["email"] = rng.choice(TEST_EMAILS)
            payload["phone"] = rng.choice(TEST_PHONES)
            trait = "all"
        elif variant < 0.7:
            payload["name"] = rng.choice(TEST_NAMES)
            trait = "name"
        elif variant < 0.85:
            payload["name"] = f"{person.first} {person.last}"
            payload["email"] = rng.choice(TEST_EMAILS)
            payload.pop("phone", None)
            trait = "email"
        else:
            payload["name"] = f"{person.first} {person.last}"
            payload["phone"] = rng.choice(TEST_PHONES)
            payload.pop("email", None)
            trait = "phone"
        if form.kind == "callback" and "phone" not in payload:
            payload["phone"] = rng.choice(TEST_PHONES)
        payload = self.browser_signals(payload, ms=human_ms(rng, 0.5), fp=fingerprint(rng))
        return [
            Item(
                PSEUDO,
                "test_value",
                trait,
                form.slug,
                payload,
                self.browser(),
                self.address(),
                self.moment(),
            )
        ]

    def _disposable_email(self) -> list[Item]:
        rng = self.rng
        person, form, payload = self._realistic()
        if form.kind == "callback":
            form = self.form_for(person)
            while form.kind == "callback":
                form = rng.choice(FORMS)
            payload = self.payload(person, form)
        local = person.email.partition("@")[0]
        if rng.random() < 0.3:
            local = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))
        payload["email"] = f"{local}@{rng.choice(DISPOSABLE_DOMAINS)}"
        payload = self.browser_signals(payload, ms=human_ms(rng), fp=fingerprint(rng))
        return [
            Item(
                PSEUDO,
                "disposable_email",
                payload["email"].partition("@")[2],
                form.slug,
                payload,
                self.browser(),
                self.address(),
                self.moment(),
            )
        ]

    def gibberish(self, cyrillic: bool) -> str:
        rng = self.rng
        if rng.random() < 0.5:  # a run along a keyboard row
            row = rng.choice(KEYBOARD_ROWS[3:] if cyrillic else KEYBOARD_ROWS[:3])
            at = rng.randrange(0, len(row) - 4)
            word = row[at : at + rng.randrange(4, min(8, len(row) - at) + 1)]
            if rng.random() < 0.5:
                word = "".join(rng.sample(word, len(word)))
        else:  # consonant mash, maybe a vowel
            letters = CYRILLIC_CONSONANTS if cyrillic else LATIN_CONSONANTS
            word = "".join(rng.choice(letters) for _ in range(rng.randrange(5, 10)))
        return word.capitalize() if rng.random() < 0.6 else word

    def _gibberish_name(self) -> list[Item]:
        rng = self.rng
        person, form, payload = self._realistic()
        cyrillic = person.country in ("RU", "UA") and rng.random() < 0.7
        for key in ("name", "first_name", "last_name"):
            payload.pop(key, None)
        payload["name"] = (
            self.gibberish(cyrillic)
            if rng.random() < 0.4
            else f"{self.gibberish(cyrillic)} {self.gibberish(cyrillic)}"
        )
        if "email" in payload and rng.random() < 0.6:
            payload["email"] = (
                f"{ascii_of(self.gibberish(False))}@{payload['email'].partition('@')[2]}"
            )
        payload = self.browser_signals(payload, ms=human_ms(rng, 0.6), fp=fingerprint(rng))
        return [
            Item(
                PSEUDO,
                "gibberish_name",
                "cyrillic" if cyrillic else "latin",
                form.slug,
                payload,
                self.browser(),
                self.address(),
                self.moment(),
            )
        ]

    def _farmed(self) -> list[Item]:
        """Paid 'leads' typed by a click farm: one /24 or one device, within an hour, one
        source; each looks like a real person filling the form at a human pace."""
        rng = self.rng
        by_device = rng.random() < 0.4
        network = public_ipv4(rng).rsplit(".", 1)[0]
        device, agent = fingerprint(rng), self.browser()
        form = FORM_BY_SLUG["partner-ro"] if rng.random() < 0.6 else self.form_for(self.person())
        group = self.group("farm")
        start = self.moment()
        items = []
        for _ in range(rng.randrange(10, 30)):
            person = self.person()
            payload = self.payload(person, form)
            if by_device:  # behind rotating proxies: a new address every time
                address, fp, ua = public_ipv4(rng), device, agent
            else:
                address, fp, ua = (
                    f"{network}.{rng.randrange(1, 255)}",
                    fingerprint(rng),
                    self.browser(),
                )
            items.append(
                Item(
                    PSEUDO,
                    "farmed",
                    "device" if by_device else "network",
                    form.slug,
                    self.browser_signals(payload, ms=human_ms(rng), fp=fp),
                    ua,
                    address,
                    start + dt.timedelta(minutes=rng.uniform(0, 55)),
                    group=group,
                )
            )
        return items

    def _repeated_payload(self) -> list[Item]:
        """The same person's data posted on several of the business's forms within minutes."""
        rng = self.rng
        _, _, payload = self._realistic()
        forms = rng.sample([f for f in FORMS if f.kind == "web_form"], rng.randrange(3, 7))
        group = self.group("repeat")
        start = self.moment(human=False)
        same_address = rng.random() < 0.5
        address, agent = self.address(), self.browser()
        items = []
        for form in forms:
            body = self.browser_signals(dict(payload), ms=human_ms(rng), fp=fingerprint(rng))
            items.append(
                Item(
                    PSEUDO,
                    "repeated_payload",
                    "same_address" if same_address else "addresses",
                    form.slug,
                    body,
                    agent,
                    address if same_address else self.address(),
                    start + dt.timedelta(minutes=rng.uniform(0, 20)),
                    group=group,
                )
            )
        return items

    def _competitor(self) -> list[Item]:
        rng = self.rng
        person, form, payload = self._realistic()
        if form.kind == "callback":
            form = FORM_BY_SLUG["intl-offer"]
            payload = self.payload(person, form)
        domain = rng.choice(self.config.competitor_domains)
        payload["email"] = self.email(person.first, person.last, domain)
        payload["message"] = rng.choice(
            (
                "Please send your full price list and your installers' direct numbers.",
                "Who is your supplier of inverters? What margin do you work with?",
                "Пришлите прайс и контакты менеджеров.",
                "Necesit lista completă de prețuri și numele managerilor.",
            )
        )
        payload = self.browser_signals(payload, ms=human_ms(rng), fp=fingerprint(rng))
        return [
            Item(
                PSEUDO,
                "competitor",
                domain,
                form.slug,
                payload,
                self.browser(),
                self.address(),
                self.moment(),
            )
        ]

    def _blocked(self) -> list[Item]:
        rng = self.rng
        person, form, payload = self._realistic()
        roll = rng.random()
        if roll < 0.5 or form.kind == "callback":
            e164 = rng.choice(self.config.blocked_phones)
            number = phonenumbers.parse(e164)
            region = phonenumbers.region_code_for_number(number)
            form = next((f for f in FORMS if f.default_region == region), form)
            payload = self.payload(person, form)
            payload["phone"] = typed(rng, number, local=True)
            trait = "phone"
        elif roll < 0.8:
            payload["email"] = self.email(
                person.first, person.last, rng.choice(self.config.blocked_domains)
            )
            trait = "email_domain"
        else:
            payload["email"] = rng.choice(self.config.blocked_emails)
            trait = "email"
        payload = self.browser_signals(payload, ms=human_ms(rng), fp=fingerprint(rng))
        return [
            Item(
                PSEUDO,
                "blocked",
                trait,
                form.slug,
                payload,
                self.browser(),
                self.address(),
                self.moment(),
            )
        ]

    # --- the whole day ---------------------------------------------------------------

    def items(self, count: int) -> list[Item]:
        rng = self.rng
        wanted = {name: round(count * share) for name, share in self.mix.items()}
        wanted[GENUINE] = count - sum(v for k, v in wanted.items() if k != GENUINE)
        items: list[Item] = []
        for category in PSEUDO_CATEGORIES:
            made: list[Item] = []
            while len(made) < wanted.get(category, 0):
                made += self.pseudo(category)
            items += made[: wanted.get(category, 0)]
        traits = [*GENUINE_TRAITS, "plain"]
        shares = [*GENUINE_TRAITS.values(), 1 - sum(GENUINE_TRAITS.values())]
        targets = {
            trait: round(wanted[GENUINE] * share)
            for trait, share in zip(traits, shares, strict=True)
        }
        targets["plain"] = wanted[GENUINE] - sum(v for k, v in targets.items() if k != "plain")
        for trait in traits:
            made = []
            while len(made) < targets[trait]:
                made += self.genuine(trait)
            items += made[: targets[trait]]
        end = self.start + dt.timedelta(days=1)
        for item in items:  # a group that ran past midnight ends with the day
            if item.received_at >= end:
                item.received_at = end - dt.timedelta(seconds=rng.uniform(1, 600))
        items.sort(key=lambda item: item.received_at)
        for n, item in enumerate(items):
            item.index = n
        return items


def parse_mix(text: str) -> dict[str, float]:
    """'genuine=0.9,bot_fast=0.02' over the defaults; the genuine share takes up the rest."""
    mix = dict(DEFAULT_MIX)
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, value = part.partition("=")
        if name not in mix:
            raise ValueError(f"unknown category {name!r}; use {', '.join(mix)}")
        mix[name] = float(value)
    pseudo = sum(v for k, v in mix.items() if k != GENUINE)
    if pseudo > 1:
        raise ValueError("the pseudo shares add up to more than 1")
    mix[GENUINE] = 1 - pseudo
    return mix


def generate(
    count: int = 20_000,
    *,
    seed: int = 1,
    day: dt.date = dt.date(2026, 11, 21),
    mix: dict[str, float] | None = None,
) -> Dataset:
    """``count`` labelled submissions received on ``day`` (UTC), in received order."""
    mix = mix or dict(DEFAULT_MIX)
    generator = Generator(seed, day, mix)
    return Dataset(generator.items(count), generator.config, seed, day, mix)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 11, 21))
    parser.add_argument("--mix", default="", help="e.g. genuine=0.9,bot_fast=0.02")
    parser.add_argument("--out", help="write the items as JSON lines here")
    args = parser.parse_args()
    data = generate(args.count, seed=args.seed, day=args.day, mix=parse_mix(args.mix))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            for item in data.items:
                f.write(json.dumps(item.as_json(), ensure_ascii=False) + "\n")
    for category, count in sorted(data.counts().items()):
        print(f"{category:20} {count:6}")
    print(json.dumps(asdict(data.config), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
