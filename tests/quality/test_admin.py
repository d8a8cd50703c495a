"""The quality settings in the admin: checks seeded from the registry and edited with their
thresholds checked; listed values stored normalised, one by one or pasted in bulk."""

import pytest

from galena.quality.checks import REGISTRY
from galena.quality.models import ListedValue, QualityCheck
from galena.quality.services import quality_checks_sync

pytestmark = pytest.mark.django_db


def change_data(check: QualityCheck, **changes) -> dict:
    data = {"enabled": "on" if check.enabled else "", "weight": check.weight, "params": "{}"}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_migration_seeds_one_row_per_check_with_its_defaults():
    rows = {row.code: row for row in QualityCheck.objects.all()}

    assert set(rows) == set(REGISTRY)
    too_fast = rows["too_fast"]
    assert (too_fast.group, too_fast.enabled, too_fast.weight, too_fast.params) == (
        "bot",
        True,
        100,
        {"min_ms": 2500},
    )
    assert too_fast.name == "Submitted too fast"


def test_sync_creates_only_the_missing_rows_and_keeps_the_settings():
    QualityCheck.objects.filter(code="honeypot").delete()
    QualityCheck.objects.filter(code="too_fast").update(weight=30, params={"min_ms": 1000})

    created = quality_checks_sync()

    assert created == ["honeypot"]
    assert QualityCheck.objects.get(code="too_fast").weight == 30
    assert QualityCheck.objects.get(code="honeypot").weight == 150
    assert quality_checks_sync() == []


def test_the_list_shows_every_check_with_editable_switch_and_weight(admin_client):
    response = admin_client.get("/admin/quality/qualitycheck/")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('name="form-') > 0
    assert "Submitted too fast" in body
    assert 'name="form-0-enabled"' in body and 'name="form-0-weight"' in body


def test_the_list_edits_switches_and_weights_in_one_go(admin_client):
    checks = list(QualityCheck.objects.order_by("group", "code"))
    data = {
        "form-TOTAL_FORMS": str(len(checks)),
        "form-INITIAL_FORMS": str(len(checks)),
        "_save": "Save",
    }
    for index, check in enumerate(checks):
        data[f"form-{index}-id"] = str(check.pk)
        data[f"form-{index}-weight"] = "42" if check.code == "too_fast" else str(check.weight)
        if check.code != "honeypot":
            data[f"form-{index}-enabled"] = "on"

    response = admin_client.post("/admin/quality/qualitycheck/", data)

    assert response.status_code == 302
    assert QualityCheck.objects.get(code="too_fast").weight == 42
    assert QualityCheck.objects.get(code="honeypot").enabled is False


def test_thresholds_are_saved_when_they_are_the_checks_own(admin_client):
    check = QualityCheck.objects.get(code="burst_address")

    response = admin_client.post(
        f"/admin/quality/qualitycheck/{check.pk}/change/",
        change_data(check, params='{"count": 8, "minutes": 5}'),
    )

    assert response.status_code == 302
    check.refresh_from_db()
    assert check.params == {"count": 8, "minutes": 5}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ('{"cnt": 8}', "Unknown parameter cnt; this check takes: count, minutes."),
        ('{"count": "many"}', "count must be a number, like the default 5."),
        ('{"count": 2.5}', "count must be a whole number."),
        ("[1, 2]", "Write the parameters as a JSON object, e.g. {}."),
    ],
)
def test_wrong_thresholds_are_refused_with_a_clear_error(admin_client, params, message):
    check = QualityCheck.objects.get(code="burst_address")

    response = admin_client.post(
        f"/admin/quality/qualitycheck/{check.pk}/change/", change_data(check, params=params)
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    check.refresh_from_db()
    assert check.params == {"count": 5, "minutes": 10}


def test_checks_cannot_be_added_or_deleted_in_the_admin(admin_client):
    check = QualityCheck.objects.get(code="honeypot")

    assert admin_client.get("/admin/quality/qualitycheck/add/").status_code == 403
    assert admin_client.get(f"/admin/quality/qualitycheck/{check.pk}/delete/").status_code == 403


def test_a_listed_value_is_stored_normalised(admin_client):
    response = admin_client.post(
        "/admin/quality/listedvalue/add/",
        {"purpose": "blocked", "kind": "phone", "value": "+40 744 518 203", "note": "prank"},
    )

    assert response.status_code == 302
    assert ListedValue.objects.get().value == "+40744518203"


def test_a_listed_value_that_is_not_one_is_refused(admin_client):
    response = admin_client.post(
        "/admin/quality/listedvalue/add/",
        {"purpose": "blocked", "kind": "network", "value": "not a network"},
    )

    assert response.status_code == 200
    assert "Enter an IP address or a network" in response.content.decode()
    assert not ListedValue.objects.exists()


def test_the_same_value_written_differently_is_already_listed(admin_client):
    ListedValue.objects.create(purpose="blocked", kind="email_domain", value="rival.ro")

    response = admin_client.post(
        "/admin/quality/listedvalue/add/",
        {"purpose": "blocked", "kind": "email_domain", "value": "@Rival.RO"},
    )

    assert response.status_code == 200
    assert ListedValue.objects.count() == 1


def test_many_values_are_pasted_at_once_normalised_and_without_repeats(admin_client):
    ListedValue.objects.create(purpose="competitor", kind="email_domain", value="solarix.ro")

    response = admin_client.post(
        "/admin/quality/listedvalue/paste/",
        {
            "purpose": "competitor",
            "kind": "email_domain",
            "values": "Solarix.ro\n@sunpower.md, sunpower.md; Helios.es\n",
            "note": "Solar rivals",
        },
    )

    assert response.status_code == 302
    assert sorted(
        ListedValue.objects.filter(purpose="competitor").values_list("value", "note")
    ) == [("helios.es", "Solar rivals"), ("solarix.ro", ""), ("sunpower.md", "Solar rivals")]


def test_a_paste_with_one_bad_value_adds_nothing_and_says_which(admin_client):
    response = admin_client.post(
        "/admin/quality/listedvalue/paste/",
        {"purpose": "blocked", "kind": "phone", "values": "+40 744 518 203\n12"},
    )

    assert response.status_code == 200
    assert "12: Write the number with its country code" in response.content.decode()
    assert not ListedValue.objects.exists()


def test_the_list_of_values_offers_the_paste_page(admin_client):
    response = admin_client.get("/admin/quality/listedvalue/")

    assert response.status_code == 200
    assert "/admin/quality/listedvalue/paste/" in response.content.decode()


def test_the_fit_rules_have_their_admin(admin_client):
    assert admin_client.get("/admin/quality/fitrule/").status_code == 200
