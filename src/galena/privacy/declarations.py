"""The built-in apps' personal data, declared once (see ``galena.privacy.registry``).

Kept for analytics after an erasure: the lead's stage, channel, source, campaign, dates,
classification (temperature, fit, origin, contact type, quality), country, region, language,
interest, score and the amounts of deals; contact points' kind, status and line type; the
kinds, categories and times of tracked events; every count.
"""

from __future__ import annotations

import json

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from galena.privacy.registry import Erase, declare_not_personal, register
from galena.privacy.subjects import Subject

B, S, J, H, P, F = Erase.BLANK, Erase.SCRUB, Erase.JSON, Erase.HASH, Erase.PLACEHOLDER, Erase.FILE


# --- leads ------------------------------------------------------------------------------

register(
    "leads.Lead",
    category=_("Leads"),
    lead="pk",
    fields={
        "first_name": B,
        "middle_name": B,
        "last_name": B,
        "display_name": B,
        "company_name": B,
        "position": B,
        "city": B,
        "comment": B,
        "preferred_contact_time": B,
        "attributes": J,
        "quality_reasons": J,
        "referrer": S,
        "landing_page": S,
        "rejection_note": B,
        "search_text": B,
        "name_translit": B,
    },
    report_fields=(
        "id",
        "created_at",
        "stage__name",
        "channel",
        "source__name",
        "campaign__name",
        "country",
        "region",
        "language",
        "interest",
        "temperature",
        "owner__username",
        "merged_into_id",
        "utm_source",
        "utm_medium",
        "utm_campaign",
    ),
)
register(
    "leads.ContactPoint",
    category=_("Contact details of leads"),
    lead="lead",
    fields={"value_raw": B, "value": P, "label": B},
    report_fields=("lead_id", "kind", "status", "verified", "created_at"),
)
register(
    "leads.LeadEvent",
    category=_("Lead timeline (events)"),
    lead="lead",
    fields={"params": J},
    report_fields=("lead_id", "type", "occurred_at", "actor_source"),
)
register(
    "leads.Task",
    category=_("Tasks about the person"),
    lead="lead",
    fields={"title": S, "description": B, "outcome": B},
    report_fields=("lead_id", "kind", "due_at", "done_at"),
)


def _saved_filters(subject: Subject) -> Q | None:
    # a saved list query may name the person (?q=someone@example.com)
    condition = None
    for value in sorted(subject.emails | subject.phones):
        part = Q(query__icontains=value)
        condition = part if condition is None else condition | part
    return condition


register(
    "leads.SavedFilter",
    category=_("Saved lead filters naming the person"),
    find=_saved_filters,
    delete=True,
    fields={"query": B, "name": B},
)

# --- intake -------------------------------------------------------------------------------


# submissions not (yet) processed into a lead or an interest: their contacts are not indexed
UNPROCESSED = ("received", "processing", "failed", "refused")


def _unlinked_submissions(subject: Subject) -> Q | None:
    # a submission that made no lead (an interest) is found by the contacts intake indexed
    # (privacy.SubmissionContact, one indexed lookup); one still waiting, failed or refused
    # by the values in its body — a scan of those few rows alone (indexed by status)
    values = sorted(subject.emails | subject.phones)
    if not values:
        return None
    from galena.intake.models import Submission
    from galena.privacy.models import SubmissionContact

    ids = set(
        SubmissionContact.objects.filter(value__in=values).values_list("submission_id", flat=True)
    )
    in_body = Q()
    for value in values:
        in_body |= Q(raw_body__icontains=value) | Q(payload__icontains=value)
    ids |= set(
        Submission.objects.filter(lead__isnull=True, status__in=UNPROCESSED)
        .filter(in_body)
        .values_list("pk", flat=True)
    )
    return Q(pk__in=sorted(ids)) if ids else None


register(
    "intake.Submission",
    category=_("Submissions as received (forms, e-mails, calls, imports)"),
    lead="lead",
    find=_unlinked_submissions,
    fields={
        "raw_body": B,
        "payload": J,
        "headers": B,
        "remote_addr": B,
        "network": B,
        "device": B,
        "content_hash": B,
        "decision": J,
        "error": S,
    },
    report_fields=("id", "lead_id", "channel", "adapter", "received_at", "status", "outcome"),
)


def _import_jobs(subject: Subject) -> Q | None:
    if not subject.lead_ids:
        return None
    from galena.intake.models import Submission

    endpoints = (
        Submission.objects.filter(
            lead_id__in=sorted(subject.lead_ids), endpoint__startswith="import:"
        )
        .values_list("endpoint", flat=True)
        .order_by()  # else the submissions' ordering columns join what DISTINCT compares
        .distinct()
    )
    ids = [int(e.split(":", 1)[1]) for e in endpoints if e.split(":", 1)[1].isdigit()]
    return Q(pk__in=ids) if ids else None


def _import_files_erase(rows, subject: Subject) -> int:
    from galena.privacy.files import import_rows_blank

    return import_rows_blank(rows, subject)


register(
    "intake.ImportJob",
    category=_("Imported files holding the person's rows"),
    find=_import_jobs,
    fields={"error_report": J, "last_error": S},
    erase_extra=_import_files_erase,
    report_fields=("id", "original_name", "created_at", "status"),
)

# --- matching -----------------------------------------------------------------------------

register(
    "matching.MatchKey",
    category=_("Matching keys (name and company codes)"),
    lead="lead",
    delete=True,
    fields={"key": B},
)
register(
    "matching.DuplicateCandidate",
    category=_("Possible duplicates"),
    lead="lead",
    find=lambda subject: Q(other_id__in=sorted(subject.lead_ids)) if subject.lead_ids else None,
    fields={"explanation": J},
    report_fields=("lead_id", "other_id", "probability", "status", "created_at"),
)
register(
    "matching.LeadMerge",
    category=_("Merges of the person's leads (with the values before)"),
    lead="survivor",
    fields={"snapshot": J, "choices": J},
    report_fields=("survivor_id", "merged_ids", "created_at", "unmerged_at"),
)

# --- scoring and tracking -------------------------------------------------------------------

register(
    "scoring.Visitor",
    category=_("Browsers linked to the person (tracking cookie)"),
    lead="lead",
    delete=True,
    fields={"key": B, "landing_page": S, "referrer": S},
    report_fields=("lead_id", "first_seen_at", "last_seen_at", "channel"),
)
register(
    "scoring.TrackedEvent",
    category=_("Tracked visits and actions"),
    lead="lead",
    fields={"visitor_key": B, "url": S, "title": S, "properties": J, "external_id": B},
    report_fields=("lead_id", "kind", "category", "origin", "occurred_at"),
)
register(
    "scoring.LeadScore",
    category=_("Score"),
    lead="lead",
    fields={"hot_reason": S},
    report_fields=("lead_id", "fit_points", "engagement_points", "computed_at"),
)

# --- activities -----------------------------------------------------------------------------
# e-mails are found through their lead and by the address they went to (indexed): an e-mail
# sent to an address that is on no lead any more (corrected, or the lead merged) is still
# the person's

register(
    "activities.Document",
    category=_("Documents made for the person (offers)"),
    lead="lead",
    fields={"file": F, "original_name": S, "title": S},
    report_fields=("lead_id", "kind", "size", "content_type", "created_at"),
)


def _listing(field_name: str):
    """Rows whose JSON list ``field_name`` holds one of the person's addresses (a copy, an
    invitation to someone else's meeting): a text search, as JSON lists have no index both
    databases share."""

    def find(subject: Subject) -> Q | None:
        condition = None
        for email in sorted(subject.emails):
            part = Q(**{f"{field_name}__icontains": json.dumps(email)})
            condition = part if condition is None else condition | part
        return condition

    return find


register(
    "activities.SentEmail",
    category=_("E-mails sent to the person"),
    lead="lead",
    email="to",
    # an e-mail to someone else the person was copied on (a meeting's other attendees)
    mentions=_listing("cc"),
    fields={
        "to": B,
        "cc": B,
        "reply_to": B,
        "subject": S,
        "body_text": B,
        "body_html": B,
        "attachments": J,
        "headers": B,
        "event_params": J,
        "error": S,
    },
    report_fields=("lead_id", "kind", "status", "created_at", "sent_at"),
)
register(
    "activities.Meeting",
    category=_("Meetings"),
    lead="lead",
    mentions=_listing("attendees"),
    fields={"title": S, "location": B, "video_url": B, "description": B, "attendees": B},
    report_fields=("lead_id", "starts_at", "ends_at", "status"),
)

# --- clients --------------------------------------------------------------------------------

register(
    "clients.Contact",
    category=_("Client contacts"),
    contact="pk",
    fields={
        "first_name": B,
        "middle_name": B,
        "last_name": B,
        "display_name": B,
        "position": B,
        "name_translit": B,
        "search_text": B,
    },
    report_fields=("id", "account__name", "country", "language", "created_at"),
)
register(
    "clients.ContactMethod",
    category=_("Contact details of client contacts"),
    contact="contact",
    fields={"value_raw": B, "value": P, "label": B},
    report_fields=("contact_id", "kind", "created_at"),
)


def _own_account_ids(subject: Subject) -> list[int]:
    # an account is the person's only when every contact on it is theirs (a sole trader);
    # a company with other people on it keeps its name and figures
    if not subject.contact_ids:
        return []
    from galena.clients.models import Contact

    accounts = set(
        Contact.objects.filter(
            pk__in=sorted(subject.contact_ids), account__isnull=False
        ).values_list("account_id", flat=True)
    )
    shared = set(
        Contact.objects.filter(account_id__in=accounts)
        .exclude(pk__in=sorted(subject.contact_ids))
        .values_list("account_id", flat=True)
    )
    return sorted(accounts - shared)


def _own_accounts(subject: Subject) -> Q | None:
    own = _own_account_ids(subject)
    return Q(pk__in=own) if own else None


def _own_accounts_events(subject: Subject) -> Q | None:
    own = _own_account_ids(subject)
    return Q(account_id__in=own) if own else None


register(
    "clients.Account",
    category=_("Client accounts of the person alone (sole trader)"),
    find=_own_accounts,
    fields={"name": S, "legal_name": S, "billing_address": B, "search_text": S},
    report_fields=("id", "country", "industry", "created_at"),
)
register(
    "clients.ClientEvent",
    category=_("Changes to the person's client records (with the values before and after)"),
    contact="contact",
    find=_own_accounts_events,
    fields={"params": J},
    report_fields=("contact_id", "account_id", "type", "occurred_at", "actor_source"),
)
register(
    "clients.Deal",
    category=_("Deals"),
    lead="lead",
    contact="contact",
    fields={"title": S},
    report_fields=("id", "kind", "amount", "currency", "stage__name", "created_at", "closed_at"),
)

# --- nurture --------------------------------------------------------------------------------

register(
    "nurture.Suppression",
    category=_("Do-not-e-mail list"),
    lead="lead",
    email="email",
    # the address becomes its keyed hash: one row per address stays, the address does not
    fields={"email": H, "evidence": J, "note": B},
    report_fields=("created_at", "method"),
)
register(
    "nurture.FarewellInvitation",
    category=_("Farewell questionnaires sent"),
    lead="lead",
    email="email",
    fields={"email": B},
    report_fields=("lead_id", "sent_at", "language"),
)
register(
    "nurture.FarewellAnswer",
    category=_("Farewell questionnaire answers"),
    lead="lead",
    fields={"answers": J},
    report_fields=("lead_id", "answered_at", "may_write_later"),
)
register(
    "nurture.NurtureMessage",
    category=_("Nurture e-mails"),
    lead="lead",
    email="email",
    fields={"email": B, "subject": S, "error": S},
    report_fields=("lead_id", "step_order", "status", "sent_at"),
)

# --- notifications --------------------------------------------------------------------------

register(
    "notifications.Notification",
    category=_("Notices to staff about the person"),
    lead="lead",
    fields={"params": J},
    report_fields=("lead_id", "kind", "created_at"),
)


def _webhook_deliveries(subject: Subject) -> Q | None:
    # the payload's lead id has no index: read only the deliveries since the person's first
    # lead was created (created_at is indexed)
    if not subject.lead_ids:
        return None
    from django.db.models import Min

    from galena.leads.models import Lead

    since = Lead.objects.filter(pk__in=sorted(subject.lead_ids)).aggregate(Min("created_at"))
    condition = Q(payload__lead_id__in=sorted(subject.lead_ids))
    if since["created_at__min"] is not None:
        condition &= Q(created_at__gte=since["created_at__min"])
    return condition


register(
    "notifications.WebhookDelivery",
    category=_("Events sent to other systems (webhooks)"),
    find=_webhook_deliveries,
    fields={"payload": J, "error": S},
    report_fields=("kind", "status", "created_at", "delivered_at"),
)

# --- quality --------------------------------------------------------------------------------

register(
    "quality.ListedValue",
    category=_("Blocked, competitor and allowed lists"),
    find=lambda subject: (
        Q(value__in=sorted(subject.emails | subject.phones))
        if subject.emails or subject.phones
        else None
    ),
    delete=True,
    fields={"value": B, "note": B},
    report_fields=("purpose", "kind", "created_at"),
)

# --- Django's admin log --------------------------------------------------------------------


def _admin_log(subject: Subject) -> Q | None:
    # an object edited in the admin is named in the log ("Ștefania Văduva")
    from django.contrib.contenttypes.models import ContentType

    from galena.clients.models import Contact
    from galena.leads.models import Lead

    parts = []
    for model, ids in ((Lead, subject.lead_ids), (Contact, subject.contact_ids)):
        if ids:
            parts.append(
                Q(
                    content_type=ContentType.objects.get_for_model(model),
                    object_id__in=[str(i) for i in sorted(ids)],
                )
            )
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


register(
    "admin.LogEntry",
    category=_("Admin log entries about the person's records"),
    find=_admin_log,
    fields={"object_repr": S, "change_message": S},
    report_fields=("action_time", "action_flag"),
)

# --- privacy's own index ---------------------------------------------------------------------
# after intake.Submission, whose rows it finds: those are erased first, then the index goes

register(
    "privacy.SubmissionContact",
    category=_("Contacts found in submissions that made no lead (an index)"),
    email="value",
    phone="value",
    delete=True,
    fields={"value": B},
)

# --- no personal data of leads or clients ----------------------------------------------------

_SETTINGS = "settings, rules or reference data"
_STAFF = "the staff's own data, not of leads or clients"
_IDS = "ids, codes, figures and dates only"
_FACTS = "counts and sums per day and slice (channel, source, campaign, region, team)"
_DURATIONS = "counts and durations per day and slice, with no lead's id or name"
for label, why in (
    ("accounts.Team", _STAFF),
    ("analytics.DirtyDay", _IDS),
    ("analytics.LeadFact", _FACTS),
    ("analytics.LeadReach", _FACTS),
    ("analytics.VisitorFact", _FACTS),
    ("analytics.InterestFact", _FACTS),
    ("analytics.QualityFact", _FACTS),
    ("analytics.RevenueFact", _FACTS),
    ("analytics.ResponseFact", _DURATIONS),
    ("analytics.TeamFact", _FACTS),
    ("analytics.ConversionFact", _DURATIONS),
    ("analytics.DealFact", _FACTS),
    ("analytics.StayFact", _DURATIONS),
    ("accounts.Profile", _STAFF),
    ("accounts.ApiToken", _STAFF),
    ("activities.EmailTemplate", _SETTINGS),
    ("activities.Signature", _STAFF),
    ("clients.DealStage", _SETTINGS),
    ("clients.ClientField", _SETTINGS),
    ("clients.ClientLead", _IDS),
    ("clients.Conversion", _IDS),
    ("demo.DemoLoad", _SETTINGS),
    ("intake.Form", _SETTINGS),
    ("intake.TrackingNumber", _SETTINGS),
    ("intake.DecisionReason", _IDS),
    ("intake.InboundEndpoint", _SETTINGS),
    ("intake.Mailbox", _SETTINGS),
    ("intake.WebhookIntegration", _SETTINGS),
    ("intake.AdPlatformIntegration", _SETTINGS),
    ("intake.ExternalCampaign", _SETTINGS),
    ("leads.Source", _SETTINGS),
    ("leads.Campaign", _SETTINGS),
    ("leads.CampaignSpend", _SETTINGS),
    ("leads.CurrencyRate", _SETTINGS),
    ("leads.OfflineEvent", _SETTINGS),
    ("leads.Stage", _SETTINGS),
    ("leads.RejectionReason", _SETTINGS),
    ("matching.ComparisonWeight", _SETTINGS),
    ("matching.MatchSettings", _SETTINGS),
    ("notifications.NotificationPreference", _STAFF),
    ("notifications.Webhook", _SETTINGS),
    ("nurture.FarewellQuestionnaire", _SETTINGS),
    ("nurture.FarewellQuestion", _SETTINGS),
    ("nurture.Sequence", _SETTINGS),
    ("nurture.SequenceStep", _SETTINGS),
    ("nurture.Enrollment", _IDS),
    ("nurture.DeferredDemand", _IDS),
    ("quality.QualityCheck", _SETTINGS),
    ("quality.FitRule", _SETTINGS),
    ("routing.RoutingRule", _SETTINGS),
    ("routing.TeamRouting", _SETTINGS),
    ("routing.RoutingMember", _STAFF),
    ("routing.Absence", _STAFF),
    ("routing.Holiday", _SETTINGS),
    ("routing.SlaPolicy", _SETTINGS),
    ("routing.SlaClock", _IDS),
    ("scoring.PageCategoryRule", _SETTINGS),
    ("scoring.ScoreRule", _SETTINGS),
    ("scoring.ScoreSettings", _SETTINGS),
    ("scoring.ScoreComponent", _IDS),
    ("scoring.PredictiveModel", "a trained model: coefficients and trees, no rows"),
    ("scoring.TrackingSite", _SETTINGS),
    ("scoring.Greeting", _SETTINGS),
    ("privacy.Erasure", "ids, counts and the handler's reason with the person's values removed"),
    ("privacy.ErasedLead", _IDS),
    ("privacy.RetentionPolicy", _SETTINGS),
):
    declare_not_personal(label, why)
