"""Loads the demo business into the database: people, channels, campaigns and leads.

The leads are written in bulk for speed, but every row is what the lead services would
have written for the same story: the same display name and search text, contact points
normalised by the same function, and one LeadEvent per step (created, assigned, tasks,
stage changes, hand-offs, notes) with its actor and actor source, in time order, and the
first-response clock the story gives it (demo/routing.py).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from statistics import NormalDist
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Max
from django.utils import timezone
from faker import Faker
from tqdm import tqdm

from galena.accounts.models import Profile, Role, Team
from galena.clients.models import Account, Contact, Deal
from galena.demo import catalogue as cat
from galena.demo import quality as demo_quality
from galena.demo.analytics import demo_traffic_create
from galena.demo.clients import demo_clients_create, demo_clients_wipe
from galena.demo.costs import demo_costs_create
from galena.demo.matching import demo_duplicates_create, duplicates_count
from galena.demo.models import DemoLoad
from galena.demo.nurture import demo_nurture_create, demo_nurture_wipe
from galena.demo.routing import (
    DemoRouting,
    demo_routing_create,
    demo_routing_finish,
    demo_routing_wipe,
    response_kind,
)
from galena.demo.scoring import demo_scoring_create, demo_scoring_wipe
from galena.demo.work import WORK_MODELS, demo_work_create, demo_work_wipe
from galena.intake.models import DecisionReason, Form, Submission, SubmissionStatus
from galena.leads.models import (
    ActorSource,
    Campaign,
    CampaignSpend,
    Channel,
    ContactKind,
    ContactPoint,
    ContactType,
    EventType,
    Fit,
    Lead,
    LeadEvent,
    OfflineEvent,
    Origin,
    QualityStatus,
    SavedFilter,
    Source,
    Stage,
    Task,
    TaskKind,
    Temperature,
    Verification,
    VerificationMethod,
)
from galena.leads.normalise import normalise_contact

# The services' own helpers, so bulk-written leads get exactly what lead_create computes.
from galena.leads.services import (
    EDITABLE_FIELDS,
    _compute_display_name,
    _json_value,
    _refresh_search_text,
)
from galena.matching.keys import leads_keys_write
from galena.matching.models import LeadMerge
from galena.routing.models import SlaClock

BATCH_SIZE = 500
DEMO_ENDPOINT = "demo"  # the demo's submissions, so a wipe finds them
HISTORY_DAYS = 182
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


# --- status and wiping ----------------------------------------------------------------


def demo_load_get() -> DemoLoad | None:
    """The record of the demo data in this database, if it was loaded."""
    return DemoLoad.objects.first()


def demo_conflicts() -> list[str]:
    """Why demo data cannot be loaded here: data that the demo did not put in."""
    problems = []
    lead_count = Lead.objects.count()
    if lead_count:
        problems.append(f"the database already holds {lead_count} leads")
    taken = list(
        get_user_model()
        .objects.filter(username__in=cat.DEMO_USERNAMES)
        .values_list("username", flat=True)
    )
    if taken:
        problems.append(f"users {', '.join(sorted(taken))} already exist")
    return problems


@transaction.atomic
def demo_data_wipe() -> None:
    """Delete every lead, the demo's channels, campaigns, users and teams, and the load record.

    Raises ProtectedError when something added since (e.g. another capture form) still
    uses a demo source.
    """
    # the demo's submissions first: deleting the leads would otherwise update each one
    Submission.objects.filter(endpoint=DEMO_ENDPOINT).delete()
    demo_nurture_wipe()
    from galena.demo.compliance import demo_compliance_wipe

    demo_compliance_wipe()
    # conversions keep their leads, and merges protect theirs (so they can be undone):
    # they go first
    demo_clients_wipe()
    LeadMerge.objects.all().delete()
    Lead.objects.exclude(merged_into=None).update(merged_into=None)
    Lead.objects.all().delete()
    demo_scoring_wipe()
    demo_routing_wipe()
    demo_work_wipe()
    Form.objects.filter(slug__in=[form[0] for form in cat.DEMO_FORMS]).delete()
    sources = Source.objects.filter(name__in=[s.name for s in cat.SOURCES])
    Campaign.objects.filter(source__in=sources).delete()
    OfflineEvent.objects.filter(source__in=sources).delete()
    sources.delete()
    SavedFilter.objects.filter(user__username__in=cat.DEMO_USERNAMES).delete()
    get_user_model().objects.filter(username__in=cat.DEMO_USERNAMES).delete()
    Team.objects.filter(name__in=[t.name for t in cat.TEAMS]).delete()
    DemoLoad.objects.all().delete()


# --- loading --------------------------------------------------------------------------


@contextmanager
def _historical_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk writes keep the past times we give instead of auto_now/auto_now_add."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def demo_data_load(*, leads: int = 5000, seed: int = 42, progress: bool = True) -> DemoLoad:
    """Load the demo business with `leads` leads over the last six months; same seed, same data."""
    started = time.monotonic()
    with (
        transaction.atomic(),
        _historical_timestamps(
            Lead,
            Task,
            Source,
            Campaign,
            OfflineEvent,
            Team,
            Profile,
            Account,
            Contact,
            Deal,
            *WORK_MODELS,
        ),
    ):
        builder = _Builder(seed=seed, now=timezone.now().replace(microsecond=0))
        builder.people_create()
        builder.routing = demo_routing_create(
            seed=seed,
            now=builder.now,
            teams=builder.teams,
            users={member.username: member.pk for member in builder.members},
        )
        builder.channels_create()
        demo_costs_create(seed=seed, now=builder.now)
        builder.forms_create()
        builder.leads_create(count=leads - duplicates_count(leads), progress=progress)
        demo_duplicates_create(seed=seed, count=duplicates_count(leads), endpoint=DEMO_ENDPOINT)
        demo_routing_finish(routing=builder.routing)
        demo_scoring_create(seed=seed, now=builder.now)
        demo_traffic_create(seed=seed, now=builder.now)  # the funnel's anonymous visitors
        # after scoring, which gives the won leads their deal values
        demo_clients_create(seed=seed, now=builder.now)
        # after the clients: rejection reasons, come-back dates, calls, e-mails, meetings
        demo_work_create(seed=seed, now=builder.now)
        # after the reasons: the base, consent, nurture, farewells, reactivations
        demo_nurture_create(seed=seed, now=builder.now)
        # a few people's requests about their data (the register is cleared first)
        from galena.demo.compliance import demo_compliance_create

        demo_compliance_create(seed=seed, now=builder.now)
        load = DemoLoad.objects.create(
            seed=seed, lead_count=leads, duration_seconds=round(time.monotonic() - started, 2)
        )
    return load


def _demo_password_hash() -> str:
    """The shared demo password, hashed once and cheaply: it is printed on the screen anyway.

    PBKDF2 at Django's full iteration count takes seconds; a hash with fewer iterations
    still verifies, and Django re-hashes it at full strength on the first login.
    """
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return hasher.encode(cat.DEMO_PASSWORD, hasher.salt(), iterations=50_000)
    return make_password(cat.DEMO_PASSWORD)


# --- the generator --------------------------------------------------------------------


_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
_CYRILLIC = {
    cyrillic: ("" if latin == "-" else latin)
    for cyrillic, latin in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN.split(" "), strict=True)
}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _ascii(text: str) -> str:
    """A name as a mailbox would spell it: transliterated, no accents, lower case."""
    text = "".join(_CYRILLIC.get(ch, ch) for ch in text.lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_ALNUM.sub("", text)


FIXED_LINE_PREFIXES = {
    "RO": ("21", "31", "264", "256"),
    "RU": ("495", "499", "812", "861"),
    "ES": ("91", "93", "96", "95"),
    "FI": ("9", "2", "3"),
    "GB": ("20", "161", "121", "117"),
    "US": ("512", "602", "619", "720"),
}
PHONE_FORMATS = (
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.E164,
)

CHANNEL_TEMPERATURE = {
    # hot, warm, cold, unknown
    Channel.CALLBACK: (45, 35, 10, 10),
    Channel.PHONE_CALL: (45, 35, 10, 10),
    Channel.CHAT: (35, 40, 15, 10),
    Channel.REFERRAL: (35, 45, 15, 5),
    Channel.QUIZ: (25, 45, 20, 10),
    Channel.PAID_SEARCH: (25, 40, 25, 10),
    Channel.INBOUND_EMAIL: (25, 45, 20, 10),
    Channel.LANDING_PAGE: (20, 40, 30, 10),
    Channel.ORGANIC_SEARCH: (20, 40, 30, 10),
    Channel.AD_LEAD_FORM: (15, 40, 35, 10),
    Channel.EXHIBITION: (15, 45, 35, 5),
    Channel.SOCIAL: (10, 35, 45, 10),
    Channel.BANNER: (10, 35, 45, 10),
    Channel.EMAIL_CAMPAIGN: (10, 40, 40, 10),
    Channel.COLD_CALL: (5, 25, 60, 10),
    Channel.BOUGHT_LIST: (5, 25, 60, 10),
}
TEMPERATURES = (Temperature.HOT, Temperature.WARM, Temperature.COLD, Temperature.UNKNOWN)

CHANNEL_CONTACT_TYPE = {
    Channel.CALLBACK: ContactType.QUICK,
    Channel.PHONE_CALL: ContactType.QUICK,
    Channel.COLD_CALL: ContactType.QUICK,
    Channel.CHAT: ContactType.QUICK,
    Channel.BOUGHT_LIST: ContactType.QUICK,
    Channel.AD_LEAD_FORM: ContactType.QUICK,
    Channel.QUIZ: ContactType.INTERESTED,
    Channel.EXHIBITION: ContactType.PROMO,
}

# final stage weights for a lead older than three weeks:
# new, in_work, qualified, converted, rejected, deferred
MATURE_OUTCOMES = {
    Temperature.HOT: (5, 28, 14, 32, 13, 8),
    Temperature.WARM: (6, 36, 16, 13, 18, 11),
    Temperature.COLD: (10, 42, 9, 4, 20, 15),
    Temperature.UNKNOWN: (40, 33, 5, 2, 15, 5),
}
# How long the owner takes to answer a lead they were given, in minutes: the median of a
# log-normal spread (times a person's pace, catalogue.RESPONSE_PACE), by the temperature it
# arrived with; the policies ask for 5 minutes (hot), an hour (warm), a business day.
RESPONSE_MEDIAN_MINUTES = {
    Temperature.HOT: 1.5,
    Temperature.WARM: 16.0,
    Temperature.COLD: 150.0,
    Temperature.UNKNOWN: 150.0,
}
RESPONSE_SPREAD = {
    Temperature.HOT: 0.7,
    Temperature.WARM: 0.9,
    Temperature.COLD: 1.0,
    Temperature.UNKNOWN: 1.0,
}
# how long a head of sales takes to give a lead out by hand (a rule does it on arrival)
MANUAL_ASSIGNMENT_MINUTES = {
    Temperature.HOT: (0.3, 1.5),
    Temperature.WARM: (3, 30),
    Temperature.COLD: (30, 600),
    Temperature.UNKNOWN: (20, 300),
}
_NORMAL = NormalDist()
LANGUAGE_NAMES = {
    "ro": "Romanian",
    "ru": "Russian",
    "es": "Spanish",
    "fi": "Finnish",
    "en": "English",
}
STAGE_CODES = ("new", "in_work", "qualified", "converted", "rejected", "deferred")

# who writes a lead in, by channel: (actor role, actor source)
WEB = ActorSource.WEB_FORM
CREATOR = {
    Channel.AD_LEAD_FORM: (None, ActorSource.API),
    Channel.INBOUND_EMAIL: (None, ActorSource.EMAIL),
    Channel.PHONE_CALL: (Role.TELEMARKETER, ActorSource.CALL),
    Channel.COLD_CALL: (Role.TELEMARKETER, ActorSource.CALL),
    Channel.EXHIBITION: (Role.HEAD_OF_SALES, ActorSource.IMPORT),
    Channel.BOUGHT_LIST: (Role.HEAD_OF_SALES, ActorSource.IMPORT),
}


@dataclass
class _Step:
    """One moment of a lead's story, as minutes after its creation (scaled later)."""

    minutes: float
    type: str
    actor_id: int | None
    source: str
    params: dict[str, Any]
    task: _Row | None = None


@dataclass
class _Plan:
    lead: Lead
    contacts: list[_Row]
    tasks: list[_Row] = field(default_factory=list)
    # (occurred_at, type, actor id, actor source, params, task or None)
    events: list[tuple] = field(default_factory=list)
    source_key: str = ""
    verdict: demo_quality.Verdict | None = None
    # the submission-received event's parameters, completed with the submission's id
    received_params: dict[str, Any] | None = None
    interest_at: dt.datetime | None = None  # an earlier contact-less submission, if any
    live: cat.LiveArrival | None = None  # a lead arriving as the demo is loaded
    released_at: dt.datetime | None = None  # when a reviewer released it to sales


@dataclass
class _Member:
    pk: int
    username: str
    role: Role
    team: str | None
    languages: tuple[str, ...]
    products: tuple[str, ...]
    capacity: int


class _Row(SimpleNamespace):
    """A row to insert, with the model's attribute names: far cheaper than a model instance."""

    @classmethod
    def of(cls, model: type[models.Model], **values: Any) -> _Row:
        row = cls(**_defaults(model))
        row.__dict__.update(values)
        return row


@cache
def _defaults(model: type[models.Model]) -> dict[str, Any]:
    return {
        f.attname: None if f.primary_key else f.get_default() for f in model._meta.concrete_fields
    }


class _Inserter:
    """Plain multi-row INSERTs: the ORM's bulk_create spends most of its time compiling SQL."""

    def __init__(self, model: type[models.Model], attnames: list[str] | None = None):
        if attnames is None:
            attnames = [f.attname for f in model._meta.concrete_fields]
        fields = [model._meta.get_field(name) for name in attnames]
        self.attnames = [f.attname for f in fields]
        self.converters = [self._converter(f) for f in fields]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        table = quote(model._meta.db_table)  # names from the model, quoted: no user input
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"

    @staticmethod
    def _converter(f: models.Field):
        ops = connections[DEFAULT_DB_ALIAS].ops
        if isinstance(f, models.CharField | models.TextField):
            return lambda v: v if v is None or type(v) is str else str(v)
        if isinstance(f, models.DateTimeField):
            if connections[DEFAULT_DB_ALIAS].vendor == "sqlite":
                # what the SQLite backend stores for an aware time, without its per-value checks
                return lambda v: (
                    None if v is None else str(v.astimezone(dt.UTC).replace(tzinfo=None))
                )
            return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
        if isinstance(f, models.JSONField):
            return lambda v: None if v is None else ops.adapt_json_value(v, f.encoder)
        if isinstance(f, models.DateField | models.DecimalField):
            return lambda v: f.get_db_prep_save(v, connections[DEFAULT_DB_ALIAS])
        return lambda v: v

    def insert(self, rows: list[tuple]) -> None:
        converters = self.converters
        values = [[convert(v) for convert, v in zip(converters, row, strict=True)] for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # COPY is several times faster than row-by-row INSERTs on PostgreSQL
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in values:
                        copy.write_row(row)
                return
            for start in range(0, len(values), 2000):
                cursor.executemany(self.sql, values[start : start + 2000])

    def insert_instances(self, objects: list) -> None:
        attnames = self.attnames
        self.insert([tuple(getattr(o, name) for name in attnames) for o in objects])


class _Builder:
    def __init__(self, *, seed: int, now: dt.datetime):
        self.rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not secrets
        self.now = now
        self.fakers: dict[str, Faker] = {}
        for index, country in enumerate(cat.COUNTRIES):
            faker = Faker(country.locale)
            faker.seed_instance(seed * 100 + index)
            self.fakers[country.code] = faker
        self.stages = {s.code: s for s in Stage.objects.all()}
        missing = set(STAGE_CODES) - set(self.stages)
        if missing:
            raise RuntimeError(f"Stages {sorted(missing)} are missing: run `galena migrate`.")
        self.members: list[_Member] = []
        self.teams: dict[str, Team] = {}
        self.sources: dict[str, Source] = {}
        self.campaigns: list[tuple[cat.CampaignSpec, Campaign]] = []
        self.offline_events: list[tuple[str, OfflineEvent]] = []
        self.leads = _Inserter(Lead)
        self.points = _Inserter(
            ContactPoint,
            [f.attname for f in ContactPoint._meta.concrete_fields if not f.primary_key],
        )
        self.tasks = _Inserter(Task)
        self.clocks = _Inserter(SlaClock)
        self.events = _Inserter(
            LeadEvent, ["lead_id", "type", "occurred_at", "actor_id", "actor_source", "params"]
        )
        self.next_lead_id = (Lead.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        # the quality gate draws from its own generator: the rest of the demo stays the same
        self.quality_rng = random.Random(seed * 7919 + 13)  # noqa: S311 - demo data
        self.pseudo_quota = demo_quality.PseudoQuota(self.quality_rng)
        self.submissions = _Inserter(Submission)
        self.reasons = _Inserter(
            DecisionReason,
            [f.attname for f in DecisionReason._meta.concrete_fields if not f.primary_key],
        )
        self.next_submission_id = (Submission.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        self.next_task_id = (Task.objects.aggregate(last=Max("id"))["last"] or 0) + 1
        # routing's own generator (hand-offs, the rules' assignments on arrival): the rest of
        # the demo stays the same whatever it draws
        self.routing_rng = random.Random(seed * 6271 + 11)  # noqa: S311 - demo data
        self.routing: DemoRouting | None = None

    # --- people ---------------------------------------------------------------------

    def people_create(self) -> None:
        joined = self.now - dt.timedelta(days=HISTORY_DAYS + 30)
        for spec in cat.TEAMS:
            self.teams[spec.name] = Team.objects.create(
                name=spec.name, time_zone=spec.time_zone, created_at=joined, updated_at=joined
            )
        password = _demo_password_hash()
        User = get_user_model()
        users = User.objects.bulk_create(
            [
                User(
                    username=spec.username,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    email=f"{spec.username}@{cat.EMAIL_DOMAIN}",
                    password=password,
                    is_staff=spec.role == Role.ADMIN,
                    is_superuser=spec.role == Role.ADMIN,
                    date_joined=joined,
                )
                for spec in cat.USERS
            ]
        )
        profiles = []
        for spec, user in zip(cat.USERS, users, strict=True):
            team = self.teams[spec.team] if spec.team else None
            profiles.append(
                Profile(
                    user=user,
                    role=spec.role,
                    team=team,
                    capacity_per_day=spec.capacity,
                    products=list(spec.products),
                    languages=list(spec.languages),
                    working_hours=spec.working_hours,
                    phone=self._phone_number(spec.phone_country, mobile=True)[1],
                    created_at=joined,
                    updated_at=joined,
                )
            )
            self.members.append(
                _Member(
                    user.pk,
                    user.username,
                    spec.role,
                    spec.team,
                    spec.languages,
                    spec.products,
                    spec.capacity,
                )
            )
            if spec.role == Role.HEAD_OF_SALES and team is not None:
                team.head = user
                team.save(update_fields=["head"])
        Profile.objects.bulk_create(profiles)

    def _team_members(self, team: str, *roles: Role) -> list[_Member]:
        return [m for m in self.members if m.team == team and m.role in roles]

    # --- channels -------------------------------------------------------------------

    def channels_create(self) -> None:
        founded = self.now - dt.timedelta(days=HISTORY_DAYS + 20)
        for spec in cat.SOURCES:
            self.sources[spec.key] = Source(
                name=spec.name,
                channel=spec.channel,
                vendor=spec.vendor,
                description=spec.description,
                utm_source=spec.utm_source,
                referrer_hosts=(urlsplit(spec.referrer).hostname or "").removeprefix("www."),
                created_at=founded,
                updated_at=founded,
            )
        Source.objects.bulk_create(self.sources.values())

        today = self.now.date()
        spend: list[CampaignSpend] = []
        for spec in cat.CAMPAIGNS:
            starts_on = today - dt.timedelta(days=spec.days_ago_start)
            ends_on = today - dt.timedelta(days=spec.days_ago_end) if spec.days_ago_end else None
            days = (ends_on or today) - starts_on
            created = timezone.make_aware(
                dt.datetime.combine(starts_on - dt.timedelta(days=3), dt.time(10))
            )
            campaign = Campaign.objects.create(
                name=spec.name,
                source=self.sources[spec.source],
                utm_campaign=spec.utm_campaign,
                starts_on=starts_on,
                ends_on=ends_on,
                budget=(spec.daily * (days.days + 1)).quantize(Decimal("1")),
                currency=spec.currency,
                region=", ".join(spec.countries) or "All markets",
                is_active=ends_on is None,
                created_at=created,
                updated_at=created,
            )
            self.campaigns.append((spec, campaign))
            for offset in range(days.days + 1):
                day = starts_on + dt.timedelta(days=offset)
                weekend = 0.6 if day.isoweekday() >= 6 else 1.0
                amount = spec.daily * Decimal(str(round(self.rng.uniform(0.6, 1.4) * weekend, 3)))
                amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                clicks = impressions = None
                if spec.cpc:
                    clicks = int(
                        amount / spec.cpc * Decimal(str(round(self.rng.uniform(0.8, 1.2), 3)))
                    )
                    impressions = clicks * self.rng.randint(20, 60)
                spend.append(
                    CampaignSpend(
                        campaign=campaign,
                        date=day,
                        amount=amount,
                        currency=spec.currency,
                        clicks=clicks,
                        impressions=impressions,
                    )
                )
        CampaignSpend.objects.bulk_create(spend, batch_size=1000)

        for name, source_key, country, city, days_ago, length in cat.OFFLINE_EVENTS:
            starts_on = today - dt.timedelta(days=days_ago)
            created = timezone.make_aware(
                dt.datetime.combine(starts_on - dt.timedelta(days=30), dt.time(9))
            )
            event = OfflineEvent.objects.create(
                name=name,
                source=self.sources[source_key],
                city=city,
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(days=length - 1),
                created_at=created,
                updated_at=created,
            )
            self.offline_events.append((country, event))

    def forms_create(self) -> None:
        """Capture forms to try: a web form, a quiz, a callback widget, an exhibition's
        quick entry (hosted at /f/<slug>/ and /intake/quick/<slug>/)."""
        latest_event = max((event for _, event in self.offline_events), key=lambda e: e.starts_on)
        for slug, name, kind, channel, source_key, interest in cat.DEMO_FORMS:
            Form.objects.create(
                slug=slug,
                name=name,
                kind=kind,
                channel=channel,
                source=self.sources[source_key],
                offline_event=latest_event if kind == "quick_entry" else None,
                interest=interest,
                quiz=cat.DEMO_QUIZ if kind == "quiz" else {},
                incentive=cat.DEMO_QUIZ_INCENTIVE if kind == "quiz" else "",
                consent_text=cat.DEMO_CONSENT,
                consent_version="2026-01",
                consent_purposes=["contact"],
                thank_you_message="A Helios Solar adviser will contact you shortly.",
            )

    # --- contact values -------------------------------------------------------------

    def _phone_number(self, country: str, *, mobile: bool) -> tuple[str, str]:
        """A phone number valid for the country: (as a person would type it, E.164)."""
        spec = cat.COUNTRY_BY_CODE[country]
        kind = (
            phonenumbers.PhoneNumberType.MOBILE
            if mobile
            else phonenumbers.PhoneNumberType.FIXED_LINE
        )
        example = phonenumbers.example_number_for_type(country, kind)
        length = len(str(example.national_number))
        prefixes = spec.mobile_prefixes if mobile else FIXED_LINE_PREFIXES[country]
        number = example
        for _ in range(200):
            prefix = self.rng.choice(prefixes)
            rest = "".join(self.rng.choice("0123456789") for _ in range(length - len(prefix)))
            candidate = phonenumbers.PhoneNumber(
                country_code=example.country_code, national_number=int(prefix + rest)
            )
            if country == "US" and rest[:3] == "555":
                continue  # 555 numbers are fictional
            # for the country itself: +44 7781… is valid, but Guernsey's, not Britain's
            if phonenumbers.is_valid_number_for_region(candidate, country):
                number = candidate
                break
        raw = phonenumbers.format_number(number, self.rng.choice(PHONE_FORMATS))
        return raw, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def _email(self, first: str, last: str, country: cat.Country, company: str) -> str:
        first_a, last_a = _ascii(first) or "info", _ascii(last) or "contact"
        pattern = self.rng.randrange(4)
        if pattern == 0:
            local = f"{first_a}.{last_a}"
        elif pattern == 1:
            local = f"{first_a[0]}{last_a}"
        elif pattern == 2:
            local = f"{first_a}{last_a}{self.rng.randint(1, 99)}"
        else:
            local = f"{last_a}.{first_a}{self.rng.randint(70, 99)}"
        if company and self.rng.random() < 0.8:
            domain = f"{_ascii(company)[:24] or 'company'}.{country.tld}"
        else:
            domain = self.fakers[country.code].free_email_domain()
        # some people type their address with capitals; normalising lowers them
        if self.rng.random() < 0.1:
            local = local.capitalize()
        return f"{local}@{domain}"

    # --- leads ----------------------------------------------------------------------

    def _created_times(self, count: int) -> list[dt.datetime]:
        """Creation times over the last six months: growing, quieter at weekends and nights."""
        today = self.now.date()
        days = list(range(HISTORY_DAYS + 1))  # days ago
        weights = []
        for ago in days:
            day = today - dt.timedelta(days=ago)
            growth = 1 + 0.6 * (HISTORY_DAYS - ago) / HISTORY_DAYS
            weights.append(growth * (0.55 if day.isoweekday() >= 6 else 1.0))
        hour_weights = [
            1,
            1,
            1,
            1,
            1,
            2,
            4,
            8,
            12,
            14,
            14,
            13,
            11,
            12,
            13,
            13,
            12,
            11,
            10,
            9,
            8,
            6,
            4,
            2,
        ]
        times = []
        for ago in self.rng.choices(days, weights=weights, k=count):
            hour = self.rng.choices(range(24), weights=hour_weights)[0]
            moment = timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=ago), dt.time(hour))
            ) + dt.timedelta(seconds=self.rng.randrange(3600))
            if moment > self.now - 5 * MINUTE:
                moment = self.now - dt.timedelta(seconds=self.rng.randrange(300, 36000))
            times.append(moment)
        times.sort()
        return times

    def _arrivals(
        self, times: list[dt.datetime]
    ) -> list[tuple[dt.datetime, cat.LiveArrival | None]]:
        """Creation times in order, the newest few given to the leads arriving as the demo
        is loaded (catalogue.LIVE_ARRIVALS; one for every 40 leads, at most all of them)."""
        live = cat.LIVE_ARRIVALS[
            len(cat.LIVE_ARRIVALS) - min(len(cat.LIVE_ARRIVALS), len(times) // 40) :
        ]
        arrivals = [(moment, None) for moment in times[: len(times) - len(live)]]
        arrivals += [(self.now - spec.minutes_ago * MINUTE, spec) for spec in live]
        return sorted(arrivals, key=lambda arrival: arrival[0])

    def leads_create(self, *, count: int, progress: bool) -> None:
        arrivals = self._arrivals(self._created_times(count))
        with tqdm(
            total=count, desc="Demo leads", unit="lead", disable=not progress, leave=False
        ) as bar:
            for start in range(0, count, BATCH_SIZE):
                plans = [
                    self._plan(created, live)
                    for created, live in arrivals[start : start + BATCH_SIZE]
                ]
                self._write(plans)
                bar.update(len(plans))
        # ids were given by hand: move PostgreSQL's sequences past them
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Lead, Task, Submission]):
                cursor.execute(sql)

    def _write(self, plans: list[_Plan]) -> None:
        """Insert one batch; ids of leads and tasks are given here so events can name them."""
        points, tasks, events, clocks = [], [], [], []
        for plan in plans:
            plan.lead.pk = self.next_lead_id
            self.next_lead_id += 1
            if self.routing is not None:
                clock = self.routing.clock_for(
                    plan.lead,
                    source_name=self.sources[plan.source_key].name,
                    started_at=plan.released_at or plan.lead.created_at,
                    response_kind=response_kind(plan.tasks),
                )
                if clock is not None:
                    clocks.append(clock)
                self.routing.lead_written(plan.lead, plan.events, clock)
            for point in plan.contacts:
                point.lead_id = plan.lead.pk
                points.append(point)
            for task in plan.tasks:
                task.id = self.next_task_id
                self.next_task_id += 1
                task.lead_id = plan.lead.pk
                tasks.append(task)
        submissions, reasons = self._submissions(plans)
        for plan in plans:
            for when, type_, actor_id, source, params, task in plan.events:
                if task is not None:
                    params = {"task_id": task.id, **params}
                events.append((plan.lead.pk, type_, when, actor_id, source, params))
        self.leads.insert_instances([p.lead for p in plans])
        self.points.insert_instances(points)
        self.tasks.insert_instances(tasks)
        self.events.insert(events)
        self.submissions.insert_instances(submissions)
        self.reasons.insert_instances(reasons)
        self.clocks.insert_instances(clocks)
        leads_keys_write(leads=[p.lead for p in plans])

    # --- the quality gate -----------------------------------------------------------

    def _quality(self, plan: _Plan) -> None:
        """Apply the quality stage's verdict (demo/quality.py) to a planned lead: its
        contacts as the person typed them, the reasons, and a story that fits: a held or
        rejected lead was never worked; a released one was worked from its release on."""
        lead, rng = plan.lead, self.quality_rng
        if plan.live is not None:  # the demo's live arrivals are real people, for sales
            verdict = demo_quality.Verdict(outcome="created", status=QualityStatus.ACCEPTED)
        else:
            verdict = demo_quality.verdict_for(
                rng,
                quota=self.pseudo_quota,
                source_key=plan.source_key,
                channel=lead.channel,
                contacts=plan.contacts,
                age=self.now - lead.created_at,
            )
        plan.verdict = verdict
        created = plan.events[0]
        created_contacts = created[4]["contacts"]
        for kind, old, raw in verdict.replace:
            point = next(p for p in plan.contacts if p.kind == kind and p.value == old)
            normalised = normalise_contact(kind, raw, region=lead.country)
            point.value_raw, point.value = raw, normalised.value
            point.is_valid = normalised.is_valid
            for contact in created_contacts:
                if contact["kind"] == kind and contact["value"] == old:
                    contact["value"] = normalised.value
        if verdict.extra_phone:
            normalised = normalise_contact(
                ContactKind.PHONE, verdict.extra_phone, region=lead.country
            )
            if normalised.is_valid or any(p.value == normalised.value for p in plan.contacts):
                verdict.reasons = []  # the dropped digit still makes a number: no typo to show
            else:
                plan.contacts.append(
                    _Row.of(
                        ContactPoint,
                        kind=ContactKind.PHONE,
                        value_raw=verdict.extra_phone,
                        value=normalised.value,
                        is_valid=False,
                        is_primary=False,
                        label="other",
                        created_at=lead.created_at,
                    )
                )
                created_contacts.append({"kind": ContactKind.PHONE, "value": normalised.value})
        _refresh_search_text(lead, (p.value for p in plan.contacts))
        lead.quality_status = verdict.status
        lead.quality_reasons = verdict.reasons
        if not verdict.reasons:
            return

        review_at = None
        if verdict.review:
            delay = dt.timedelta(seconds=rng.randrange(20 * 60, 30 * 3600))
            latest = max(event[0] for event in plan.events)
            if verdict.review == "released" and latest + delay > self.now - MINUTE:
                # no time left to work it after a release: the reviewer rejected it instead
                verdict.review, verdict.status = "rejected", QualityStatus.REJECTED
                verdict.review_reason_code = verdict.reasons[0]["code"]
                lead.quality_status = verdict.status
            review_at = min(lead.created_at + delay, self.now - MINUTE).replace(microsecond=0)
            if verdict.review == "released":
                self._delay_story(plan, delay)
                plan.released_at = review_at  # its first-response clock starts here
        if lead.quality_status != QualityStatus.ACCEPTED:
            self._hold(plan)

        source = created[3]
        action = {"created": "create", "quarantined": "quarantine", "rejected": "reject"}
        plan.received_params = {
            "submission_id": None,
            "channel": lead.channel,
            "adapter": "demo",
            "action": action[verdict.outcome],
            "reasons": verdict.reasons,
        }
        extra = [
            (
                lead.created_at,
                EventType.SUBMISSION_RECEIVED,
                None,
                source,
                plan.received_params,
                None,
            )
        ]
        if verdict.review:
            head = self._team_members(lead.team.name, Role.HEAD_OF_SALES)[0]
            params: dict[str, Any] = {
                "decision": verdict.review,
                "before": QualityStatus.QUARANTINED,
                "after": verdict.status,
                "note": "",
                "reasons": verdict.reasons,
            }
            if verdict.review == "rejected":
                params["reason_code"] = verdict.review_reason_code
            extra.append(
                (review_at, EventType.QUALITY_DECIDED, head.pk, ActorSource.MANUAL, params, None)
            )
        plan.events[1:1] = extra
        lead.updated_at = max(event[0] for event in plan.events)

    def _hold(self, plan: _Plan) -> None:
        """A lead not sent to sales: nobody took it, called it or moved it."""
        lead = plan.lead
        lead.stage = self.stages["new"]
        lead.owner_id = lead.original_owner_id = None
        for name in (*cat.WORK_TIMESTAMPS, "verified_at"):
            setattr(lead, name, None)
        lead.verification, lead.verification_method = Verification.UNVERIFIED, ""
        for point in plan.contacts:
            point.verified, point.verified_at = False, None
        plan.tasks = []
        plan.events = plan.events[:1]
        lead.updated_at = lead.created_at

    def _delay_story(self, plan: _Plan, delay: dt.timedelta) -> None:
        """Sales worked a released lead from its release on: move its story by the delay."""
        lead = plan.lead
        for name in (
            "assigned_at",
            "first_response_at",
            "handed_off_at",
            "qualified_at",
            "converted_at",
            "rejected_at",
            "recontact_at",
            "verified_at",
            "updated_at",
        ):
            value = getattr(lead, name)
            if value is not None:
                setattr(lead, name, value + delay)
        for task in plan.tasks:
            for name in ("created_at", "due_at", "done_at", "updated_at"):
                value = getattr(task, name)
                if value is not None:
                    setattr(task, name, value + delay)
        for point in plan.contacts:
            if point.verified_at is not None:
                point.verified_at += delay
        events = [plan.events[0]]
        for when, type_, actor_id, source, params, task in plan.events[1:]:
            if type_ == EventType.TASK_CREATED and task is not None:
                params = {**params, "due_at": task.due_at.isoformat()}
            elif type_ == EventType.UPDATED and "recontact_at" in params.get("changes", {}):
                params = {"changes": {"recontact_at": [None, lead.recontact_at.isoformat()]}}
            elif type_ == EventType.CLASSIFIED and "verified_at" in params.get("changes", {}):
                changes = dict(params["changes"])
                changes["verified_at"] = [None, lead.verified_at.isoformat()]
                params = {**params, "changes": changes}
            events.append((when + delay, type_, actor_id, source, params, task))
        plan.events = events

    def _submissions(self, plans: list[_Plan]) -> tuple[list[_Row], list[_Row]]:
        """The submission each lead came in with (and the contact-less ones kept as
        interests), with one DecisionReason per reason: what the credibility report counts."""
        submissions, reasons = [], []
        for plan in plans:
            lead, verdict = plan.lead, plan.verdict
            if verdict is None:
                continue
            if lead.channel not in demo_quality.TYPED_IN and self.quality_rng.random() < 0.05:
                submissions.append(
                    self._submission(
                        lead,
                        outcome="interest",
                        lead_id=None,
                        reasons=[],
                        received_at=lead.created_at
                        - dt.timedelta(minutes=self.quality_rng.uniform(5, 3 * 24 * 60)),
                    )
                )
            submission = self._submission(
                lead,
                outcome=verdict.outcome,
                lead_id=lead.pk,
                reasons=verdict.reasons,
                received_at=lead.created_at,
            )
            submissions.append(submission)
            if plan.received_params is not None:
                plan.received_params["submission_id"] = submission.id
            for item in verdict.reasons:
                reasons.append(
                    _Row.of(
                        DecisionReason,
                        submission_id=submission.id,
                        lead_id=lead.pk,
                        source_id=lead.source_id,
                        stage=item["stage"],
                        code=item["code"],
                        outcome=verdict.outcome,
                        points=item["points"],
                        received_at=lead.created_at,
                    )
                )
        return submissions, reasons

    def _submission(
        self,
        lead: Lead,
        *,
        outcome: str,
        lead_id: int | None,
        reasons: list[dict[str, Any]],
        received_at: dt.datetime,
    ) -> _Row:
        action = {
            "created": "create",
            "quarantined": "quarantine",
            "rejected": "reject",
            "interest": "interest",
        }[outcome]
        row = _Row.of(
            Submission,
            id=self.next_submission_id,
            channel=lead.channel,
            adapter="demo",
            endpoint=DEMO_ENDPOINT,
            received_at=received_at,
            status=SubmissionStatus.PROCESSED,
            outcome=outcome,
            decision={"action": action, "reasons": reasons},
            attempts=1,
            processed_at=received_at,
            lead_id=lead_id,
            source_id=lead.source_id,
        )
        self.next_submission_id += 1
        return row

    def _source_for(
        self, country: str, created: dt.datetime
    ) -> tuple[cat.SourceSpec, OfflineEvent | None]:
        shows = [
            event
            for code, event in self.offline_events
            if code == country and 0 <= (created.date() - event.ends_on).days <= 10
        ]
        candidates, weights = [], []
        for spec in cat.SOURCES:
            if spec.countries and country not in spec.countries:
                continue
            if spec.channel == Channel.EXHIBITION:
                if not shows:
                    continue
                weight = 40  # the week after a show, its cards are typed in
            else:
                weight = spec.weight
            candidates.append(spec)
            weights.append(weight)
        spec = self.rng.choices(candidates, weights=weights)[0]
        return spec, (self.rng.choice(shows) if spec.channel == Channel.EXHIBITION else None)

    def _campaign_for(
        self, source: cat.SourceSpec, country: str, day: dt.date
    ) -> tuple[cat.CampaignSpec, Campaign] | None:
        running = [
            (spec, campaign)
            for spec, campaign in self.campaigns
            if spec.source == source.key
            and (not spec.countries or country in spec.countries)
            and campaign.starts_on <= day
            and (campaign.ends_on is None or day <= campaign.ends_on)
        ]
        return self.rng.choice(running) if running else None

    def _at_work(self, members: list[_Member], at: dt.datetime) -> list[_Member]:
        """The members not on leave at ``at`` (all of them if everyone is)."""
        routing = self.routing
        if routing is None:
            return members
        return [m for m in members if not routing.is_away(m.pk, at)] or members

    def _owner_for(
        self, team: str, language: str, product: str, *, quick: bool, at: dt.datetime
    ) -> _Member:
        if quick and self.rng.random() < 0.4:
            pool = self._team_members(team, Role.TELEMARKETER)
        else:
            pool = self._skilled(
                self._team_members(team, Role.SALES_MANAGER), language, product, at
            )
        return self.rng.choices(pool, weights=[m.capacity for m in pool])[0]

    def _skilled(
        self, managers: list[_Member], language: str, product: str, at: dt.datetime
    ) -> list[_Member]:
        """The managers at work who sell the product in the language, else who speak it."""
        managers = self._at_work(managers, at)
        pool = [m for m in managers if language in m.languages and product in m.products]
        return pool or [m for m in managers if language in m.languages] or managers

    def _hand_off(
        self,
        steps: list[_Step],
        minutes: float,
        seller: _Member,
        team: str,
        lead: Lead,
        product: str,
    ) -> _Member:
        """A telemarketer passes a qualified lead to a sales manager who sells the product in
        the lead's language, as lead_hand_off does: the hand-off, then the assignment."""
        at = lead.created_at + dt.timedelta(minutes=minutes)
        managers = self._team_members(team, Role.SALES_MANAGER)
        pool = self._skilled(managers, lead.language, product, at)
        manager = self.routing_rng.choices(pool, weights=[m.capacity for m in pool])[0]
        to = {"from": seller.pk, "to": manager.pk, "to_name": manager.username}
        note = self.routing_rng.choice(cat.HAND_OFF_NOTES)
        steps.append(
            _Step(
                minutes, EventType.HANDED_OFF, seller.pk, ActorSource.MANUAL, {**to, "note": note}
            )
        )
        steps.append(
            _Step(
                minutes + 0.01,
                EventType.ASSIGNED,
                None,
                ActorSource.MANUAL,
                {**to, "reason": "handed off to sales"},
            )
        )
        return manager

    def _response_minutes(self, owner: _Member, temperature: str, draw: float) -> float:
        """Minutes the owner takes to answer (``draw`` a uniform number in [0, 1))."""
        median = RESPONSE_MEDIAN_MINUTES[Temperature(temperature)]
        median *= cat.RESPONSE_PACE.get(owner.username, 1.0)
        spread = RESPONSE_SPREAD[Temperature(temperature)]
        return median * math.exp(spread * _NORMAL.inv_cdf(min(max(draw, 0.001), 0.999)))

    def _plan(self, created: dt.datetime, live: cat.LiveArrival | None = None) -> _Plan:
        rng = self.rng
        country = rng.choices(cat.COUNTRIES, weights=[c.weight for c in cat.COUNTRIES])[0]
        faker = self.fakers[country.code]
        team_name = next(t.name for t in cat.TEAMS if country.code in t.countries)
        if live is not None:
            source, offline_event = cat.SOURCE_BY_KEY[live.source], None
        else:
            source, offline_event = self._source_for(country.code, created)
        channel = source.channel
        campaign = self._campaign_for(source, country.code, created.date())

        # the person
        business_share = {Channel.EXHIBITION: 0.7, Channel.COLD_CALL: 0.5}.get(channel, 0.3)
        is_business = rng.random() < business_share
        female = rng.random() < 0.5
        first = faker.first_name_female() if female else faker.first_name_male()
        middle = ""
        if country.code == "RU":
            middle = faker.middle_name_female() if female else faker.middle_name_male()
            last = faker.last_name_female() if female else faker.last_name_male()
        else:
            last = faker.last_name()
        company = faker.company()[:200] if is_business else ""
        city, region, _ = rng.choices(country.cities, weights=[c[2] for c in country.cities])[0]
        product_weights = (
            cat.BUSINESS_PRODUCT_WEIGHTS if is_business else cat.CONSUMER_PRODUCT_WEIGHTS
        )
        product = rng.choices(list(product_weights), weights=list(product_weights.values()))[0]

        temperature = rng.choices(TEMPERATURES, weights=CHANNEL_TEMPERATURE[channel])[0]
        if live is not None:
            temperature = Temperature(live.temperature)
        fit_weights = (60, 25, 15) if channel == Channel.BOUGHT_LIST else (75, 10, 15)
        fit = rng.choices((Fit.TARGET, Fit.NON_TARGET, Fit.UNKNOWN), weights=fit_weights)[0]
        if channel == Channel.BOUGHT_LIST:
            origin = Origin.CONSUMER if rng.random() < 0.85 else Origin.UNKNOWN
        else:
            origin = Origin.TARGETED if rng.random() < 0.85 else Origin.UNKNOWN
        contact_type = CHANNEL_CONTACT_TYPE.get(channel)
        if contact_type is None:
            contact_type = (
                ContactType.INTERESTED if rng.random() < 0.15 else ContactType.REGISTRATION
            )

        data: dict[str, Any] = {
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "company_name": company,
            "position": rng.choice(country.positions) if is_business else "",
            "language": country.language,
            "country": country.code,
            "region": region,
            "city": city,
            "interest": product,
            "temperature": temperature,
            "fit": fit,
            "origin": origin,
            "contact_type": contact_type,
            "channel": channel,
        }
        if contact_type == ContactType.INTERESTED or rng.random() < 0.2:
            data["comment"] = rng.choice(cat.COMMENTS[country.language])
        if contact_type == ContactType.INTERESTED:
            data["preferred_contact_time"] = rng.choice(cat.CONTACT_TIMES)
            data["attributes"] = {
                "property": "business premises"
                if is_business
                else rng.choice(("house", "house", "flat", "cottage")),
                "roof": rng.choice(("tiles", "metal", "flat", "slate")),
                "monthly_bill_eur": rng.randrange(40, 400, 10) * (8 if is_business else 1),
                "wants_battery": rng.random() < 0.4,
            }
        elif is_business:
            data["attributes"] = {"employees": rng.choice(("1-9", "10-49", "50-249", "250+"))}
        if campaign is not None or source.utm_source:
            data["utm_source"] = source.utm_source
            data["utm_medium"] = source.utm_medium
        if campaign is not None:
            spec, _ = campaign
            data["utm_campaign"] = spec.utm_campaign
            if spec.terms:
                data["utm_term"] = rng.choice(spec.terms)
            data["utm_content"] = rng.choice(("ad_a", "ad_b", "video", "carousel"))
        if source.referrer:
            data["referrer"] = source.referrer
        if channel not in (
            Channel.PHONE_CALL,
            Channel.COLD_CALL,
            Channel.EXHIBITION,
            Channel.BOUGHT_LIST,
            Channel.INBOUND_EMAIL,
        ):
            path = {Channel.QUIZ: "quiz", Channel.CALLBACK: "contact", Channel.CHAT: "contact"}.get(
                channel, "offer"
            )
            data["landing_page"] = f"{cat.SITE}/{country.language}/{path}/"
        data = {k: v for k, v in data.items() if v not in ("", None, {})}

        lead = Lead(
            stage=self.stages["new"],
            created_at=created,
            source=self.sources[source.key],
            campaign=campaign[1] if campaign else None,
            offline_event=offline_event,
            quality_status=QualityStatus.ACCEPTED,
            **data,
        )
        lead.display_name = _compute_display_name(lead)

        # how to reach them
        wants = {
            ContactType.QUICK: ["phone"] + (["email"] if rng.random() < 0.25 else []),
            ContactType.REGISTRATION: ["email"] + (["phone"] if rng.random() < 0.55 else []),
            ContactType.PROMO: ["phone", "email"],
            ContactType.INTERESTED: ["phone", "email"],
        }[contact_type]
        if channel == Channel.INBOUND_EMAIL:
            wants = ["email"] + (["phone"] if rng.random() < 0.4 else [])
        contacts: list[tuple[str, str, str]] = []  # kind, raw, label
        for want in wants:
            if want == "phone":
                contacts.append(
                    (ContactKind.PHONE, self._phone_number(country.code, mobile=True)[0], "mobile")
                )
            else:
                contacts.append(
                    (
                        ContactKind.EMAIL,
                        self._email(first, last, country, company),
                        "work" if company else "personal",
                    )
                )
        if is_business and rng.random() < 0.4:
            contacts.append(
                (ContactKind.PHONE, self._phone_number(country.code, mobile=False)[0], "work")
            )
        handle = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 999)}"
        if channel == Channel.SOCIAL and rng.random() < 0.5:
            site = "vk.com" if country.code == "RU" else "facebook.com"
            contacts.append((ContactKind.SOCIAL, f"https://{site}/{handle}", site.split(".")[0]))
        if channel == Channel.CHAT and rng.random() < 0.4:
            label = "telegram" if country.code in ("RU", "FI") else "whatsapp"
            value = (
                f"@{handle.replace('.', '_')}"
                if label == "telegram"
                else self._phone_number(country.code, mobile=True)[1]
            )
            contacts.append((ContactKind.MESSENGER, value, label))

        points: list[ContactPoint] = []
        seen: set[tuple[str, str]] = set()
        for kind, raw, label in contacts:
            normalised = normalise_contact(kind, raw, region=country.code)
            if (kind, normalised.value) in seen:
                continue
            seen.add((kind, normalised.value))
            points.append(
                _Row.of(
                    ContactPoint,
                    kind=kind,
                    value_raw=raw,
                    value=normalised.value,
                    is_valid=normalised.is_valid,
                    label=label,
                    created_at=created,
                )
            )
        primary_kinds: set[str] = set()
        for point in points:
            point.is_primary = point.kind not in primary_kinds
            primary_kinds.add(point.kind)
        _refresh_search_text(lead, (p.value for p in points))

        plan = _Plan(lead=lead, contacts=points, live=live)
        self._story(plan, data=data, team_name=team_name, product=product, channel=channel)
        plan.source_key = source.key
        self._quality(plan)
        return plan

    # --- the work on the lead -------------------------------------------------------

    def _final_stage(self, lead: Lead) -> str:
        age_days = (self.now - lead.created_at) / DAY
        if age_days < 0.5:
            return self.rng.choices(("new", "in_work"), weights=(70, 30))[0]
        if lead.fit == Fit.NON_TARGET:
            return self.rng.choices(("new", "in_work", "rejected"), weights=(15, 25, 60))[0]
        weights = list(MATURE_OUTCOMES[Temperature(lead.temperature)])
        if age_days < 21:
            # young leads have not had the time to close yet
            share = age_days / 21
            for index in (2, 3, 4, 5):
                moved = weights[index] * (1 - share)
                weights[index] -= moved
                weights[0 if age_days < 2 else 1] += moved
        return self.rng.choices(STAGE_CODES, weights=weights)[0]

    def _story(
        self, plan: _Plan, *, data: dict, team_name: str, product: str, channel: str
    ) -> None:
        rng, lead = self.rng, plan.lead
        final = self._final_stage(lead)
        if plan.live is not None:
            final = "new"  # it has only just come in
        steps: list[_Step] = []
        tasks: list[list] = []  # [task, created, due, done or None], in minutes

        def task_step(minutes, actor, kind, title, due_minutes, assignee):
            task = _Row.of(Task, kind=kind, title=title, assignee_id=assignee, created_by_id=actor)
            tasks.append([task, minutes, due_minutes, None])
            steps.append(
                _Step(
                    minutes,
                    EventType.TASK_CREATED,
                    actor,
                    ActorSource.MANUAL,
                    {"kind": kind, "title": title, "due_at": None, "assignee_id": assignee},
                    task=task,
                )
            )
            return task

        def task_done(task, minutes, actor, outcome):
            entry = next(t for t in tasks if t[0] is task)
            entry[3] = minutes
            task.outcome = outcome
            steps.append(
                _Step(
                    minutes,
                    EventType.TASK_COMPLETED,
                    actor,
                    ActorSource.MANUAL,
                    {"kind": task.kind, "title": task.title, "outcome": outcome},
                    task=task,
                )
            )

        def stage_step(minutes, actor, to_code):
            previous = stage_path[-1]
            stage = self.stages[to_code]
            steps.append(
                _Step(
                    minutes,
                    EventType.STAGE_CHANGED,
                    actor,
                    ActorSource.MANUAL,
                    {"from": previous, "to": to_code, "to_kind": stage.kind},
                )
            )
            stage_path.append(to_code)

        stage_path = ["new"]

        # who writes the lead in
        creator_role, creator_source = CREATOR.get(channel, (None, WEB))
        creator = None
        if creator_role is not None:
            creator = rng.choice(self._team_members(team_name, creator_role))
        steps.append(
            _Step(
                0,
                EventType.CREATED,
                creator.pk if creator else None,
                creator_source,
                {
                    "fields": {n: _json_value(v) for n, v in data.items() if n in EDITABLE_FIELDS},
                    "contacts": [{"kind": p.kind, "value": p.value} for p in plan.contacts],
                },
            )
        )

        # who works it: a telemarketer who took the call keeps it, as lead_create does
        owner: _Member | None = None
        assigned_minutes = None
        if creator is not None and creator.role == Role.TELEMARKETER:
            owner, assigned_minutes = creator, 0.0
            steps.append(
                _Step(
                    0,
                    EventType.ASSIGNED,
                    creator.pk,
                    creator_source,
                    {"from": None, "to": owner.pk, "to_name": owner.username},
                )
            )
        else:
            age_days = (self.now - lead.created_at) / DAY
            assign = final != "new" or (rng.random() < (0.85 if age_days > 3 else 0.45))
            if plan.live is not None:
                assign = not plan.live.queued
            if assign:
                owner = self._owner_for(
                    team_name,
                    lead.language,
                    product,
                    quick=lead.contact_type == ContactType.QUICK,
                    at=lead.created_at,
                )
                delay = MANUAL_ASSIGNMENT_MINUTES[Temperature(lead.temperature)]
                assigned_minutes = rng.uniform(*delay)
                if rng.random() < 0.55 and plan.live is None:
                    head = self._team_members(team_name, Role.HEAD_OF_SALES)[0]
                    actor_id, source = head.pk, ActorSource.MANUAL
                    reason = rng.choice(
                        (
                            f"Speaks {LANGUAGE_NAMES[lead.language]} and sells {product}",
                            "Lowest load in the team today",
                            f"Knows {lead.city}",
                        )
                    )
                else:
                    actor_id, source = None, ActorSource.RULE
                    reason = f"Routing rule: language {lead.language}, product {product}"
                    # a rule gives the lead out as it arrives
                    assigned_minutes = self.routing_rng.uniform(0.05, 0.5)
                steps.append(
                    _Step(
                        assigned_minutes,
                        EventType.ASSIGNED,
                        actor_id,
                        source,
                        {"from": None, "to": owner.pk, "to_name": owner.username, "reason": reason},
                    )
                )

        verified_by = None
        if owner is not None:
            # the first task is due when the first-response policy says
            due_after = {
                Temperature.HOT: 5,
                Temperature.WARM: 60,
                Temperature.COLD: 1440,
                Temperature.UNKNOWN: 1440,
            }[Temperature(lead.temperature)]
            # without a phone number the first contact is an e-mail
            by_phone = any(p.kind == ContactKind.PHONE for p in plan.contacts)
            kind, title = (
                (TaskKind.CALL, "First call") if by_phone else (TaskKind.EMAIL, "First e-mail")
            )
            # the owner plans the first contact as they take the lead, then makes it
            t = assigned_minutes + rng.uniform(1, 15) / 10
            first_call = task_step(t, owner.pk, kind, title, t + due_after, owner.pk)
            if final != "new":
                t += self._response_minutes(owner, lead.temperature, rng.random())
                non_target = lead.fit == Fit.NON_TARGET
                if rng.random() < 0.3:
                    task_done(first_call, t, owner.pk, cat.NO_ANSWER if by_phone else cat.NO_REPLY)
                    t += rng.uniform(1, 5)
                    title = "Call back" if by_phone else "Follow-up e-mail"
                    call = task_step(t, owner.pk, kind, title, t + 1440, owner.pk)
                    t += 1440 + rng.uniform(-60, 240)
                else:
                    call = first_call
                if non_target:
                    outcome = rng.choice(
                        (cat.WRONG_NUMBER, cat.NOT_OUR_PRODUCT)
                        if by_phone
                        else (cat.NOT_OUR_PRODUCT,)
                    )
                else:
                    outcome = rng.choice(
                        cat.FIRST_CALL_OUTCOMES if by_phone else cat.FIRST_EMAIL_OUTCOMES
                    )
                task_done(call, t, owner.pk, outcome)
                if not non_target and rng.random() < 0.6:
                    verified_by = (
                        ("call", t, owner.pk, ActorSource.CALL)
                        if by_phone
                        else ("email", t, owner.pk, ActorSource.EMAIL)
                    )
                t += rng.uniform(1, 30)
                stage_step(t, owner.pk, "in_work")
                last = t

                qualify = final in ("qualified", "converted", "rejected", "deferred") and (
                    final == "qualified"
                    or (final == "converted" and rng.random() < 0.85)
                    or (final in ("rejected", "deferred") and rng.random() < 0.35)
                )
                if non_target:
                    qualify = False
                if qualify:
                    t += rng.uniform(120, 7200)
                    stage_step(t, owner.pk, "qualified")
                    if (
                        owner.role == Role.TELEMARKETER
                        and self.routing_rng.random() < cat.HAND_OFF_SHARE
                    ):
                        t += self.routing_rng.uniform(2, 40)
                        owner = self._hand_off(steps, t, owner, team_name, lead, product)
                    t += rng.uniform(5, 60)
                    kind = rng.choice((TaskKind.OFFER, TaskKind.OFFER, TaskKind.PRICE_LIST))
                    title = "Send commercial offer" if kind == TaskKind.OFFER else "Send price list"
                    offer = task_step(
                        t, owner.pk, kind, title, t + rng.uniform(1440, 4320), owner.pk
                    )
                    if final != "qualified" or rng.random() < 0.5:
                        t += rng.uniform(600, 4000)
                        task_done(offer, t, owner.pk, rng.choice(cat.OFFER_OUTCOMES))
                    last = t

                if final == "converted":
                    t += rng.uniform(10, 120)
                    meeting = task_step(
                        t,
                        owner.pk,
                        TaskKind.MEETING,
                        "Site survey",
                        t + rng.uniform(2880, 10080),
                        owner.pk,
                    )
                    t += rng.uniform(2880, 10080)
                    task_done(meeting, t, owner.pk, rng.choice(cat.MEETING_OUTCOMES))
                    t += rng.uniform(60, 14400)
                    kwp = Decimal(rng.randrange(30, 150 if lead.company_name else 120)) / 10
                    if lead.company_name:
                        kwp *= 10
                    steps.append(
                        _Step(
                            t - 1,
                            EventType.NOTE_ADDED,
                            owner.pk,
                            ActorSource.MANUAL,
                            {
                                "text": f"Contract signed: {kwp} kWp ({product}), invoice INV-{lead.created_at:%y%m}-{rng.randint(1000, 9999)}."
                            },
                        )
                    )
                    stage_step(t, owner.pk, "converted")
                elif final == "rejected":
                    t = last + rng.uniform(60, 20160)
                    reason = rng.choice(
                        cat.NON_TARGET_REASONS if non_target else cat.REJECTION_REASONS
                    )
                    steps.append(
                        _Step(
                            t - 1,
                            EventType.NOTE_ADDED,
                            owner.pk,
                            ActorSource.MANUAL,
                            {"text": f"Rejected: {reason}."},
                        )
                    )
                    stage_step(t, owner.pk, "rejected")
                    if not non_target and rng.random() < 0.4:
                        steps.append(
                            _Step(
                                t + 1,
                                EventType.UPDATED,
                                owner.pk,
                                ActorSource.MANUAL,
                                {"recontact_days": rng.randint(90, 180)},
                            )
                        )
                elif final == "deferred":
                    t = last + rng.uniform(60, 14400)
                    reason = rng.choice(cat.DEFERRAL_REASONS)
                    steps.append(
                        _Step(
                            t - 1,
                            EventType.NOTE_ADDED,
                            owner.pk,
                            ActorSource.MANUAL,
                            {"text": f"Deferred: {reason}."},
                        )
                    )
                    stage_step(t, owner.pk, "deferred")
                    steps.append(
                        _Step(
                            t + 1,
                            EventType.UPDATED,
                            owner.pk,
                            ActorSource.MANUAL,
                            {"recontact_days": rng.randint(30, 150)},
                        )
                    )
                elif final in ("in_work", "qualified") and rng.random() < 0.6:
                    t = last + rng.uniform(60, 4320)
                    title = rng.choice(cat.FOLLOW_UP_TITLES)
                    kind = TaskKind.EMAIL if title.startswith("Send") else TaskKind.CALL
                    task_step(t, owner.pk, kind, title, t + rng.uniform(1440, 7200), owner.pk)

                if rng.random() < 0.25:
                    first_done = min(entry[3] for entry in tasks if entry[3] is not None)
                    latest = max(step.minutes for step in steps)
                    when = rng.uniform(first_done, latest) if latest > first_done else first_done
                    steps.append(
                        _Step(
                            when + 0.5,
                            EventType.NOTE_ADDED,
                            owner.pk,
                            ActorSource.MANUAL,
                            {"text": rng.choice(cat.NOTES)},
                        )
                    )

        if (
            verified_by is None
            and lead.contact_type == ContactType.REGISTRATION
            and rng.random() < 0.35
        ):
            # the person clicked the confirmation link
            verified_by = ("email", rng.uniform(2, 60), None, ActorSource.SYSTEM)

        if verified_by is not None:
            method, minutes, actor_id, source = verified_by
            steps.append(
                _Step(
                    minutes + 0.2,
                    EventType.CLASSIFIED,
                    actor_id,
                    source,
                    {
                        "changes": {
                            "verification": [
                                Verification.UNVERIFIED.value,
                                Verification.VERIFIED.value,
                            ],
                            "verification_method": ["", method],
                        }
                    },
                )
            )

        self._settle(plan, steps, tasks, stage_path, owner, team_name)

    def _settle(self, plan, steps, tasks, stage_path, owner, team_name) -> None:
        """Turn minutes into times that end before now, and fill in the lead's fields."""
        rng, lead, created = self.rng, plan.lead, plan.lead.created_at
        steps.sort(key=lambda s: s.minutes)
        available = (self.now - created - 2 * MINUTE) / MINUTE
        latest = max(s.minutes for s in steps)
        scale = min(1.0, available / latest) if latest > 0 else 1.0

        def at(minutes: float) -> dt.datetime:
            return (created + dt.timedelta(minutes=minutes * scale)).replace(microsecond=0)

        for task, created_m, due_m, done_m in tasks:
            task.created_at = at(created_m)
            if done_m is not None:
                task.done_at = at(done_m)
                task.due_at = min(at(due_m), task.done_at + rng.uniform(0, 120) * MINUTE).replace(
                    microsecond=0
                )
                task.updated_at = task.done_at
            else:
                # an open task of an old lead has been re-planned around today: a third late
                due = at(created_m) + dt.timedelta(minutes=(due_m - created_m))
                if due < self.now - 4 * DAY:
                    due = self.now + dt.timedelta(hours=rng.uniform(-96, 160))
                task.due_at = max(due, task.created_at + 5 * MINUTE).replace(microsecond=0)
                task.updated_at = task.created_at
            plan.tasks.append(task)

        lead.stage = self.stages[stage_path[-1]]
        lead.team = self.teams[team_name]
        if owner is not None:
            lead.owner_id = owner.pk
        done_times = [t.done_at for t in plan.tasks if t.done_at is not None]
        lead.first_response_at = min(done_times) if done_times else None

        for step in steps:
            when = at(step.minutes)
            params = step.params
            if step.type == EventType.ASSIGNED:
                lead.assigned_at = when
            elif step.type == EventType.HANDED_OFF:
                lead.handed_off_at, lead.original_owner_id = when, params["from"]
            elif step.type == EventType.STAGE_CHANGED:
                if params["to"] == "qualified" and lead.qualified_at is None:
                    lead.qualified_at = when
                elif params["to"] == "converted":
                    lead.converted_at = when
                elif params["to"] == "rejected":
                    lead.rejected_at = when
            elif step.type == EventType.UPDATED:
                recontact = (when + dt.timedelta(days=params["recontact_days"])).replace(
                    hour=9, minute=0, second=0
                )
                lead.recontact_at = recontact
                params = {"changes": {"recontact_at": [None, recontact.isoformat()]}}
            elif step.type == EventType.TASK_CREATED:
                params = {**params, "due_at": step.task.due_at.isoformat()}
            elif step.type == EventType.CLASSIFIED:
                lead.verification = Verification.VERIFIED
                lead.verification_method = (
                    VerificationMethod.CALL
                    if params["changes"]["verification_method"][1] == "call"
                    else VerificationMethod.EMAIL
                )
                lead.verified_at = when
                kind = (
                    ContactKind.PHONE
                    if lead.verification_method == VerificationMethod.CALL
                    else ContactKind.EMAIL
                )
                for point in plan.contacts:
                    if point.kind == kind and point.is_primary:
                        point.verified, point.verified_at = True, when
            plan.events.append((when, step.type, step.actor_id, step.source, params, step.task))
        lead.updated_at = max(event[0] for event in plan.events)
        lead.score = self._score(lead)

    def _score(self, lead: Lead) -> int:
        base = {Temperature.HOT: 60, Temperature.WARM: 35, Temperature.COLD: 15}.get(
            lead.temperature, 10
        )
        base += {Fit.TARGET: 20, Fit.NON_TARGET: -20}.get(lead.fit, 0)
        base += 10 if lead.verification == Verification.VERIFIED else 0
        return max(0, min(100, base + self.rng.randint(0, 15)))
