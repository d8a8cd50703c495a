"""Possible duplicates: records of leads for matching, the candidate search that uses the
database's indexes, and the review queue's writes (found, dismissed)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from galena.core.errors import ValidationFailed
from galena.core.lookups import sql_in
from galena.leads.models import ContactKind, ContactPoint, Lead, QualityStatus
from galena.matching.comparisons import compare
from galena.matching.model import MatchModel, explain, probability_of
from galena.matching.models import DuplicateCandidate, DuplicateStatus, MatchKey
from galena.matching.records import (
    EXACT_KEY_KINDS,
    MAX_BLOCK,
    Prepared,
    Record,
    prepare,
    record_keys,
)

# leads that are never candidates: merged away, or rejected as pseudo-leads
CANDIDATE_EXCLUDE = Q(merged_into__isnull=False) | Q(quality_status=QualityStatus.REJECTED)
KEY_LIMIT = 50  # the most recent leads per exact contact value: a switchboard cannot slow intake
LEAD_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "middle_name",
    "company_name",
    "city",
    "region",
    "attributes",
)
_ATTRIBUTE_FIELDS = {
    "birth_date": ("birth_date", "date_of_birth", "birthday"),
    "street": ("street", "address"),
    "postcode": ("postcode", "postal_code", "zip"),
    "national_id": ("national_id", "tax_id"),
}


def _attribute(attributes: dict[str, Any] | None, names: Sequence[str]) -> str:
    for name in names:
        value = (attributes or {}).get(name)
        if value and isinstance(value, str | int):
            return str(value)
    return ""


def lead_record(values: dict[str, Any], contacts: Iterable[tuple[str, str]]) -> Record:
    """A lead (its LEAD_FIELDS values) and its contact points (kind, value) as a Record."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in contacts:
        by_kind[kind].append(value)
    attributes = values.get("attributes") or {}
    return Record(
        id=values["id"],
        first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "",
        middle_name=values.get("middle_name") or "",
        emails=by_kind[ContactKind.EMAIL],
        phones=by_kind[ContactKind.PHONE],
        profiles=[v for k, vs in by_kind.items() if k not in ("email", "phone") for v in vs],
        company=values.get("company_name") or "",
        city=values.get("city") or "",
        region=values.get("region") or "",
        **{name: _attribute(attributes, keys) for name, keys in _ATTRIBUTE_FIELDS.items()},
    )


def leads_records(lead_ids: Sequence[int]) -> dict[int, Record]:
    """Records of these leads: one query (the leads joined with their contact points)
    whatever their number — intake asks for every batch, so it is plain SQL."""
    lead_ids = [int(i) for i in lead_ids]
    if not lead_ids:
        return {}
    lead_table = Lead._meta.db_table
    contact_table = ContactPoint._meta.db_table
    columns = ", ".join(f"lead.{connection.ops.quote_name(name)}" for name in LEAD_FIELDS)
    condition, params = sql_in("lead.id", lead_ids)
    sql = (
        f"SELECT {columns}, contact.kind, contact.value FROM {lead_table} AS lead "  # noqa: S608 - names from the models, values as parameters
        f"LEFT JOIN {contact_table} AS contact ON contact.lead_id = lead.id "
        f"WHERE {condition} ORDER BY lead.id, contact.id"
    )
    values: dict[int, dict[str, Any]] = {}
    contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            lead_id = row[0]
            if lead_id not in values:
                fields = dict(zip(LEAD_FIELDS, row[: len(LEAD_FIELDS)], strict=True))
                if isinstance(fields["attributes"], str):  # SQLite gives JSON as text
                    fields["attributes"] = json.loads(fields["attributes"] or "{}")
                values[lead_id] = fields
            if row[-2] is not None:
                contacts[lead_id].append((row[-2], row[-1]))
    return {lead_id: lead_record(fields, contacts[lead_id]) for lead_id, fields in values.items()}


def stored_keys(prepared: Prepared, i: int) -> set[str]:
    """The blocking keys of record ``i`` kept in MatchKey rows: all but exact contact
    values, which ContactPoint's own index finds."""
    return {k for k in record_keys(prepared, i) if k.split(":", 1)[0] not in EXACT_KEY_KINDS}


def candidate_ids(
    records: Sequence[Record], *, exclude: Iterable[int] = (), prepared: Prepared | None = None
) -> list[set[int]]:
    """For each record, the ids of the leads that share a blocking key with it: one query
    on ContactPoint's (kind, value) index for exact contact values, one on MatchKey's key
    index for the fuzzy keys, whatever the number of records. ``prepared``: the records'
    ``prepare`` when the caller has it already."""
    prepared = prepare(records) if prepared is None else prepared
    exact: dict[tuple[str, str], set[int]] = defaultdict(set)
    fuzzy: dict[str, set[int]] = defaultdict(set)
    for i, record in enumerate(records):
        for email in record.emails:
            exact[(ContactKind.EMAIL, email.strip().lower())].add(i)
        for phone in record.phones:
            exact[(ContactKind.PHONE, phone.strip())].add(i)
        for profile in record.profiles:
            exact[("profile", profile.strip())].add(i)
        for key in record_keys(prepared, i):
            if key.split(":", 1)[0] not in EXACT_KEY_KINDS:
                fuzzy[key].add(i)
    found: list[set[int]] = [set() for _ in records]
    known: dict[int, tuple[int | None, str]] = {}  # lead id -> (merged_into, quality status)
    if exact:
        for lead_id, kind, value, merged_into, quality in _contact_rows(list(exact)):
            known[lead_id] = (merged_into, quality)
            kind = kind if kind in (ContactKind.EMAIL, ContactKind.PHONE) else "profile"
            for i in exact.get((kind, value), ()):
                found[i].add(lead_id)
    if fuzzy:
        by_key: dict[str, list[int]] = defaultdict(list)
        for lead_id, key, merged_into, quality in _key_rows(list(fuzzy)):
            known[lead_id] = (merged_into, quality)
            by_key[key].append(lead_id)
        for key, lead_ids in by_key.items():
            if len(lead_ids) > MAX_BLOCK:
                continue  # too common to point at one person (as in batch)
            for i in fuzzy[key]:
                found[i].update(lead_ids)
    survivors = _survivors(set().union(*found), known)
    excluded = set(exclude)
    return [{survivors[i] for i in ids if i in survivors} - excluded for ids in found]


# a profile link is looked up among the contact kinds that are neither e-mail nor phone
PROFILE_KINDS = tuple(
    k for k in ContactKind.values if k not in (ContactKind.EMAIL, ContactKind.PHONE)
)

# PostgreSQL: the contact points of each (kind, value) pair, off the (kind, value) index
_CONTACT_ROWS_SQL = """
SELECT point.lead_id, point.kind, point.value, lead.merged_into_id, lead.quality_status
FROM unnest(%s::varchar[], %s::varchar[]) AS pairs(kind, value)
JOIN leads_contactpoint AS point ON point.kind = pairs.kind AND point.value = pairs.value
JOIN leads_lead AS lead ON lead.id = point.lead_id
LIMIT %s
"""


def _contact_rows(exact: list[tuple[str, str]]) -> list[tuple[int, str, str, int | None, str]]:
    """(lead id, kind, value, merged into, quality status) of the contact points holding these
    (kind, value) pairs — kind "profile": any kind but e-mail and phone — at most KEY_LIMIT
    per pair. One join on PostgreSQL (the ORM's OR of a condition per pair cost more to build
    than to run: 400 contacts in a batch of 200 submissions)."""
    pairs = [
        (kind, value)
        for wanted, value in exact
        for kind in (PROFILE_KINDS if wanted == "profile" else (wanted,))
    ]
    limit = KEY_LIMIT * len(exact)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            kinds, values = zip(*pairs, strict=True)
            cursor.execute(_CONTACT_ROWS_SQL, [list(kinds), list(values), limit])
            return cursor.fetchall()
    condition = Q()
    for kind, value in pairs:
        condition |= Q(kind=kind, value=value)
    return list(
        ContactPoint.objects.filter(condition).values_list(
            "lead_id", "kind", "value", "lead__merged_into_id", "lead__quality_status"
        )[:limit]
    )


# PostgreSQL: for each key, its most recent leads off the (key, lead) index — an index scan
# of at most MAX_BLOCK + 1 entries per key (one more tells a key too common), whatever the
# size of the block
_KEY_ROWS_SQL = """
SELECT found.lead_id, keys.key, lead.merged_into_id, lead.quality_status
FROM unnest(%s::varchar[]) AS keys(key)
CROSS JOIN LATERAL (
    SELECT lead_id FROM matching_matchkey
    WHERE matching_matchkey.key = keys.key
    ORDER BY lead_id DESC
    LIMIT %s
) AS found
JOIN leads_lead AS lead ON lead.id = found.lead_id
"""


def _key_rows(keys: list[str]) -> list[tuple[int, str, int | None, str]]:
    """(lead id, key, merged into, quality status) of the most recent MAX_BLOCK + 1 leads
    of each key."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_KEY_ROWS_SQL, [keys, MAX_BLOCK + 1])
            return cursor.fetchall()
    return list(
        MatchKey.objects.filter(key__in=keys)
        .annotate(rank=Window(RowNumber(), partition_by=F("key"), order_by=F("lead_id").desc()))
        .filter(rank__lte=MAX_BLOCK + 1)
        .values_list("lead_id", "key", "lead__merged_into_id", "lead__quality_status")
    )


def _survivors(
    lead_ids: set[int], known: dict[int, tuple[int | None, str]] | None = None
) -> dict[int, int]:
    """Each lead id → the lead that stands for it now: itself, or (merged away) the lead it
    was merged into, followed to the end; rejected pseudo-leads stand for nobody. ``known``:
    the (merged_into, quality status) already read of some, which need no query."""
    out: dict[int, int] = {}
    known = known or {}
    pending = {pk for pk in lead_ids if pk not in known}
    pointers: dict[int, int] = {}
    rows = [(pk, *known[pk]) for pk in lead_ids if pk in known]
    for _ in range(6):  # a chain of merges is short
        if pending:
            rows += Lead.objects.filter(pk__in=pending).values_list(
                "pk", "merged_into_id", "quality_status"
            )
        pending = set()
        for pk, merged_into, quality in rows:
            if merged_into:
                pointers[pk] = merged_into
                if merged_into not in pointers and merged_into not in out:
                    pending.add(merged_into)
            elif quality != QualityStatus.REJECTED:
                out[pk] = pk
        rows = []
        if not pending:
            break
    for pk in lead_ids:
        end, hops = pk, 0
        while end in pointers and hops < 5:
            end, hops = pointers[end], hops + 1
        if end in out:
            out[pk] = out[end]
    return out


def score_against(
    record: Record, candidates: Sequence[Record], model: MatchModel
) -> list[tuple[int, float, dict]]:
    """Each candidate's probability of being the same person as ``record``, best first,
    with the explanation when it reaches the possible-duplicate threshold (else {}: nothing
    is stored of a candidate below it)."""
    return score_many([record], [candidates], model)[0]


def score_many(
    records: Sequence[Record],
    candidates: Sequence[Sequence[Record]],
    model: MatchModel,
    *,
    prepared: Prepared | None = None,
) -> list[list[tuple[int, float, dict]]]:
    """``score_against`` for many records at once, ``candidates[i]`` being record i's: the
    records and their candidates (each lead once) are prepared together and every pair is
    compared in one vectorised pass, not one pass per record (a batch of 2,000 imported rows
    made 2,000 passes of a few pairs each). ``prepared``: the records' ``prepare`` when the
    caller has it already (``candidate_ids`` needed it too); it is not changed."""
    everyone: list[Record] = list(records)
    position: dict[int, int] = {}  # a candidate lead's id -> its row among everyone
    owners: list[int] = []
    others: list[int] = []
    for i, found in enumerate(candidates):
        for candidate in found:
            at = position.get(candidate.id)
            if at is None:
                at = position[candidate.id] = len(everyone)
                everyone.append(candidate)
            owners.append(i)
            others.append(at)
    out: list[list[tuple[int, float, dict]]] = [[] for _ in records]
    if not owners:
        return out
    if prepared is None:
        both = prepare(everyone)
    else:
        both = Prepared()
        both.extend(prepared)
        prepare(everyone[len(records) :], into=both)
    compared = compare(both, np.asarray(owners), np.asarray(others))
    weights = model.weights(compared.levels)
    probability = probability_of(model.prior_weight + weights.sum(axis=1))
    threshold = model.possible_threshold
    for k, (i, at) in enumerate(zip(owners, others, strict=True)):
        p = float(probability[k])
        out[i].append(
            (
                int(everyone[at].id),
                p,
                explain(model, compared.levels[k], bool(compared.swapped[k]), weights=weights[k])
                if p >= threshold
                else {},
            )
        )
    for scored in out:
        scored.sort(key=lambda item: -item[1])
    return out


# --- writes --------------------------------------------------------------------------------


def _pair(lead_id: int, other_id: int) -> tuple[int, int]:
    return (max(lead_id, other_id), min(lead_id, other_id))


def duplicates_record(*, pairs: Iterable[tuple[int, int, float, dict]], found_by: str) -> int:
    """Put pairs (lead id, other id, probability, explanation) in the review queue; a pair
    already there keeps its status (a dismissed pair is not asked again). Returns how many
    were new."""
    rows = {}
    for lead_id, other_id, probability, explanation in pairs:
        if lead_id == other_id:
            continue
        newer, older = _pair(lead_id, other_id)
        rows[(newer, older)] = DuplicateCandidate(
            lead_id=newer,
            other_id=older,
            probability=probability,
            weight=explanation.get("match_weight", 0.0),
            explanation=explanation,
            found_by=found_by,
        )
    if not rows:
        return 0
    known = set(
        DuplicateCandidate.objects.filter(
            lead_id__in={k[0] for k in rows}, other_id__in={k[1] for k in rows}
        ).values_list("lead_id", "other_id")
    )
    new = [row for key, row in rows.items() if key not in known]
    DuplicateCandidate.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    return len(new)


@transaction.atomic
def duplicate_dismiss(*, candidate: DuplicateCandidate, user) -> DuplicateCandidate:
    """A reviewer says the two leads are different people: the pair leaves the queue."""
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != DuplicateStatus.OPEN:
        raise ValidationFailed({"status": "This pair was already decided."})
    candidate.status = DuplicateStatus.DISMISSED
    candidate.decided_at = timezone.now()
    candidate.decided_by = user
    candidate.save(update_fields=["status", "decided_at", "decided_by"])
    return candidate


# --- the lead base, in batches ----------------------------------------------------------


def base_records(*, chunk: int = 20_000) -> Iterator[list[Record]]:
    """Every lead that can be a candidate, as records, a chunk at a time (by id)."""
    last_id = 0
    leads = Lead.objects.exclude(CANDIDATE_EXCLUDE).order_by("pk")
    while True:
        values = list(leads.filter(pk__gt=last_id).values(*LEAD_FIELDS)[:chunk])
        if not values:
            return
        last_id = values[-1]["id"]
        contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
        rows = ContactPoint.objects.filter(
            lead_id__gte=values[0]["id"], lead_id__lte=last_id
        ).values_list("lead_id", "kind", "value")
        for lead_id, kind, value in rows:
            contacts[lead_id].append((kind, value))
        yield [lead_record(v, contacts[v["id"]]) for v in values]


def prepared_base(progress: Callable[[int], None] | None = None) -> Prepared:
    records: list[Record] = []
    for chunk in base_records():
        records += chunk
        if progress:
            progress(len(chunk))
    return prepare(records)


def base_duplicates(
    *,
    model: MatchModel,
    estimate_weights: bool = False,
    threshold: float | None = None,
    progress=None,
    loaded: Callable[[int], None] | None = None,
):
    """Possible duplicates across the whole lead base: the batch result (with the model it
    scored with) and the pairs (newer id, older id, probability, explanation) to queue."""
    from galena.matching.batch import dedupe

    prepared = prepared_base(progress=loaded)
    if len(prepared) < 2:
        return prepared, None, []
    kwargs = {"progress": progress} if progress else {}
    result = dedupe(
        prepared, model, estimate_weights=estimate_weights, threshold=threshold, **kwargs
    )
    compared = compare(prepared, result.a, result.b)
    pairs = [
        (
            int(prepared.ids[result.a[k]]),
            int(prepared.ids[result.b[k]]),
            float(result.probability[k]),
            # the name-frequency bits the pair was scored with (over every candidate pair),
            # so the explanation adds up to the probability
            explain(
                result.model,
                compared.levels[k],
                bool(compared.swapped[k]),
                float(result.frequency[k]),
            ),
        )
        for k in range(len(result.a))
    ]
    return prepared, result, pairs
