"""The quality stage through the real pipeline: a submission in, a lead (accepted,
quarantined, rejected) or an interest out, with its reasons stored on the lead, the
submission and one DecisionReason row each."""

# ruff: noqa: F811 (the intake fixtures, imported for these tests)
import datetime as dt
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from galena.core.net import network_of
from galena.intake import batching
from galena.intake.contract import Action, ParsedSubmission, Person, Signals
from galena.intake.models import DecisionReason, Form, Submission
from galena.intake.pipeline import run_stages
from galena.intake.services import submission_process, submission_receive
from galena.leads.models import ContactPoint, Lead
from galena.leads.services import ContactInput
from galena.quality.checks import device_hash
from galena.quality.models import FitRule, ListedValue, QualityCheck
from galena.quality.stage import CONFIRMATION_TASK, quality
from tests.factories import LeadFactory
from tests.intake.conftest import commit_callbacks_run, form, source  # noqa: F401

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GENUINE = {
    "name": "ana popescu",
    "phone": "0744 518 203",
    "email": "Ana.Popescu@Gmail.com",
    "_ts": 14000,
    "_fp": "fp-ana",
}


def receive(form, payload, *, address="203.0.113.10", at=None, agent=BROWSER):
    submission, _ = submission_receive(
        adapter="capture",
        channel=form.channel,
        endpoint=form.key,
        form=form,
        payload=payload,
        headers={"User-Agent": agent, "Accept-Language": "ro-RO,ro;q=0.9"},
        remote_addr=address,
    )
    if at is not None:
        Submission.objects.filter(pk=submission.pk).update(received_at=at)
        submission.refresh_from_db()
    return submission


def process(form, payload, **kwargs) -> Submission:
    submission = receive(form, payload, **kwargs)
    return submission_process(submission_id=submission.pk)


def codes(submission: Submission) -> list[str]:
    return sorted(
        DecisionReason.objects.filter(submission=submission).values_list("code", flat=True)
    )


def decided(submission: Submission) -> list[str]:
    """The codes the stages gave when they decided (a burst found later adds its reason to
    the earlier submissions' rows, not to their decision)."""
    submission.refresh_from_db()
    return sorted(r["code"] for r in submission.decision.get("reasons", []))


def person(n: int) -> dict:
    """A different genuine person each time."""
    first = ["Ana", "Ion", "Maria", "Dan", "Elena", "Radu", "Ioana", "Mihai", "Irina", "Vlad"]
    last = ["Popescu", "Ionescu", "Marin", "Stan", "Dumitru", "Rusu", "Lazăr", "Neagu"]
    return {
        "name": f"{first[n % 10]} {last[n % 8]}",
        "phone": f"0744 {518 + n:03d} {203 + 7 * n:03d}",
        "_ts": 9000,
        "_fp": f"fp-{n}",
    }


# --------------------------------------------------------------------------- normalising


def test_a_genuine_submission_becomes_an_accepted_lead_with_normalised_contacts(form):
    submission = process(form, GENUINE)

    lead = submission.lead
    assert (submission.status, submission.outcome) == ("processed", "created")
    assert (lead.first_name, lead.last_name, lead.name_translit) == (
        "Ana",
        "Popescu",
        "ana popescu",
    )
    assert (lead.quality_status, lead.quality_reasons) == ("accepted", [])
    assert sorted(
        lead.contact_points.values_list("kind", "value", "value_raw", "status", "line_type")
    ) == [
        ("email", "ana.popescu@gmail.com", "Ana.Popescu@Gmail.com", "valid", ""),
        ("phone", "+40744518203", "0744 518 203", "valid", "mobile"),
    ]
    assert len(submission.device) == 64 and len(submission.content_hash) == 64
    assert codes(submission) == []


def test_the_forms_region_reads_national_numbers(form):
    form.default_region = "MD"
    form.save()

    lead = process(form, {**GENUINE, "phone": "0691 48 257"}).lead

    assert lead.contact_points.get(kind="phone").value == "+37369148257"


def test_a_flag_keeps_the_lead_accepted_with_its_reason_and_fix(form):
    submission = process(form, {**GENUINE, "email": "ana.popescu@gmial.com"})

    lead = submission.lead
    assert lead.quality_status == "accepted"
    (reason,) = lead.quality_reasons
    assert (reason["code"], reason["suggestion"], reason["points"]) == (
        "email_typo",
        "ana.popescu@gmail.com",
        5,
    )
    row = DecisionReason.objects.get(submission=submission)
    assert (row.stage, row.code, row.outcome, row.points, row.lead) == (
        "quality",
        "email_typo",
        "created",
        5,
        lead,
    )


# --------------------------------------------------------------------------- pseudo-leads


def test_test_values_are_quarantined_for_review(form):
    submission = process(form, {**GENUINE, "name": "Test Test", "email": "test@test.com"})

    assert submission.outcome == "quarantined"
    assert submission.lead.quality_status == "quarantined"
    assert codes(submission) == ["test_value"]
    assert submission.decision["action"] == "quarantine"


def test_a_bot_is_rejected_but_kept_with_its_reasons(form):
    submission = process(
        form,
        {**GENUINE, "_hp": "http://cheap-pills.example", "_ts": 300},
        agent="python-requests/2.31.0",
    )

    assert submission.outcome == "rejected"
    lead = submission.lead
    assert lead.quality_status == "rejected"
    assert codes(submission) == ["bot_user_agent", "honeypot", "too_fast"]
    assert sum(r["points"] for r in lead.quality_reasons) == 100 + 150 + 100
    assert set(
        DecisionReason.objects.filter(submission=submission).values_list("outcome", flat=True)
    ) == {"rejected"}


def test_a_blocked_domain_is_rejected(form):
    ListedValue.objects.create(purpose="blocked", kind="email_domain", value="rival.ro")

    submission = process(form, {**GENUINE, "email": "ana@rival.ro"})

    assert submission.outcome == "rejected"
    assert codes(submission) == ["blocked_value"]


def test_the_lists_are_read_for_phones_subdomains_networks_and_allowed_senders(form):
    ListedValue.objects.create(purpose="blocked", kind="phone", value="+40744518203")
    ListedValue.objects.create(purpose="blocked", kind="email_domain", value="rival.ro")
    ListedValue.objects.create(purpose="blocked", kind="network", value="192.0.2.0/24")
    ListedValue.objects.create(purpose="allowed", kind="network", value="198.51.100.0/24")

    by_phone = process(form, GENUINE)
    by_subdomain = process(form, {**person(1), "email": "ion@sales.rival.ro"})
    by_network = process(form, person(2), address="192.0.2.15")
    back_end = process(form, person(3), address="198.51.100.8", agent="python-requests/2.32")

    assert [codes(s) for s in (by_phone, by_subdomain, by_network)] == [["blocked_value"]] * 3
    assert (back_end.outcome, codes(back_end)) == ("created", [])


def test_a_competitor_is_quarantined_with_its_name(form):
    ListedValue.objects.create(
        purpose="competitor", kind="email_domain", value="solarix.ro", note="Solarix"
    )

    submission = process(form, {**GENUINE, "email": "ana@solarix.ro"})

    assert submission.outcome == "quarantined"
    (reason,) = submission.lead.quality_reasons
    assert reason["evidence"]["competitor"] == "Solarix"


def test_a_switched_off_check_does_not_run_and_a_weight_is_the_rows(form):
    QualityCheck.objects.filter(code="test_value").update(enabled=False)
    QualityCheck.objects.filter(code="email_typo").update(weight=120)

    test = process(form, {**GENUINE, "email": "test@test.com"})
    typo = process(form, {**person(1), "email": "ion@gmial.com"}, address="198.51.100.1")

    assert (test.outcome, codes(test)) == ("created", [])
    assert (typo.outcome, codes(typo)) == ("quarantined", ["email_typo"])


@override_settings(QUALITY_QUARANTINE_POINTS=50, QUALITY_REJECT_POINTS=90)
def test_the_thresholds_are_settings(form):
    assert process(form, {**GENUINE, "_ts": 100}).outcome == "rejected"


# --------------------------------------------------------------------------- what is a lead


def test_no_name_is_an_interest_with_its_reason(form):
    submission = process(form, {"phone": "0744 518 203", "_ts": 9000})

    assert (submission.outcome, submission.lead) == ("interest", None)
    assert Lead.objects.count() == 0
    row = DecisionReason.objects.get(submission=submission)
    assert (row.code, row.outcome, row.lead) == ("no_name", "interest", None)


def test_no_usable_contact_is_an_interest(form):
    submission = process(form, {"name": "Ana Popescu", "phone": "12", "_ts": 9000})

    assert submission.outcome == "interest"
    assert "no_contact" in codes(submission)


def test_a_pseudo_lead_is_held_for_review_even_when_it_is_not_a_lead(form):
    submission = process(form, {"name": "Ana Popescu", "phone": "1234567", "_ts": 9000})

    assert submission.outcome == "quarantined"
    assert codes(submission) == ["no_contact", "phone_invalid", "test_value"]


def test_a_pseudo_lead_without_any_contact_is_an_interest(form):
    submission = process(form, {"name": "asdf", "comment": "hi", "_ts": 300})

    assert (submission.outcome, submission.lead) == ("interest", None)
    assert codes(submission) == ["no_contact", "test_value", "too_fast"]


def test_a_typo_with_a_fix_still_counts_as_a_lead(form):
    submission = process(form, {"name": "Пётр Иванов", "phone": "+8 916 123 45 67", "_ts": 9000})

    assert submission.outcome == "created"
    assert codes(submission) == ["phone_invalid"]
    assert submission.lead.quality_reasons[0]["suggestion"] == "+79161234567"


def test_a_company_switchboard_alone_is_not_a_lead(form):
    form.lead_rule = "contact"
    form.save()

    submission = process(form, {"company": "Solaris SRL", "phone": "021 318 22 40", "_ts": 9000})

    assert submission.outcome == "interest"
    assert codes(submission) == ["switchboard_only"]


def test_a_toll_free_number_is_never_a_personal_contact(form):
    submission = process(form, {"name": "Ana Popescu", "phone": "0800 800 800", "_ts": 9000})

    assert (submission.outcome, codes(submission)) == ("interest", ["switchboard_only"])


def test_a_fixed_line_with_a_persons_name_is_a_lead(form):
    submission = process(
        form, {"name": "Ana Popescu", "company": "Solaris SRL", "phone": "021 318 22 40"}
    )

    assert submission.outcome == "created"


def test_a_form_that_takes_any_submission_makes_a_lead_of_a_phone_alone(form):
    form.lead_rule = "any"
    form.save()

    submission = process(form, {"phone": "0744 518 203", "_ts": 9000})

    assert submission.outcome == "created"


def test_a_callback_request_with_a_number_is_a_lead_without_a_name(source):
    callback = Form.objects.create(name="Call me", slug="call-me", kind="callback", source=source)

    submission = process(callback, {"phone": "0744 518 203"})

    assert submission.outcome == "created"
    assert submission.lead.tasks.count() == 1


def test_a_submission_for_a_known_lead_is_never_made_an_interest(db):
    known = LeadFactory()
    parsed = ParsedSubmission(
        channel="inbound_email",
        received_at=timezone.now(),
        person=Person(),
        contacts=[ContactInput(kind="email", value="test@test.com")],
        existing_lead_id=known.pk,
    )

    (decision,) = run_stages([parsed], stages=[quality])

    assert decision.action == Action.CREATE  # intake turns it into an attach
    assert [r.code for r in decision.reasons] == ["test_value"]  # kept as a flag


# --------------------------------------------------------------------------- fit, opt-in


def test_fit_and_contact_type_are_set(form):
    FitRule.objects.create(
        name="Served", field="country", operator="not_in", value=["RO"], message="Not served"
    )

    # a Moldovan's number, as a Moldovan writes it (read in the person's own country)
    lead = process(form, {**GENUINE, "country": "MD", "phone": "069 148 257"}).lead

    assert (lead.fit, lead.contact_type) == ("non_target", "quick")
    assert [r["code"] for r in lead.quality_reasons] == ["non_target"]
    assert lead.quality_status == "accepted"


def test_a_double_opt_in_form_asks_for_the_confirmation_of_a_valid_e_mail(form):
    form.double_opt_in = True
    form.save()
    parsed = [
        ParsedSubmission(
            channel="landing_page",
            received_at=timezone.now(),
            person=Person(full_name="Ana Popescu"),
            contacts=[ContactInput(kind="email", value=email)],
            form_id=form.pk,
        )
        for email in ("ana.popescu@gmail.com", "ana.popescu@gmail")
    ]

    with_email, without = run_stages(parsed, stages=[quality])

    assert [f.task for f in with_email.follow_ups] == [CONFIRMATION_TASK]
    assert without.follow_ups == []


# --------------------------------------------------------------------------- bursts


def test_a_burst_from_one_address_flags_from_the_fifth_submission(form):
    outcomes = [process(form, person(n), address="203.0.113.50") for n in range(7)]

    flagged = ["burst_address" in decided(s) for s in outcomes]
    assert flagged == [False, False, False, False, True, True, True]
    reason = next(r for r in outcomes[4].lead.quality_reasons if r["code"] == "burst_address")
    assert reason["evidence"] == {"address": "203.0.113.50", "count": 5, "minutes": 10}


def test_submissions_outside_the_window_do_not_count(form):
    old = timezone.now() - dt.timedelta(minutes=30)
    for n in range(6):
        process(form, person(n), address="203.0.113.50", at=old)

    fresh = process(form, person(9), address="203.0.113.50")

    assert "burst_address" not in codes(fresh)


def test_a_burst_from_one_device_across_addresses(form):
    outcomes = [
        process(form, {**person(n), "_fp": "same-device"}, address=f"198.51.{n}.9")
        for n in range(5)
    ]

    assert ["burst_device" in decided(s) for s in outcomes] == [False, False, False, True, True]


def test_the_same_payload_on_three_forms_is_quarantined(form, source):
    quiz = Form.objects.create(name="Quiz", slug="quiz", source=source)
    callback = Form.objects.create(name="Call", slug="call", source=source)

    first = process(form, GENUINE)
    second = process(quiz, {**GENUINE, "_fp": "other"}, address="198.51.100.3")
    third = process(callback, {**GENUINE, "_fp": "third"}, address="192.0.2.44")

    # a person may use two forms: the second is a repeat inquiry, not a pseudo-lead
    assert [codes(s) for s in (first, second)] == [[], ["repeat_inquiry"]]
    assert (third.outcome, codes(third)) == ("quarantined", ["repeated_payload"])


def test_a_phone_already_on_leads_under_two_other_names(form):
    for name in ("Ion Rusu", "Dan Marin"):
        lead = LeadFactory(first_name=name.split()[0], last_name=name.split()[1])
        ContactPoint.objects.create(
            lead=lead, kind="phone", value="+40744518203", value_raw="0744518203"
        )

    submission = process(form, GENUINE)

    assert "phone_many_names" in codes(submission)


def test_the_phones_earlier_names_come_once_each_from_the_database(form):
    for name in ("Ion Rusu", "Dan Marin") * 3:
        lead = LeadFactory(first_name=name.split()[0], last_name=name.split()[1])
        ContactPoint.objects.create(
            lead=lead, kind="phone", value="+40744518203", value_raw="0744518203"
        )

    with CaptureQueriesContext(connection) as queries:
        submission = process(form, GENUINE)
    (lookup,) = [q["sql"] for q in queries if "lead__name_translit" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(lookup)
        rows = cursor.fetchall()

    assert "phone_many_names" in codes(submission)
    # seven leads now (the new one too), three names: the DISTINCT is over the names, not
    # over each contact point (the model's ordering would add its columns to the select)
    assert len(rows) == 3 and "ORDER BY" not in lookup


# --------------------------------------------------------------------------- batches


def test_a_burst_drained_in_one_batch_counts_only_the_earlier_ones(form):
    start = timezone.now() - dt.timedelta(minutes=2)
    for n in range(8):
        receive(form, person(n), address="203.0.113.77", at=start + dt.timedelta(seconds=n))

    batching.submissions_drain(batch_size=50)

    submissions = list(Submission.objects.order_by("received_at"))
    assert [s.status for s in submissions] == ["processed"] * 8
    assert ["burst_address" in codes(s) for s in submissions] == [False] * 4 + [True] * 4
    counts = [
        next(r for r in s.lead.quality_reasons if r["code"] == "burst_address")["evidence"]["count"]
        for s in submissions[4:]
    ]
    assert counts == [5, 6, 7, 8]


def test_a_batch_continues_a_burst_begun_in_an_earlier_one(form):
    start = timezone.now() - dt.timedelta(minutes=2)
    for n in range(3):
        process(form, person(n), address="203.0.113.77", at=start + dt.timedelta(seconds=n))
    for n in range(3, 6):
        receive(form, person(n), address="203.0.113.77", at=start + dt.timedelta(seconds=n))

    batching.submissions_drain(batch_size=50)

    submissions = list(Submission.objects.order_by("received_at"))
    assert ["burst_address" in decided(s) for s in submissions] == [False] * 4 + [True] * 2


def test_farmed_leads_from_one_network_for_one_source_are_quarantined(form):
    QualityCheck.objects.filter(code="farmed_network").update(params={"count": 6, "minutes": 60})
    QualityCheck.objects.filter(code="burst_address").update(enabled=False)
    start = timezone.now() - dt.timedelta(minutes=5)
    for n in range(8):
        receive(form, person(n), address=f"203.0.113.{n + 1}", at=start + dt.timedelta(seconds=n))

    batching.submissions_drain(batch_size=50)

    submissions = list(Submission.objects.order_by("received_at"))
    assert [s.outcome for s in submissions] == ["created"] * 5 + ["quarantined"] * 3
    assert codes(submissions[-1]) == ["farmed_network"]


def test_prepare_reads_the_same_number_of_queries_for_a_batch_of_any_size(form):
    def batch(size):
        return [
            batching.parse(receive(form, person(n), address=f"198.51.100.{n}")) for n in range(size)
        ]

    small, large = batch(2), batch(40)

    with CaptureQueriesContext(connection) as few:
        run_stages(small, stages=[quality])
    with CaptureQueriesContext(connection) as many:
        run_stages(large, stages=[quality])

    assert len(many) == len(few)
    assert len(many) <= 12


def test_the_capture_api_road(client, form):
    response = client.post(
        f"/api/v1/capture/{form.key}",
        json.dumps({**GENUINE, "email": "test@test.com"}),
        content_type="application/json",
        headers={"User-Agent": BROWSER},
    )

    assert response.status_code == 201
    submission = Submission.objects.get()
    assert (submission.outcome, submission.lead.quality_status) == ("quarantined", "quarantined")


def test_the_checks_fit_rules_and_forms_are_kept_until_one_is_saved(form, settings):
    settings.QUALITY_CONFIG_SECONDS = 300
    settings.CONFIG_CHECK_SECONDS = 0
    people = [
        {"name": "ion vasile", "phone": "0722 431 876", "email": "ion.vasile@yahoo.com"},
        {"name": "elena dumitru", "phone": "0733 902 114", "email": "elena.d@outlook.com"},
        {"name": "mihai stan", "phone": "069 148 257", "email": "mihai.stan@mail.md"},
    ]
    process(form, {**GENUINE, **people[0], "_fp": "fp-1"})  # read and kept
    second = receive(form, {**GENUINE, **people[1], "_fp": "fp-2"})
    with CaptureQueriesContext(connection) as queries:
        submission_process(submission_id=second.pk)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("quality_qualitycheck", "quality_fitrule", "intake_form"):
        assert f'FROM "{table}"' not in read, table

    FitRule.objects.create(
        name="Served", field="country", operator="not_in", value=["RO"], message="Not served"
    )  # saved: forgotten here, and the generation tells the other processes
    lead = process(form, {**GENUINE, **people[2], "country": "MD", "_fp": "fp-3"}).lead

    assert lead.fit == "non_target"


def test_a_batch_takes_the_requests_evidence_from_the_rows_it_holds(form):
    """Accept-Language (part of a device's hash when the page sent no fingerprint) and the
    form page's hidden field come from the submissions the worker already holds: the stage
    reads no stored headers or bodies back, and decides as it did when it read them."""
    script_with_page = receive(form, {**person(1), "_hp": ""}, agent="python-requests/2.32")
    bare_script = receive(form, {"name": "Dan Stan", "phone": "0744 521 224"}, agent="curl/8.5")
    no_fingerprint = receive(form, {**person(3), "_fp": ""}, address="203.0.113.77")

    with CaptureQueriesContext(connection) as queries:
        assert batching.submissions_process_pending(limit=10) == 3

    # the claim reads the rows whole; nothing reads their headers or bodies again
    read_again = [
        q["sql"]
        for q in queries.captured_queries
        if '"headers" AS "headers"' in q["sql"] or '"payload" AS "payload"' in q["sql"]
    ]
    assert read_again == []
    evidence = {}
    for submission in (script_with_page, bare_script):
        submission.refresh_from_db()
        (evidence[submission.pk],) = (
            r["evidence"] for r in submission.decision["reasons"] if r["code"] == "bot_user_agent"
        )
    assert evidence[script_with_page.pk]["page_signals"] is True
    assert evidence[script_with_page.pk]["honeypot_field"] is True
    assert evidence[bare_script.pk]["page_signals"] is False
    assert evidence[bare_script.pk]["honeypot_field"] is False
    no_fingerprint.refresh_from_db()
    assert no_fingerprint.device == device_hash(
        Signals(user_agent=BROWSER),
        accept_language="ro-RO,ro;q=0.9",
        network=network_of("203.0.113.77"),
    )
