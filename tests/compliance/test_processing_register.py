"""The processing register: generated from the privacy registry, with the storage
jurisdiction; admins and heads of sales read it, other roles are refused."""

import pytest
from django.urls import reverse

from galena.compliance.register import processing_register
from galena.privacy.registry import tables

pytestmark = pytest.mark.django_db


def test_every_declared_table_is_in_the_register_with_its_columns():
    register = processing_register()

    listed = {storage.model for category in register for storage in category.storages}
    assert listed == {table.model._meta.label for table in tables()}
    leads = next(c for c in register for s in c.storages if s.model == "leads.ContactPoint")
    storage = next(s for s in leads.storages if s.model == "leads.ContactPoint")
    assert storage.table == "leads_contactpoint" and "value_raw" in storage.columns
    requests = next(
        c for c in register if any(s.model == "compliance.DataRequest" for s in c.storages)
    )
    assert requests.roles == ["Admin", "Data protection officer"] and requests.described


def test_files_are_listed_apart_from_columns():
    register = processing_register()

    documents = [s for c in register for s in c.storages if s.model == "activities.Document"]
    assert documents and documents[0].files == ["file"]


@pytest.mark.parametrize("role", ["admin_user", "head"])
def test_admins_and_heads_of_sales_read_it_with_the_jurisdiction(client, request, role, settings):
    settings.DATA_STORAGE_JURISDICTION = "EU/DE"
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("compliance-register"))

    assert response.status_code == 200
    assert '<p class="jurisdiction" id="storage-jurisdiction">EU/DE</p>' in response.text
    assert "leads_contactpoint" in response.text
    assert "http://127.0.0.1:8000/data-request/" in response.text  # to link from the notice
    assert "compliance_datarequest" in response.text


def test_an_undeclared_jurisdiction_is_shown_as_such(client, admin_user, settings):
    settings.DATA_STORAGE_JURISDICTION = ""
    client.force_login(admin_user)

    response = client.get(reverse("compliance-register"))

    assert "Not declared" in response.text and "DATA_STORAGE_JURISDICTION" in response.text


@pytest.mark.parametrize("role", ["manager", "telemarketer", "marketer"])
def test_other_roles_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(reverse("compliance-register")).status_code == 403


def test_a_head_of_sales_sees_the_register_link_but_not_the_requests(client, head):
    client.force_login(head)

    page = client.get(reverse("dashboard")).text

    assert reverse("compliance-register") in page
    assert reverse("compliance-requests") not in page


def test_retention_comes_from_the_privacy_apps_periods():
    from galena.privacy.retention import retention_description

    register = {category.name: category for category in processing_register()}

    assert register["Leads"].retention == retention_description("leads.Lead")
    assert "days" in register["Leads"].retention
    assert "proves the request was answered" in register["Data-subject requests"].retention


def test_every_category_has_a_purpose():
    assert [c.name for c in processing_register() if not c.described] == []
