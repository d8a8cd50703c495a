"""The quality stage of the intake pipeline: normalise what the person typed, decide whether
it is a lead at all, and catch pseudo-leads.

For each submission it
- replaces every contact by one carrying its normalised value (E.164, the normalised
  e-mail, the canonical profile link), status and line type, keeping the raw value; splits
  and title-cases the person's name and stores its transliteration (``name_translit``);
- runs the enabled checks (``quality.checks``): their points add up, and at
  ``QUALITY_QUARANTINE_POINTS`` the lead is held for review, at ``QUALITY_REJECT_POINTS``
  it is rejected as a pseudo-lead; below, the reasons are kept as flags;
- applies "what counts as a lead" (``Form.lead_rule``; ``name_and_contact`` for channels
  without a form): a personal name and a personal way to reach them, else an *interest*;
- sets the fit and the contact type (``quality.fit``), the submission's device and content
  hashes, and asks for the double opt-in e-mail when the form wants it.

Precedence: a pseudo-lead verdict beats "not a lead" — a rejected or quarantined
submission is kept as a lead with its reasons, counted against its source, and a reviewer
rejects it (or releases it, when a person meant well) — unless it gave no contact at all:
then there is nothing to hold and it is an interest with its reasons.

None of these decisions is ``final``: later stages still see the submission — matching may
find the known lead a quarantined repeat belongs to, and every stage's reasons end up on
the same record. A submission that belongs to a known lead (an e-mail
reply, a caller the adapter recognised) is never turned into an interest, a quarantine or
a rejection: the checks' reasons are kept on it as flags.

All database reads happen in ``prepare``, once per batch: the check settings, the listed
values the batch could hit, the forms, the recent submissions from the same address,
network, device or payload (one query per kind, windows anchored at the batch's first
submission) and the names the batch's phones already carry. Counts inside the batch are
added in received order, so a burst caught in one batch is counted as it would have been
one by one.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from galena.core.lookups import sql_in
from galena.core.memo import Memo
from galena.core.planner import planner_settings
from galena.intake.contract import Action, Decision, FollowUp, ParsedSubmission, Reason
from galena.intake.models import Form, LeadRule
from galena.leads.contact_values import transliterate
from galena.leads.models import ContactKind, ContactPoint, ContactStatus, Source
from galena.leads.normalise import email_value, phone_value, profile_value
from galena.leads.services import ContactInput
from galena.quality import fit
from galena.quality.checks import (
    STAGE,
    ActiveCheck,
    CheckContext,
    Facts,
    Lists,
    active_checks,
    facts_of,
    swapped_contacts,
)
from galena.quality.models import ListedValue, ListKind, ListPurpose, QualityCheck

CONFIRMATION_TASK = "galena.quality.tasks.send_confirmation"
BURST_TASK = "galena.quality.tasks.quarantine_burst"
# Numbers that never reach a person: a toll-free or premium line is a company's.
COMPANY_LINES = frozenset({"toll_free", "premium", "shared_cost", "uan"})


@dataclass(frozen=True)
class FormInfo:
    kind: str = ""
    lead_rule: str = LeadRule.NAME_AND_CONTACT
    double_opt_in: bool = False
    region: str = ""


@dataclass
class QualityBatch:
    """What ``prepare`` read for a batch; entries are keyed by ``id(parsed)``."""

    checks: list[ActiveCheck]
    entries: dict[int, tuple[Facts, CheckContext]] = field(default_factory=dict)
    forms: dict[int, FormInfo] = field(default_factory=dict)
    fit_rules: list = field(default_factory=list)


def _params(checks: list[ActiveCheck], code: str) -> dict[str, Any] | None:
    return next((dict(c.params) for c in checks if c.check.code == code), None)


def _region(parsed: ParsedSubmission, form: FormInfo | None, source_regions: dict) -> str:
    # the person's own country, when the channel gave it (an import row, an ad form),
    # says how their national number is written better than any default
    country = (parsed.person.country or "").strip().upper()
    return (
        parsed.default_region
        or (country if len(country) == 2 and country.isalpha() else "")
        or (form.region if form else "")
        or source_regions.get(parsed.attribution.source_id, "")
        or settings.DEFAULT_REGION
    )


def _lists(facts: list[Facts]) -> Lists:
    """The listed values the batch could hit: its e-mails, their domains and parent
    domains, its phones, and every listed network (containment is tested in Python)."""
    values: set[str] = set()
    for fact in facts:
        for email in fact.emails:
            if email.result.valid:
                address = email.result.value.lower()
                domain = address.rpartition("@")[2]
                parts = domain.split(".")
                values.add(address)
                values.update(".".join(parts[i:]) for i in range(len(parts) - 1))
        values.update(p.result.e164 for p in fact.phones if p.result.e164)
    tables: dict[str, dict[str, dict[str, str]]] = {p: defaultdict(dict) for p in ListPurpose}
    rows = ListedValue.objects.filter(
        Q(kind=ListKind.NETWORK)
        | Q(kind__in=[ListKind.EMAIL, ListKind.EMAIL_DOMAIN, ListKind.PHONE], value__in=values)
    ).values_list("purpose", "kind", "value", "note")
    for purpose, kind, value, note in rows:
        if purpose in tables:
            tables[purpose][kind][value] = note
    return Lists(
        blocked=dict(tables[ListPurpose.BLOCKED]),
        competitor=dict(tables[ListPurpose.COMPETITOR]),
        allowed=dict(tables[ListPurpose.ALLOWED]),
    )


class _Window:
    """Earlier times of one key inside the batch, in received order."""

    def __init__(self) -> None:
        self.times: dict[Any, list[dt.datetime]] = defaultdict(list)

    def earlier(self, key: Any, at: dt.datetime, minutes: float) -> int:
        times = self.times[key]
        return len(times) - bisect_left(times, at - dt.timedelta(minutes=minutes))

    def add(self, key: Any, at: dt.datetime) -> None:
        self.times[key].append(at)


# The checks' settings, the fit rules and the forms, kept in this process until one of them
# (or a form's source) is saved (core.memo; QualityConfig.ready connects ``kept.forget``).
kept = Memo()


def _config() -> tuple[list[ActiveCheck], list[fit.FitRuleSpec]]:
    def load():
        rows = {row.code: row for row in QualityCheck.objects.all()}
        return active_checks(rows), fit.fit_rules_load()

    return kept.get("config", load, seconds=settings.QUALITY_CONFIG_SECONDS)


def _forms(form_ids: set[int]) -> dict[int, FormInfo]:
    def load(keys: list) -> dict:
        return {
            ("form", form.pk): FormInfo(
                kind=form.kind,
                lead_rule=form.lead_rule,
                double_opt_in=form.double_opt_in,
                region=form.default_region or form.source.default_region,
            )
            for form in Form.objects.filter(pk__in=[key[1] for key in keys]).select_related(
                "source"
            )
        }

    found = kept.get_many(
        (("form", pk) for pk in form_ids), load, seconds=settings.QUALITY_CONFIG_SECONDS
    )
    return {key[1]: info for key, info in found.items() if info is not None}


def _prepare(decisions: list[Decision]) -> QualityBatch:
    checks, fit_rules = _config()
    batch = QualityBatch(checks=checks, fit_rules=fit_rules)
    parsed_all = [d.parsed for d in decisions]
    batch.forms.update(_forms({p.form_id for p in parsed_all if p.form_id}))
    source_ids = {
        p.attribution.source_id for p in parsed_all if p.attribution.source_id and not p.form_id
    }
    source_regions = (
        dict(
            Source.objects.filter(pk__in=source_ids)
            .exclude(default_region="")
            .values_list("pk", "default_region")
        )
        if source_ids
        else {}
    )
    # What the request said besides the body (intake.services.parse sets it from the stored
    # submission): its Accept-Language tells devices apart when the page sent no fingerprint,
    # the form page's hidden field and the HTTP origin tell a script from a page. None where
    # no request was stored (an imported row).
    facts: list[Facts] = []
    for parsed in parsed_all:
        signals = parsed.signals
        form = batch.forms.get(parsed.form_id)
        facts.append(
            facts_of(
                parsed,
                region=_region(parsed, form, source_regions),
                accept_language=signals.accept_language or "",
                form_kind=form.kind if form else "",
                honeypot_field=signals.hidden_field_sent,
                over_http=bool(signals.over_http),
            )
        )

    lists = _lists(facts)
    counts = _history(facts, [p.submission_id for p in parsed_all if p.submission_id], checks)
    phone_names = _phone_names(facts) if _params(checks, "phone_many_names") else {}

    # received order, so the first submissions of a burst inside the batch are not punished
    order = sorted(
        range(len(parsed_all)),
        key=lambda i: (parsed_all[i].received_at, parsed_all[i].submission_id or 0, i),
    )
    windows = {name: _Window() for name in ("address", "device", "network_farm", "device_farm")}
    payload_seen: dict[str, list[tuple[dt.datetime, int]]] = defaultdict(list)
    batch_names: dict[str, set[str]] = defaultdict(set)
    minutes = {
        "address": (_params(checks, "burst_address") or {}).get("minutes", 0),
        "device": (_params(checks, "burst_device") or {}).get("minutes", 0),
        "farm": (_params(checks, "farmed_network") or {}).get("minutes", 0),
    }
    hours = (_params(checks, "repeated_payload") or {}).get("hours", 0)
    for index in order:
        fact, at = facts[index], parsed_all[index].received_at
        address, network, device = fact.signals.remote_addr, fact.network, fact.device
        source = fact.source_id
        context = CheckContext(
            lists=lists,
            address_count=1
            + counts["address"].get(address, 0)
            + (windows["address"].earlier(address, at, minutes["address"]) if address else 0),
            device_count=1
            + counts["device"].get(device, 0)
            + (windows["device"].earlier(device, at, minutes["device"]) if device else 0),
            network_source_count=1
            + counts["network_farm"].get((network, source), 0)
            + (
                windows["network_farm"].earlier((network, source), at, minutes["farm"])
                if network and source
                else 0
            ),
            device_source_count=1
            + counts["device_farm"].get((device, source), 0)
            + (
                windows["device_farm"].earlier((device, source), at, minutes["farm"])
                if device and source
                else 0
            ),
            payload_forms=frozenset(
                counts["payload"].get(fact.content_hash, set())
                | {
                    form
                    for seen_at, form in payload_seen.get(fact.content_hash, [])
                    if seen_at >= at - dt.timedelta(hours=hours)
                }
            )
            if fact.content_hash
            else frozenset(),
            phone_names={
                phone.result.e164: frozenset(
                    phone_names.get(phone.result.e164, set()) | batch_names[phone.result.e164]
                )
                for phone in fact.phones
                if phone.result.e164
            },
        )
        batch.entries[id(parsed_all[index])] = (fact, context)
        if address:
            windows["address"].add(address, at)
        if device:
            windows["device"].add(device, at)
            if source:
                windows["device_farm"].add((device, source), at)
        if network and source:
            windows["network_farm"].add((network, source), at)
        if fact.content_hash and fact.form_id:
            payload_seen[fact.content_hash].append((at, fact.form_id))
        if fact.name.transliteration:
            for phone in fact.phones:
                if phone.result.e164:
                    batch_names[phone.result.e164].add(fact.name.transliteration)
    return batch


def _history(
    facts: list[Facts], batch_ids: list[int], checks: list[ActiveCheck]
) -> dict[str, dict]:
    """Submissions stored before this batch, per address, network and source, device, and
    content: one query per kind over the indexed columns, within each check's window
    counted back from the batch's first submission. Planned for their own values each time
    (core.planner): a window is most of a busy table, which a generic plan cannot know."""
    counts: dict[str, dict] = {
        "address": {},
        "network_farm": {},
        "device": {},
        "device_farm": {},
        "payload": {},
    }
    times = [f.received_at for f in facts if f.received_at]
    if not times:
        return counts
    first, last = min(times), max(times)
    address_params = _params(checks, "burst_address")
    device_params = _params(checks, "burst_device")
    farm_params = _params(checks, "farmed_network")
    payload_params = _params(checks, "repeated_payload")
    ops = connection.ops
    not_batch, not_batch_params = sql_in("s.id", batch_ids)

    def since(minutes: float):
        return ops.adapt_datetimefield_value(first - dt.timedelta(minutes=float(minutes)))

    def windowed(column: str, group_by: str, windows: tuple[dict | None, dict | None]):
        """Stored submissions whose ``column`` is one of the batch's values, grouped by
        ``group_by`` and their source, with a count in each of the two windows (a
        switched-off check's window counts nothing)."""
        minutes = [float(p["minutes"]) if p else None for p in windows]
        values = sorted({getattr(f, column) for f in facts if getattr(f, column)})
        if not values or all(m is None for m in minutes):
            return []
        among, among_params = sql_in(f"s.{column}", values)
        sql = (
            f"SELECT {group_by}, COALESCE(s.source_id, f.source_id),"  # noqa: S608 - columns named here, values as parameters
            " COUNT(*) FILTER (WHERE s.received_at >= %s),"
            " COUNT(*) FILTER (WHERE s.received_at >= %s)"
            " FROM intake_submission s LEFT JOIN intake_form f ON f.id = s.form_id"
            f" WHERE {among} AND s.received_at >= %s AND s.received_at <= %s"
            f" AND NOT ({not_batch}) GROUP BY {group_by}, COALESCE(s.source_id, f.source_id)"
        )
        params = [
            *(since(m) if m is not None else None for m in minutes),
            *among_params,
            since(max(m for m in minutes if m is not None)),
            ops.adapt_datetimefield_value(last),
            *not_batch_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    with planner_settings(plan_cache_mode="force_custom_plan"):
        for network, address, source, in_burst, in_farm in windowed(
            "network", "s.network, s.remote_addr", (address_params, farm_params)
        ):
            counts["address"][address] = counts["address"].get(address, 0) + in_burst
            key = (network, source)
            counts["network_farm"][key] = counts["network_farm"].get(key, 0) + in_farm
        for device, source, in_burst, in_farm in windowed(
            "device", "s.device", (device_params, farm_params)
        ):
            counts["device"][device] = counts["device"].get(device, 0) + in_burst
            key = (device, source)
            counts["device_farm"][key] = counts["device_farm"].get(key, 0) + in_farm
        hashes = sorted({f.content_hash for f in facts if f.content_hash and f.form_id})
        if hashes and payload_params:
            among, among_params = sql_in("s.content_hash", hashes)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT DISTINCT s.content_hash, s.form_id FROM intake_submission s"  # noqa: S608 - values as parameters
                    f" WHERE {among} AND s.form_id IS NOT NULL AND s.received_at >= %s"
                    f" AND s.received_at <= %s AND NOT ({not_batch})",
                    [
                        *among_params,
                        ops.adapt_datetimefield_value(
                            first - dt.timedelta(hours=float(payload_params["hours"]))
                        ),
                        ops.adapt_datetimefield_value(last),
                        *not_batch_params,
                    ],
                )
                for content, form_id in cursor.fetchall():
                    counts["payload"].setdefault(content, set()).add(form_id)
    return counts


def _phone_names(facts: list[Facts]) -> dict[str, set[str]]:
    """e164 -> the transliterated names of the leads that already have the phone."""
    phones = {p.result.e164 for f in facts for p in f.phones if p.result.e164}
    names: dict[str, set[str]] = defaultdict(set)
    if not phones:
        return names
    rows = (
        ContactPoint.objects.filter(kind=ContactKind.PHONE, value__in=phones)
        .values_list("value", "lead__name_translit", "lead__first_name", "lead__last_name")
        .order_by()  # the model's ordering would add its columns to what DISTINCT compares
        .distinct()
    )
    for phone, translit, first, last in rows:
        # leads written before the quality stage existed have no transliteration yet
        name = translit or transliterate(f"{first} {last}")
        if name:
            names[phone].add(name)
    return names


# --------------------------------------------------------------------------- the decision


def _normalised_contacts(parsed: ParsedSubmission, facts: Facts) -> list[ContactInput]:
    """The contacts with their normalised value, status and line type, as the lead stores
    them (``leads.normalise``) from the details the checks already computed; raw values kept."""
    phones, emails, profiles = iter(facts.phones), iter(facts.emails), iter(facts.profiles)
    contacts = []
    for contact in parsed.contacts:
        raw = contact.value or ""
        if contact.kind == ContactKind.PHONE:
            value = phone_value(raw, next(phones).result)
        elif contact.kind == ContactKind.EMAIL:
            value = email_value(raw, next(emails).result)
        else:
            value = profile_value(raw, next(profiles).result, facts.region)
        contacts.append(
            replace(contact, normalised=value.value, status=value.status, line_type=value.line_type)
        )
    return contacts


def _named_person(parsed: ParsedSubmission, facts: Facts):
    person, name = parsed.person, facts.name
    if not facts.has_name:
        return person
    return replace(person, first_name=name.first, middle_name=name.middle, last_name=name.last)


def _usable(facts: Facts) -> tuple[bool, bool]:
    """(any personal way to reach them, only company lines among them)."""
    personal, company = False, False
    swapped_emails, swapped_phones = swapped_contacts(facts)
    phones = [p.result for p in facts.phones] + swapped_phones
    for phone in phones:
        reachable = phone.status in (ContactStatus.VALID, ContactStatus.POSSIBLE) or bool(
            phone.suggestion
        )
        if not reachable:
            continue
        switchboard = phone.line_type in COMPANY_LINES or (
            phone.line_type == "fixed_line" and facts.company_name and not facts.has_name
        )
        if switchboard:
            company = True
        else:
            personal = True
    if any(e.result.valid or e.result.suggestion for e in facts.emails) or swapped_emails:
        personal = True
    if any(p.result.valid for p in facts.profiles):
        personal = True
    return personal, company and not personal


def lead_rule_for(parsed: ParsedSubmission, form: FormInfo | None) -> str:
    """The form's rule; for channels without a form, QUALITY_LEAD_RULES by channel, else
    a name and a personal contact."""
    if form is not None:
        return form.lead_rule
    channel = parsed.attribution.channel or parsed.channel
    return settings.QUALITY_LEAD_RULES.get(channel, LeadRule.NAME_AND_CONTACT)


def not_a_lead(facts: Facts, rule: str, *, asks_for_call: bool = False) -> Reason | None:
    """Why the submission is not a lead under the rule, or None when it is one. A person
    who asked to be called back (a callback widget, a missed call) is waiting for the call
    and is asked their name on it: for them a personal contact is enough."""
    if rule == LeadRule.ANY:
        return None
    personal, switchboard_only = _usable(facts)
    evidence = {"rule": str(rule)}
    if switchboard_only:
        phones = [p.raw for p in facts.phones]
        return Reason(
            stage=STAGE,
            code="switchboard_only",
            message=_(
                "Only a company number (%(phones)s) and no person to ask for: an interest, "
                "not a lead."
            )
            % {"phones": ", ".join(phones)},
            evidence={**evidence, "phones": phones, "company_name": facts.company_name},
        )
    if not personal:
        return Reason(
            stage=STAGE,
            code="no_contact",
            message=_("No usable phone, e-mail or profile: an interest, not a lead."),
            evidence=evidence,
        )
    if rule == LeadRule.NAME_AND_CONTACT and not facts.has_name and not asks_for_call:
        return Reason(
            stage=STAGE,
            code="no_name",
            message=_("No name of a person: an interest, not a lead."),
            evidence={**evidence, "name": facts.name.raw},
        )
    return None


_SEVERITY = {Action.CREATE: 0, Action.QUARANTINE: 1, Action.REJECT: 2}


def _decide(decision: Decision, points: int, not_lead: Reason | None) -> Action:
    action = decision.action
    parsed = decision.parsed
    if action not in _SEVERITY or parsed.existing_lead_id is not None:
        return action  # an attach, an interest: a stage before knew better
    if action == Action.REJECT:
        return action
    if points >= settings.QUALITY_REJECT_POINTS:
        return Action.REJECT
    if points >= settings.QUALITY_QUARANTINE_POINTS and parsed.contacts:
        return Action.QUARANTINE
    if not_lead is not None and action == Action.CREATE:
        return Action.INTEREST
    return action


def _burst_follow_ups(facts: Facts, reasons: list[Reason]) -> list[FollowUp]:
    """A burst is only known once it reaches its threshold: its first submissions were
    judged alone and may have been accepted. Ask for them to be caught after the fact."""
    if facts.received_at is None:
        return []
    follow_ups = []
    for found in reasons:
        if found.code not in ("burst_address", "burst_device", "farmed_network"):
            continue
        evidence = found.evidence
        source_id = None
        if found.code == "burst_address":
            key_kind, key = "address", facts.signals.remote_addr or ""
        elif found.code == "burst_device":
            key_kind, key = "device", facts.device
        else:
            key_kind = "network" if evidence.get("by") == "network" else "device"
            key = facts.network if key_kind == "network" else facts.device
            source_id = facts.source_id
        if not key:
            continue
        since = facts.received_at - dt.timedelta(minutes=float(evidence.get("minutes") or 0))
        params = {
            "key_kind": key_kind,
            "key": key,
            "since": since.isoformat(),
            "until": facts.received_at.isoformat(),
            "reason": asdict(found),
            "source_id": source_id,
        }
        follow_ups.append(FollowUp(task=BURST_TASK, params=params))
    return follow_ups


class QualityStage:
    """The stage object named in INTAKE_STAGES as ``galena.quality.stage.quality``."""

    name = "quality"

    def prepare(self, decisions: list[Decision]) -> QualityBatch:
        return _prepare(decisions)

    def __call__(self, decision: Decision, context: QualityBatch | None) -> Decision:
        parsed = decision.parsed
        if context is None:
            context = _prepare([decision])
        entry = context.entries.get(id(parsed))
        if entry is None:  # a decision prepare did not see (a stage before replaced it)
            entry = _prepare([decision]).entries[id(parsed)]
        facts, check_context = entry
        form = context.forms.get(parsed.form_id) if parsed.form_id else None

        reasons = [r for c in context.checks if (r := c.run(facts, check_context)) is not None]
        points = sum(r.points for r in reasons)
        not_lead = not_a_lead(facts, lead_rule_for(parsed, form), asks_for_call=bool(parsed.tasks))
        action = _decide(decision, points, not_lead)
        if not_lead is not None and parsed.existing_lead_id is None:
            reasons.append(not_lead)

        normalised = replace(
            parsed,
            contacts=_normalised_contacts(parsed, facts),
            person=_named_person(parsed, facts),
        )
        fit_value, fit_reasons = fit.evaluate_fit(
            fit.fit_values_for_submission(normalised), context.fit_rules
        )
        lead_fields = {
            **decision.lead_fields,
            "fit": fit_value,
            "contact_type": fit.contact_type_for(normalised, form.kind if form else ""),
        }
        if facts.has_name and facts.name.transliteration:
            lead_fields["name_translit"] = facts.name.transliteration[:255]
        submission_fields = dict(decision.submission_fields)
        if facts.device:
            submission_fields["device"] = facts.device
        if facts.content_hash:
            submission_fields["content_hash"] = facts.content_hash
        follow_ups = list(decision.follow_ups)
        if (
            form is not None
            and form.double_opt_in
            and parsed.existing_lead_id is None
            and action in (Action.CREATE, Action.QUARANTINE)
            and any(e.result.valid for e in facts.emails)
            and not any(f.task == CONFIRMATION_TASK for f in follow_ups)
        ):
            follow_ups.append(FollowUp(task=CONFIRMATION_TASK))
        if parsed.existing_lead_id is None:
            follow_ups += _burst_follow_ups(facts, reasons)
        return decision.but(
            parsed=normalised,
            action=action,
            reasons=[*decision.reasons, *reasons, *fit_reasons],
            lead_fields=lead_fields,
            submission_fields=submission_fields,
            follow_ups=follow_ups,
        )


quality = QualityStage()
