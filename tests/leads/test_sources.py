"""Source names kept for the intake's batches: read once, forgotten when a source is saved
or deleted."""

import pytest

from galena.leads.models import Source
from galena.leads.sources import kept, source_names

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nothing_kept_before():
    kept.forget()
    yield
    kept.forget()


def test_names_are_read_once_and_a_renamed_source_is_read_again(django_assert_num_queries):
    web = Source.objects.create(name="Website", channel="landing_page")
    fair = Source.objects.create(name="Fair", channel="event")

    with django_assert_num_queries(1):
        assert source_names([web.pk, fair.pk, None], seconds=60) == {
            web.pk: "Website",
            fair.pk: "Fair",
        }
    with django_assert_num_queries(0):
        assert source_names([web.pk], seconds=60) == {web.pk: "Website"}

    web.name = "Landing page"
    web.save()
    assert source_names([web.pk, fair.pk], seconds=60) == {
        web.pk: "Landing page",
        fair.pk: "Fair",
    }


def test_a_deleted_source_has_no_name_and_no_ids_no_query(django_assert_num_queries):
    fair = Source.objects.create(name="Fair", channel="event")
    pk = fair.pk
    assert source_names([pk], seconds=60) == {pk: "Fair"}
    fair.delete()
    assert source_names([pk], seconds=60) == {pk: ""}
    with django_assert_num_queries(0):
        assert source_names([None], seconds=60) == {}


def test_with_no_time_to_keep_them_names_are_read_every_time(django_assert_num_queries):
    web = Source.objects.create(name="Website", channel="landing_page")
    Source.objects.filter(pk=web.pk).update(name="Renamed without a signal")
    with django_assert_num_queries(1):
        assert source_names([web.pk], seconds=0) == {web.pk: "Renamed without a signal"}
