"""Erasure reaches into files holding many people: an imported workbook keeps everyone's
rows but the person's (emptied in place, so the row numbers do not move); a company with
other people on it keeps its name."""

import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from openpyxl import Workbook, load_workbook

from galena.activities.models import Document, DocumentKind
from galena.clients.models import Account, Contact, ContactMethod
from galena.intake.importing.services import import_job_create, import_job_run
from galena.leads.models import Lead
from galena.privacy.erasure import erase_subject
from galena.privacy.models import Erasure
from galena.privacy.subjects import find_subject
from tests.factories import ContactPointFactory, LeadFactory, SourceFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone", "Email"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_imported_workbook_loses_the_persons_row_only(
    admin_user, django_capture_on_commit_callbacks
):
    content = workbook(
        [
            ["Radu Stoica", "0745 111 222", "radu.stoica@posta.ro"],
            ["Elena Stan", "0745 333 444", "elena.stan@posta.ro"],
        ]
    )
    job = import_job_create(
        file=ContentFile(content), name="expo.xlsx", source=SourceFactory(channel="exhibition")
    )
    job = import_job_run(job_id=job.pk)
    assert job.created_count == 2

    with django_capture_on_commit_callbacks(execute=True):
        erase_subject(find_subject(email="radu.stoica@posta.ro"), actor=admin_user, reason="x")

    sheet = load_workbook(job.file.path).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Name", "Phone", "Email"]
    assert values[1] == [None, None, None]
    assert values[2] == ["Elena Stan", "0745 333 444", "elena.stan@posta.ro"]


@pytest.mark.django_db
def test_a_company_with_other_people_keeps_its_name(admin_user):
    account = Account.objects.create(name="Stoica Logistics", search_text="stoica logistics")
    radu = Contact.objects.create(first_name="Radu", last_name="Stoica", account=account)
    ContactMethod.objects.create(contact=radu, kind="email", value="radu@posta.ro")
    Contact.objects.create(first_name="Elena", last_name="Stan", account=account)

    erase_subject(find_subject(email="radu@posta.ro"), actor=admin_user, reason="asked")

    account.refresh_from_db()
    assert account.name == "Stoica Logistics"
    radu.refresh_from_db()
    assert (radu.first_name, radu.last_name) == ("", "")


@pytest.mark.django_db
def test_a_sole_traders_account_loses_the_persons_name(admin_user):
    account = Account.objects.create(
        name="Radu Stoica PFA", billing_address="Str. Mare 1", search_text="radu stoica pfa"
    )
    radu = Contact.objects.create(first_name="Radu", last_name="Stoica", account=account)
    ContactMethod.objects.create(contact=radu, kind="email", value="radu@posta.ro")

    erase_subject(find_subject(email="radu@posta.ro"), actor=admin_user, reason="asked")

    account.refresh_from_db()
    assert (account.name, account.billing_address) == ("[erased] PFA", "")
    assert "radu" not in account.search_text


def offer_for_radu() -> Document:
    lead = LeadFactory(first_name="Radu", last_name="Stoica")
    ContactPointFactory(lead=lead, kind="email", value="radu@posta.ro")
    return Document.objects.create(
        lead=lead,
        title="Offer",
        kind=DocumentKind.OFFER,
        file=ContentFile(b"Offer for Radu Stoica", name="offer-radu.pdf"),
        original_name="offer-radu.pdf",
        content_type="application/pdf",
    )


class CallerFailed(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_an_erasure_that_rolls_back_keeps_the_file_its_record_points_at(admin_user):
    document = offer_for_radu()
    path = Path(document.file.path)

    # the erasure runs in its caller's transaction (a data-subject request carried out),
    # and the caller fails after it: everything rolls back
    with pytest.raises(CallerFailed), transaction.atomic():
        erase_subject(find_subject(email="radu@posta.ro"), actor=admin_user, reason="asked")
        raise CallerFailed

    document.refresh_from_db()
    assert document.file.name.endswith("offer-radu.pdf")
    assert path.read_bytes() == b"Offer for Radu Stoica"
    assert Lead.objects.get(pk=document.lead_id).first_name == "Radu"
    assert not Erasure.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_erasure_that_commits_deletes_the_file(admin_user):
    document = offer_for_radu()
    path = Path(document.file.path)

    result = erase_subject(find_subject(email="radu@posta.ro"), actor=admin_user, reason="asked")

    document.refresh_from_db()
    assert document.file.name == ""
    assert not path.exists()
    assert result.files_deleted == 1
    assert Erasure.objects.get().files_deleted == 1


@pytest.mark.django_db(transaction=True)
def test_an_imported_file_is_rewritten_only_when_the_erasure_commits(admin_user):
    content = workbook([["Radu Stoica", "0745 111 222", "radu.stoica@posta.ro"]])
    job = import_job_create(
        file=ContentFile(content), name="expo.xlsx", source=SourceFactory(channel="exhibition")
    )
    job = import_job_run(job_id=job.pk)

    with pytest.raises(CallerFailed), transaction.atomic():
        erase_subject(find_subject(email="radu.stoica@posta.ro"), actor=admin_user, reason="x")
        raise CallerFailed

    assert Path(job.file.path).read_bytes() == content
    assert sorted(p.name for p in Path(job.file.path).parent.iterdir()) == [
        Path(job.file.path).name
    ]
