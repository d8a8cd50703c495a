"""The per-source credibility report: exact figures on constructed data, the period, the
sort, the totals, the CSV, who may read it, and a constant number of queries."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from galena.core.errors import PermissionDenied, ValidationFailed
from galena.intake.models import Submission
from galena.quality.selectors import Period, reason_label, reason_labels, source_credibility
from tests.factories import SourceFactory
from tests.quality.review_helpers import EMAIL_TYPO, HONEYPOT, TOO_FAST, interest, submitted_lead

TODAY = dt.date(2026, 11, 22)
PERIOD = Period(start=dt.date(2026, 10, 24), end=TODAY)


def at(day: dt.date, hour: int = 12, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


IN_PERIOD = at(dt.date(2026, 11, 10))


@pytest.fixture
def website(db):
    return SourceFactory(name="Website")


@pytest.fixture
def bought(db):
    return SourceFactory(name="Bought list", vendor="LeadsRUs")


@pytest.fixture
def data(website, bought, team):
    """Website: mostly real; Bought list: mostly pseudo-leads; one lead without a source."""

    def lead(source, status="accepted", **kwargs):
        kwargs.setdefault("received_at", IN_PERIOD)
        return submitted_lead(source=source, status=status, team=team, **kwargs)

    # Website: 3 accepted (1 verified), 1 waiting, 1 released (verified), 1 interest
    lead(website, verification="verified")
    lead(website)
    lead(website)
    lead(website, "quarantined", reasons=[TOO_FAST])
    lead(website, "accepted", outcome="quarantined", reasons=[EMAIL_TYPO], verification="verified")
    interest(source=website, received_at=IN_PERIOD)
    # Bought list: 1 accepted, 2 waiting, 1 rejected at intake, 1 accepted then rejected in
    # review, 1 quarantined then rejected in review
    lead(bought)
    lead(bought, "quarantined", reasons=[HONEYPOT])
    lead(bought, "quarantined", reasons=[TOO_FAST, HONEYPOT])
    lead(bought, "rejected", reasons=[HONEYPOT])
    lead(bought, "rejected", outcome="created")
    lead(bought, "rejected", outcome="quarantined", reasons=[TOO_FAST])
    # no source: one accepted
    lead(None)
    # outside the period, and a refused request: not counted
    lead(website, "quarantined", reasons=[TOO_FAST], received_at=at(dt.date(2026, 10, 23), 23, 59))
    lead(bought, "rejected", reasons=[HONEYPOT], received_at=at(dt.date(2026, 11, 23), 0, 0))
    Submission.objects.create(
        channel="landing_page", adapter="capture", status="refused", received_at=IN_PERIOD
    )


def figures(row) -> dict:
    return {
        "submissions": row.submissions,
        "leads": row.leads,
        "accepted": row.accepted,
        "interests": row.interests,
        "quarantined": row.quarantined,
        "waiting": row.waiting,
        "released": row.released,
        "rejected": row.rejected,
        "rejected_in_review": row.rejected_in_review,
        "verified": row.verified,
        "pseudo": row.pseudo,
    }


def test_figures_per_source(marketer, data, website, bought):
    report = source_credibility(user=marketer, period=PERIOD)

    rows = {row.name: row for row in report.rows}
    assert figures(rows["Website"]) == {
        "submissions": 6,
        "leads": 5,
        "accepted": 4,
        "interests": 1,
        "quarantined": 2,
        "waiting": 1,
        "released": 1,
        "rejected": 0,
        "rejected_in_review": 0,
        "verified": 2,
        "pseudo": 1,
    }
    assert rows["Website"].pseudo_rate == pytest.approx(0.2)
    assert rows["Website"].verified_rate == pytest.approx(0.4)
    assert rows["Website"].reasons == {"too_fast": 1, "email_typo": 1}
    assert figures(rows["Bought list"]) == {
        "submissions": 6,
        "leads": 6,
        "accepted": 1,
        "interests": 0,
        "quarantined": 3,
        "waiting": 2,
        "released": 0,
        "rejected": 3,
        "rejected_in_review": 2,
        "verified": 0,
        "pseudo": 5,
    }
    assert rows["Bought list"].pseudo_rate == pytest.approx(5 / 6)
    assert rows["Bought list"].vendor == "LeadsRUs"
    assert rows["Bought list"].reasons == {"honeypot": 3, "too_fast": 2}
    assert figures(rows[""]) | {"source_id": rows[""].source_id} == {
        "submissions": 1,
        "leads": 1,
        "accepted": 1,
        "interests": 0,
        "quarantined": 0,
        "waiting": 0,
        "released": 0,
        "rejected": 0,
        "rejected_in_review": 0,
        "verified": 0,
        "pseudo": 0,
        "source_id": None,
    }


def test_totals_and_reason_columns(marketer, data):
    report = source_credibility(user=marketer, period=PERIOD)

    assert figures(report.total) == {
        "submissions": 13,
        "leads": 12,
        "accepted": 6,
        "interests": 1,
        "quarantined": 5,
        "waiting": 3,
        "released": 1,
        "rejected": 3,
        "rejected_in_review": 2,
        "verified": 2,
        "pseudo": 6,
    }
    assert report.total.pseudo_rate == pytest.approx(0.5)
    assert report.total.reasons == {"too_fast": 3, "honeypot": 3, "email_typo": 1}
    assert report.reason_codes == ["honeypot", "too_fast", "email_typo"]


def test_the_least_credible_source_comes_first_by_default(marketer, data):
    report = source_credibility(user=marketer, period=PERIOD)

    assert [row.name for row in report.rows] == ["Bought list", "Website", ""]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("pseudo_rate", ["", "Website", "Bought list"]),
        ("name", ["", "Bought list", "Website"]),
        ("-name", ["Website", "Bought list", ""]),
        ("-verified_rate", ["Website", "", "Bought list"]),
        ("-submissions", ["Bought list", "Website", ""]),
    ],
)
def test_sorts(marketer, data, sort, order):
    report = source_credibility(user=marketer, period=PERIOD, sort=sort)

    assert [row.name for row in report.rows] == order


def test_a_source_without_new_leads_sorts_last_either_way(marketer, data, website):
    only_interests = SourceFactory(name="Chat widget")
    interest(source=only_interests, received_at=IN_PERIOD)

    for sort in ("pseudo_rate", "-pseudo_rate"):
        report = source_credibility(user=marketer, period=PERIOD, sort=sort)
        assert report.rows[-1].name == "Chat widget"
        assert report.rows[-1].pseudo_rate is None


def test_an_unknown_sort_is_refused(marketer):
    with pytest.raises(ValidationFailed) as error:
        source_credibility(user=marketer, period=PERIOD, sort="price")

    assert error.value.field == "sort"


def test_a_release_moves_a_lead_from_waiting_to_released(head, marketer, website, team):
    held = submitted_lead(source=website, team=team, reasons=[TOO_FAST], received_at=IN_PERIOD)
    before = source_credibility(user=marketer, period=PERIOD).rows[0]

    from galena.leads.services import Actor
    from galena.quality.services import lead_quality_release

    lead_quality_release(actor=Actor(user=head), leads=[held])
    after = source_credibility(user=marketer, period=PERIOD).rows[0]

    assert (before.waiting, before.released, before.pseudo) == (1, 0, 1)
    assert (after.waiting, after.released, after.pseudo, after.accepted) == (0, 1, 0, 1)


@pytest.mark.parametrize("role", ["manager", "telemarketer"])
def test_sales_roles_without_marketing_access_are_refused(request, role):
    with pytest.raises(PermissionDenied):
        source_credibility(user=request.getfixturevalue(role), period=PERIOD)


def test_three_queries_whatever_the_data(marketer, data, django_assert_num_queries):
    marketer.profile

    with django_assert_num_queries(3):
        source_credibility(user=marketer, period=PERIOD)


def test_period_defaults_to_the_last_30_days():
    period = Period.default(today=TODAY)

    assert (period.start, period.end) == (dt.date(2026, 10, 24), TODAY)


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValidationFailed) as error:
        Period.of(dt.date(2026, 11, 2), dt.date(2026, 11, 1))

    assert error.value.field == "from"


# --- the page and the CSV -------------------------------------------------------------

REPORT = reverse("quality-sources")


def test_the_page_shows_the_table_with_totals(client, marketer, data):
    client.force_login(marketer)

    response = client.get(REPORT, {"from": "2026-10-24", "to": "2026-11-22"})

    assert response.status_code == 200
    text = response.text
    assert text.index("Bought list") < text.index("Website")
    assert "83.3 %" in text and "20.0 %" in text and "50.0 %" in text
    assert "Total" in text and "<tfoot>" in text
    labels = reason_labels()  # the checks' names as configured, else the code made readable
    for code in ("honeypot", "too_fast", "email_typo"):
        assert f'title="{code}">{reason_label(code, labels)}</th>' in text
    assert 'aria-sort="descending"' in text


def test_the_page_query_count_does_not_grow_with_sources(
    client, marketer, data, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(marketer)
    params = {"from": "2026-10-24", "to": "2026-11-22"}
    with CaptureQueriesContext(connection) as few:
        client.get(REPORT, params)
    for n in range(5):
        submitted_lead(source=SourceFactory(name=f"Extra {n}"), received_at=IN_PERIOD)

    with CaptureQueriesContext(connection) as many:
        response = client.get(REPORT, params)

    assert "Extra 4" in response.text
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_reversed_period_on_the_page_says_so(client, marketer):
    client.force_login(marketer)

    response = client.get(REPORT, {"from": "2026-11-22", "to": "2026-11-01"})

    assert response.status_code == 200
    assert "The period starts after it ends." in response.text


def test_the_page_is_forbidden_to_managers(client, manager):
    client.force_login(manager)

    assert client.get(REPORT).status_code == 403


def test_csv_has_every_figure_and_is_safe_in_spreadsheets(client, head, team):
    client.force_login(head)
    sneaky = SourceFactory(name='=HYPERLINK("http://evil.example","x")', vendor="@vendor")
    submitted_lead(
        source=sneaky, team=team, status="quarantined", reasons=[HONEYPOT], received_at=IN_PERIOD
    )

    response = client.get(REPORT, {"from": "2026-10-24", "to": "2026-11-22", "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "source-credibility-2026-10-24-2026-11-22.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["source_id", "source", "vendor", "channel"]
    assert rows[0][-1] == "reason:honeypot"
    data_row = dict(zip(rows[0], rows[1], strict=True))
    assert data_row["source"] == '\'=HYPERLINK("http://evil.example","x")'
    assert data_row["vendor"] == "'@vendor"
    assert (data_row["submissions"], data_row["waiting"], data_row["reason:honeypot"]) == (
        "1",
        "1",
        "1",
    )
    assert data_row["pseudo_lead_rate_percent"] == "100.0"
    assert rows[2][1] == "Total"


def test_a_verification_reason_is_not_a_pseudo_lead_column(marketer, website, team):
    source_match = {
        "stage": "verification",
        "code": "source_match",
        "message": "The same phone came from another source.",
        "evidence": {},
        "points": 0,
        "suggestion": "",
    }
    submitted_lead(
        status="accepted",
        source=website,
        reasons=[source_match, TOO_FAST],
        received_at=at(dt.date(2026, 11, 10)),
        team=team,
    )

    report = source_credibility(user=marketer, period=PERIOD)

    assert report.reason_codes == ["too_fast"]
