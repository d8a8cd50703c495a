"""What the lead card shows of matching: a merge, its undoing and a repeat inquiry on the
timeline, in words; a merged lead's banner at the top of the card."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from galena.leads.models import ActorSource, EventType, LeadEvent
from galena.leads.services import lead_update
from galena.matching.services import lead_unmerge, leads_merge
from tests.matching.merge_helpers import manual, person

REPEAT_EXPLANATION = {
    "household": False,
    "prior_weight": -5.61,
    "match_weight": 9.96,
    "probability": 0.998,
    "swapped_names": False,
    "fields": [
        {"comparison": "first_name", "level": "nickname", "weight": 4.64},
        {"comparison": "last_name", "level": "exact", "weight": 3.74},
        {"comparison": "email_local", "level": "exact", "weight": 6.32},
        {"comparison": "email_domain", "level": "exact", "weight": 0.87},
        {"comparison": "city", "level": "different", "weight": -1.26},
    ],
}


def card(client, lead) -> str:
    response = client.get(reverse("lead-detail", args=[lead.pk]))
    assert response.status_code == 200
    return response.text


def lead_url(lead) -> str:
    return reverse("lead-detail", args=[lead.pk])


def repeat_inquiry(lead, *, explanation=REPEAT_EXPLANATION, channel="landing_page"):
    """The event the matching stage writes when the person writes again."""
    return LeadEvent.objects.create(
        lead=lead,
        type=EventType.REPEAT_INQUIRY,
        actor_source=ActorSource.WEB_FORM,
        params={
            "channel": channel,
            "submission_id": 7,
            "lead_id": lead.pk,
            "probability": 0.998,
            "explanation": explanation,
        },
    )


def assert_no_raw_params(html: str) -> None:
    """No event fell through to the generic key/value lines."""
    for raw in ("{&#x27;", "Merge id", "Merged ids", "Restored ids", "Kept fields", "Explanation"):
        assert raw not in html


# --- a merge --------------------------------------------------------------------------


def test_the_survivors_timeline_says_whom_it_merged_with_and_what_changed(
    head_client, head, ana, anna
):
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    html = card(head_client, ana)

    assert "Merged with lead" in html
    assert f'<a href="{lead_url(anna)}">#{anna.pk}</a> (Anna Marin)' in html
    # the company came from the merged lead; the transliterated name is Galena's own
    assert (
        f"Company:</span> <del>—</del> → <ins>Solaris SRL</ins> "
        f'<span class="muted small">from #{anna.pk}</span>'
    ) in html
    assert "translit" not in html.lower()
    assert_no_raw_params(html)


def test_the_merged_leads_timeline_links_to_the_survivor(head_client, head, ana, anna):
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    html = card(head_client, anna)

    assert f'Merged into <a href="{lead_url(ana)}">lead #{ana.pk}</a>' in html
    assert '<span class="muted">(Ana Marin)</span>' in html
    assert_no_raw_params(html)


def test_the_banner_comes_before_every_panel(head_client, head, ana, anna):
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    html = card(head_client, anna)

    assert html.count('class="panel merge-banner"') == 1
    assert html.index('class="panel merge-banner"') < html.index('id="contacts-heading"')
    assert html.index('class="panel merge-banner"') < html.index('class="action-bar"')


def test_a_survivor_has_no_banner(head_client, head, ana, anna):
    leads_merge(survivor=ana, others=[anna], actor=manual(head))

    html = card(head_client, ana)

    assert "merge-banner" not in html
    assert "Merged in:" in html  # the merge panel stays among the panels


# --- undoing a merge ------------------------------------------------------------------


def test_an_undone_merge_says_what_was_restored_and_what_was_kept(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    ana.refresh_from_db()
    lead_update(actor=manual(head), lead=ana, data={"city": "Cluj"})  # untouched by the merge
    lead_unmerge(merge=merge, actor=manual(head))

    html = card(head_client, ana)

    assert "<strong>Merge undone</strong>" in html
    assert "restored as a lead of its own:" in html
    assert f'<a href="{lead_url(anna)}">#{anna.pk}</a> (Anna Marin)' in html
    assert "Fields put back as they were before the merge:" in html
    assert "Company:</span> <del>Solaris SRL</del> → <ins>—</ins>" in html
    assert "Kept as they are" not in html  # only the company was merged in, still as merged
    assert_no_raw_params(html)


def test_an_undone_merge_names_the_fields_changed_since(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    ana.refresh_from_db()
    lead_update(actor=manual(head), lead=ana, data={"company_name": "Lumo Oy"})
    lead_unmerge(merge=merge, actor=manual(head))

    html = card(head_client, ana)

    assert "Kept as they are, changed since the merge: Company" in html
    assert "Fields put back" not in html


def test_the_restored_leads_timeline_links_to_the_former_survivor(head_client, head, ana, anna):
    merge = leads_merge(survivor=ana, others=[anna], actor=manual(head))
    lead_unmerge(merge=merge, actor=manual(head))

    html = card(head_client, anna)

    assert (
        f'a lead of its own again, taken back from <a href="{lead_url(ana)}">lead #{ana.pk}</a>'
        " (Ana Marin)"
    ) in html
    assert "merge-banner" not in html
    assert_no_raw_params(html)


# --- a repeat inquiry -----------------------------------------------------------------


def test_a_repeat_inquiry_says_the_channel_the_probability_and_why(head_client, ana):
    repeat_inquiry(ana)

    html = card(head_client, ana)

    assert "Repeat inquiry via Landing page / web form" in html
    assert "the same person (99.8 %)" in html
    # the comparisons that counted most, strongest first, with their words and signed bits
    strongest = [
        '<span class="diff-field">E-mail, before the @:</span> the same',
        '<span class="diff-field">First name:</span> ',
        '<span class="diff-field">Last name:</span> the same',
        '<span class="diff-field">City:</span> ',
    ]
    positions = [html.index(text) for text in strongest]
    assert positions == sorted(positions)
    assert '<span class="repeat-weight">+6.3</span>' in html
    assert '<span class="repeat-weight">−1.3</span>' in html
    assert "and 1 more comparison" in html  # the e-mail domain, +0.9, left out
    assert "+0.9" not in html
    assert_no_raw_params(html)


def test_a_repeat_inquiry_with_swapped_names_says_so(head_client, ana):
    repeat_inquiry(ana, explanation={**REPEAT_EXPLANATION, "swapped_names": True})

    html = card(head_client, ana)

    assert "compared crosswise" in html


def test_a_repeat_inquiry_on_an_unknown_channel_is_still_a_repeat_inquiry(head_client, ana):
    repeat_inquiry(ana, channel="carrier_pigeon", explanation=None)

    html = card(head_client, ana)

    assert "<strong>Repeat inquiry</strong>" in html
    assert "the same person (99.8 %)" in html
    assert "repeat-evidence" not in html


def test_the_stylesheet_is_linked_once_for_many_repeat_inquiries(head_client, ana):
    for _ in range(3):
        repeat_inquiry(ana)

    html = card(head_client, ana)

    assert html.count("Repeat inquiry via") == 3
    assert html.count("matching/review.css") == 1


# --- the cost ------------------------------------------------------------------------


def card_queries(client, lead) -> int:
    client.get(reverse("lead-detail", args=[lead.pk]))  # warm caches (settings, models)
    with CaptureQueriesContext(connection) as queries:
        card(client, lead)
    return len(queries)


def merge_and_undo(head, survivor, first_name: str) -> None:
    other = person(head, first_name, "Marin", company_name=f"{first_name} SRL")
    merge = leads_merge(survivor=survivor, others=[other], actor=manual(head))
    survivor.refresh_from_db()
    lead_unmerge(merge=merge, actor=manual(head))
    survivor.refresh_from_db()
    leads_merge(survivor=survivor, others=[other], actor=manual(head))
    survivor.refresh_from_db()
    repeat_inquiry(survivor)


def test_the_cards_queries_do_not_grow_with_merges_and_repeat_inquiries(head_client, head, ana):
    merge_and_undo(head, ana, "Anna")
    few = card_queries(head_client, ana)

    for first_name in ("Ane", "Anya", "Annie", "Ann", "Hanna"):
        merge_and_undo(head, ana, first_name)
    many = card_queries(head_client, ana)

    assert many == few
    assert card(head_client, ana).count("Merged with lead") == 12
