"""Spend brought in from a file or rows: checked row by row, idempotent, by role."""

import datetime as dt
from decimal import Decimal

import pytest

from galena.analytics.cost_import import (
    campaign_spend_import,
    spend_csv_decode,
    spend_csv_read,
    spend_rows_check,
)
from galena.core.errors import PermissionDenied, ValidationFailed
from galena.leads.models import CampaignSpend, CurrencyRate
from tests.factories import CampaignFactory, SourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaigns(db):
    return {
        "ro": CampaignFactory(name="RO panels", utm_campaign="ro_panels", currency="RON"),
        "es": CampaignFactory(name="ES batteries", utm_campaign="es_batteries"),
    }


def read(text: str):
    decoded, errors = spend_csv_decode(text.encode("utf-8"))
    assert errors == []
    return spend_csv_read(decoded)


def stored():
    return sorted(
        (s.campaign.name, s.date.isoformat(), str(s.amount), s.currency, s.clicks)
        for s in CampaignSpend.objects.select_related("campaign")
    )


def test_campaigns_are_found_by_id_name_or_utm_and_the_currency_defaults(campaigns):
    rows, errors = read(
        "Campaign;Date;Spend;Currency;Clicks\n"
        f"{campaigns['ro'].pk};2026-01-10;1.234,50;;1 200\n"
        "es batteries;11.01.2026;80;EUR;\n"
        "ro_panels;2026-01-11;99.9;EUR;\n"
    )

    check = spend_rows_check(rows)

    assert errors == [] and check.errors == []
    assert [
        (r.row, r.campaign.name, r.date, r.amount, r.currency, r.clicks) for r in check.rows
    ] == [
        (2, "RO panels", dt.date(2026, 1, 10), Decimal("1234.50"), "RON", 1200),
        (3, "ES batteries", dt.date(2026, 1, 11), Decimal("80"), "EUR", None),
        (4, "RO panels", dt.date(2026, 1, 11), Decimal("99.9"), "EUR", None),
    ]
    assert check.totals == {"EUR": Decimal("179.9"), "RON": Decimal("1234.50")}


def test_every_problem_names_its_row_and_column(campaigns):
    SourceFactory(name="Other")
    CampaignFactory(name="Twin", source=SourceFactory(name="A"))
    CampaignFactory(name="Twin", source=SourceFactory(name="B"))
    rows, _ = read(
        "campaign,date,amount,currency,impressions\n"
        "Nowhere,2026-01-10,10,EUR,\n"
        "RO panels,2026-13-01,10,,\n"
        "RO panels,2026-01-10,-5,,\n"
        "RO panels,2026-01-10,ten,,\n"
        "RO panels,2026-01-12,10,EURO,many\n"
        "Twin,2026-01-10,10,,\n"
        "RO panels,2999-01-01,10,,\n"
        "RO panels,2026-01-14,10.555,,\n"
        "\n"
        "ES batteries,2026-01-15,10,,\n"
        "es_batteries,2026-01-15,12,,\n"
    )

    check = spend_rows_check(rows)

    twins = sorted(c.pk for c in CampaignFactory._meta.model.objects.filter(name="Twin"))
    assert [(e.row, e.column, e.message) for e in check.errors] == [
        (
            2,
            "campaign",
            "No campaign has the id, name or UTM campaign “Nowhere”: add it under Campaigns in "
            "the admin first, or correct the row.",
        ),
        (3, "date", "“2026-13-01” is not a day: write it as 2026-01-31 or 31.01.2026."),
        (4, "amount", "Spend cannot be negative."),
        (5, "amount", "“ten” is not an amount: write it as 1234.56."),
        (6, "currency", "Give the currency as its three-letter code, e.g. EUR."),
        (6, "impressions", "“many” is not a whole number of zero or more."),
        (
            7,
            "campaign",
            f"2 campaigns are called “Twin”: give the campaign's id ({twins[0]}, {twins[1]}).",
        ),
        (8, "date", "2999-01-01 has not come yet."),
        (9, "amount", "Give at most two decimals."),
        (12, "date", "Row 11 already gives the EUR spend of ES batteries on 2026-01-15."),
    ]


def test_a_file_without_the_needed_columns_is_refused_naming_them():
    rows, errors = read("name;when;money\nx;y;z\n")

    assert rows == []
    assert [(e.row, e.column, e.message) for e in errors] == [
        (1, "campaign", "The first row has no campaign column (it names: name, when, money)."),
        (1, "date", "The first row has no date column (it names: name, when, money)."),
        (1, "amount", "The first row has no amount column (it names: name, when, money)."),
    ]


def test_a_binary_file_is_not_read():
    _, errors = spend_csv_decode(b"PK\x03\x04\x00\x00binary")

    assert [e.message for e in errors] == ["The file is not text: save it as CSV."]


def test_importing_the_same_days_again_replaces_them(admin_user, campaigns):
    first, _ = read("campaign,date,amount\nRO panels,2026-01-10,100\nRO panels,2026-01-11,200\n")
    CampaignSpend.objects.create(
        campaign=campaigns["es"], date=dt.date(2026, 1, 10), amount=Decimal("7"), currency="EUR"
    )

    campaign_spend_import(user=admin_user, raw_rows=first)
    again = campaign_spend_import(user=admin_user, raw_rows=first)

    assert (again.created, again.replaced, again.days) == (2, 2, 2)
    assert stored() == [
        ("ES batteries", "2026-01-10", "7.00", "EUR", None),
        ("RO panels", "2026-01-10", "100.00", "RON", None),
        ("RO panels", "2026-01-11", "200.00", "RON", None),
    ]


def test_a_corrected_day_replaces_every_currency_stored_for_it(marketer, campaigns):
    CampaignSpend.objects.create(
        campaign=campaigns["ro"], date=dt.date(2026, 1, 10), amount=Decimal("500"), currency="RON"
    )
    rows, _ = read("campaign,date,amount,currency\nRO panels,2026-01-10,100,EUR\n")

    result = campaign_spend_import(user=marketer, raw_rows=rows)

    assert result.replaced == 1
    assert stored() == [("RO panels", "2026-01-10", "100.00", "EUR", None)]


def test_one_wrong_row_imports_nothing(admin_user, campaigns):
    rows, _ = read("campaign,date,amount\nRO panels,2026-01-10,100\nNowhere,2026-01-10,5\n")

    with pytest.raises(ValidationFailed) as refused:
        campaign_spend_import(user=admin_user, raw_rows=rows)

    assert list(refused.value.errors) == ["row 3, campaign"]
    assert stored() == []


@pytest.mark.parametrize("role_user", ["head", "manager", "telemarketer"])
def test_only_admins_and_marketers_import(request, role_user, campaigns):
    rows, _ = read("campaign,date,amount\nRO panels,2026-01-10,100\n")

    with pytest.raises(PermissionDenied):
        campaign_spend_import(user=request.getfixturevalue(role_user), raw_rows=rows)

    assert stored() == []


def test_the_preview_says_what_is_replaced_and_which_money_lacks_a_rate(settings, campaigns):
    settings.ANALYTICS_BASE_CURRENCY = "EUR"
    CurrencyRate.objects.create(
        from_currency="RON", to_currency="EUR", rate=Decimal("0.2"), valid_from=dt.date(2026, 1, 11)
    )
    CampaignSpend.objects.create(
        campaign=campaigns["ro"], date=dt.date(2026, 1, 10), amount=Decimal("1"), currency="RON"
    )
    rows, _ = read("campaign,date,amount\nRO panels,2026-01-10,100\nRO panels,2026-01-11,100\n")

    check = spend_rows_check(rows)

    assert (check.replaced, check.days) == (1, 2)
    assert check.missing_rates == [
        "No rate from RON to EUR for 2026-01-10 to 2026-01-10 yet: the cost report will name "
        "this money and leave it out until the rate is added."
    ]
