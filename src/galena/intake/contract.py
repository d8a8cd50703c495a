"""The intake pipeline's contract: what a channel adapter produces from a submission, and
what each stage receives and returns. Pure data: no database, no Django models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from galena.leads.services import ContactInput


@dataclass
class Person:
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    full_name: str = ""  # when the channel gives the name in one field
    company_name: str = ""
    position: str = ""
    language: str = ""
    country: str = ""
    region: str = ""
    city: str = ""


@dataclass
class Attribution:
    channel: str
    source_id: int | None = None
    campaign_id: int | None = None
    offline_event_id: int | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    utm_term: str = ""
    utm_content: str = ""
    referrer: str = ""
    landing_page: str = ""
    tracking_number: str = ""


@dataclass
class Consent:
    """Consent as the channel carried it: which purposes, under which text, when, from where."""

    purposes: list[str]
    text_version: str = ""
    text: str = ""
    given_at: dt.datetime | None = None
    ip: str | None = None


@dataclass
class Signals:
    """How the submission arrived: evidence for the quality checks of the next stages."""

    honeypot: str = ""
    time_to_submit_ms: int | None = None
    user_agent: str = ""
    remote_addr: str | None = None
    visitor_id: str = ""
    fingerprint: str = ""
    # what the stored request said besides the body (``services.parse`` sets them from the
    # stored submission; None where no request was stored, e.g. an imported row): its
    # Accept-Language, whether the body had the form page's hidden field, and whether it
    # came over HTTP at all (a content type or headers kept)
    accept_language: str | None = None
    hidden_field_sent: bool | None = None
    over_http: bool | None = None


@dataclass
class TaskRequest:
    """A task the channel asks for, e.g. "call back at 15:00" from a callback widget."""

    kind: str
    title: str
    due_at: dt.datetime | None = None
    description: str = ""


@dataclass
class TimelineEntry:
    """Something to show on the lead's timeline besides the submission itself
    (a chat transcript, an e-mail body, a call)."""

    type: str
    params: dict[str, Any]
    occurred_at: dt.datetime | None = None


@dataclass
class ParsedSubmission:
    channel: str
    received_at: dt.datetime
    person: Person = field(default_factory=Person)
    contacts: list[ContactInput] = field(default_factory=list)
    attribution: Attribution | None = None
    interest: str = ""
    comment: str = ""
    preferred_contact_time: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    consent: Consent | None = None
    signals: Signals = field(default_factory=Signals)
    tasks: list[TaskRequest] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    owner_id: int | None = None
    team_id: int | None = None
    default_region: str = ""
    submission_id: int | None = None
    form_id: int | None = None
    # set by an adapter or a stage when this submission belongs to a lead that exists
    existing_lead_id: int | None = None

    def __post_init__(self) -> None:
        if self.attribution is None:
            self.attribution = Attribution(channel=self.channel)


class Action(StrEnum):
    CREATE = "create"  # a new lead for sales
    ATTACH = "attach"  # an event on an existing lead: a repeat inquiry, a reply
    INTEREST = "interest"  # kept, attributed and counted, but not a lead for sales
    QUARANTINE = "quarantine"  # a lead held for review before sales sees it
    REJECT = "reject"  # a pseudo-lead: kept with its reasons, never worked


@dataclass(frozen=True)
class Reason:
    """Why a stage decided what it did: a stable code, words for people, the evidence."""

    stage: str
    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    points: int = 0  # what it added to the stage's score, if the stage scores
    suggestion: str = ""  # a fix the person most likely meant, e.g. "ivan@gmail.com"


@dataclass(frozen=True)
class FollowUp:
    """Work a stage asks for once the lead is written: a Celery task (dotted path) queued
    after commit with ``lead_id`` and ``submission_id`` plus these params, e.g. send the
    double opt-in e-mail. Intake imports the task by name and knows nothing of it."""

    task: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Decision:
    """The state of one submission as it travels the stages."""

    parsed: ParsedSubmission
    action: Action = Action.CREATE
    final: bool = False  # a stage that is sure stops the road here
    reasons: list[Reason] = field(default_factory=list)
    error: str = ""
    # what the stages learned about the lead: fit, contact_type, origin, temperature,
    # name_translit, verification, verification_method, verified_at
    lead_fields: dict[str, Any] = field(default_factory=dict)
    # what the stages learned about the submission: device, content_hash
    submission_fields: dict[str, str] = field(default_factory=dict)
    follow_ups: list[FollowUp] = field(default_factory=list)

    def but(self, **changes: Any) -> Decision:
        return replace(self, **changes)


class Stage(Protocol):
    """A stage: ``stage(decision, context) -> decision``. Pure. If it needs the database, it
    defines ``prepare(decisions) -> context``, called once per batch before the stage runs,
    so reads happen at the edge and in bulk."""

    def __call__(self, decision: Decision, context: Any) -> Decision: ...
