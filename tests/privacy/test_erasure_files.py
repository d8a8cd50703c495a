"""Erasure reaches into files holding many people: an imported workbook keeps everyone's
rows but the person's (emptied in place, so the row numbers do not move); a company with
other people on it keeps its name."""

import io

import pytest
from django.core.files.base import ContentFile
from openpyxl import Workbook, load_workbook

from galena.clients.models import Account, Contact, ContactMethod
from galena.intake.importing.services import import_job_create, import_job_run
from galena.privacy.erasure import erase_subject
from galena.privacy.subjects import find_subject
from tests.factories import SourceFactory


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
def test_an_imported_workbook_loses_the_persons_row_only(admin_user):
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

    erase_subject(find_subject(email="radu.stoica@posta.ro"), actor=admin_user, reason="asked")

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
