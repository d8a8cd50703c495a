# ruff: noqa: RUF001, RUF100
"""What the demo business is made of: Helios Solar, its teams, people, channels and words.

Helios Solar sells solar installations to households and companies in Romania, Russia,
Spain, Finland, the United Kingdom and the United States. Everything here is fixed data;
the loader draws from it with a seeded random generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from galena.accounts.models import Role
from galena.leads.models import Channel

COMPANY = "Helios Solar"
SITE = "https://heliossolar.example"
DEMO_PASSWORD = "demo12345"
# a lead's times of being worked: none on a lead nobody has worked yet
WORK_TIMESTAMPS = (
    "assigned_at",
    "first_response_at",
    "handed_off_at",
    "qualified_at",
    "converted_at",
    "rejected_at",
    "recontact_at",
)
EMAIL_DOMAIN = "heliossolar.example"

HOME_SOLAR = "Home solar kit"
COMMERCIAL = "Commercial rooftop PV"
BATTERY = "Battery storage"
EV_CHARGER = "EV charger"
MAINTENANCE = "Maintenance plan"
PRODUCTS = (HOME_SOLAR, COMMERCIAL, BATTERY, EV_CHARGER, MAINTENANCE)
# households ask mostly for kits and batteries, companies for rooftops
CONSUMER_PRODUCT_WEIGHTS = {HOME_SOLAR: 55, BATTERY: 22, EV_CHARGER: 13, MAINTENANCE: 10}
BUSINESS_PRODUCT_WEIGHTS = {COMMERCIAL: 60, BATTERY: 15, EV_CHARGER: 15, MAINTENANCE: 10}


@dataclass(frozen=True)
class Country:
    code: str
    locale: str
    language: str
    weight: int
    team: str
    currency: str
    tld: str
    # city, region, weight: big cities bring more leads (and cost more)
    cities: tuple[tuple[str, str, int], ...]
    mobile_prefixes: tuple[str, ...]
    positions: tuple[str, ...]


COUNTRIES: tuple[Country, ...] = (
    Country(
        "RO",
        "ro_RO",
        "ro",
        30,
        "East",
        "RON",
        "ro",
        (
            ("București", "București", 40),
            ("Cluj-Napoca", "Cluj", 15),
            ("Timișoara", "Timiș", 12),
            ("Iași", "Iași", 10),
            ("Constanța", "Constanța", 8),
            ("Brașov", "Brașov", 8),
            ("Oradea", "Bihor", 7),
        ),
        ("72", "73", "74", "75", "76", "77", "78"),
        ("Administrator", "Director general", "Manager achiziții", "Inginer șef"),
    ),
    Country(
        "RU",
        "ru_RU",
        "ru",
        15,
        "East",
        "RUB",
        "ru",
        (
            ("Москва", "Москва", 40),
            ("Санкт-Петербург", "Санкт-Петербург", 22),
            ("Краснодар", "Краснодарский край", 12),
            ("Казань", "Татарстан", 10),
            ("Екатеринбург", "Свердловская область", 8),
            ("Ростов-на-Дону", "Ростовская область", 8),
        ),
        ("903", "905", "915", "916", "925", "926", "977", "985"),
        ("Генеральный директор", "Главный инженер", "Менеджер по закупкам", "Владелец"),
    ),
    Country(
        "ES",
        "es_ES",
        "es",
        22,
        "South",
        "EUR",
        "es",
        (
            ("Madrid", "Comunidad de Madrid", 30),
            ("Barcelona", "Cataluña", 22),
            ("Valencia", "Comunidad Valenciana", 14),
            ("Sevilla", "Andalucía", 12),
            ("Málaga", "Andalucía", 10),
            ("Zaragoza", "Aragón", 6),
            ("Murcia", "Región de Murcia", 6),
        ),
        ("6", "7"),
        ("Director general", "Gerente", "Responsable de compras", "Jefe de mantenimiento"),
    ),
    Country(
        "FI",
        "fi_FI",
        "fi",
        10,
        "North",
        "EUR",
        "fi",
        (
            ("Helsinki", "Uusimaa", 35),
            ("Espoo", "Uusimaa", 18),
            ("Tampere", "Pirkanmaa", 17),
            ("Turku", "Varsinais-Suomi", 14),
            ("Oulu", "Pohjois-Pohjanmaa", 10),
            ("Jyväskylä", "Keski-Suomi", 6),
        ),
        ("40", "41", "44", "45", "46", "50"),
        ("Toimitusjohtaja", "Kiinteistöpäällikkö", "Hankintapäällikkö", "Yrittäjä"),
    ),
    Country(
        "GB",
        "en_GB",
        "en",
        13,
        "North",
        "EUR",
        "co.uk",
        (
            ("London", "Greater London", 35),
            ("Manchester", "Greater Manchester", 15),
            ("Birmingham", "West Midlands", 14),
            ("Bristol", "Bristol", 12),
            ("Leeds", "West Yorkshire", 12),
            ("Edinburgh", "Scotland", 12),
        ),
        ("74", "75", "77", "78", "79"),
        ("Managing Director", "Facilities Manager", "Procurement Manager", "Owner"),
    ),
    Country(
        "US",
        "en_US",
        "en",
        10,
        "North",
        "EUR",
        "com",
        (
            ("Austin", "Texas", 20),
            ("Phoenix", "Arizona", 20),
            ("San Diego", "California", 20),
            ("Denver", "Colorado", 15),
            ("Miami", "Florida", 15),
            ("Raleigh", "North Carolina", 10),
        ),
        ("512", "602", "619", "720", "305", "919"),
        ("CEO", "Facilities Director", "Operations Manager", "Owner"),
    ),
)
COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}


def _hours(start: str, end: str, days: range = range(1, 6)) -> dict[str, list[str]]:
    return {str(day): [start, end] for day in days}


# A national holiday: (month, day, name); the day may be (earliest day, ISO weekday) for a
# holiday that falls on a weekday, e.g. Finland's Midsummer Eve, the Friday from 19 June.
HolidaySpec = tuple[int, int | tuple[int, int], str]


@dataclass(frozen=True)
class TeamSpec:
    name: str
    time_zone: str
    countries: tuple[str, ...]
    # when the team answers leads (its first-response deadlines count these hours), local
    business_hours: dict[str, list[list[str]]] = field(default_factory=dict)
    # the national holidays of the country the team sits in
    holidays: tuple[HolidaySpec, ...] = ()


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(
        "East",
        "Europe/Bucharest",
        ("RO", "RU"),
        # Saturday mornings too: households call about their roofs at the weekend
        business_hours={
            **{str(day): [["09:00", "18:00"]] for day in range(1, 6)},
            "6": [["10:00", "14:00"]],
        },
        holidays=(
            (1, 1, "Anul Nou"),
            (1, 2, "Anul Nou"),
            (1, 24, "Ziua Unirii Principatelor Române"),
            (5, 1, "Ziua Muncii"),
            (6, 1, "Ziua Copilului"),
            (8, 15, "Adormirea Maicii Domnului"),
            (11, 30, "Sfântul Andrei"),
            (12, 1, "Ziua Națională a României"),
            (12, 25, "Crăciunul"),
            (12, 26, "A doua zi de Crăciun"),
        ),
    ),
    TeamSpec(
        "South",
        "Europe/Madrid",
        ("ES",),
        # a long lunch from Monday to Thursday, the short "jornada intensiva" on Fridays
        business_hours={
            **{str(day): [["09:00", "14:00"], ["15:00", "19:00"]] for day in range(1, 5)},
            "5": [["08:00", "15:00"]],
        },
        holidays=(
            (1, 1, "Año Nuevo"),
            (1, 6, "Epifanía del Señor"),
            (5, 1, "Fiesta del Trabajo"),
            (8, 15, "Asunción de la Virgen"),
            (10, 12, "Fiesta Nacional de España"),
            (11, 1, "Todos los Santos"),
            (12, 6, "Día de la Constitución"),
            (12, 8, "Inmaculada Concepción"),
            (12, 25, "Natividad del Señor"),
        ),
    ),
    TeamSpec(
        "North",
        "Europe/Helsinki",
        ("FI", "GB", "US"),
        # Helsinki's morning to the British evening and the American East Coast's afternoon
        business_hours={str(day): [["08:00", "20:00"]] for day in range(1, 6)},
        holidays=(
            (1, 1, "Uudenvuodenpäivä"),
            (1, 6, "Loppiainen"),
            (5, 1, "Vappu"),
            (6, (19, 5), "Juhannusaatto"),
            (12, 6, "Itsenäisyyspäivä"),
            (12, 24, "Jouluaatto"),
            (12, 25, "Joulupäivä"),
            (12, 26, "Tapaninpäivä"),
        ),
    ),
)


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    role: Role
    team: str | None = None
    languages: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    capacity: int = 30
    working_hours: dict[str, list[str]] = field(default_factory=lambda: _hours("09:00", "18:00"))
    phone_country: str = "RO"


ALL_PRODUCTS = PRODUCTS
USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", "Adriana", "Marin", Role.ADMIN, None, ("ro", "en"), (), 0),
    UserSpec(
        "head.east",
        "Mihai",
        "Ionescu",
        Role.HEAD_OF_SALES,
        "East",
        ("ro", "ru", "en"),
        ALL_PRODUCTS,
        10,
    ),
    UserSpec(
        "head.south",
        "Carmen",
        "Ortega",
        Role.HEAD_OF_SALES,
        "South",
        ("es", "en"),
        ALL_PRODUCTS,
        10,
        phone_country="ES",
    ),
    UserSpec(
        "head.north",
        "Mikko",
        "Virtanen",
        Role.HEAD_OF_SALES,
        "North",
        ("fi", "en"),
        ALL_PRODUCTS,
        10,
        phone_country="FI",
    ),
    UserSpec(
        "ioana",
        "Ioana",
        "Popa",
        Role.SALES_MANAGER,
        "East",
        ("ro", "en"),
        (HOME_SOLAR, BATTERY),
        40,
    ),
    UserSpec(
        "andrei",
        "Andrei",
        "Stan",
        Role.SALES_MANAGER,
        "East",
        ("ro",),
        (COMMERCIAL, EV_CHARGER, MAINTENANCE),
        30,
        _hours("08:00", "17:00"),
    ),
    UserSpec(
        "olga",
        "Olga",
        "Smirnova",
        Role.SALES_MANAGER,
        "East",
        ("ru", "en"),
        ALL_PRODUCTS,
        35,
        _hours("10:00", "19:00"),
        phone_country="RU",
    ),
    UserSpec(
        "lucia",
        "Lucía",
        "García",
        Role.SALES_MANAGER,
        "South",
        ("es", "en"),
        (HOME_SOLAR, BATTERY, MAINTENANCE),
        40,
        phone_country="ES",
    ),
    UserSpec(
        "javier",
        "Javier",
        "Ruiz",
        Role.SALES_MANAGER,
        "South",
        ("es",),
        (COMMERCIAL, EV_CHARGER, BATTERY),
        30,
        _hours("09:00", "19:00"),
        phone_country="ES",
    ),
    UserSpec(
        "aino",
        "Aino",
        "Laine",
        Role.SALES_MANAGER,
        "North",
        ("fi", "en"),
        (HOME_SOLAR, BATTERY, MAINTENANCE),
        30,
        phone_country="FI",
    ),
    UserSpec(
        "james",
        "James",
        "Carter",
        Role.SALES_MANAGER,
        "North",
        ("en",),
        (COMMERCIAL, EV_CHARGER, MAINTENANCE),
        30,
        _hours("11:00", "20:00"),
        phone_country="GB",
    ),
    UserSpec(
        "emily",
        "Emily",
        "Brooks",
        Role.SALES_MANAGER,
        "North",
        ("en", "fi"),
        (HOME_SOLAR, BATTERY, EV_CHARGER),
        35,
        _hours("12:00", "21:00"),
        phone_country="US",
    ),
    UserSpec(
        "radu",
        "Radu",
        "Dumitru",
        Role.TELEMARKETER,
        "East",
        ("ro", "ru"),
        (HOME_SOLAR, BATTERY),
        60,
        _hours("08:00", "20:00", range(1, 7)),
    ),
    UserSpec(
        "sofia",
        "Sofía",
        "Navarro",
        Role.TELEMARKETER,
        "South",
        ("es",),
        (HOME_SOLAR, BATTERY),
        60,
        _hours("09:00", "21:00", range(1, 7)),
        phone_country="ES",
    ),
    UserSpec(
        "oliver",
        "Oliver",
        "Hughes",
        Role.TELEMARKETER,
        "North",
        ("en", "fi"),
        (HOME_SOLAR, EV_CHARGER),
        60,
        _hours("10:00", "22:00", range(1, 7)),
        phone_country="GB",
    ),
    UserSpec(
        "elena", "Elena", "Vasile", Role.MARKETER, None, ("ro", "en"), (), 0, phone_country="RO"
    ),
    # handles the people's requests about their data; sees nothing of sales
    UserSpec("dora", "Dora", "Petrescu", Role.DATA_PROTECTION_OFFICER, None, ("ro", "en"), (), 0),
)
DEMO_USERNAMES = tuple(u.username for u in USERS)


# --- routing: how the heads of sales share the leads out -----------------------------


@dataclass(frozen=True)
class RoutingRuleSpec:
    """A rule as the heads of sales set it in the admin: conditions in the fit rules'
    language (``galena.routing.rules.ROUTING_FIELDS``), a person or a team, a strategy."""

    name: str
    conditions: tuple[dict, ...]
    team: str = ""
    user: str = ""
    strategy: str = "round_robin"


BIG_COMPANY = ("50-249", "250+")
# in order, before the seeded default rule (the general queue), which stays last
ROUTING_RULES: tuple[RoutingRuleSpec, ...] = (
    RoutingRuleSpec(
        "Key accounts: big British and American companies → James Carter",
        (
            {"field": "country", "operator": "in", "value": ["GB", "US"]},
            {"field": "company_name", "operator": "not_empty", "value": ""},
            {"field": "attributes.employees", "operator": "in", "value": list(BIG_COMPANY)},
            {"field": "score", "operator": "gte", "value": 60},
        ),
        user="james",
    ),
    RoutingRuleSpec(
        "Hot leads from Romania and Russia → East, least loaded",
        (
            {"field": "temperature", "operator": "eq", "value": "hot"},
            {"field": "country", "operator": "in", "value": ["RO", "RU"]},
        ),
        team="East",
        strategy="least_loaded",
    ),
    RoutingRuleSpec(
        "Romania and Russia → East, round robin",
        ({"field": "country", "operator": "in", "value": ["RO", "RU"]},),
        team="East",
    ),
    RoutingRuleSpec(
        "Spain → South, weighted (Lucía takes two of every three)",
        ({"field": "country", "operator": "eq", "value": "ES"},),
        team="South",
        strategy="weighted",
    ),
    RoutingRuleSpec(
        "Finland, the UK and the US → North, by skills (product and language)",
        ({"field": "country", "operator": "in", "value": ["FI", "GB", "US"]},),
        team="North",
        strategy="skills",
    ),
)
# a share of leads under weighted round robin (1 for everyone else)
ROUTING_WEIGHTS = {"lucia": 2}
# who is away: (username, note); the leave starts today and lasts a week
ABSENCE = ("ioana", "Annual leave")
ABSENCE_DAYS = 7
# How long each person takes to answer a new lead, against the team's usual pace: Andrei
# and James let leads wait (the speed-to-lead report shows it), Lucía and the telemarketers,
# who live on the phone, answer first.
RESPONSE_PACE = {
    "andrei": 6.0,
    "james": 5.0,
    "lucia": 0.7,
    "radu": 0.6,
    "sofia": 0.6,
    "oliver": 0.6,
}
# a telemarketer who qualified a lead passes it to a sales manager this often
HAND_OFF_SHARE = 0.75
HAND_OFF_NOTES = (
    "Qualified on the phone: owns the house, roof faces south. Wants an offer this week.",
    "Budget confirmed, asks for financing options.",
    "Decision maker reached; site survey welcome.",
    "Compares two installers: call before Friday.",
    "Interested in a battery too.",
)


@dataclass(frozen=True)
class LiveArrival:
    """A lead arriving as the demo is loaded, not answered yet."""

    minutes_ago: int
    source: str  # a source key
    temperature: str
    queued: bool = False  # nobody could take it: it waits in the team's queue


# Their first-response clocks run when someone logs in: the card says "due in 3 minutes",
# and the SLA sweep warns, marks the breach and escalates them while one watches. The
# newest come first when a small demo has room for only some.
LIVE_ARRIVALS = (
    LiveArrival(57, "contact_form", "warm"),
    LiveArrival(44, "quiz", "warm"),
    LiveArrival(31, "callback", "hot"),
    LiveArrival(22, "chat", "warm"),
    LiveArrival(14, "callback", "hot"),
    LiveArrival(9, "quiz", "warm", queued=True),
    LiveArrival(4, "callback", "hot"),
    LiveArrival(2, "callback", "hot"),
)


@dataclass(frozen=True)
class SourceSpec:
    key: str
    name: str
    channel: Channel
    countries: tuple[str, ...]  # empty: every country
    weight: int
    vendor: str = ""
    description: str = ""
    utm_source: str = ""
    utm_medium: str = ""
    referrer: str = ""


ALL = ()
SOURCES: tuple[SourceSpec, ...] = (
    SourceSpec(
        "google_organic",
        "Google search (organic)",
        Channel.ORGANIC_SEARCH,
        ("RO", "ES", "FI", "GB", "US"),
        14,
        referrer="https://www.google.com/",
    ),
    SourceSpec(
        "yandex_organic",
        "Yandex search (organic)",
        Channel.ORGANIC_SEARCH,
        ("RU",),
        12,
        referrer="https://yandex.ru/",
    ),
    SourceSpec(
        "google_ads",
        "Google Ads",
        Channel.PAID_SEARCH,
        ("RO", "ES", "FI", "GB", "US"),
        16,
        utm_source="google",
        utm_medium="cpc",
    ),
    SourceSpec(
        "yandex_direct",
        "Yandex Direct",
        Channel.PAID_SEARCH,
        ("RU",),
        16,
        utm_source="yandex",
        utm_medium="cpc",
    ),
    SourceSpec(
        "banners",
        "Display banners (programmatic)",
        Channel.BANNER,
        ALL,
        5,
        description="Retargeting and prospecting banners bought through an ad exchange.",
        utm_source="adexchange",
        utm_medium="banner",
    ),
    SourceSpec(
        "meta",
        "Facebook & Instagram",
        Channel.SOCIAL,
        ("RO", "ES", "FI", "GB", "US"),
        9,
        utm_source="facebook",
        utm_medium="paid_social",
    ),
    SourceSpec("vk", "VK", Channel.SOCIAL, ("RU",), 8, utm_source="vk", utm_medium="paid_social"),
    SourceSpec(
        "meta_lead_ads",
        "Facebook lead ads",
        Channel.AD_LEAD_FORM,
        ("RO", "ES", "GB", "US"),
        4,
        description="Lead forms filled in on Facebook, delivered through the API.",
        utm_source="facebook",
        utm_medium="lead_ad",
    ),
    SourceSpec(
        "newsletter",
        "Monthly newsletter",
        Channel.EMAIL_CAMPAIGN,
        ALL,
        4,
        description="Sent to subscribers and to the deferred-demand base.",
        utm_source="newsletter",
        utm_medium="email",
    ),
    SourceSpec(
        "referrals",
        "Customer referral programme",
        Channel.REFERRAL,
        ALL,
        4,
        description="Clients recommend friends; both get a free maintenance visit.",
        utm_source="referral",
        utm_medium="referral",
    ),
    SourceSpec("contact_form", "Website contact form", Channel.LANDING_PAGE, ALL, 6),
    SourceSpec(
        "quiz",
        "Solar savings quiz",
        Channel.QUIZ,
        ALL,
        6,
        description="Five questions about the roof and the electricity bill, then a discount.",
    ),
    SourceSpec("callback", "Callback widget", Channel.CALLBACK, ALL, 5),
    SourceSpec("chat", "Website chat", Channel.CHAT, ALL, 3),
    SourceSpec("hotline", "Sales hotline", Channel.PHONE_CALL, ALL, 4),
    SourceSpec("mailbox", "info@ mailbox", Channel.INBOUND_EMAIL, ALL, 2),
    SourceSpec("cold_calls", "Outbound cold calls", Channel.COLD_CALL, ALL, 3),
    SourceSpec(
        "trade_shows",
        "Trade shows",
        Channel.EXHIBITION,
        ("RO", "ES", "FI", "GB"),
        3,
        description="Visitors who left their card at our stand.",
    ),
    SourceSpec(
        "leadmarket",
        "Bought list: LeadMarket",
        Channel.BOUGHT_LIST,
        ("RO", "ES"),
        3,
        vendor="LeadMarket SRL",
        description="Home-owners interested in energy savings; paid per lead.",
    ),
    SourceSpec(
        "energolead",
        "Bought list: EnergoLead",
        Channel.BOUGHT_LIST,
        ("RU",),
        3,
        vendor="ООО «ЭнергоЛид»",
        description="Consumer leads, resold to several installers.",
    ),
)
SOURCE_BY_KEY = {s.key: s for s in SOURCES}


@dataclass(frozen=True)
class CampaignSpec:
    source: str
    name: str
    utm_campaign: str
    countries: tuple[str, ...]
    currency: str
    daily: Decimal  # typical spend per day
    days_ago_start: int
    days_ago_end: int  # 0: still running
    cpc: Decimal  # cost per click, for the clicks column
    terms: tuple[str, ...] = ()


CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec(
        "google_ads",
        "RO – Panouri solare casă",
        "ro_panouri_solare",
        ("RO",),
        "RON",
        Decimal("420"),
        182,
        0,
        Decimal("2.10"),
        ("panouri solare pret", "sistem fotovoltaic casa", "baterie stocare energie"),
    ),
    CampaignSpec(
        "google_ads",
        "ES – Autoconsumo solar",
        "es_autoconsumo",
        ("ES",),
        "EUR",
        Decimal("95"),
        182,
        0,
        Decimal("0.85"),
        ("placas solares precio", "autoconsumo solar", "baterias solares"),
    ),
    CampaignSpec(
        "google_ads",
        "FI – Aurinkopaneelit",
        "fi_aurinkopaneelit",
        ("FI",),
        "EUR",
        Decimal("60"),
        150,
        0,
        Decimal("1.20"),
        ("aurinkopaneelit hinta", "aurinkosähkö omakotitalo"),
    ),
    CampaignSpec(
        "google_ads",
        "UK & US – Solar panels",
        "en_solar_panels",
        ("GB", "US"),
        "EUR",
        Decimal("140"),
        182,
        0,
        Decimal("2.40"),
        ("solar panels cost", "home battery storage", "commercial solar installer"),
    ),
    CampaignSpec(
        "yandex_direct",
        "RU – Солнечные панели",
        "ru_solnechnye_paneli",
        ("RU",),
        "RUB",
        Decimal("9500"),
        182,
        0,
        Decimal("38"),
        ("солнечные панели цена", "солнечная электростанция для дома"),
    ),
    CampaignSpec(
        "banners",
        "Retargeting – all markets",
        "retargeting_all",
        (),
        "EUR",
        Decimal("35"),
        120,
        0,
        Decimal("0.45"),
    ),
    CampaignSpec(
        "meta",
        "RO – Vara cu soare",
        "ro_vara_soare",
        ("RO",),
        "RON",
        Decimal("180"),
        182,
        60,
        Decimal("1.10"),
    ),
    CampaignSpec(
        "meta",
        "ES – Baterías",
        "es_baterias",
        ("ES",),
        "EUR",
        Decimal("40"),
        140,
        0,
        Decimal("0.55"),
    ),
    CampaignSpec(
        "meta",
        "FI/UK/US – Go solar",
        "north_go_solar",
        ("FI", "GB", "US"),
        "EUR",
        Decimal("55"),
        182,
        0,
        Decimal("0.70"),
    ),
    CampaignSpec(
        "vk",
        "RU – Дом на солнце",
        "ru_dom_na_solnce",
        ("RU",),
        "RUB",
        Decimal("3200"),
        182,
        0,
        Decimal("22"),
    ),
    CampaignSpec(
        "meta_lead_ads",
        "Lead ads – free roof check",
        "lead_ads_roof_check",
        (),
        "EUR",
        Decimal("50"),
        100,
        0,
        Decimal("0.60"),
    ),
    CampaignSpec(
        "newsletter",
        "Monthly newsletter",
        "newsletter",
        (),
        "EUR",
        Decimal("4"),
        182,
        0,
        Decimal("0"),
    ),
)

# (name, source key, country, city, days ago it started, length in days)
OFFLINE_EVENTS = (
    ("Green Energy Expo Bucharest", "trade_shows", "RO", "București", 150, 3),
    ("Expo Energía Renovable Madrid", "trade_shows", "ES", "Madrid", 95, 3),
    ("Energia-messut Tampere", "trade_shows", "FI", "Tampere", 40, 3),
    ("Solar & Storage Live Birmingham", "trade_shows", "GB", "Birmingham", 25, 2),
)

# what people write when they leave a request, in their language
COMMENTS = {
    "ro": (
        "Aș dori o ofertă pentru o casă de 120 m².",
        "Cât costă un sistem de 5 kW cu montaj?",
        "Mă interesează și programul Casa Verde.",
        "Vă rog să mă sunați după ora 17.",
        "Avem o hală de 800 m², acoperiș tablă.",
    ),
    "ru": (
        "Хочу узнать стоимость станции для частного дома.",
        "Интересует система с аккумулятором.",
        "Перезвоните, пожалуйста, вечером.",
        "Нужен расчёт для склада 1200 м².",
        "Какая окупаемость для Краснодара?",
    ),
    "es": (
        "Quiero presupuesto para una vivienda unifamiliar.",
        "¿Cuánto cuesta instalar 4 kW con batería?",
        "Llámenme por la mañana, por favor.",
        "Tenemos una nave industrial de 1.500 m².",
        "¿Gestionan ustedes las subvenciones?",
    ),
    "fi": (
        "Haluaisin tarjouksen omakotitaloon.",
        "Paljonko maksaa 6 kW järjestelmä asennettuna?",
        "Kiinnostaa myös akku.",
        "Soittakaa mieluiten iltapäivällä.",
        "Taloyhtiön katolle aurinkopaneelit?",
    ),
    "en": (
        "Looking for a quote for a 3-bed house.",
        "How much would a 6 kW system with a battery cost?",
        "Please call after 5pm.",
        "We have a 2,000 sq ft warehouse roof.",
        "Do you install EV chargers as well?",
    ),
}
CONTACT_TIMES = ("morning", "after 17:00", "lunchtime", "weekends", "any time")

FIRST_CALL_OUTCOMES = (
    "Reached: wants a quote",
    "Reached: asked for prices by e-mail",
    "Reached: interested, site survey to plan",
    "Reached: compares offers, call back next week",
)
FIRST_EMAIL_OUTCOMES = (
    "Replied: wants a quote",
    "Replied: asked for a call next week",
    "Replied: sent photos of the roof",
)
NO_ANSWER = "No answer, will try again"
NO_REPLY = "No reply yet, will write again"
WRONG_NUMBER = "Wrong number: the person never asked"
NOT_OUR_PRODUCT = "Asks for a product we do not sell"
OFFER_OUTCOMES = (
    "Offer sent with two options",
    "Offer sent, discussed financing",
    "Price list sent",
)
MEETING_OUTCOMES = (
    "Site survey done: roof suitable",
    "Meeting done: decision maker convinced",
    "Site survey done: needs a larger inverter",
)
FOLLOW_UP_TITLES = ("Follow-up call", "Send case studies", "Call about financing")
REJECTION_REASONS = (
    "Budget too small",
    "Chose a competitor",
    "No longer interested",
    "Roof not suitable",
    "Unreachable after five attempts",
)
NON_TARGET_REASONS = (
    "Non-target: wrong number",
    "Non-target: asks for an off-grid camping kit, which we do not sell",
    "Non-target: tenant, cannot decide on the roof",
)
DEFERRAL_REASONS = (
    "Asked us to come back after the winter",
    "Waiting for the subsidy programme to open",
    "Building permit pending",
    "Budget planned for next year",
)
NOTES = (
    "Prefers WhatsApp for documents.",
    "Spouse decides too: invite both to the meeting.",
    "Already has a quote from a competitor, ours must be clearer on warranty.",
    "Asked about financing over 5 years.",
    "Roof faces south-west, some shade in the morning.",
    "Wants installation before summer.",
)

# capture forms: (slug, name, kind, channel, source key, interest); the quiz's steps below
DEMO_FORMS = (
    ("contact", "Website contact form", "web_form", Channel.LANDING_PAGE, "contact_form", ""),
    ("solar-quiz", "Solar savings quiz", "quiz", Channel.QUIZ, "quiz", "Solar panels"),
    ("call-me", "Call me back", "callback", Channel.CALLBACK, "callback", ""),
    ("expo", "Exhibition quick entry", "quick_entry", Channel.EXHIBITION, "trade_shows", ""),
)
DEMO_QUIZ = {
    "steps": [
        {
            "id": "home",
            "question": "What do you want to power with the sun?",
            "type": "single",
            "options": [
                {"value": "house", "label": "My house", "next": "bill"},
                {"value": "business", "label": "My business", "next": "roof"},
            ],
        },
        {
            "id": "bill",
            "question": "Your monthly electricity bill (EUR)?",
            "type": "number",
            "min": 0,
            "next": "roof",
        },
        {
            "id": "roof",
            "question": "What is your roof like?",
            "type": "single",
            "options": [
                {"value": "pitched", "label": "Pitched"},
                {"value": "flat", "label": "Flat"},
                {"value": "unsure", "label": "I am not sure"},
            ],
            "next": "when",
        },
        {
            "id": "when",
            "question": "When would you like it installed?",
            "type": "single",
            "options": [
                {"value": "now", "label": "As soon as possible"},
                {"value": "season", "label": "This season"},
                {"value": "later", "label": "Just looking"},
            ],
        },
    ]
}
DEMO_QUIZ_INCENTIVE = "Your code SUN10: 10 % off the installation, valid 30 days."
DEMO_CONSENT = "I agree that Helios Solar contacts me about my request."
