import pytest
from django.urls import reverse

from galena.core.errors import NotFound, ValidationFailed
from galena.leads.models import SavedFilter
from galena.leads.services import saved_filter_delete, saved_filter_save

SAVE = reverse("saved-filter-save")


def test_saving_keeps_only_the_filters_in_a_stable_order(manager):
    saved = saved_filter_save(
        user=manager, name=" Hot ones ", query="?page=3&temperature=hot&evil=1&q=&stage=new"
    )

    assert saved.name == "Hot ones"
    assert saved.query == "stage=new&temperature=hot"


def test_a_name_is_unique_per_user_whatever_its_case(manager, colleague):
    saved_filter_save(user=manager, name="Hot", query="temperature=hot")
    saved_filter_save(user=colleague, name="Hot", query="temperature=hot")

    with pytest.raises(ValidationFailed) as error:
        saved_filter_save(user=manager, name="hot", query="temperature=warm")

    assert error.value.field == "name"
    assert SavedFilter.objects.filter(user=manager).count() == 1


def test_an_empty_name_is_refused(manager):
    with pytest.raises(ValidationFailed):
        saved_filter_save(user=manager, name="  ", query="temperature=hot")

    assert not SavedFilter.objects.exists()


def test_deleting_someone_elses_filter_is_not_found(manager, colleague):
    theirs = saved_filter_save(user=colleague, name="Mine", query="")

    with pytest.raises(NotFound):
        saved_filter_delete(user=manager, saved_filter_id=theirs.pk)

    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_save_from_the_list_page_and_see_it_as_a_link(manager_client, manager):
    response = manager_client.post(SAVE, {"name": "Hot", "query": "temperature=hot&page=2"})

    assert response.status_code == 302
    assert response.url == f"{reverse('lead-list')}?temperature=hot"
    saved = SavedFilter.objects.get(user=manager)
    page = manager_client.get(reverse("lead-list"))
    assert f'href="{reverse("lead-list")}?temperature=hot"' in page.text
    assert ">Hot</a>" in page.text
    assert reverse("saved-filter-delete", args=[saved.pk]) in page.text


def test_duplicate_name_shows_a_clear_error_and_saves_nothing(manager_client, manager):
    saved_filter_save(user=manager, name="Hot", query="temperature=hot")

    response = manager_client.post(SAVE, {"name": "Hot", "query": "temperature=warm"})

    assert response.status_code == 200
    assert "You already have a saved filter named “Hot”." in response.text
    assert SavedFilter.objects.filter(user=manager).count() == 1


def test_htmx_save_returns_the_saved_filters_panel(manager_client, manager):
    response = manager_client.post(
        SAVE, {"name": "Mine", "query": "owner=me"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="saved-filters"')
    assert "Mine</a>" in response.text
    assert "Filter “Mine” saved." in response.text  # the flash, swapped out of band


def test_htmx_duplicate_shows_the_error_in_the_panel(manager_client, manager):
    saved_filter_save(user=manager, name="Mine", query="")

    response = manager_client.post(
        SAVE, {"name": "Mine", "query": "owner=me"}, headers={"HX-Request": "true"}
    )

    assert "already have a saved filter" in response.text
    assert '<details class="save-filter" open>' in response.text


def test_delete_from_the_list_page(manager_client, manager):
    saved = saved_filter_save(user=manager, name="Hot", query="temperature=hot")

    response = manager_client.post(reverse("saved-filter-delete", args=[saved.pk]))

    assert response.status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_delete_someone_elses_filter_is_404(manager_client, colleague):
    theirs = saved_filter_save(user=colleague, name="Theirs", query="")

    response = manager_client.post(reverse("saved-filter-delete", args=[theirs.pk]))

    assert response.status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()


def test_marketer_cannot_save_lead_filters(marketer_client, marketer):
    response = marketer_client.post(SAVE, {"name": "x", "query": ""})

    assert response.status_code == 403
    assert not SavedFilter.objects.exists()
