"""Currency rates as the admin enters them: checked, one per pair and day."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from galena.leads.models import CurrencyRate

pytestmark = pytest.mark.django_db


def test_codes_are_upper_cased_and_the_base_currency_is_the_default(settings):
    settings.ANALYTICS_BASE_CURRENCY = "EUR"
    rate = CurrencyRate(from_currency="ron", rate=Decimal("0.2"), valid_from=dt.date(2026, 1, 1))

    rate.full_clean()

    assert (rate.from_currency, rate.to_currency) == ("RON", "EUR")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"from_currency": "E1R"},
            "from_currency",
            "Give a three-letter currency code, e.g. EUR.",
        ),
        (
            {"from_currency": "eur"},
            "to_currency",
            "A rate converts between two different currencies.",
        ),
        ({"rate": Decimal("0")}, "rate", "A rate is more than zero."),
    ],
)
def test_a_wrong_rate_is_refused_naming_the_field(values, field, message):
    data = {"from_currency": "RON", "to_currency": "EUR", "rate": Decimal("0.2")}
    rate = CurrencyRate(valid_from=dt.date(2026, 1, 1), **{**data, **values})

    with pytest.raises(ValidationError) as refused:
        rate.full_clean()

    assert refused.value.message_dict[field] == [message]


def test_one_rate_per_pair_and_day():
    CurrencyRate.objects.create(
        from_currency="RON", to_currency="EUR", rate=Decimal("0.2"), valid_from=dt.date(2026, 1, 1)
    )

    with pytest.raises(IntegrityError):
        CurrencyRate.objects.create(
            from_currency="RON",
            to_currency="EUR",
            rate=Decimal("0.21"),
            valid_from=dt.date(2026, 1, 1),
        )
