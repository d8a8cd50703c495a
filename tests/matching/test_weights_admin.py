"""The match model in the admin: a row per level seeded from the code's defaults, weights
set by hand take effect at once, thresholds checked."""

import pytest

from galena.matching.comparisons import COMPARISONS
from galena.matching.models import ComparisonWeight, MatchSettings
from galena.matching.weights import match_model

pytestmark = pytest.mark.django_db


def test_the_migration_seeds_every_level_and_the_settings():
    rows = set(ComparisonWeight.objects.values_list("comparison", "level"))
    assert rows == {(c.code, level.code) for c in COMPARISONS for level in c.levels}
    assert set(ComparisonWeight.objects.values_list("source", flat=True)) == {"default"}
    assert MatchSettings.objects.count() == 1


def test_a_weight_set_by_hand_is_used_at_once(admin_client, django_capture_on_commit_callbacks):
    match_model()  # cached before the change
    weight = ComparisonWeight.objects.get(comparison="phone", level="exact")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/matching/comparisonweight/{weight.pk}/change/", {"m": "0.5", "u": "0.25"}
        )
    assert response.status_code == 302
    weight.refresh_from_db()
    assert (weight.m, weight.u, weight.source) == (0.5, 0.25, "hand")
    model = match_model()
    assert model.rows()[("phone", "exact")] == (0.5, 0.25)


def test_a_probability_out_of_range_is_refused_and_nothing_changes(admin_client):
    weight = ComparisonWeight.objects.get(comparison="phone", level="exact")
    response = admin_client.post(
        f"/admin/matching/comparisonweight/{weight.pk}/change/", {"m": "1.5", "u": "0.25"}
    )
    assert response.status_code == 200
    assert "A probability above 0 and at most 1." in response.content.decode()
    weight.refresh_from_db()
    assert weight.source == "default"


def test_thresholds_out_of_order_are_refused(admin_client):
    settings = MatchSettings.objects.get()
    response = admin_client.post(
        f"/admin/matching/matchsettings/{settings.pk}/change/",
        {
            "prior": "0.02",
            "same_threshold": "0.4",
            "possible_threshold": "0.5",
            "unmerge_days": "30",
        },
    )
    assert response.status_code == 200
    assert "possible threshold" in response.content.decode()
    settings.refresh_from_db()
    assert settings.same_threshold == 0.99
