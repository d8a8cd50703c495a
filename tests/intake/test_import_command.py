"""`galena import`: the mapping shown, progress on stderr, the summary, dry run and resume."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from galena.intake.importing import services
from galena.intake.models import ImportJob, ImportStatus
from galena.leads.models import Lead
from tests.factories import CampaignFactory, SourceFactory

CSV = (
    "Фамилия,Имя,Телефон,Эл. почта,Город,Заметка\n"
    "Иванов,Пётр,+7 912 345-67-89,petr@example.ru,Москва,VIP\n"
    "Петрова,Анна,+7 912 345-67-90,bad,Казань,\n"
    "Сидоров,Иван,+7 912 345-67-91,,Тверь,\n"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CSV, encoding="cp1251")
    return path


@pytest.fixture
def source(db):
    source = SourceFactory(name="Moscow fair", channel="exhibition")
    CampaignFactory(source=source, name="Autumn")
    return source


def test_import_shows_mapping_progress_and_summary(csv_file, source, capsys):
    call_command("import", str(csv_file), "--source", "moscow fair", "--campaign", "autumn")

    out, err = capsys.readouterr()
    assert "(3 rows, encoding cp1251, delimiter ,)" in out
    assert "  Фамилия → last_name" in out
    assert "  Эл. почта → email" in out
    assert "  Заметка → attribute:Заметка" in out
    assert "Importing: 100%" in err
    assert "3/3" in err
    assert (
        "Imported 3 rows: 2 leads created, 1 row with problems, 0 duplicates in the file, 0 other."
        in out
    )
    assert "  row 3 [Эл. почта]: Not a valid e-mail address." in out
    lead = Lead.objects.get(last_name="Иванов")
    assert (lead.campaign.name, lead.attributes) == ("Autumn", {"Заметка": "VIP"})


def test_one_row_is_counted_in_the_singular(tmp_path, source, capsys):
    path = tmp_path / "one.csv"
    path.write_text(CSV.split("\n", 2)[0] + "\n" + CSV.split("\n", 2)[1] + "\n", "utf-8")

    call_command("import", str(path), "--source", "Moscow fair", "--dry-run")
    call_command("import", "--resume", str(ImportJob.objects.get().pk))

    out = capsys.readouterr().out
    assert "(1 row, encoding utf-8, delimiter ,)" in out
    assert (
        "Dry run of 1 row: 1 lead would be created, 0 rows with problems, 0 repeats of an "
        "earlier row." in out
    )
    assert "Imported 1 row: 1 lead created, 0 rows with problems, 0 duplicates in the file" in out


def test_dry_run_reports_and_imports_nothing(csv_file, source, capsys):
    call_command("import", str(csv_file), "--source", "Moscow fair", "--dry-run")

    out, err = capsys.readouterr()
    assert "Checking: 100%" in err
    assert (
        "Dry run of 3 rows: 2 leads would be created, 1 row with problems, 0 repeats of an "
        "earlier row. Nothing was imported." in out
    )
    job = ImportJob.objects.get()
    assert f"To import: galena import --resume {job.pk}" in out
    assert Lead.objects.count() == 0
    # the report's real path, one a person can open
    report = services.dry_run_file(job)
    assert f"All problems: {report}\n" in out
    assert "Not a valid e-mail address." in report.read_text(encoding="utf-8")


def test_mapping_overrides_and_a_given_delimiter(tmp_path, source, capsys):
    path = tmp_path / "list.txt"
    path.write_text("Who|Cod|Tel\nAna Pop|X1|0722 123 456\n", encoding="utf-8")

    call_command(
        "import",
        str(path),
        "--source",
        "Moscow fair",
        "--delimiter",
        "|",
        "--mapping",
        "Who=full_name",
        "Cod=ignore",
        "3=phone",
    )

    lead = Lead.objects.get()
    assert (lead.first_name, lead.last_name, lead.attributes) == ("Ana", "Pop", {})


def test_an_unknown_source_lists_the_known_ones(csv_file, source):
    with pytest.raises(CommandError, match="No source named 'Nope' \\(known: Moscow fair\\)"):
        call_command("import", str(csv_file), "--source", "Nope")


def test_a_bad_override_is_an_error(csv_file, source):
    with pytest.raises(CommandError, match="no column 'Fax'"):
        call_command("import", str(csv_file), "--source", "Moscow fair", "--mapping", "Fax=phone")


@override_settings(INTAKE_IMPORT_CHUNK_ROWS=1)
def test_an_interrupted_import_says_how_to_resume_and_resumes(
    csv_file, source, capsys, monkeypatch
):
    real_write = services.leads_create_bulk
    calls = {"n": 0}

    def crash_on_the_second_chunk(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_write(**kwargs)

    monkeypatch.setattr(services, "leads_create_bulk", crash_on_the_second_chunk)
    with pytest.raises(CommandError, match=r"stopped after 1 of 3 rows .*--resume \d+"):
        call_command("import", str(csv_file), "--source", "Moscow fair")
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.INTERRUPTED

    monkeypatch.setattr(services, "leads_create_bulk", real_write)
    capsys.readouterr()
    call_command("import", "--resume", str(job.pk))

    assert "Imported 3 rows: 2 leads created" in capsys.readouterr().out
    assert Lead.objects.count() == 2
