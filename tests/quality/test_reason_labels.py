"""Check names are data a business may reword; the seeded ones read in the reader's language."""

from django.utils import translation

from galena.quality.models import QualityCheck
from galena.quality.selectors import reason_labels


def test_a_seeded_check_name_is_shown_in_the_readers_language(db):
    assert QualityCheck.objects.get(code="honeypot").name == "Honeypot filled"

    with translation.override("ru"):
        labels = reason_labels()

    assert labels["honeypot"] != "Honeypot filled"


def test_a_business_own_wording_is_shown_as_written(db):
    QualityCheck.objects.filter(code="honeypot").update(name="Ловушка для ботов сработала")

    with translation.override("fi"):
        assert reason_labels()["honeypot"] == "Ловушка для ботов сработала"
