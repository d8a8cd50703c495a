"""Import jobs: dry run, per-row problems, the leads an import writes, duplicates in the
file, stage decisions, and resuming an interrupted import without duplicating a row."""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from galena.intake.contract import Action, Reason
from galena.intake.importing import services
from galena.intake.importing.services import (
    import_job_create,
    import_job_run,
    import_problems,
    problems_csv_lines,
    spreadsheet_safe,
)
from galena.intake.models import ImportStatus, Submission
from galena.intake.services import submission_process
from galena.leads.models import ContactPoint, EventType, Lead, LeadEvent
from tests.factories import CampaignFactory, SourceFactory

HEADER = "Nume;Prenume;Telefon;Email;Oraș;Țară;Buget\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fair(db):
    return SourceFactory(name="Expo Bucharest", channel="exhibition")


def job_for(source, text, *, campaign=None, name="list.csv", **options):
    return import_job_create(
        file=ContentFile(text.encode("utf-8")),
        name=name,
        source=source,
        campaign=campaign,
        **options,
    )


def people(n, start=0):
    return "".join(
        f"Pop{i};Ana{i};0722 100 {i:03d};ana{i}@example.com;Cluj;RO;\n" for i in range(start, n)
    )


def nothing_written():
    return (
        Lead.objects.count(),
        Submission.objects.count(),
        ContactPoint.objects.count(),
        LeadEvent.objects.count(),
    ) == (0, 0, 0, 0)


def test_the_job_starts_with_the_suggested_mapping_and_counted_rows(fair):
    job = job_for(fair, HEADER + people(3))

    assert job.status == ImportStatus.UPLOADED
    assert job.total_rows == 3
    assert job.mapping == [
        "last_name",
        "first_name",
        "phone",
        "email",
        "city",
        "country",
        "attribute:Buget",
    ]
    assert job.options["delimiter"] == ";"
    assert job.options["channel"] == "exhibition"
    assert job.file.name.startswith("imports/")


def test_a_campaign_of_another_source_is_refused(fair):
    other = CampaignFactory(source=SourceFactory(name="Web"), name="Spring")
    with pytest.raises(services.ValidationFailed, match="not one of Expo"):
        job_for(fair, HEADER + people(1), campaign=other)


def test_dry_run_writes_nothing_but_the_jobs_report(fair):
    job = job_for(fair, HEADER + people(2) + "Ion;Dan;;bad-email;Iași;RO;\n")

    job = import_job_run(job_id=job.pk, dry_run=True)

    assert nothing_written()
    assert job.status == ImportStatus.DRY_RUN_DONE
    assert job.processed_rows == 0
    report = job.error_report["dry_run"]
    assert (report["rows"], report["would_create"], report["failed"]) == (3, 2, 1)
    assert report["problems"] == [
        {
            "row": 4,
            "column": "Email",
            "problem": "Not a valid e-mail address.",
            "value": "bad-email",
        }
    ]
    dry_run_csv = services.dry_run_file(job).read_text()
    assert dry_run_csv.splitlines()[1] == "4,Email,Not a valid e-mail address.,bad-email"


def test_each_problem_names_its_row_and_column(fair):
    text = HEADER + (
        "Pop;Ana;0722 123 456;ana@example.com;Cluj;RO;\n"  # row 2: fine
        "Ion;Dan;12;;Cluj;RO;\n"  # row 3: not a phone
        "Ion;Dan;;;Cluj;RO;\n"  # row 4: a name, no way to reach
        ";;;;Cluj;;5000\n"  # row 5: neither name nor contact
        "Pop;Ana;0722 123 457;;Cluj;Narnia;\n"  # row 6: no country
        "Pop;Ion;0722 123 458;;Cluj;România;\n"  # row 7: a country's name is its code
    )
    job = import_job_run(job_id=job_for(fair, text).pk)

    problems = list(import_problems(job))
    assert [(p["row"], p["column"], p["problem"]) for p in problems] == [
        (3, "Telefon", "Not a phone number."),
        (4, "", "No phone, e-mail or profile: a lead needs a way to reach the person."),
        (5, "", "The row has neither a name nor a phone, e-mail or profile."),
        (6, "Țară", "Not a country: use its two-letter code (RO) or its name (Romania)."),
    ]
    assert (job.created_count, job.failed_count) == (2, 4)
    assert Lead.objects.get(first_name="Ion").country == "RO"


def test_import_creates_leads_with_contacts_attribution_and_events(fair):
    campaign = CampaignFactory(source=fair, name="Spring fair")
    job = job_for(
        fair,
        HEADER + "Popescu;Ana;0722 123 456;Ana.Popescu@Gmail.com;Cluj;RO;5000\n",
        campaign=campaign,
    )

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.DONE
    assert (job.processed_rows, job.created_count, job.failed_count) == (1, 1, 0)
    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.display_name) == ("Ana", "Popescu", "Ana Popescu")
    assert (lead.city, lead.country, lead.attributes) == ("Cluj", "RO", {"Buget": "5000"})
    assert (lead.source, lead.campaign, lead.channel) == (fair, campaign, "exhibition")
    assert lead.created_at == job.created_at
    assert sorted(lead.contact_points.values_list("kind", "value", "is_primary")) == [
        ("email", "ana.popescu@gmail.com", True),
        ("phone", "+40722123456", True),
    ]
    submission = Submission.objects.get()
    assert (submission.endpoint, submission.idempotency_key) == (f"import:{job.pk}", "2")
    assert (submission.status, submission.outcome, submission.lead) == (
        "processed",
        "created",
        lead,
    )
    assert submission.payload["Nume"] == "Popescu"
    created, received = lead.events.order_by("id")
    assert (created.type, created.actor_source) == (EventType.CREATED, "import")
    assert created.params["contacts"] == [
        {"kind": "phone", "value": "+40722123456"},
        {"kind": "email", "value": "ana.popescu@gmail.com"},
    ]
    assert received.type == EventType.SUBMISSION_RECEIVED
    assert received.params == {
        "submission_id": submission.pk,
        "channel": "import",
        "adapter": "import",
        "action": "create",
    }


@override_settings(INTAKE_IMPORT_CHUNK_ROWS=2)
def test_rows_repeating_an_earlier_phone_or_email_are_duplicates_across_chunks(fair):
    text = HEADER + (
        "Pop;Ana;0722 123 456;;Cluj;RO;\n"
        "Ion;Dan;;dan@example.com;Cluj;RO;\n"
        "Pop;Ana M.;+40 722 123 456;;Cluj;RO;\n"  # same phone as row 2, written otherwise
        "Ion;Dan;;DAN@example.com;Cluj;RO;\n"  # same e-mail as row 3
    )
    job = import_job_run(job_id=job_for(fair, text).pk)

    assert (job.created_count, job.duplicate_count, job.failed_count) == (2, 2, 0)
    assert [p["problem"] for p in import_problems(job)] == [
        "Duplicate of row 2 in this file (same +40722123456).",
        "Duplicate of row 3 in this file (same dan@example.com).",
    ]
    assert Submission.objects.filter(status="refused").count() == 2


def quarantine_or_interest(decision, context):
    """A test stage: "Test" people are quarantined, rows without a last name are interest."""
    person = decision.parsed.person
    if person.first_name == "Test":
        reason = Reason(stage="test", code="test_name", message="Looks like a test")
        return decision.but(action=Action.QUARANTINE, reasons=[reason])
    if not person.last_name:
        return decision.but(action=Action.INTEREST, final=True)
    return decision


def broken_stage(decision, context):
    if decision.parsed.person.first_name == "Dan":
        raise RuntimeError("scoring service down")
    return decision


@override_settings(INTAKE_STAGES=["tests.intake.test_import_run.quarantine_or_interest"])
def test_the_intake_stages_decide_each_row(fair):
    text = HEADER + (
        "Pop;Test;0722 123 456;;Cluj;RO;\n"
        ";Dan;0722 123 457;;Cluj;RO;\n"
        "Ion;Ana;0722 123 458;;Cluj;RO;\n"
    )
    job = import_job_run(job_id=job_for(fair, text).pk)

    assert (job.created_count, job.other_count) == (2, 1)
    quarantined = Lead.objects.get(first_name="Test")
    assert quarantined.quality_status == "quarantined"
    assert quarantined.quality_reasons[0]["code"] == "test_name"
    assert Lead.objects.get(first_name="Ana").quality_status == "accepted"
    interest = Submission.objects.get(idempotency_key="3")
    assert (interest.outcome, interest.lead) == ("interest", None)


def test_a_row_a_stage_failed_on_is_failed_and_retryable(fair, settings):
    text = HEADER + "Pop;Ana;0722 123 456;;Cluj;RO;\nIon;Dan;0722 123 457;;Cluj;RO;\n"
    settings.INTAKE_STAGES = ["tests.intake.test_import_run.broken_stage"]
    from galena.intake.pipeline import configured_stages

    configured_stages.cache_clear()
    try:
        job = import_job_run(job_id=job_for(fair, text).pk)
        assert (job.created_count, job.failed_count) == (1, 1)
        failed = Submission.objects.get(status="failed")
        assert "scoring service down" in failed.error

        settings.INTAKE_STAGES = []
        configured_stages.cache_clear()
        retried = submission_process(submission_id=failed.pk)
    finally:
        configured_stages.cache_clear()

    assert (retried.status, retried.outcome) == ("processed", "created")
    assert retried.lead.first_name == "Dan"
    assert retried.lead.source == fair


@override_settings(INTAKE_IMPORT_CHUNK_ROWS=3)
def test_an_interrupted_import_resumes_and_imports_each_row_exactly_once(fair, monkeypatch):
    job = job_for(fair, HEADER + people(10))
    real_write = services.leads_create_bulk
    calls = {"n": 0}

    def crash_in_the_third_chunk(**kwargs):
        calls["n"] += 1
        leads = real_write(**kwargs)  # the chunk's leads are written…
        if calls["n"] == 3:
            raise RuntimeError("power cut")  # …and the chunk dies before it commits
        return leads

    monkeypatch.setattr(services, "leads_create_bulk", crash_in_the_third_chunk)
    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.INTERRUPTED
    assert "power cut" in job.last_error
    assert (job.processed_rows, Lead.objects.count(), Submission.objects.count()) == (6, 6, 6)

    monkeypatch.setattr(services, "leads_create_bulk", real_write)
    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.DONE
    assert (job.processed_rows, job.created_count, job.failed_count) == (10, 10, 0)
    keys = list(Submission.objects.values_list("idempotency_key", flat=True))
    assert sorted(keys, key=int) == [str(n) for n in range(2, 12)]
    assert Lead.objects.count() == 10
    assert LeadEvent.objects.filter(type=EventType.CREATED).count() == 10
    assert ContactPoint.objects.filter(kind="phone").values("value").distinct().count() == 10


@override_settings(INTAKE_IMPORT_CHUNK_ROWS=3)
def test_a_resume_behind_the_written_rows_does_not_write_them_again(fair):
    job = import_job_run(job_id=job_for(fair, HEADER + people(7)).pk)
    # as if the run had died with its checkpoint one chunk behind what it wrote
    type(job).objects.filter(pk=job.pk).update(processed_rows=3, status=ImportStatus.INTERRUPTED)

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.DONE
    assert job.processed_rows == 7
    assert Submission.objects.count() == Lead.objects.count() == 7
    assert job.duplicate_count == 0


def test_a_done_import_does_not_run_again(fair):
    job = import_job_run(job_id=job_for(fair, HEADER + people(1)).pk)
    with pytest.raises(services.ValidationFailed, match="is done"):
        import_job_run(job_id=job.pk)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_cells_that_a_spreadsheet_would_run_are_quoted(start):
    assert spreadsheet_safe(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


def test_plain_cells_are_left_alone():
    assert spreadsheet_safe("Ana") == "Ana"
    assert spreadsheet_safe(12) == "12"


def test_the_problems_csv_is_formula_injection_safe(fair):
    text = HEADER + 'Pop;Ana;;=HYPERLINK("http://evil");Cluj;RO;\n'
    job = import_job_run(job_id=job_for(fair, text).pk)

    rows = list(csv.reader(io.StringIO("".join(problems_csv_lines(import_problems(job))))))

    assert rows == [
        ["row", "column", "problem", "value"],
        ["2", "Email", "Not a valid e-mail address.", '\'=HYPERLINK("http://evil")'],
    ]
