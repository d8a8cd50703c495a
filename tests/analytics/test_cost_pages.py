"""The cost report's page, exports and API, and the spend import page and API."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from galena.leads.models import CampaignSpend
from tests.analytics.cost_world import business, world

__all__ = ["business", "world"]  # fixtures

pytestmark = pytest.mark.django_db

PERIOD = "from=2026-01-01&to=2026-02-28"


def logged_in(client, user):
    client.force_login(user)
    return client


def test_the_page_shows_the_figures_and_names_the_missing_rate(client, admin_user, world):
    response = logged_in(client, admin_user).get(
        f"{reverse('analytics-cost')}?{PERIOD}&group_by=month"
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "January 2026" in page and "February 2026" in page
    assert "No rate from RUB to EUR for 1,000.00 RUB of spend dated 2026-01-20" in page
    assert reverse("analytics-spend-import") in page
    assert "<svg" in page


def test_the_csv_export_has_the_tables_figures(client, marketer, world):
    response = logged_in(client, marketer).get(
        f"{reverse('analytics-cost')}?{PERIOD}&group_by=channel&format=csv"
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Channel", "Spend (EUR)", "Leads", "Cost per lead"]
    assert rows[1] == [
        "Contextual ads",
        "200.00",
        "3",
        "66.67",
        "1",
        "200.00",
        "1",
        "200.00",
        "250.00",
        "25.0",
        "",
    ]
    # no spend: no ROI (an empty cell, not a division by zero)
    assert rows[3][0] == "Landing page / web form" and rows[3][9] == ""
    assert rows[4][0] == "Total"


def test_the_seasonality_page_opens(client, admin_user, world):
    response = logged_in(client, admin_user).get(
        f"{reverse('analytics-cost-seasonality')}?from=2025-01-01&to=2026-02-28"
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Cost per lead 2025" in page
    # one row per calendar month whatever is asked: no grouping to choose
    assert 'name="group_by"' not in page
    assert 'name="group_by"' in logged_in(client, admin_user).get(reverse("analytics-cost")).text


@pytest.mark.parametrize("role_user", ["manager", "telemarketer"])
def test_sales_people_may_not_open_the_cost_pages(request, client, role_user, world):
    user = request.getfixturevalue(role_user)

    assert logged_in(client, user).get(reverse("analytics-cost")).status_code == 403
    assert client.get(reverse("analytics-cost-seasonality")).status_code == 403


def test_the_api_answers_the_same_table(api_as, admin_user, world):
    response = api_as(admin_user).get(f"/api/v1/analytics/cost?{PERIOD}&group_by=channel")

    assert response.status_code == 200
    body = response.json()
    rows = {row["label"]: row for row in body["rows"]}
    assert rows["Contextual ads"]["spend"] == "200.00"
    assert rows["Contextual ads"]["roi"] == 25.0
    assert rows["Landing page / web form"]["roi"] is None
    assert body["totals"]["leads"] == 5
    assert body["notes"][0].startswith("No rate from RUB to EUR")


def test_the_api_refuses_a_manager(api_as, manager, world):
    assert api_as(manager).get("/api/v1/analytics/cost").status_code == 403


# --- the import page ----------------------------------------------------------------------


def upload(client, text: str):
    return client.post(
        reverse("analytics-spend-import"),
        {"file": SimpleUploadedFile("spend.csv", text.encode("utf-8"), "text/csv")},
    )


def test_upload_previews_then_imports_and_importing_again_does_not_double(client, marketer, world):
    text = "campaign,date,amount\nRO panels,2026-01-10,600\nES batteries,2026-01-21,10\n"
    logged_in(client, marketer)

    preview = upload(client, text)

    assert preview.status_code == 200
    assert preview.context["check"].replaced == 1
    assert CampaignSpend.objects.filter(date=dt.date(2026, 1, 10)).get().amount == Decimal("500")
    digest = preview.context["digest"]
    done = client.post(reverse("analytics-spend-import"), {"action": "import", "digest": digest})
    assert done.status_code == 302
    upload(client, text)
    client.post(reverse("analytics-spend-import"), {"action": "import", "digest": digest})

    assert list(
        CampaignSpend.objects.filter(
            campaign=world["romania"], date=dt.date(2026, 1, 10)
        ).values_list("amount", "currency")
    ) == [(Decimal("600.00"), "RON")]
    assert CampaignSpend.objects.filter(date=dt.date(2026, 1, 21)).count() == 1


def test_a_file_with_problems_lists_them_and_imports_nothing(client, admin_user, world):
    count = CampaignSpend.objects.count()

    response = upload(logged_in(client, admin_user), "campaign,date,amount\nNowhere,2026-01-10,5\n")

    page = response.content.decode()
    assert "No campaign has the id, name or UTM campaign “Nowhere”" in page
    assert "digest" not in response.context
    assert CampaignSpend.objects.count() == count


def test_an_import_without_its_preview_is_refused(client, admin_user, world):
    count = CampaignSpend.objects.count()

    response = logged_in(client, admin_user).post(
        reverse("analytics-spend-import"), {"action": "import", "digest": "forged"}
    )

    assert response.status_code == 302
    assert CampaignSpend.objects.count() == count


def test_a_head_of_sales_may_not_import(client, head, world):
    assert logged_in(client, head).get(reverse("analytics-spend-import")).status_code == 403


# --- the spend API ------------------------------------------------------------------------


def test_the_api_stores_rows_and_the_same_rows_again_replace_them(api_as, marketer, world):
    rows = {
        "rows": [
            {"campaign": world["romania"].pk, "date": "2026-01-10", "amount": "600"},
            {"campaign": "ES batteries", "date": "2026-01-22", "amount": 12.5, "clicks": 40},
        ]
    }
    api = api_as(marketer)

    first = api.post("/api/v1/analytics/spend", rows)
    again = api.post("/api/v1/analytics/spend", rows)

    assert first.status_code == 201
    assert first.json() == {"created": 2, "replaced": 1, "days": 2}
    assert again.json() == {"created": 2, "replaced": 2, "days": 2}
    assert list(
        CampaignSpend.objects.filter(date=dt.date(2026, 1, 22)).values_list("amount", "clicks")
    ) == [(Decimal("12.50"), 40)]


def test_the_api_names_the_wrong_row_and_writes_nothing(api_as, admin_user, world):
    count = CampaignSpend.objects.count()

    response = api_as(admin_user).post(
        "/api/v1/analytics/spend",
        {
            "rows": [
                {"campaign": "RO panels", "date": "2026-01-10", "amount": "1"},
                {"campaign": "Nowhere", "date": "2026-01-10", "amount": "1"},
            ]
        },
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["rows.1.campaign"]
    assert CampaignSpend.objects.count() == count


def test_the_api_refuses_a_telemarketer_and_writes_nothing(api_as, telemarketer, world):
    count = CampaignSpend.objects.count()

    response = api_as(telemarketer).post(
        "/api/v1/analytics/spend",
        {"rows": [{"campaign": "RO panels", "date": "2026-01-10", "amount": "1"}]},
    )

    assert response.status_code == 403
    assert CampaignSpend.objects.count() == count


def test_the_api_lists_spend_newest_first(api_as, head, world):
    response = api_as(head).get(
        f"/api/v1/analytics/spend?from=2026-01-01&to=2026-01-31&campaign={world['romania'].pk}"
    )

    assert response.status_code == 200
    assert [
        (item["date"], item["amount"], item["currency"]) for item in response.json()["items"]
    ] == [("2026-01-10", "500.00", "RON")]


def test_the_api_does_not_list_spend_to_a_manager(api_as, manager, world):
    assert api_as(manager).get("/api/v1/analytics/spend").status_code == 403


def test_the_file_to_fill_in_names_the_active_campaigns_and_imports_as_it_is(
    client, marketer, world
):
    logged_in(client, marketer)

    template = client.get(f"{reverse('analytics-spend-import')}?template=1")
    preview = upload(client, template.content.decode())

    lines = template.content.decode().splitlines()
    assert lines[0] == "campaign,date,amount,currency,clicks,impressions"
    assert len(lines) == 3  # the two active campaigns
    assert preview.context["errors"] == []
    assert len(preview.context["check"].rows) == 2
