"""The pseudo-lead checks: a registry of pure functions over the facts of one submission.

Each check looks at ``Facts`` (computed once per submission from the parsed submission, see
``facts_of``), its ``params`` (the registry's defaults, overridden by the ``QualityCheck``
row in the admin) and a ``CheckContext`` (what the quality stage's ``prepare`` read from the
database for this submission: recent submissions from the same address, device or payload,
the names a phone already has, the business's lists). It returns a ``Reason`` when it fires,
or None. No check touches the database.

The codes are a contract: the lead card, the review queue, the per-source report and the
benchmark count by them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Any

import phonenumbers
from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz.distance import OSA

from galena.core.net import network_of
from galena.intake.contract import ParsedSubmission, Reason, Signals
from galena.leads.contact_values import (
    EmailResult,
    NameResult,
    PhoneResult,
    ProfileResult,
    normalise_email,
    normalise_phone,
    normalise_profile,
    parse_name,
)
from galena.leads.models import ContactKind
from galena.quality.models import CheckGroup, ListKind

STAGE = "quality"


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class PhoneFact:
    raw: str
    label: str
    result: PhoneResult


@dataclass(frozen=True)
class EmailFact:
    raw: str
    label: str
    result: EmailResult


@dataclass(frozen=True)
class ProfileFact:
    raw: str
    kind: str
    label: str
    result: ProfileResult


@dataclass(frozen=True)
class Facts:
    """What the checks know of one submission, computed once from the parsed submission."""

    region: str
    phones: tuple[PhoneFact, ...]
    emails: tuple[EmailFact, ...]
    profiles: tuple[ProfileFact, ...]
    name: NameResult
    company_name: str
    signals: Signals
    network: str
    content_hash: str
    device: str
    form_id: int | None = None
    source_id: int | None = None
    received_at: dt.datetime | None = None
    channel: str = ""
    form_kind: str = ""
    # whether the body carried the hidden field (``_hp``) the embed script and the hosted
    # page always send, empty or not; None when not known (no stored submission, not read)
    honeypot_field: bool | None = None
    # it came as an HTTP request whose headers were kept (a Content-Type at least): only
    # then does a missing User-Agent say anything
    over_http: bool = False

    @property
    def one_device_by_design(self) -> bool:
        """Staff typing leads at a stand (a quick-entry form): one device, one address,
        many people, on purpose."""
        return self.form_kind == "quick_entry"

    @property
    def has_name(self) -> bool:
        """A personal name was given (not a phone or an e-mail typed into the name field)."""
        return bool(
            (self.name.first or self.name.last)
            and not self.name.looks_like_phone
            and not self.name.looks_like_email
        )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def device_hash(signals: Signals, *, accept_language: str = "", network: str = "") -> str:
    """A stable hash of the sender's device: the page's fingerprint, else its visitor
    cookie, else the user agent with the accepted languages and the /24. The network is
    part of the last form because a user agent and a language alone are shared by
    thousands of genuine visitors (every up-to-date Chrome on Windows in one country)."""
    if signals.fingerprint:
        return _sha256("fp:" + signals.fingerprint)
    if signals.visitor_id:
        return _sha256("visitor:" + signals.visitor_id)
    if signals.user_agent:
        return _sha256(f"ua:{signals.user_agent}|{accept_language}|{network}")
    return ""


def content_hash(name: NameResult, contact_values: list[str]) -> str:
    """Who the submission is about: the normalised name and contact values. Empty when it
    has no contact, so empty submissions do not all look like one repeated payload."""
    values = sorted({value for value in contact_values if value})
    if not values:
        return ""
    return _sha256("\n".join([name.transliteration, *values]))


def facts_of(
    parsed: ParsedSubmission,
    *,
    region: str,
    accept_language: str = "",
    form_kind: str = "",
    honeypot_field: bool | None = None,
    over_http: bool = False,
) -> Facts:
    """The facts of a parsed submission, its phones read with ``region`` for national forms."""
    person = parsed.person
    locale_hint = person.language or person.country
    name = parse_name(
        person.full_name,
        first=person.first_name,
        last=person.last_name,
        middle=person.middle_name,
        locale_hint=locale_hint,
    )
    phones, emails, profiles = [], [], []
    for contact in parsed.contacts:
        raw = contact.value or ""
        if contact.kind == ContactKind.PHONE:
            phones.append(PhoneFact(raw, contact.label, normalise_phone(raw, region)))
        elif contact.kind == ContactKind.EMAIL:
            emails.append(EmailFact(raw, contact.label, normalise_email(raw)))
        else:
            profiles.append(
                ProfileFact(raw, contact.kind, contact.label, normalise_profile(raw, contact.label))
            )
    network = network_of(parsed.signals.remote_addr)
    values = [p.result.e164 for p in phones]
    values += [e.result.value.lower() for e in emails if e.result.valid]
    values += [p.result.url for p in profiles if p.result.valid]
    return Facts(
        region=region,
        phones=tuple(phones),
        emails=tuple(emails),
        profiles=tuple(profiles),
        name=name,
        company_name=person.company_name.strip(),
        signals=parsed.signals,
        network=network,
        content_hash=content_hash(name, values),
        device=device_hash(parsed.signals, accept_language=accept_language, network=network),
        form_id=parsed.form_id,
        source_id=parsed.attribution.source_id if parsed.attribution else None,
        received_at=parsed.received_at,
        channel=parsed.channel,
        form_kind=form_kind,
        honeypot_field=honeypot_field,
        over_http=over_http,
    )


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class Lists:
    """The business's lists (quality.models.ListedValue), normalised: kind -> value -> note."""

    blocked: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    competitor: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    allowed: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @staticmethod
    def find(entries: Mapping[str, Mapping[str, str]], facts: Facts) -> list[tuple[str, str, str]]:
        """(kind, value, note) of the entries the submission's values hit."""
        hits = []
        for email in facts.emails:
            if not email.result.valid:
                continue
            address = email.result.value.lower()
            domain = address.rpartition("@")[2]
            if address in entries.get(ListKind.EMAIL, {}):
                hits.append((ListKind.EMAIL, address, entries[ListKind.EMAIL][address]))
            for parent in _domain_and_parents(domain):
                if parent in entries.get(ListKind.EMAIL_DOMAIN, {}):
                    note = entries[ListKind.EMAIL_DOMAIN][parent]
                    hits.append((ListKind.EMAIL_DOMAIN, parent, note))
                    break
        for phone in facts.phones:
            e164 = phone.result.e164
            if e164 and e164 in entries.get(ListKind.PHONE, {}):
                hits.append((ListKind.PHONE, e164, entries[ListKind.PHONE][e164]))
        address = facts.signals.remote_addr
        if address and entries.get(ListKind.NETWORK):
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                ip = None
            if ip is not None:
                for network, note in entries[ListKind.NETWORK].items():
                    parsed = _ip_network(network)
                    if parsed is not None and ip in parsed:
                        hits.append((ListKind.NETWORK, network, note))
                        break
        return hits

    def allows_email(self, result: EmailResult) -> bool:
        address = result.value.lower()
        domain = address.rpartition("@")[2]
        return address in self.allowed.get(ListKind.EMAIL, {}) or any(
            parent in self.allowed.get(ListKind.EMAIL_DOMAIN, {})
            for parent in _domain_and_parents(domain)
        )

    def allows_sender(self, facts: Facts) -> bool:
        """The sender's address is on the allowed list: the business's own servers or a
        partner's, which post leads through the API in bursts and with library agents."""
        return bool(self.find({ListKind.NETWORK: self.allowed.get(ListKind.NETWORK, {})}, facts))


@lru_cache(maxsize=8192)
def _ip_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    # parsed once per process, not once per submission and listed network
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _domain_and_parents(domain: str) -> list[str]:
    """ "mail.evil.com" -> ["mail.evil.com", "evil.com"]: a listed domain covers its subdomains."""
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)]


@dataclass(frozen=True)
class CheckContext:
    """What the stage's prepare read for one submission. Counts include the submission
    itself and the earlier ones of its own batch."""

    lists: Lists = field(default_factory=Lists)
    address_count: int = 1  # from the same IP address within burst_address's window
    device_count: int = 1  # from the same device within burst_device's window
    payload_forms: frozenset[int] = frozenset()  # forms the same content came through
    network_source_count: int = 1  # from the same network, for the same source
    device_source_count: int = 1  # from the same device, for the same source
    phone_names: Mapping[str, frozenset[str]] = field(default_factory=dict)  # e164 -> names


# --------------------------------------------------------------------------- the registry

CheckFunction = Callable[[Facts, Mapping[str, Any], CheckContext], Reason | None]


@dataclass(frozen=True)
class Check:
    code: str
    group: str
    name: Any  # lazy translation
    description: Any
    weight: int
    params: Mapping[str, Any]
    function: CheckFunction


REGISTRY: dict[str, Check] = {}


def check(
    code: str, group: str, name: Any, description: Any, *, weight: int, params: Any = None
) -> Callable[[CheckFunction], CheckFunction]:
    def register(function: CheckFunction) -> CheckFunction:
        REGISTRY[code] = Check(code, group, name, description, weight, dict(params or {}), function)
        return function

    return register


def reason(
    code: str, message: str, evidence: dict[str, Any], points: int, suggestion: str = ""
) -> Reason:
    return Reason(
        stage=STAGE,
        code=code,
        message=message,
        evidence=evidence,
        points=points,
        suggestion=suggestion,
    )


def _weight(params: Mapping[str, Any]) -> int:
    return int(params.get("weight", 0))


# --- honest mistakes: small weights, a suggested fix ------------------------------------


@check(
    "phone_invalid",
    CheckGroup.MISTAKE,
    gettext_lazy("Invalid phone number"),
    gettext_lazy("A phone number that cannot exist; suggests the number most likely meant."),
    weight=10,
)
def phone_invalid(facts: Facts, params, context) -> Reason | None:
    bad = [p for p in facts.phones if p.result.status == "invalid" and "@" not in p.raw]
    if not bad:
        return None
    phone = bad[0]
    message = _("The phone number %(phone)s cannot exist.") % {"phone": phone.raw}
    if phone.result.suggestion:
        message += " " + _("Did they mean %(suggestion)s?") % {
            "suggestion": phone.result.suggestion
        }
    return reason(
        "phone_invalid",
        message,
        {"phone": phone.raw, "region": facts.region},
        _weight(params),
        phone.result.suggestion,
    )


@check(
    "phone_unlikely",
    CheckGroup.MISTAKE,
    gettext_lazy("Unlikely phone number"),
    gettext_lazy("A number of a possible length that no operator has issued."),
    weight=5,
)
def phone_unlikely(facts: Facts, params, context) -> Reason | None:
    unlikely = [p for p in facts.phones if p.result.status == "possible"]
    if not unlikely:
        return None
    phone = unlikely[0]
    return reason(
        "phone_unlikely",
        _("The phone number %(phone)s has a possible length but is not in use anywhere.")
        % {"phone": phone.raw},
        {"phone": phone.raw, "e164": phone.result.e164, "region": facts.region},
        _weight(params),
        phone.result.suggestion,
    )


@check(
    "email_invalid",
    CheckGroup.MISTAKE,
    gettext_lazy("Invalid e-mail address"),
    gettext_lazy("An e-mail address that is not well formed."),
    weight=10,
)
def email_invalid(facts: Facts, params, context) -> Reason | None:
    bad = [e for e in facts.emails if not e.result.valid and not _looks_like_phone(e.raw)]
    if not bad:
        return None
    email = bad[0]
    message = _("The e-mail address %(email)s is not valid: %(error)s") % {
        "email": email.raw,
        "error": email.result.error,
    }
    if email.result.suggestion:
        message += " " + _("Did they mean %(suggestion)s?") % {
            "suggestion": email.result.suggestion
        }
    return reason(
        "email_invalid",
        message,
        {"email": email.raw, "error": email.result.error},
        _weight(params),
        email.result.suggestion,
    )


@check(
    "email_typo",
    CheckGroup.MISTAKE,
    gettext_lazy("E-mail domain typo"),
    gettext_lazy("A well-formed address whose domain is one letter off a big provider's."),
    weight=5,
)
def email_typo(facts: Facts, params, context) -> Reason | None:
    typos = [e for e in facts.emails if e.result.valid and e.result.suggestion]
    if not typos:
        return None
    email = typos[0]
    return reason(
        "email_typo",
        _("The e-mail address %(email)s looks mistyped: did they mean %(suggestion)s?")
        % {"email": email.raw, "suggestion": email.result.suggestion},
        {"email": email.raw, "domain": email.result.value.rpartition("@")[2]},
        _weight(params),
        email.result.suggestion,
    )


@check(
    "name_is_contact",
    CheckGroup.MISTAKE,
    gettext_lazy("Contact in the name field"),
    gettext_lazy("The name field holds a phone number or an e-mail address."),
    weight=10,
)
def name_is_contact(facts: Facts, params, context) -> Reason | None:
    name = facts.name
    if not (name.looks_like_phone or name.looks_like_email):
        return None
    what = _("an e-mail address") if name.looks_like_email else _("a phone number")
    suggestion = ""
    if name.looks_like_email:
        match = re.search(r"\S+@\S+\.\S+", name.raw)
        suggestion = normalise_email(match.group(0)).value if match else ""
    else:
        suggestion = normalise_phone(name.raw, facts.region).e164
    return reason(
        "name_is_contact",
        _("The name field holds %(what)s: %(name)s.") % {"what": what, "name": name.raw},
        {"name": name.raw},
        _weight(params),
        suggestion,
    )


def _looks_like_phone(text: str) -> bool:
    return "@" not in text and sum(char.isdigit() for char in text) >= 7


@check(
    "swapped_fields",
    CheckGroup.MISTAKE,
    gettext_lazy("Swapped fields"),
    gettext_lazy("An e-mail address in the phone field, a phone number in the e-mail field…"),
    weight=10,
)
def swapped_fields(facts: Facts, params, context) -> Reason | None:
    for phone in facts.phones:
        if "@" in phone.raw:
            email = normalise_email(phone.raw)
            if email.valid:
                return reason(
                    "swapped_fields",
                    _("The phone field holds an e-mail address: %(value)s.") % {"value": phone.raw},
                    {"field": "phone", "value": phone.raw, "holds": "email"},
                    _weight(params),
                    email.value,
                )
        letters = sum(char.isalpha() for char in phone.raw)
        if not any(char.isdigit() for char in phone.raw) and letters >= 2:
            return reason(
                "swapped_fields",
                _("The phone field holds words, not a number: %(value)s.") % {"value": phone.raw},
                {"field": "phone", "value": phone.raw, "holds": "name"},
                _weight(params),
            )
    for email in facts.emails:
        if _looks_like_phone(email.raw):
            phone = normalise_phone(email.raw, facts.region)
            return reason(
                "swapped_fields",
                _("The e-mail field holds a phone number: %(value)s.") % {"value": email.raw},
                {"field": "email", "value": email.raw, "holds": "phone"},
                _weight(params),
                phone.e164 or phone.suggestion,
            )
    return None


def swapped_contacts(facts: Facts) -> tuple[list[str], list[PhoneResult]]:
    """Usable values typed into the wrong field: (valid e-mails in phone fields, valid or
    possible phones in e-mail fields). They still count as a way to reach the person."""
    emails = [normalise_email(p.raw) for p in facts.phones if "@" in p.raw]
    phones = [
        normalise_phone(e.raw, facts.region) for e in facts.emails if _looks_like_phone(e.raw)
    ]
    return (
        [e.value for e in emails if e.valid],
        [p for p in phones if p.status in ("valid", "possible")],
    )


# --- bots --------------------------------------------------------------------------------


@check(
    "honeypot",
    CheckGroup.BOT,
    gettext_lazy("Honeypot filled"),
    gettext_lazy("A field hidden from people was filled in: only a script sees it."),
    weight=150,
)
def honeypot(facts: Facts, params, context) -> Reason | None:
    if not facts.signals.honeypot:
        return None
    return reason(
        "honeypot",
        _("The hidden field no person can see was filled in."),
        {"honeypot": facts.signals.honeypot[:100]},
        _weight(params),
    )


@check(
    "too_fast",
    CheckGroup.BOT,
    gettext_lazy("Submitted too fast"),
    gettext_lazy("Sent sooner after the page opened than a person can fill the form."),
    weight=100,
    params={"min_ms": 2500},
)
def too_fast(facts: Facts, params, context) -> Reason | None:
    elapsed = facts.signals.time_to_submit_ms
    if elapsed is None or elapsed >= int(params["min_ms"]):
        return None
    return reason(
        "too_fast",
        _("Sent %(seconds).1f s after the page opened; a person needs at least %(minimum).1f s.")
        % {"seconds": max(elapsed, 0) / 1000, "minimum": int(params["min_ms"]) / 1000},
        {"time_to_submit_ms": elapsed, "min_ms": int(params["min_ms"])},
        _weight(params),
    )


_HEADLESS = re.compile(
    r"headlesschrome|phantomjs|slimerjs|selenium|webdriver|puppeteer|playwright|htmlunit",
    re.IGNORECASE,
)
# HTTP libraries a site's own back end may post leads with: by default they only flag.
_LIBRARY = re.compile(
    r"^(curl|python-requests|python-urllib|python-httpx|aiohttp|httpx|go-http-client"
    r"|java|okhttp|apache-httpclient|libwww-perl|node-fetch|axios|undici|ruby|guzzlehttp"
    r"|php|postmanruntime|insomnia|httpie)\b",
    re.IGNORECASE,
)
# "Googlebot/2.1", "AhrefsBot/7.0", "a bot", "(+http://…/bot.html)"; but not "CUBOT X30"
# (a phone brand in Android agents), so "bot" must stand alone or carry a version. Scrapers
# and downloaders (Scrapy, Wget) never relay a form for a site: they count as crawlers.
_CRAWLER = re.compile(
    r"\b(bot|spider|crawler|crawl|scrapy)\b|(bot|spider|crawler)/\d|\+https?://|^wget\b",
    re.IGNORECASE,
)


def bot_kind(user_agent: str) -> str:
    """ "headless", "library", "crawler", or "" for what looks like a person's browser."""
    if not user_agent:
        return ""
    if _HEADLESS.search(user_agent):
        return "headless"
    if _LIBRARY.search(user_agent.strip()):
        return "library"
    if _CRAWLER.search(user_agent):
        return "crawler"
    return ""


def sent_without_page_signals(facts: Facts) -> bool:
    """The body lacks what the embed script and the hosted page always send: the time to
    submit (``_ts``) and the hidden honeypot field (``_hp``, sent empty by a person)."""
    return facts.signals.time_to_submit_ms is None or facts.honeypot_field is False


@check(
    "bot_user_agent",
    CheckGroup.BOT,
    gettext_lazy("Bot or script user agent"),
    gettext_lazy(
        "Sent by a headless browser, a crawler or a scraper (the weight). An HTTP library "
        "(curl, python-requests, axios…) or no User-Agent at all on a form: the weight when "
        "the body also lacks what the form page always sends (the time to submit and the "
        "hidden field), library_points when it has them. A site's back end relaying its "
        "visitors' posts looks like that: put its address on the allowed list (it needs to "
        "be there anyway, or its posts look like a burst from one address) and it is never "
        "flagged; lower library_points to only flag unlisted ones."
    ),
    weight=100,
    # a relaying back end must be on the allowed list in any case (bursts), so an unlisted
    # program is held for a reviewer, who can list it with one entry: held, never lost
    params={"library_points": 100},
)
def bot_user_agent(facts: Facts, params, context: CheckContext) -> Reason | None:
    agent = facts.signals.user_agent.strip()
    kind = bot_kind(agent)
    if not agent and facts.form_id is not None and facts.over_http:
        kind = "none"  # every browser sends one; a script may not
    if not kind or context.lists.allows_sender(facts):
        return None
    evidence: dict[str, Any] = {"user_agent": agent[:300], "kind": kind}
    points = _weight(params)
    if kind in ("library", "none"):
        bare = sent_without_page_signals(facts)
        evidence.update(
            time_to_submit_ms=facts.signals.time_to_submit_ms,
            honeypot_field=facts.honeypot_field,
            page_signals=not bare,
        )
        if not bare:
            points = int(params["library_points"])
    if kind == "none":
        message = _("Sent without a User-Agent header, which every browser sends.")
    else:
        message = _("Sent by a program, not a person's browser: %(agent)s.") % {
            "agent": agent[:120]
        }
    if kind in ("library", "none") and evidence["page_signals"] is False:
        message += " " + _(
            "The form page's signals (time to submit, hidden field) are missing too."
        )
    elif kind in ("library", "none"):
        message += " " + _(
            "If it is your site's own server relaying its visitors' posts, add its address "
            "to the allowed list."
        )
    return reason("bot_user_agent", message, evidence, points)


@check(
    "burst_address",
    CheckGroup.BOT,
    gettext_lazy("Burst from one address"),
    gettext_lazy("Many submissions from one IP address within a few minutes."),
    weight=100,
    params={"count": 5, "minutes": 10},
)
def burst_address(facts: Facts, params, context: CheckContext) -> Reason | None:
    if not facts.signals.remote_addr or context.address_count < int(params["count"]):
        return None
    if facts.one_device_by_design or context.lists.allows_sender(facts):
        return None
    return reason(
        "burst_address",
        _("%(count)s submissions from %(address)s within %(minutes)s minutes.")
        % {
            "count": context.address_count,
            "address": facts.signals.remote_addr,
            "minutes": params["minutes"],
        },
        {
            "address": facts.signals.remote_addr,
            "count": context.address_count,
            "minutes": int(params["minutes"]),
        },
        _weight(params),
    )


@check(
    "burst_device",
    CheckGroup.BOT,
    gettext_lazy("Burst from one device"),
    gettext_lazy("Many submissions from one device within a short time, whatever its address."),
    weight=80,
    params={"count": 4, "minutes": 30},
)
def burst_device(facts: Facts, params, context: CheckContext) -> Reason | None:
    if not facts.device or context.device_count < int(params["count"]):
        return None
    if facts.one_device_by_design or context.lists.allows_sender(facts):
        return None
    return reason(
        "burst_device",
        _("%(count)s submissions from one device within %(minutes)s minutes.")
        % {"count": context.device_count, "minutes": params["minutes"]},
        {"device": facts.device, "count": context.device_count, "minutes": int(params["minutes"])},
        _weight(params),
    )


@check(
    "repeated_payload",
    CheckGroup.BOT,
    gettext_lazy("Same payload on several forms"),
    gettext_lazy(
        "The same name and contacts sent through several different forms within hours. A "
        "person may well use two forms of one site (a quiz, then a callback), so it takes "
        "three by default."
    ),
    weight=100,
    params={"forms": 3, "hours": 24},
)
def repeated_payload(facts: Facts, params, context: CheckContext) -> Reason | None:
    if not facts.content_hash or facts.form_id is None:
        return None
    forms = context.payload_forms | {facts.form_id}
    if len(forms) < int(params["forms"]):
        return None
    return reason(
        "repeated_payload",
        _("The same name and contacts came through %(count)s forms within %(hours)s hours.")
        % {"count": len(forms), "hours": params["hours"]},
        {"content_hash": facts.content_hash, "forms": sorted(forms), "hours": int(params["hours"])},
        _weight(params),
    )


# --- fakes and pranks ----------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TEST_NAME_WORDS = _words(
    """
    test testing testi testaus proba prueba тест тестовый тестовая проверка asdf asdfg asdfgh qwerty qwert qwe asd zxc
    ejemplo exemplu esimerkki kokeilu пример образец
    йцукен фыва ячсм lorem ipsum foo foobar dummy noname nobody xxx xxxx zzz aaa aaaa abc abcd
    """
)
_TEST_LOCAL_PARTS = _words(
    """
    test testing tester tests testi proba prueba asdf asd qwerty qwe example sample dummy foo foobar noreply
    ejemplo exemplu esimerkki kokeilu
    no-reply noemail nomail none null nobody aaa xxx abc abcd
    """
)
_TEST_DOMAINS = _words(
    """
    example.com example.org example.net test.com test.ru test.ro test.es test.fi test.net
    test.org test.test asdf.com asdf.ru qwerty.com qwerty.ru domain.com mail.test
    """
)
_RESERVED_SUFFIXES = (".test", ".example", ".invalid", ".localhost", ".local")


def _test_email(result: EmailResult) -> str:
    if not result.valid:
        return ""
    local, _at, domain = result.value.lower().rpartition("@")
    bare = re.sub(r"[\d_.\-+]+$", "", local) or local  # test1, test_2, test+x
    if domain in _TEST_DOMAINS or domain.endswith(_RESERVED_SUFFIXES):
        return result.value
    if local in _TEST_LOCAL_PARTS or bare in _TEST_LOCAL_PARTS:
        return result.value
    letters = re.sub(r"[^a-z]", "", local)
    if len(letters) >= 5 and any(letters in row for row in _KEYBOARD_LINES):
        return result.value  # asdfghj@, qwerty12@, ytrewq@: keys in a row, in order
    label = domain.partition(".")[0]
    # a@a.ru, 123@123.com, 1@2.ru: one letter or only digits, and a domain just as empty
    placeholder = len(local) == 1 or local.isdigit()
    if placeholder and (label == local or label.isdigit() or len(label) == 1):
        return result.value
    return ""


_KEYBOARD_LINES = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "poiuytrewq", "lkjhgfdsa", "mnbvcxz")


def _sequential(digits: str) -> bool:
    steps = {(int(b) - int(a)) % 10 for a, b in pairwise(digits)}
    return steps in ({1}, {9})


def _test_digits(digits: str) -> bool:
    if len(digits) >= 5 and len(set(digits)) == 1:
        return True  # 1111111, 00000
    return len(digits) >= 6 and _sequential(digits)  # 1234567, 987654, 1234567890


def _test_phone(phone: PhoneFact) -> str:
    digits = re.sub(r"\D", "", phone.raw)
    if _test_digits(digits):
        return phone.raw
    number = phone.result.number  # as normalise_phone read it
    if number is None:
        return ""
    # the digits after the country code (national_number drops leading zeros: "+7 000…")
    code = str(number.country_code)
    national = digits[len(code) :] if phone.raw.strip().startswith("+") else digits.lstrip("0")
    # the whole national number, or all of it after its first digit: +70000000000,
    # +7 900 000 00 00, +33 1 23 45 67 89 (valid or not: nobody has these)
    if _test_digits(national) or (len(national) >= 8 and len(set(national[1:])) == 1):
        return phone.raw
    significant = phonenumbers.national_significant_number(number)
    # a mobile ending in six digits alike (Ukraine's 072 2 000000): nobody's own phone;
    # a company's landline may be a round number (+7 495 100-00-00), so only mobiles
    tail = significant[-6:]
    if phone.result.line_type == "mobile" and len(tail) == 6 and len(set(tail)) == 1:
        return phone.raw
    # the subscriber's part after the operator's or area code: 0722 000 000, (415) 123-4567.
    # It ends the number, so only a number ending in five digits alike or seven in a row
    # can have a test value there: for any other, where the part starts is not looked up
    # (length_of_national_destination_code formats the whole number to find it)
    ends_alike = len(significant) >= 5 and len(set(significant[-5:])) == 1
    ends_in_a_row = len(significant) >= 7 and _sequential(significant[-7:])
    if not (ends_alike or ends_in_a_row):
        return ""
    # a number read in the wrong country has no known operator's code: its last six
    # digits stand for the subscriber's part then
    code_length = phonenumbers.length_of_national_destination_code(number)
    subscriber = significant[code_length:] if code_length else significant[-6:]
    if len(subscriber) >= 5 and len(set(subscriber)) == 1:
        return phone.raw
    if len(subscriber) >= 7 and _sequential(subscriber):
        return phone.raw
    return ""


def _test_name(name: NameResult) -> str:
    raw = name.raw.strip()
    if (
        raw
        and not name.looks_like_phone
        and re.fullmatch(r"[\d\W_]+", raw)
        and re.search(r"\d", raw)
    ):
        return raw  # "123", "1", "00": digits where a name goes (a phone number is another check)
    words = re.findall(r"[^\W\d_]+", name.raw.lower())
    if words and any(word in _TEST_NAME_WORDS for word in words):
        return name.raw
    return ""


@check(
    "test_value",
    CheckGroup.FAKE,
    gettext_lazy("Test value"),
    gettext_lazy("test@test.com, asdf, 1111111, +70000000000, a name such as “Test”."),
    weight=150,
)
def test_value(facts: Facts, params, context: CheckContext) -> Reason | None:
    values = []
    if name := _test_name(facts.name):
        values.append(name)
    for email in facts.emails:
        if (value := _test_email(email.result)) and not context.lists.allows_email(email.result):
            values.append(value)
    allowed_phones = context.lists.allowed.get(ListKind.PHONE, {})
    for phone in facts.phones:
        if (value := _test_phone(phone)) and phone.result.e164 not in allowed_phones:
            values.append(value)
    if not values:
        return None
    return reason(
        "test_value",
        _("Test or placeholder values: %(values)s.") % {"values": ", ".join(values)},
        {"values": values},
        _weight(params),
    )


@check(
    "disposable_email",
    CheckGroup.FAKE,
    gettext_lazy("Disposable e-mail"),
    gettext_lazy(
        "An address at a throw-away mailbox service (the disposable-email-domains list; "
        "upgrade the package to update it). Domains on the allowed list are never flagged."
    ),
    weight=100,
)
def disposable_email(facts: Facts, params, context: CheckContext) -> Reason | None:
    for email in facts.emails:
        if not email.result.valid:
            continue
        domain = email.result.value.lower().rpartition("@")[2]
        suggested = email.result.suggestion.lower().rpartition("@")[2]
        if suggested and OSA.distance(domain, suggested) <= 1:
            # a one-letter typo of a big provider (gmial.com) is on the disposable lists as
            # a catch-all trap; the person meant the provider: email_typo says so. A real
            # disposable service two letters from one (yopmail.com) is still disposable.
            continue
        listed = next((d for d in _domain_and_parents(domain) if d in DISPOSABLE_DOMAINS), "")
        if listed and not context.lists.allows_email(email.result):
            return reason(
                "disposable_email",
                _("%(email)s is at a disposable mailbox service (%(domain)s).")
                % {"email": email.result.value, "domain": listed},
                {"email": email.result.value, "domain": listed},
                _weight(params),
            )
    return None


@check(
    "gibberish_name",
    CheckGroup.FAKE,
    gettext_lazy("Gibberish name"),
    gettext_lazy("A name that reads like keyboard mashing rather than a name."),
    weight=100,
    params={"threshold": 0.8},
)
def gibberish_name(facts: Facts, params, context) -> Reason | None:
    score = facts.name.gibberish_score
    if not facts.name.raw.strip() or score < float(params["threshold"]):
        return None
    if _test_name(facts.name):
        return None  # "asdf", "Test": test_value counts it, once
    return reason(
        "gibberish_name",
        _("The name %(name)s does not read like a name.") % {"name": facts.name.raw},
        {"name": facts.name.raw, "score": round(score, 2)},
        _weight(params),
    )


@check(
    "phone_many_names",
    CheckGroup.FAKE,
    gettext_lazy("Phone under many names"),
    gettext_lazy("The phone number is already on leads under several different names."),
    weight=80,
    params={"names": 3},
)
def phone_many_names(facts: Facts, params, context: CheckContext) -> Reason | None:
    own = facts.name.transliteration
    for phone in facts.phones:
        names = set(context.phone_names.get(phone.result.e164, ())) if phone.result.e164 else set()
        if own:
            names.add(own)
        if len(names) >= int(params["names"]):
            return reason(
                "phone_many_names",
                _("%(phone)s is on leads under %(count)s different names.")
                % {"phone": phone.result.e164, "count": len(names)},
                {"phone": phone.result.e164, "count": len(names), "names": sorted(names)[:10]},
                _weight(params),
            )
    return None


# --- competitors and probes -------------------------------------------------------------------


@check(
    "blocked_value",
    CheckGroup.COMPETITOR,
    gettext_lazy("Blocked value"),
    gettext_lazy("An e-mail, domain, phone or network on the blocked list."),
    weight=200,
)
def blocked_value(facts: Facts, params, context: CheckContext) -> Reason | None:
    hits = Lists.find(context.lists.blocked, facts)
    if not hits:
        return None
    kind, value, note = hits[0]
    message = _("%(value)s is on the blocked list.") % {"value": value}
    if note:
        message += f" ({note})"
    return reason(
        "blocked_value",
        message,
        {"kind": str(kind), "value": value, "note": note},
        _weight(params),
    )


@check(
    "competitor",
    CheckGroup.COMPETITOR,
    gettext_lazy("Competitor"),
    gettext_lazy("An e-mail, domain, phone or network of a known competitor."),
    weight=100,
)
def competitor(facts: Facts, params, context: CheckContext) -> Reason | None:
    hits = Lists.find(context.lists.competitor, facts)
    if not hits:
        return None
    kind, value, note = hits[0]
    message = (
        _("%(value)s belongs to the competitor %(competitor)s.")
        % {"value": value, "competitor": note}
        if note
        else _("%(value)s belongs to a competitor.") % {"value": value}
    )
    return reason(
        "competitor",
        message,
        {"kind": str(kind), "value": value, "competitor": note},
        _weight(params),
    )


# --- paid or farmed -------------------------------------------------------------------------


@check(
    "farmed_network",
    CheckGroup.FARMED,
    gettext_lazy("Farmed from one network"),
    gettext_lazy(
        "Many submissions for one source from one network (/24) or one device within a "
        "short time: leads a vendor or a click farm made up."
    ),
    weight=100,
    params={"count": 8, "minutes": 120},
)
def farmed_network(facts: Facts, params, context: CheckContext) -> Reason | None:
    if facts.source_id is None or facts.one_device_by_design:
        return None
    if context.lists.allows_sender(facts):
        return None
    threshold = int(params["count"])
    if facts.network and context.network_source_count >= threshold:
        by, count, value = "network", context.network_source_count, facts.network
    elif facts.device and context.device_source_count >= threshold:
        by, count, value = "device", context.device_source_count, facts.device
    else:
        return None
    message = (
        _(
            "%(count)s submissions for this source from the network %(value)s within %(minutes)s minutes."
        )
        if by == "network"
        else _("%(count)s submissions for this source from one device within %(minutes)s minutes.")
    )
    return reason(
        "farmed_network",
        message % {"count": count, "value": value, "minutes": params["minutes"]},
        {
            "by": by,
            "value": value,
            "count": count,
            "source_id": facts.source_id,
            "minutes": int(params["minutes"]),
        },
        _weight(params),
    )


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ActiveCheck:
    check: Check
    weight: int
    params: Mapping[str, Any]

    def run(self, facts: Facts, context: CheckContext) -> Reason | None:
        return self.check.function(facts, {**self.params, "weight": self.weight}, context)


def params_errors(code: str, params: Any) -> list[str]:
    """What is wrong with params for a check: unknown or missing keys, wrong types."""
    check = REGISTRY.get(code)
    if check is None:
        return [_("No check has the code %(code)s.") % {"code": code}]
    if not isinstance(params, dict):
        return [_("Write the parameters as a JSON object, e.g. {}.")]
    errors = []
    expected = check.params
    for key in sorted(set(params) - set(expected)):
        allowed = ", ".join(sorted(expected)) or _("none")
        errors.append(
            _("Unknown parameter %(key)s; this check takes: %(allowed)s.")
            % {"key": key, "allowed": allowed}
        )
    for key, default in expected.items():
        if key not in params:
            continue
        value = params[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(
                _("%(key)s must be a number, like the default %(default)s.")
                % {"key": key, "default": default}
            )
        elif value < 0:
            errors.append(_("%(key)s cannot be negative.") % {"key": key})
        elif isinstance(default, int) and not float(value).is_integer():
            errors.append(_("%(key)s must be a whole number.") % {"key": key})
    return errors


def active_checks(rows: Mapping[str, Any] | None = None) -> list[ActiveCheck]:
    """The checks to run: the registry's, with each QualityCheck row's enabled, weight and
    params over the defaults (a code with no row runs with its defaults). ``rows`` maps a
    code to an object with ``enabled``, ``weight`` and ``params``."""
    active = []
    for code, check in REGISTRY.items():
        row = (rows or {}).get(code)
        if row is None:
            active.append(ActiveCheck(check, check.weight, dict(check.params)))
            continue
        if not row.enabled:
            continue
        params = dict(check.params)
        if isinstance(row.params, dict) and not params_errors(code, row.params):
            params.update(row.params)
        active.append(ActiveCheck(check, int(row.weight), params))
    return active
