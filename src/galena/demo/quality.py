"""The demo's quality gate: which demo leads the pseudo-lead checks flagged, held for review
or rejected, with the reasons and evidence the checks give, and what the reviewers decided.

Bought lists carry far more pseudo-leads (test values, disposable mailboxes, one phone under
many names) than the company's own channels, where bots (honeypot, too fast, scripts) and
farmed submissions appear now and then; honest typos are flagged everywhere. Reviewers
(the team's head of sales) have decided on everything held for more than a few days; the
newest held leads still wait in the queue.

Pure planning over the loader's rows: it draws from its own random generator, so the rest
of the demo stays the same whatever it decides.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from galena.leads.models import Channel, ContactKind, QualityStatus

# Points at which the quality stage holds or rejects (settings QUALITY_*_POINTS defaults).
QUARANTINE_POINTS = 100
REJECT_POINTS = 200
# Share of each source's leads that are pseudo-leads; the rest of the sources use DEFAULT.
PSEUDO_SHARE = {"leadmarket": 0.38, "energolead": 0.42, "meta_lead_ads": 0.06}
DEFAULT_PSEUDO_SHARE = 0.025
FLAG_SHARE = 0.06
# People typed these in: no bot fills a form here.
TYPED_IN = {Channel.PHONE_CALL, Channel.COLD_CALL, Channel.EXHIBITION}
IMPORTED = {Channel.BOUGHT_LIST}
# Held leads younger than this still wait for review.
WAITING_DAYS = 6
# Of the form-filled leads younger than that, this share was sent too fast and waits held:
# the review queue has a few leads whatever the day (the sources' own pseudo-leads are too
# few among a week's leads to promise one: 0 on some days).
WAITING_SHARE = 0.04
WAITING_KEY = "held, waiting"  # the quota's running sum of them

DISPOSABLE = ("mailinator.com", "yopmail.com", "guerrillamail.com", "10minutemail.com")
TEST_EMAILS = ("test@test.com", "asdf@asdf.com", "qwerty@example.com", "aaa@aaa.com")
TYPOS = {"gmail.com": "gmial.com", "yahoo.com": "yaho.com", "outlook.com": "outlok.com"}
FARM_NETWORKS = ("185.220.101.0/24", "45.133.1.0/24", "91.243.44.0/24")
BOT_AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/124.0 Safari/537.36",
    "python-requests/2.31.0",
    "curl/8.4.0",
)


def reason(
    code: str, message: str, evidence: dict[str, Any], points: int, suggestion: str = ""
) -> dict[str, Any]:
    return {
        "stage": "quality",
        "code": code,
        "message": message,
        "evidence": evidence,
        "points": points,
        "suggestion": suggestion,
    }


@dataclass
class Verdict:
    """What the quality stage decided for one demo lead, and what a reviewer did later."""

    outcome: str  # the submission's outcome: created, quarantined or rejected
    status: str  # the lead's quality status now
    reasons: list[dict[str, Any]] = field(default_factory=list)
    review: str = ""  # released or rejected, when a reviewer decided
    review_reason_code: str = ""
    # contact changes: (kind, old normalised value, new raw value)
    replace: list[tuple[str, str, str]] = field(default_factory=list)
    extra_phone: str = ""  # a mistyped second number the person gave


def _email_of(contacts: list[Any]) -> Any | None:
    return next((p for p in contacts if p.kind == ContactKind.EMAIL), None)


def _phone_of(contacts: list[Any]) -> Any | None:
    return next((p for p in contacts if p.kind == ContactKind.PHONE), None)


def _too_fast(rng: random.Random) -> dict[str, Any]:
    elapsed = rng.randrange(250, 1900)
    return reason(
        "too_fast",
        f"Sent {elapsed / 1000:.1f} s after the page opened; a person needs at least 2.5 s.",
        {"time_to_submit_ms": elapsed, "min_ms": 2500},
        100,
    )


def _pseudo_reasons(
    rng: random.Random, channel: str, contacts: list[Any], verdict: Verdict
) -> list[dict[str, Any]]:
    email, phone = _email_of(contacts), _phone_of(contacts)
    kinds = ["test", "disposable", "many_names"] if channel in IMPORTED else []
    if channel not in IMPORTED:
        kinds += ["bot", "fast", "script", "farmed"]
        if email is not None:
            kinds += ["test", "disposable"]
    if phone is None and "many_names" in kinds:
        kinds.remove("many_names")
    if email is None:
        kinds = [k for k in kinds if k not in ("test", "disposable")]
    if not kinds:
        kinds = ["fast"]
    kind = rng.choice(kinds)
    if kind == "bot":
        trap = rng.choice(("http://seo-boost.example/", "buy cheap links", "1"))
        return [
            reason(
                "honeypot",
                "The hidden field no person can see was filled in.",
                {"honeypot": trap},
                150,
            ),
            _too_fast(rng),
        ]
    if kind == "fast":
        return [_too_fast(rng)]
    if kind == "script":
        agent = rng.choice(BOT_AGENTS)
        devices = rng.randrange(6, 25)
        return [
            reason(
                "bot_user_agent",
                f"Sent by a program, not a person's browser: {agent}.",
                {"user_agent": agent},
                60,
            ),
            reason(
                "burst_device",
                f"{devices} submissions from one device within 10 minutes.",
                {"count": devices, "window_minutes": 10},
                80,
            ),
        ]
    if kind == "farmed":
        network = rng.choice(FARM_NETWORKS)
        count = rng.randrange(12, 60)
        return [
            reason(
                "farmed_network",
                f"{count} leads from the network {network} within an hour, all from this source.",
                {"network": network, "count": count, "window_minutes": 60},
                100,
            ),
            reason(
                "burst_address",
                f"{rng.randrange(5, 12)} submissions from one address within 10 minutes.",
                {"network": network},
                60,
            ),
        ]
    if kind == "test":
        value = rng.choice(TEST_EMAILS)
        verdict.replace.append((ContactKind.EMAIL, email.value, value))
        return [
            reason(
                "test_value",
                f"Test or placeholder values: {value}.",
                {"values": [value]},
                150,
            )
        ]
    if kind == "disposable":
        domain = rng.choice(DISPOSABLE)
        local = email.value.split("@")[0]
        value = f"{local}@{domain}"
        verdict.replace.append((ContactKind.EMAIL, email.value, value))
        return [
            reason(
                "disposable_email",
                f"{value} is at a disposable mailbox service ({domain}).",
                {"email": value, "domain": domain},
                60,
            ),
            reason(
                "repeated_payload",
                "The same person was submitted on another form within a day.",
                {"forms": rng.randrange(2, 5)},
                40,
            ),
        ]
    names = rng.randrange(3, 9)
    return [
        reason(
            "phone_many_names",
            f"{phone.value} was given under {names} different names this month.",
            {"phone": phone.value, "names": names},
            80,
        ),
        reason(
            "repeated_payload",
            "The same person was submitted on another form within a day.",
            {"forms": rng.randrange(2, 4)},
            40,
        ),
    ]


def _flags(rng: random.Random, contacts: list[Any], verdict: Verdict) -> list[dict[str, Any]]:
    email, phone = _email_of(contacts), _phone_of(contacts)
    domain = email.value.split("@")[-1] if email is not None else ""
    if domain in TYPOS and (phone is None or rng.random() < 0.6):
        typed = email.value.replace("@" + domain, "@" + TYPOS[domain])
        verdict.replace.append((ContactKind.EMAIL, email.value, typed))
        return [
            reason(
                "email_typo",
                f"The domain of {typed} looks mistyped.",
                {"email": typed},
                5,
                suggestion=email.value,
            )
        ]
    if phone is not None:
        digits = phone.value_raw
        # a second number with a digit missing: the person meant well
        cut = max(len(digits) - 3, 4)
        verdict.extra_phone = digits[:cut] + digits[cut + 1 :]
        return [
            reason(
                "phone_invalid",
                f"{verdict.extra_phone} cannot be a phone number: a digit is missing.",
                {"phone": verdict.extra_phone, "why": "too short"},
                10,
                suggestion=f"Call {phone.value} instead",
            )
        ]
    return []


class PseudoQuota:
    """Which of a source's leads are pseudo-leads: each source's share, spread evenly.

    Independent draws let a small source (a bought list of a dozen leads) come out with no
    pseudo-lead at all on some days; here every lead adds its source's share to a running
    sum that starts at a random point, and a lead is a pseudo-lead when the sum passes a
    whole number. Each source ends within one lead of its share, whatever the day.
    """

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.sums: dict[str, float] = {}

    def take(self, source_key: str, share: float) -> bool:
        before = self.sums.get(source_key)
        if before is None:
            before = self.rng.random()
        after = before + share
        self.sums[source_key] = after
        return int(after) > int(before)


def verdict_for(
    rng: random.Random,
    *,
    quota: PseudoQuota,
    source_key: str,
    channel: str,
    contacts: list[Any],
    age: dt.timedelta,
) -> Verdict:
    """The quality stage's verdict on one demo lead, and the review that followed."""
    share = PSEUDO_SHARE.get(source_key, DEFAULT_PSEUDO_SHARE)
    if channel in TYPED_IN:
        share = 0.0
    verdict = Verdict(outcome="created", status=QualityStatus.ACCEPTED)
    if quota.take(source_key, share):
        verdict.reasons = _pseudo_reasons(rng, channel, contacts, verdict)
    elif (
        age <= dt.timedelta(days=WAITING_DAYS)
        and channel not in TYPED_IN | IMPORTED
        and quota.take(WAITING_KEY, WAITING_SHARE)
    ):
        verdict.reasons = [_too_fast(rng)]  # 100 points: held, not refused
    elif rng.random() < FLAG_SHARE:
        verdict.reasons = _flags(rng, contacts, verdict)
    points = sum(r["points"] for r in verdict.reasons)
    if points >= REJECT_POINTS:
        verdict.outcome, verdict.status = "rejected", QualityStatus.REJECTED
    elif points >= QUARANTINE_POINTS:
        verdict.outcome, verdict.status = "quarantined", QualityStatus.QUARANTINED
        if age > dt.timedelta(days=WAITING_DAYS):
            # reviewers release a few held leads that were real after all
            released = rng.random() < (0.15 if channel in IMPORTED else 0.35)
            verdict.review = "released" if released else "rejected"
            verdict.status = QualityStatus.ACCEPTED if released else QualityStatus.REJECTED
            if not released:
                verdict.review_reason_code = verdict.reasons[0]["code"]
    return verdict
