"""Galena settings, read from the environment (twelve-factor).

GALENA_ENV selects the profile: ``development`` (default: embedded SQLite, tasks
in-process), ``test`` or ``production`` (refuses the demo secret key and DEBUG).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

GALENA_ENV = env.str("GALENA_ENV", default="development")
if GALENA_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"GALENA_ENV={GALENA_ENV!r}: use development, test or production.")
PRODUCTION = GALENA_ENV == "production"

DATA_DIR = Path(env.str("GALENA_DATA_DIR", default=str(Path.cwd() / "var"))).resolve()

DEMO_SECRET_KEY = "galena-demo-secret-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=GALENA_ENV == "development")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if PRODUCTION:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "Production refuses the demo SECRET_KEY: set SECRET_KEY to a random string "
            "of at least 32 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production refuses DEBUG=on: unset DEBUG or set DEBUG=off.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "galena.core",
    "galena.accounts",
    "galena.leads",
    "galena.notifications",
    "galena.consent",
    "galena.intake",
    "galena.quality",
    "galena.matching",
    "galena.scoring",
    "galena.routing",
    "galena.activities",
    "galena.clients",
    "galena.nurture",
    "galena.analytics",
    "galena.privacy",
    "galena.compliance",
    "galena.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "galena.config.urls"
WSGI_APPLICATION = "galena.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{DATA_DIR / 'galena.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=DEFAULT_SQLITE)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while one writer commits; IMMEDIATE avoids upgrade deadlocks
    # between the web server's worker processes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Values sent apart from the statement's text, and a statement run five times on a
    # connection kept prepared by the server: parsed once, not at every lead (see
    # docs/decisions/0010-postgresql-prepared-statements.md). Off for a pooler that cannot
    # keep prepared statements (PgBouncer before 1.21 in transaction mode).
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("es", "Español"),
    ("fi", "Suomi"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
DEFAULT_REGION = env.str("DEFAULT_REGION", default="RO")
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")
# the currency the cost report sums spend and revenue in (leads.CurrencyRate converts to it)
ANALYTICS_BASE_CURRENCY = env.str("ANALYTICS_BASE_CURRENCY", default="EUR").upper()
# reports add up the daily facts where they can; off, every figure is read from the base
# tables (docs/decisions/0006-analytics-daily-facts.md)
ANALYTICS_FACTS = env.bool("ANALYTICS_FACTS", default=True)

# --- static files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if GALENA_ENV != "test"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))

# --- cache (rate limits, shared by the web server's processes) ------------------------
if REDIS_URL := env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "galena.core.cache.GalenaRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# --- e-mail ---------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
    )
    EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="galena@localhost")

# --- background work ------------------------------------------------------------------
# With a broker configured, tasks go to Celery workers (`galena worker`); without one they
# run in-process, so the embedded default needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the worker's database connections before and after every
# task unless this is set, and then only every this many tasks: a new PostgreSQL backend,
# its catalogue caches and its prepared statements for each task. The worker keeps its
# connections as the web does (CONN_MAX_AGE, health checks; config.celery, decision 0011).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1_000_000)
# (routing-loads-recount is added beside ROUTING_LOAD_SECONDS, its interval, below)
CELERY_BEAT_SCHEDULE = {
    "intake-process-stuck": {
        "task": "galena.intake.tasks.process_stuck_submissions",
        "schedule": 60.0,
    },
    # analytics: the facts of the days written since (reports refresh them too)
    "analytics-refresh-facts": {
        "task": "galena.analytics.tasks.refresh_facts",
        "schedule": 60.0,
    },
    # behaviour points decay and hot signals expire: stored scores follow
    "scoring-decay": {
        "task": "galena.scoring.tasks.decay_scores",
        "schedule": 15 * 60.0,
    },
    # the model follows the latest outcomes; open leads' probabilities their behaviour
    "scoring-train": {
        "task": "galena.scoring.tasks.train_model",
        "schedule": 7 * 24 * 3600.0,
    },
    "scoring-predict": {
        "task": "galena.scoring.tasks.predict_open_leads",
        "schedule": 6 * 3600.0,
    },
    # webhook retries that are due, e-mails whose task was lost
    "notifications-sweep": {
        "task": "galena.notifications.tasks.notifications_sweep",
        "schedule": 60.0,
    },
    # first-response deadlines: warnings, breaches and their escalation
    "routing-sla-sweep": {
        "task": "galena.routing.tasks.sla_sweep",
        "schedule": 60.0,
    },
    # nurture: due sequence e-mails; cold leads enrolled; warmed-up rejected leads back
    "nurture-sweep": {
        "task": "galena.nurture.tasks.nurture_sweep",
        "schedule": 5 * 60.0,
    },
    "nurture-enroll-cold": {
        "task": "galena.nurture.tasks.cold_leads_enroll",
        "schedule": 3600.0,
    },
    "nurture-reactivation": {
        "task": "galena.nurture.tasks.reactivation_sweep",
        "schedule": 10 * 60.0,
    },
    # personal data past its retention period is depersonalised (privacy.RetentionPolicy)
    "privacy-retention": {
        "task": "galena.privacy.tasks.retention_sweep",
        "schedule": 24 * 3600.0,
    },
}

# --- security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Galena ---------------------------------------------------------------------------
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = 500

# --- compliance (data-subject requests, audit, processing register) --------------------
# Where this deployment stores personal data (e.g. "EU/DE"); shown on the processing register.
DATA_STORAGE_JURISDICTION = env.str("DATA_STORAGE_JURISDICTION", default="")
# Days the law gives to answer a data-subject request, counted from its receipt.
COMPLIANCE_REQUEST_DAYS = env.int("COMPLIANCE_REQUEST_DAYS", default=30)
# Hours the e-mail verification link of a request from the public page works.
COMPLIANCE_VERIFICATION_MAX_AGE_HOURS = env.int("COMPLIANCE_VERIFICATION_MAX_AGE_HOURS", default=72)
# Requests per minute the public request page takes from one client address.
COMPLIANCE_RATE_PER_ADDRESS = env.int("COMPLIANCE_RATE_PER_ADDRESS", default=5)
# Who stores the audit entries apps write through galena.core.audit.record (bulk exports
# and views of personal data): the compliance app's audit log.
AUDIT_RECORDERS = ["galena.compliance.audit.record"]
# A list page showing at least this many people's data (the lead list, the board, the API's
# lead list) is a bulk view in the audit log: 1 records every page that shows anyone.
AUDIT_BULK_VIEW_MIN_ROWS = env.int("AUDIT_BULK_VIEW_MIN_ROWS", default=1)

# --- intake ---------------------------------------------------------------------------
# The stages every submission travels, in order (each "module.function"; see
# galena/intake/contract.py). Later apps add theirs: quality, matching, scoring, routing.
INTAKE_STAGES: list[str] = env.list(
    "INTAKE_STAGES",
    default=[
        "galena.quality.stage.quality",
        # after quality, whose normalised names and contacts it compares; before source_match,
        # which only vouches for new leads, not repeat inquiries
        "galena.matching.stage.matching",
        # after the quality stage, whose normalised contacts it matches
        "galena.quality.verification.source_match",
        # after every stage that classifies the lead (fit, verification), whose verdicts
        # its profile rules may read
        "galena.scoring.stage.scoring",
        # last: it reads the temperature and score the stages before it gave
        "galena.routing.stage.routing",
    ],
)
# Templates later apps put at the top of the lead card, above everything but its title, in
# order; each gets the card's context.
LEAD_CARD_BANNERS: list[str] = [
    # a merged lead's card says where it went before anything else
    "matching/_merged_banner.html",
    # a blocked person: nobody contacts them (consent)
    "consent/_blocked_banner.html",
]
# Templates later apps add to the lead card, in order; each gets the card's context.
LEAD_CARD_PANELS: list[str] = [
    "matching/_card_panel.html",
    "quality/_card_panel.html",
    "quality/_verification_panel.html",
    "matching/_duplicates_panel.html",
    "scoring/_card_panel.html",
    # the first-response deadline: how long is left, or whether it was met
    "routing/_sla_panel.html",
    # a telemarketer's qualified lead passed to sales
    "routing/_handoff_panel.html",
    # calls, e-mails, offers and meetings
    "activities/_card_panel.html",
    # conversion to client, and the client it became
    "clients/_card_panel.html",
    # rejection, deferral, the farewell questionnaire and nurture sequences
    "nurture/_card_panel.html",
    # personal data: consents, blocking, corrections on request
    "consent/_card_panel.html",
]
# Later apps' lines on the lead card's timeline: event type -> "module.function", called
# once per card with every event of that type (to look up what they name in bulk); it gives
# each event ``template``, the template of its line, and what that template reads.
TIMELINE_PRESENTERS: dict[str, str] = {
    "repeat_inquiry": "galena.matching.timeline.present_repeat_inquiries",
    "sla_warning": "galena.routing.timeline.present_sla_events",
    "sla_breached": "galena.routing.timeline.present_sla_events",
    "sla_escalated": "galena.routing.timeline.present_sla_events",
    "converted": "galena.clients.timeline.present_conversions",
    "email_sent": "galena.activities.timeline.present_emails",
    "email_received": "galena.activities.timeline.present_emails",
    "offer_sent": "galena.activities.timeline.present_emails",
    "meeting_scheduled": "galena.activities.timeline.present_meetings",
    "farewell_sent": "galena.nurture.timeline.present_nurture_events",
    "farewell_answered": "galena.nurture.timeline.present_nurture_events",
    "nurture_sent": "galena.nurture.timeline.present_nurture_events",
    "nurture_stopped": "galena.nurture.timeline.present_nurture_events",
    "unsubscribed": "galena.nurture.timeline.present_nurture_events",
    "reactivated": "galena.nurture.timeline.present_nurture_events",
    "consent_recorded": "galena.consent.timeline.present_consent_events",
    "restricted": "galena.consent.timeline.present_consent_events",
    "restriction_lifted": "galena.consent.timeline.present_consent_events",
    "not_routed": "galena.consent.timeline.present_consent_events",
    "rectified": "galena.consent.timeline.present_consent_events",
    "contact_withheld": "galena.consent.timeline.present_consent_events",
}
# Behaviour tracking (scoring): the public POST /api/v1/track's limits per minute and body
# size, how long browsers keep /t/track.js, how long a tracked e-mail's links count and a
# lead token in a link stitches a visitor, and the windows in which repeated e-mail
# openings and clicks are stored once.
TRACKING_RATE_PER_ADDRESS = env.int("TRACKING_RATE_PER_ADDRESS", default=300)
TRACKING_RATE_PER_VISITOR = env.int("TRACKING_RATE_PER_VISITOR", default=60)
TRACKING_MAX_BODY_BYTES = env.int("TRACKING_MAX_BODY_BYTES", default=64 * 1024)
TRACKING_SCRIPT_MAX_AGE = env.int("TRACKING_SCRIPT_MAX_AGE", default=3600)
TRACKING_EMAIL_LINK_DAYS = env.float("TRACKING_EMAIL_LINK_DAYS", default=365)
TRACKING_LEAD_TOKEN_DAYS = env.float("TRACKING_LEAD_TOKEN_DAYS", default=1)
TRACKING_EMAIL_OPEN_WINDOW_SECONDS = env.int("TRACKING_EMAIL_OPEN_WINDOW_SECONDS", default=1800)
TRACKING_EMAIL_CLICK_WINDOW_SECONDS = env.int("TRACKING_EMAIL_CLICK_WINDOW_SECONDS", default=60)
# Configuration a process keeps (rules, policies, people, calendars: core.memo) is kept until
# an edit changes the shared generation in the cache, which each process reads at most every
# CONFIG_CHECK_SECONDS; the *_CONFIG_SECONDS below bound how long it is kept even so (for
# writes no signal tells of: bulk updates, SQL by hand).
CONFIG_CHECK_SECONDS = env.float("CONFIG_CHECK_SECONDS", default=1.0)
# For the scoring rules, settings and active model.
SCORING_CONFIG_SECONDS = env.float("SCORING_CONFIG_SECONDS", default=300.0)
# For the quality stage's checks, fit rules and forms.
QUALITY_CONFIG_SECONDS = env.float("QUALITY_CONFIG_SECONDS", default=300.0)
# For the routing rules and SLA policies, the teams' members, hours and holidays.
ROUTING_CONFIG_SECONDS = env.float("ROUTING_CONFIG_SECONDS", default=300.0)
# How often the routed teams' loads (open leads and tasks due, for the least-loaded and skills
# strategies) are counted again in the background; routing's own assignments are added as
# they are made, and routing counts by itself when a count is twice this late.
ROUTING_LOAD_SECONDS = env.float("ROUTING_LOAD_SECONDS", default=30.0)
CELERY_BEAT_SCHEDULE["routing-loads-recount"] = {
    "task": "galena.routing.tasks.loads_recount",
    "schedule": max(ROUTING_LOAD_SECONDS, 1.0),
}
# Called by leads.services.lead_update after it saves a change, inside its transaction, as
# hook(lead=…, actor=…, changed={field names}): later apps react (fit is re-evaluated)
# without the lead importing them.
LEAD_CHANGE_HOOKS: list[str] = [
    "galena.quality.fit.lead_fit_refresh",
    "galena.matching.keys.lead_keys_refresh",
    "galena.scoring.services.lead_score_on_change",
    # a lead released from quarantine gets its first-response clock
    "galena.routing.sla.lead_sla_on_change",
]
# Called by leads.services.lead_change_stage after a lead moved to another stage, inside its
# transaction, as hook(lead=…, actor=…, previous=<the Stage it left>): a rejected or deferred
# lead enters the deferred-demand base, a lead back in the pipeline leaves its nurture.
LEAD_STAGE_HOOKS: list[str] = [
    # a lead leaving the pipeline unanswered stops its first-response clock; one coming back
    # gets a new one
    "galena.routing.sla.lead_sla_on_stage",
    # the deferred-demand base: enrolment in nurture, the farewell e-mail, nurture stopped
    "galena.nurture.services.lead_stage_changed",
]
# Called when a lead writes or calls again, as hook(lead=…, actor=…, kind=…) with kind
# "repeat_inquiry" (matching attached a new submission to the lead, after its commit) or
# "email_reply" (activities attached an inbound reply): a rejected or deferred lead returns
# to the pipeline, its nurture stops.
LEAD_INQUIRY_HOOKS: list[str] = [
    "galena.nurture.services.lead_inquired",
]
# Nurture (the deferred-demand base): the consent purposes that allow marketing e-mail, the
# enrolments sent per batch, the local hour a dated step (a holiday greeting) goes out, how
# many days a farewell questionnaire's link works, and how many cold leads one enrolment
# run reads.
NURTURE_CONSENT_PURPOSES: list[str] = env.list(
    "NURTURE_CONSENT_PURPOSES", default=["marketing", "email_marketing", "newsletter"]
)
NURTURE_BATCH_SIZE = env.int("NURTURE_BATCH_SIZE", default=200)
NURTURE_SEND_HOUR = env.int("NURTURE_SEND_HOUR", default=10)
NURTURE_FAREWELL_LINK_DAYS = env.int("NURTURE_FAREWELL_LINK_DAYS", default=60)
NURTURE_COLD_BATCH = env.int("NURTURE_COLD_BATCH", default=2000)
# Called by leads.services after it creates leads (one or many), inside its transaction, as
# hook(leads=[…]): matching writes their blocking keys.
LEADS_CREATED_HOOKS: list[str] = [
    "galena.matching.keys.leads_keys_write",
    "galena.scoring.services.leads_scores_write",
    # before routing: a known client's new lead is linked to the client and goes to the
    # client's owner (routing leaves owned leads alone)
    "galena.clients.services.leads_clients_link",
    # after scoring, whose temperature and score its rules read
    "galena.routing.services.leads_route",
    # after routing, whose team's business hours count the deadline
    "galena.routing.sla.leads_sla_start",
]
# Called by leads.services (a note, a task done) and quality (a call logged) after a person
# or the system acted on a lead, inside its transaction, as hook(lead=…, kind=…, at=…,
# actor=…) with kind "call", "email", "task" or "note": routing decides whether it answers
# the lead (its first response, its SLA clock met).
LEAD_ACTIVITY_HOOKS: list[str] = [
    "galena.routing.sla.lead_sla_respond",
]
# Called by scoring after leads turned warmer (cold to warm or hot, …), inside its
# transaction, as hook(lead_ids=[…]): an unanswered lead's first response falls due under
# the stricter policy, when that is sooner.
LEAD_TEMPERATURE_HOOKS: list[str] = [
    "galena.routing.sla.leads_sla_tighten",
]
# First-response deadlines (SLA policies are data, in the admin): the business hours of leads
# without a team (ISO weekday -> [[start, end], …] in TIME_ZONE; a team's own are in its
# routing settings), and how old a lead may arrive and still get a clock (an import of past
# leads gets none).
SLA_DEFAULT_BUSINESS_HOURS = {str(day): [["09:00", "18:00"]] for day in range(1, 6)}
SLA_START_MAX_AGE_HOURS = env.float("SLA_START_MAX_AGE_HOURS", default=24.0)
# Called by leads.services after it gives leads an owner (lead_assign, lead_create with an
# owner), inside its transaction, as hook(events=[ASSIGNED LeadEvent, …]): the new owner is
# told.
LEAD_ASSIGNED_HOOKS: list[str] = [
    "galena.notifications.services.leads_assigned_notify",
]
# Applied by the leads list's CSV/XLSX export to the leads it writes, as f(queryset) ->
# queryset: later apps leave leads out (a person whose processing is blocked).
LEAD_EXPORT_FILTERS: list[str] = [
    "galena.consent.services.unrestricted",
]
# Called by leads.services.task_create when a person plans an action on a lead, as
# check(lead): raises when the lead's person may not be contacted (blocked at their request).
LEAD_CONTACT_CHECKS: list[str] = [
    "galena.consent.services.contact_check",
]
# Called by consent.services.lift_restriction, inside its transaction (the leads locked), as
# hook(lead_ids=[…], actor=…) with the leads of the person no other block holds; returns
# {lead id: {fact: value}} for the ``restriction_lifted`` events: a lead the block kept
# unrouted is routed and its first-response clock started, a clock the block stopped restarts.
LEAD_UNBLOCKED_HOOKS: list[str] = [
    "galena.routing.unblocking.leads_unblocked",
]
# Outgoing webhooks (notifications): seconds to wait for an answer, the waits before each
# retry (then the delivery has failed), and whether URLs inside the network are allowed
# (never in production unless asked).
NOTIFICATIONS_WEBHOOK_TIMEOUT = env.float("NOTIFICATIONS_WEBHOOK_TIMEOUT", default=5.0)
# The same for who may be told and how (users' addresses and choices) and the active
# webhooks.
NOTIFICATIONS_CONFIG_SECONDS = env.float("NOTIFICATIONS_CONFIG_SECONDS", default=300.0)
# notification e-mails go out this long after the first of them is stored, with whatever
# else came meanwhile (notifications.emails.emails_wake); the key that says a task is queued
# lives at most this long (a task lost with its broker: the next notification queues again)
NOTIFICATIONS_EMAIL_DELAY_SECONDS = env.float("NOTIFICATIONS_EMAIL_DELAY_SECONDS", default=1.0)
NOTIFICATIONS_EMAIL_KEY_SECONDS = env.int("NOTIFICATIONS_EMAIL_KEY_SECONDS", default=60)
NOTIFICATIONS_WEBHOOK_RETRY_SECONDS: list[int] = [60, 300, 1800, 7200, 43200]
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env.bool(
    "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", default=not PRODUCTION
)
# Points of the quality checks that fire add up: at these, a lead is held for review or
# rejected as a pseudo-lead (each check's weight is set in the admin).
QUALITY_QUARANTINE_POINTS = env.int("QUALITY_QUARANTINE_POINTS", default=100)
QUALITY_REJECT_POINTS = env.int("QUALITY_REJECT_POINTS", default=200)
# What a submission needs to be a lead on channels without a form (a form sets its own):
# a caller or a chat visitor is already talking to the business, their contact is enough.
# Every other channel needs a name and a personal contact ("name_and_contact").
QUALITY_LEAD_RULES = {"phone_call": "contact", "chat": "contact", "sms": "contact"}
# Days a double opt-in confirmation link works.
QUALITY_CONFIRMATION_MAX_AGE_DAYS = env.int("QUALITY_CONFIRMATION_MAX_AGE_DAYS", default=7)
# Channel adapters: name -> function(submission) -> ParsedSubmission.
INTAKE_ADAPTERS = {
    "capture": "galena.intake.adapters.capture.parse",
    "import": "galena.intake.importing.adapter.parse",
    "email": "galena.intake.adapters.email.parse",
    "calls": "galena.intake.adapters.calls.parse",
    "twilio": "galena.intake.adapters.calls.parse",
    "meta": "galena.intake.adapters.meta.parse",
    "google_ads": "galena.intake.adapters.google_ads.parse",
    "chat": "galena.intake.adapters.chat.parse",
}
# Adapters that fetch something before parsing (network, outside the processing
# transaction): name -> function(submission) -> the payload to store, or None.
INTAKE_ADAPTER_PREPARE = {
    "meta": "galena.intake.adapters.meta.fetch_lead",
}
# Asked by the e-mail adapter, as hook(message_ids=[…]) -> lead id or None, whether an inbound
# message answers an e-mail Galena sent (In-Reply-To, References): it is attached to that lead.
INTAKE_REPLY_RESOLVERS: list[str] = ["galena.activities.replies.lead_for_reply"]
# Called as hook(submission=…, contacts=[ContactInput…]) when a submission is processed into no
# lead (an interest): the privacy app indexes the person's contacts in it for their requests.
INTAKE_UNLINKED_HOOKS: list[str] = ["galena.privacy.submissions.submission_contacts_record"]
# Activities: the Reply-To of e-mails to leads (the intake mailbox, so replies attach to the
# lead; empty: the sender's own address), the largest document one may upload, and the most
# an e-mail's attachments may weigh together.
ACTIVITIES_REPLY_TO = env.str("ACTIVITIES_REPLY_TO", default="")
ACTIVITIES_DOCUMENT_MAX_BYTES = env.int("ACTIVITIES_DOCUMENT_MAX_BYTES", default=15 * 1024 * 1024)
ACTIVITIES_ATTACHMENTS_MAX_BYTES = env.int(
    "ACTIVITIES_ATTACHMENTS_MAX_BYTES", default=20 * 1024 * 1024
)
# How many reverse proxies in front of Galena append to X-Forwarded-For (0: none, use the
# socket's address).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Workers process waiting submissions this many at a time (intake.batching).
INTAKE_BATCH_SIZE = env.int("INTAKE_BATCH_SIZE", default=200)
INTAKE_DRAIN_KEY_SECONDS = env.int("INTAKE_DRAIN_KEY_SECONDS", default=10)
# Seconds a web process reuses a form it read (a change takes effect within this time).
INTAKE_FORM_CACHE_SECONDS = env.int("INTAKE_FORM_CACHE_SECONDS", default=5)
INTAKE_STUCK_AFTER_SECONDS = env.int("INTAKE_STUCK_AFTER_SECONDS", default=300)
# Store concurrent capture requests' submissions with one INSERT and one commit per batch
# (intake/group_commit.py); each request still answers only once its row is committed.
INTAKE_GROUP_COMMIT = env.bool("INTAKE_GROUP_COMMIT", default=GALENA_ENV != "test")
# Answer capture POSTs without Django's middleware and URL resolver (intake/fastpath.py).
INTAKE_CAPTURE_FAST_PATH = env.bool("INTAKE_CAPTURE_FAST_PATH", default=True)
INTAKE_MAX_BODY_BYTES = env.int("INTAKE_MAX_BODY_BYTES", default=64 * 1024)
# Public endpoints: requests per minute per form, and per client address.
INTAKE_RATE_PER_FORM = env.int("INTAKE_RATE_PER_FORM", default=6000)
INTAKE_RATE_PER_ADDRESS = env.int("INTAKE_RATE_PER_ADDRESS", default=60)
# File imports: rows per transaction (a resumed import restarts at the last one committed).
INTAKE_IMPORT_CHUNK_ROWS = env.int("INTAKE_IMPORT_CHUNK_ROWS", default=2000)
# Without a broker an import started from the page runs in a thread of the web process, so
# the page can follow its progress; with a broker it goes to a worker.
INTAKE_IMPORT_IN_THREAD = env.bool("INTAKE_IMPORT_IN_THREAD", default=CELERY_TASK_ALWAYS_EAGER)
# Inbound webhooks (calls, chats, ad platforms) and e-mail: the largest body taken, in bytes.
INTAKE_MAX_WEBHOOK_BYTES = env.int("INTAKE_MAX_WEBHOOK_BYTES", default=1024 * 1024)
INTAKE_MAX_EMAIL_BYTES = env.int("INTAKE_MAX_EMAIL_BYTES", default=25 * 1024 * 1024)
# A larger message is stored with its attachments' contents left out (they are listed).
INTAKE_EMAIL_KEEP_BYTES = env.int("INTAKE_EMAIL_KEEP_BYTES", default=2 * 1024 * 1024)
# The IMAP mailbox `galena fetchmail` polls: INTAKE_IMAP_URL=imaps://user:password@host:993/INBOX
# (percent-encode special characters), or the separate INTAKE_IMAP_* variables.
INTAKE_IMAP_URL = env.str("INTAKE_IMAP_URL", default="")
INTAKE_IMAP_HOST = env.str("INTAKE_IMAP_HOST", default="")
INTAKE_IMAP_PORT = env.int("INTAKE_IMAP_PORT", default=0)
INTAKE_IMAP_USER = env.str("INTAKE_IMAP_USER", default="")
INTAKE_IMAP_PASSWORD = env.str("INTAKE_IMAP_PASSWORD", default="")
INTAKE_IMAP_FOLDER = env.str("INTAKE_IMAP_FOLDER", default="INBOX")
INTAKE_IMAP_SSL = env.bool("INTAKE_IMAP_SSL", default=True)
INTAKE_IMAP_TIMEOUT = env.int("INTAKE_IMAP_TIMEOUT", default=30)
# The Mailbox (by name) whose source, campaign and owner the fetched messages get.
INTAKE_IMAP_MAILBOX = env.str("INTAKE_IMAP_MAILBOX", default="")
INTAKE_IMAP_POLL_SECONDS = env.int("INTAKE_IMAP_POLL_SECONDS", default=60)
INTAKE_IMAP_BATCH = env.int("INTAKE_IMAP_BATCH", default=50)
if INTAKE_IMAP_URL or INTAKE_IMAP_HOST:
    CELERY_BEAT_SCHEDULE["intake-fetch-mail"] = {
        "task": "galena.intake.tasks.fetch_mail",
        "schedule": INTAKE_IMAP_POLL_SECONDS,
    }
# Meta Lead Ads: where the leads' fields are fetched from.
META_GRAPH_URL = env.str("META_GRAPH_URL", default="https://graph.facebook.com/v21.0").rstrip("/")
META_GRAPH_TIMEOUT = env.int("META_GRAPH_TIMEOUT", default=10)
# The lead's fields to ask for (comma-separated); empty: the Graph API's default (id,
# created_time, field_data). Add ad_id,campaign_id,… when the token has ads_management.
META_LEAD_FIELDS = env.str("META_LEAD_FIELDS", default="")
