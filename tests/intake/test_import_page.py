"""The import page: who may use it, and upload → preview → dry run → import → progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from galena.intake.models import ImportJob, ImportStatus
from galena.leads.models import Lead, Source

CSV = (
    "Nombre;Apellidos;Teléfono;Correo;Ciudad;Notas\n"
    "Lucía;García;612 345 678;lucia@example.es;Madrid;=cmd|' /C calc'!A0\n"
    "Pablo;Ruiz;612 345 679;pablo@;Sevilla;\n"
)


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.INTAKE_IMPORT_IN_THREAD = False  # run in the request (eager), so tests see it


@pytest.fixture
def source(db):
    return Source.objects.create(name="Feria Madrid", channel="exhibition")


def upload(client, source, text=CSV):
    return client.post(
        reverse("import-start"),
        {
            "file": SimpleUploadedFile("feria.csv", text.encode(), content_type="text/csv"),
            "source": source.pk,
            "encoding": "auto",
            "delimiter": "",
        },
    )


@pytest.mark.parametrize("user", ["admin_user", "head"])
def test_admins_and_heads_of_sales_may_import(client, request, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("import-start")).status_code == 200


@pytest.mark.parametrize("user", ["manager", "marketer", "telemarketer"])
def test_other_roles_get_403(client, request, user, source):
    client.force_login(request.getfixturevalue(user))
    assert client.get(reverse("import-start")).status_code == 403
    assert upload(client, source).status_code == 403
    assert ImportJob.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("import-start"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_upload_preview_dry_run_import_and_progress(client, head, source):
    client.force_login(head)

    response = upload(client, source)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import-job", args=[job.pk])
    assert job.created_by == head

    page = client.get(response["Location"]).content.decode()
    assert "Lucía" in page and "612 345 678" in page  # the first rows
    assert '<option value="first_name" selected>' in page  # Nombre
    assert '<option value="phone" selected>' in page  # Teléfono
    assert '<option value="attribute:Notas" selected>' in page
    # the status panel says what to do next, not just "Uploaded"
    assert "Check where each column goes, then try a dry run or import." in page

    mapping = {f"column-{i}": target for i, target in enumerate(job.mapping)}
    mapping["column-5"] = "comment"
    response = client.post(
        reverse("import-job-action", args=[job.pk]), {**mapping, "action": "dry_run"}
    )
    job.refresh_from_db()
    assert job.status == ImportStatus.DRY_RUN_DONE
    assert job.mapping[5] == "comment"
    assert Lead.objects.count() == 0
    page = client.get(reverse("import-job", args=[job.pk])).content.decode()
    assert "Dry run, rows: 2. Leads that would be created: 1; rows with problems: 1;" in page

    problems = client.get(reverse("import-job-errors", args=[job.pk]))
    assert b"".join(problems.streaming_content).decode().splitlines() == [
        "row,column,problem,value",
        "3,Correo,Not a valid e-mail address.,pablo@",
    ]

    client.post(reverse("import-job-action", args=[job.pk]), {**mapping, "action": "import"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    lead = Lead.objects.get()
    assert (lead.first_name, lead.comment) == ("Lucía", "=cmd|' /C calc'!A0")

    progress = client.get(reverse("import-job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert "Rows imported: 2 of 2 (100 %)" in progress.content.decode()
    assert progress["HX-Refresh"] == "true"  # done: the page reloads to show the result
    problems = client.get(reverse("import-job-errors", args=[job.pk]))
    assert b"".join(problems.streaming_content).decode().splitlines()[1] == (
        "3,Correo,Not a valid e-mail address.,pablo@"
    )


def test_a_running_import_is_polled(client, head, source):
    client.force_login(head)
    upload(client, source)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=1)

    progress = client.get(reverse("import-job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")

    html = progress.content.decode()
    assert f'hx-get="{reverse("import-job-progress", args=[job.pk])}"' in html
    assert "Rows imported: 1 of 2 (50 %)" in html
    assert "HX-Refresh" not in progress


def test_an_unreadable_upload_is_shown_on_the_form(client, head, source):
    client.force_login(head)

    response = upload(client, source, text="")

    assert response.status_code == 200
    assert "file is empty" in response.content.decode()
    assert ImportJob.objects.count() == 0


@override_settings(INTAKE_IMPORT_IN_THREAD=False)
def test_an_invalid_mapping_is_refused_with_a_message(client, head, source):
    client.force_login(head)
    upload(client, source)
    job = ImportJob.objects.get()

    response = client.post(
        reverse("import-job-action", args=[job.pk]),
        {**{f"column-{i}": "ignore" for i in range(6)}, "action": "import"},
        follow=True,
    )

    assert "No column gives a name, a phone, an e-mail or a profile." in response.content.decode()
    assert Lead.objects.count() == 0
