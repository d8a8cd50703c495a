"""The registry of personal data: complete, and every declaration names real fields."""

from django.db import models

from galena.leads.models import ContactKind
from galena.privacy.registry import Erase, not_personal, table_for, tables, undeclared_models
from galena.privacy.subjects import find_subject
from tests.factories import ContactPointFactory, LeadFactory


def test_every_model_of_the_project_is_declared_personal_or_not():
    assert undeclared_models() == []


def test_every_declared_field_exists_and_its_erasure_fits_its_type():
    for table in tables():
        model = table.model
        for name, erase in table.fields.items():
            field = model._meta.get_field(name)
            if erase == Erase.FILE:
                assert isinstance(field, models.FileField), (table.model_label, name)
            if erase == Erase.JSON:
                assert isinstance(field, models.JSONField), (table.model_label, name)
            if erase in (Erase.SCRUB, Erase.HASH, Erase.PLACEHOLDER):
                assert isinstance(field, (models.CharField, models.TextField)), (
                    table.model_label,
                    name,
                )
        for lookup in (table.lead, table.contact, table.email, table.phone):
            if lookup and lookup != "pk":
                model._meta.get_field(lookup.split("__")[0])


def test_a_model_is_either_personal_or_not_never_both():
    personal = {t.model_label.lower() for t in tables()}
    assert personal.isdisjoint(not_personal())
    assert table_for("leads.Lead") is not None
    assert "leads.stage" in not_personal()


def test_find_subject_by_email_finds_the_leads_and_their_other_values(db):
    lead = LeadFactory(first_name="Ioana", last_name="Marinescu")
    ContactPointFactory(lead=lead, kind=ContactKind.EMAIL, value="ioana@example.ro")
    ContactPointFactory(lead=lead, kind=ContactKind.PHONE, value="+40721000111")
    other = LeadFactory(first_name="Dan")
    ContactPointFactory(lead=other, kind=ContactKind.EMAIL, value="dan@example.ro")

    subject = find_subject(email=" Ioana@Example.RO ")

    assert subject.lead_ids == {lead.pk}
    assert subject.emails == {"ioana@example.ro"}
    assert subject.phones == {"+40721000111"}
    assert {"Ioana", "Marinescu", "ioana marinescu", "+40721000111"} <= subject.values


def test_find_subject_by_phone_reads_the_national_form(db):
    lead = LeadFactory()
    ContactPointFactory(lead=lead, kind=ContactKind.PHONE, value="+40721000111")

    assert find_subject(phone="0721 000 111").lead_ids == {lead.pk}
    assert find_subject(phone="0721 000 112").lead_ids == frozenset()


def test_find_subject_takes_the_leads_merged_into_one_found(db):
    survivor = LeadFactory()
    ContactPointFactory(lead=survivor, kind=ContactKind.EMAIL, value="ioana@example.ro")
    merged = LeadFactory(merged_into=survivor)

    assert find_subject(email="ioana@example.ro").lead_ids == {survivor.pk, merged.pk}
    assert find_subject(lead_id=merged.pk).lead_ids == {survivor.pk, merged.pk}


def test_find_subject_by_phone_finds_a_messenger_named_by_the_number(db):
    lead = LeadFactory()
    ContactPointFactory(lead=lead, kind=ContactKind.MESSENGER, value="+40721000111")

    assert find_subject(phone="+40 721 000 111").lead_ids == {lead.pk}


def test_every_address_column_a_person_is_found_by_is_indexed():
    for table in tables():
        model = table.model
        for lookup in (table.email, table.phone):
            if not lookup or "__" in lookup:
                continue
            field = model._meta.get_field(lookup)
            first_columns = {index.fields[0] for index in model._meta.indexes if index.fields}
            first_columns |= {
                constraint.fields[0]
                for constraint in model._meta.constraints
                if getattr(constraint, "fields", None) and constraint.condition is None
            }
            assert field.db_index or field.unique or lookup in first_columns, (
                table.model_label,
                lookup,
            )
