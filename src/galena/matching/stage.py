"""The matching stage of the intake pipeline: is the person behind this submission already
a lead (or, once leads convert, a client)?

- **same person** (probability ≥ the same-person threshold): the submission becomes a
  *repeat inquiry* on the existing lead — attached to it, with an event and a new task for
  its owner, who is kept (as Bitrix24 treats repeat leads);
- **possible duplicate** (≥ the possible threshold): the lead is created and the pair goes
  to the review queue with its explanation;
- **new** otherwise.

``prepare`` finds the candidates of the whole batch with two indexed queries and reads them
with two more; the stage itself is pure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _

from galena.intake.contract import Action, Decision, FollowUp, Reason, TaskRequest, TimelineEntry
from galena.leads.models import ContactKind, EventType, Lead, StageKind, TaskKind
from galena.matching.duplicates import candidate_ids, leads_records, score_many
from galena.matching.records import Record
from galena.matching.records import prepare as prepare_records
from galena.matching.weights import match_model

name = "matching"
MATCHED_ACTIONS = (Action.CREATE, Action.INTEREST)


def submission_record(decision: Decision) -> Record:
    """What the submission says of the person, in the quality stage's normalised forms."""
    parsed = decision.parsed
    person = parsed.person
    by_kind: dict[str, list[str]] = {"email": [], "phone": [], "profile": []}
    for contact in parsed.contacts:
        kind = contact.kind if contact.kind in ("email", "phone") else "profile"
        by_kind[kind].append(contact.normalised or contact.value)
    attributes = parsed.attributes or {}
    return Record(
        id=0,
        first_name=person.first_name,
        last_name=person.last_name,
        middle_name=person.middle_name,
        emails=by_kind[ContactKind.EMAIL],
        phones=by_kind[ContactKind.PHONE],
        profiles=by_kind["profile"],
        company=person.company_name,
        city=person.city,
        region=person.region,
        birth_date=str(attributes.get("birth_date") or ""),
    )


def _eligible(decision: Decision) -> bool:
    parsed = decision.parsed
    return (
        decision.action in MATCHED_ACTIONS
        and parsed.existing_lead_id is None
        and bool(parsed.contacts)
    )


def prepare(decisions: list[Decision]) -> dict[int, Any]:
    live = [d for d in decisions if _eligible(d)]
    if not live:
        return {}
    records = [submission_record(d) for d in live]
    prepared = prepare_records(records)
    found = candidate_ids(records, prepared=prepared)
    every = sorted(set().union(*found))
    candidates = leads_records(every) if every else {}
    model = match_model()
    every_scored = score_many(
        records,
        [[candidates[i] for i in sorted(ids) if i in candidates] for ids in found],
        model,
        prepared=prepared,
    )
    scored = {id(decision): s for decision, s in zip(live, every_scored, strict=True)}
    # the best candidates already won: their person is a client, and a client writing again
    # is a new lead (a repeat purchase, an upsell), not an inquiry on the closed lead
    best = {found[0][0] for found in scored.values() if found}
    won = (
        Lead.objects.filter(pk__in=best, stage__kind=StageKind.WON).values_list("pk", flat=True)
        if best
        else []
    )
    return {"model": model, "scored": scored, "clients": set(won)}


REPEAT_INQUIRY_TASK = "galena.matching.tasks.repeat_inquiry_heard"


def _evidence(lead_id: int, probability: float, explanation: dict) -> dict[str, Any]:
    return {"lead_id": lead_id, "probability": round(probability, 6), "explanation": explanation}


def matching(decision: Decision, context: dict[str, Any]) -> Decision:
    scored = (context or {}).get("scored", {}).get(id(decision))
    if not scored:
        return decision
    model = context["model"]
    best_id, best_probability, best_explanation = scored[0]
    reasons = list(decision.reasons)
    parsed = decision.parsed

    def reason(code: str, message: str) -> Reason:
        return Reason(
            stage=name,
            code=code,
            message=message % {"lead": best_id, "percent": best_probability * 100},
            evidence=_evidence(best_id, best_probability, best_explanation),
        )

    if best_probability >= model.same_threshold and best_id in context.get("clients", ()):
        # clients' creation hook links the new lead to the client and gives it to the
        # client's owner
        reasons.append(
            reason(
                "known_client",
                _(
                    "The same person as lead %(lead)s (%(percent).1f %%), already a client: "
                    "a new lead for a new sale."
                ),
            )
        )
        return decision.but(reasons=reasons)
    if best_probability >= model.same_threshold:
        reasons.append(
            reason(
                "repeat_inquiry",
                _("The same person as lead %(lead)s (%(percent).1f %%): a repeat inquiry."),
            )
        )
        parsed = replace(
            parsed,
            existing_lead_id=best_id,
            tasks=[
                *parsed.tasks,
                TaskRequest(
                    kind=TaskKind.CALL,
                    title=_("Repeat inquiry: contact the person again"),
                    description=parsed.comment or parsed.interest,
                ),
            ],
            timeline=[
                *parsed.timeline,
                TimelineEntry(
                    type=EventType.REPEAT_INQUIRY,
                    params={
                        "channel": parsed.channel,
                        "submission_id": parsed.submission_id,
                        **_evidence(best_id, best_probability, best_explanation),
                    },
                ),
            ],
        )
        # once the inquiry is attached, later apps hear the person came back
        # (LEAD_INQUIRY_HOOKS: a rejected lead returns to the pipeline, its nurture stops)
        heard = FollowUp(task=REPEAT_INQUIRY_TASK, params={"channel": parsed.channel})
        return decision.but(
            action=Action.ATTACH,
            parsed=parsed,
            reasons=reasons,
            follow_ups=[*decision.follow_ups, heard],
        )
    if decision.action != Action.CREATE:
        return decision
    possible = [s for s in scored if s[1] >= model.possible_threshold]
    if not possible:
        return decision
    reasons.append(
        reason(
            "possible_duplicate",
            _("Possibly the same person as lead %(lead)s (%(percent).1f %%)."),
        )
    )
    follow_up = FollowUp(
        task="galena.matching.tasks.duplicates_found",
        params={"pairs": [[lead_id, p, explanation] for lead_id, p, explanation in possible]},
    )
    return decision.but(reasons=reasons, follow_ups=[*decision.follow_ups, follow_up])


matching.prepare = prepare
matching.name = name
