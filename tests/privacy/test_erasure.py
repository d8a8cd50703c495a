"""Erasure: after it, the whole database and the media files hold none of the person's
values; another person's data is untouched; the figures stay; the erasure is recorded."""

import contextlib
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection

from galena.accounts.models import Role
from galena.clients.models import Contact, Deal
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.models import Submission
from galena.leads.models import ContactPoint, Lead, LeadEvent
from galena.notifications.models import WebhookDelivery
from galena.privacy.erasure import erase_subject
from galena.privacy.models import ErasedLead, Erasure
from galena.privacy.subjects import find_subject
from tests.factories import SourceFactory, UserFactory
from tests.privacy.scenario import ANA, DAN, import_people, live, make_form


@pytest.fixture(autouse=True)
def mail_and_media(settings, tmp_path, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEFAULT_FROM_EMAIL = "sales@galena.example"
    settings.SITE_URL = "https://crm.galena.example"
    monkeypatch.setattr(
        "galena.intake.services.transaction.on_commit", lambda callback, using=None: callback()
    )


def database_dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--data-only", "-h", settings["HOST"] or "127.0.0.1"]
    if settings.get("PORT"):
        command += ["-p", str(settings["PORT"])]
    command += ["-U", settings["USER"] or "postgres", settings["NAME"]]
    return subprocess.run(
        command, env=environment, check=True, capture_output=True, text=True
    ).stdout


def media_text(root: Path) -> str:
    parts = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            parts.append(path.name)
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


def found(text: str, person) -> list[str]:
    text = text.casefold()
    return [needle for needle in person.needles() if needle in text]


def where(text: str, person) -> list[str]:
    """The dump's lines holding any of the person's values (for a failure's message)."""
    needles = person.needles()
    return [line[:300] for line in text.splitlines() if any(n in line.casefold() for n in needles)]


@contextlib.contextmanager
def _committed(execute=True):
    yield []


def two_people(client, team, admin_user):
    form = make_form(team)
    seller = UserFactory(username="seller", role=Role.SALES_MANAGER, team=team)
    ana = live(ANA, client=client, form=form, admin=admin_user, owner=seller)
    dan = live(DAN, client=client, form=form, admin=admin_user, owner=seller)
    job = import_people([ANA, DAN], SourceFactory(name="Expo", channel="exhibition"))
    assert job.status == "done", job.last_error
    return ana, dan


def check_erasure(client, team, admin_user, settings, on_commit):
    ana, dan = two_people(client, team, admin_user)
    media = Path(settings.MEDIA_ROOT)
    # given: both people are everywhere
    before = database_dump()
    assert found(before, ANA) and found(before, DAN)
    assert found(media_text(media), ANA)

    # an administrator once corrected the lead in the admin: the log names it
    LogEntry.objects.log_actions(
        user_id=admin_user.pk, queryset=[ana], action_flag=CHANGE, change_message="Fixed name"
    )
    subject = find_subject(email="stefania.vaduva@example.ro")
    # the form's lead, and the import's: a client already, so a new lead for a new sale
    assert ana.pk in subject.lead_ids and len(subject.lead_ids) == 2
    assert dan.pk not in subject.lead_ids
    assert WebhookDelivery.objects.filter(payload__lead_id=ana.pk).exists()
    with on_commit(execute=True):  # files go once the erasure commits
        result = erase_subject(subject, actor=admin_user, reason=f"Request of {ANA.name}")

    dump = database_dump()
    assert found(dump, ANA) == [], where(dump, ANA)
    assert found(media_text(media), ANA) == [], where(media_text(media), ANA)
    # the other person is whole
    assert found(dump, DAN) == DAN.needles() or set(found(dump, DAN)) >= {
        "mihai",
        "ionescu",
        "mihai.ionescu@yahoo.com",
        "+40733111222",
    }
    dan.refresh_from_db()
    assert (dan.first_name, dan.last_name) == ("Mihai", "Ionescu")
    assert set(dan.contact_points.values_list("value", flat=True)) == {
        "mihai.ionescu@yahoo.com",
        "+40733111222",
    }
    assert Submission.objects.filter(lead=dan).exclude(raw_body="").count() >= 2
    assert DAN.email in media_text(media)
    # the figures stay
    ana.refresh_from_db()
    assert ana.stage.kind == "won"
    assert ana.channel == "landing_page"
    assert ana.deal_value == Decimal("1500.00")
    assert Deal.objects.get(lead=ana).amount == Decimal("1500.00")
    assert ana.contact_points.count() == 2
    assert LeadEvent.objects.filter(lead=ana).count() > 5
    assert Submission.objects.filter(lead__in=subject.lead_ids).count() == 3
    # and it is on record, without the values
    erasure = Erasure.objects.get()
    assert erasure.pk == result.erasure.pk
    assert erasure.actor == admin_user
    assert erasure.reason == "Request of [erased]"
    assert erasure.lead_ids == sorted(subject.lead_ids)
    assert erasure.counts["leads.Lead"] == 2
    assert erasure.files_deleted == 1
    assert ErasedLead.objects.filter(lead__in=subject.lead_ids).count() == 2
    assert not ErasedLead.objects.filter(lead=dan).exists()


@pytest.mark.django_db
def test_erasure_leaves_none_of_the_persons_values_in_the_database_or_the_files(
    client, team, admin_user, settings, django_capture_on_commit_callbacks
):
    if connection.vendor != "sqlite":
        pytest.skip("pg_dump sees committed rows only: the transactional test below runs it")
    check_erasure(client, team, admin_user, settings, django_capture_on_commit_callbacks)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_erasure_leaves_nothing_in_a_pg_dump(client, team, admin_user, settings):
    # a transactional test: the erasure really commits, and its files go then
    check_erasure(client, team, admin_user, settings, _committed)


def test_a_sales_manager_may_not_erase_and_nothing_changes(client, team, admin_user, manager):
    ana, _dan = two_people(client, team, admin_user)
    subject = find_subject(email=ANA.email)

    with pytest.raises(PermissionDenied):
        erase_subject(subject, actor=manager, reason="asked")

    ana.refresh_from_db()
    assert ana.first_name == "Ștefania"
    assert Contact.objects.filter(first_name="Ștefania").exists()
    assert not Erasure.objects.exists()


@pytest.mark.django_db
def test_nobody_found_is_refused(admin_user):
    with pytest.raises(ValidationFailed):
        erase_subject(find_subject(email="nobody@example.com"), actor=admin_user, reason="x")
    assert not Erasure.objects.exists()


def test_erasing_again_changes_nothing_more(client, team, admin_user):
    ana, _dan = two_people(client, team, admin_user)
    erase_subject(find_subject(lead_id=ana.pk), actor=admin_user, reason="first")
    points = list(ContactPoint.objects.filter(lead=ana).values_list("value", flat=True))

    erase_subject(find_subject(lead_id=ana.pk), actor=admin_user, reason="second")

    assert list(ContactPoint.objects.filter(lead=ana).values_list("value", flat=True)) == points
    assert Erasure.objects.count() == 2
    assert ErasedLead.objects.filter(lead=ana).count() == 1
    assert Lead.objects.get(pk=ana.pk).display_name == ""


def person_with(n: int, email: str):
    from tests.factories import ContactPointFactory, LeadFactory, TaskFactory

    lead = LeadFactory(first_name="Many", last_name=f"Rows{n}")
    ContactPointFactory(lead=lead, kind="email", value=email)
    for i in range(n):
        LeadEvent.objects.create(
            lead=lead, type="note_added", actor_source="manual", params={"text": f"note {i}"}
        )
        TaskFactory(lead=lead, title=f"Call Many Rows{n}")
    return lead


@pytest.mark.django_db
def test_erasure_costs_the_same_statements_for_few_rows_or_many(admin_user):
    from django.test.utils import CaptureQueriesContext

    person_with(2, "few@mail.ro")
    person_with(60, "many@mail.ro")

    with CaptureQueriesContext(connection) as few:
        erase_subject(find_subject(email="few@mail.ro"), actor=admin_user, reason="")
    with CaptureQueriesContext(connection) as many:
        erase_subject(find_subject(email="many@mail.ro"), actor=admin_user, reason="")

    assert len(many) == len(few)
    assert LeadEvent.objects.filter(params__text="").count() == 62


@pytest.mark.django_db
def test_a_person_suppressed_again_after_an_erasure_can_be_erased_again(admin_user):
    from galena.leads.services import Actor
    from galena.nurture.models import Suppression
    from galena.nurture.services import suppression_add
    from tests.factories import ContactPointFactory, LeadFactory

    def suppressed_person():
        lead = LeadFactory(first_name="Back", last_name="Again")
        ContactPointFactory(lead=lead, kind="email", value="back@mail.ro")
        suppression_add(actor=Actor(user=admin_user), email="back@mail.ro", method="by_hand")
        return lead

    suppressed_person()
    erase_subject(find_subject(email="back@mail.ro"), actor=admin_user, reason="first")
    suppressed_person()

    erase_subject(find_subject(email="back@mail.ro"), actor=admin_user, reason="second")

    assert list(Suppression.objects.values_list("email", flat=True)) == [
        Suppression.objects.get().email
    ]
    assert Suppression.objects.get().email.startswith("sha256:")
    assert not Suppression.objects.filter(email="back@mail.ro").exists()


@pytest.mark.django_db
def test_a_hash_fits_a_short_column():
    from galena.privacy.erasure import keyed_hash

    assert len(keyed_hash("+40722987654", 32)) == 32
    assert keyed_hash("+40722987654", 32).startswith("h:")
    assert keyed_hash("+40722987654", 32)[2:] == keyed_hash("+40722987654")[7:37]
