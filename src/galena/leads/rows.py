"""The lead list's rows and the board's cards, written in Python.

A page shows 50 rows or about 90 cards, each with some forty tags, filters and
translations: through the template engine that was a millisecond a row, half of the
list's and the board's server time (docs/benchmarks.md, "Pipeline"). Here the same
markup is built with f-strings in which every value goes through ``e`` (escaped as Django
escapes), the labels translated and the date formats looked up once a page, and the
per-lead links made from one reversed URL. ``{% lead_rows %}`` and
``{% board_cards %}`` (templatetags/lead_rows.py) put them in the templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape as _stdlib_escape

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from galena.leads.models import ContactKind, Lead, QualityStatus, Stage
from galena.leads.templatetags.lead_tags import contact_href, person_name, response_deadline

# A lead id no real lead has: reversed once a page, then replaced by each lead's id.
_ID = 987654321


def e(value: object) -> str:
    """Text made safe for HTML, as Django's ``escape`` makes it (& < > " ' replaced), without
    its lazy-string wrapper, which was most of a row's time."""
    return _stdlib_escape(str(value), quote=True)


def _url_maker(name: str):
    pattern = reverse(name, args=[_ID])
    return lambda pk: pattern.replace(str(_ID), str(pk))


class _Moments:
    """Datetimes written as the ``date`` and ``naturalday`` filters write them, in the
    reader's time zone and language, with the formats looked up once a page."""

    def __init__(self) -> None:
        self.long = formats.get_format("DATETIME_FORMAT")
        self.short_date = formats.get_format("SHORT_DATE_FORMAT")
        self.today = timezone.localdate()
        self.day_words = {0: _("today"), 1: _("tomorrow"), -1: _("yesterday")}

    def iso_and_title(self, value: datetime) -> tuple[str, str]:
        local = timezone.localtime(value)
        return local.isoformat(), dateformat.format(local, self.long)

    def natural_day(self, value: datetime) -> str:
        """``naturalday:"j M Y"``: today, yesterday or tomorrow, else the day."""
        day = timezone.localtime(value).date()
        word = self.day_words.get((day - self.today).days)
        return word if word is not None else dateformat.format(day, "j M Y")

    def short(self, value: datetime) -> str:
        return dateformat.format(timezone.localtime(value), self.short_date)


_DEADLINE_BADGES = {"met": "badge badge-ok", "breached": "badge badge-danger"}


@dataclass(frozen=True)
class _RowWords:
    """The words every row repeats, translated and escaped once a page."""

    name: str
    company: str
    contacts: str
    stage: str
    temperature: str
    owner: str
    sla: str
    source: str
    score: str
    created: str
    unassigned: str
    looks_invalid: str
    quarantine: str
    pseudo: str
    states: dict[str, str]
    answer_by: str

    @classmethod
    def now(cls) -> _RowWords:
        quarantine_title = e(_("Quarantined: may be a pseudo-lead"))
        pseudo_title = e(_("Rejected as a pseudo-lead"))
        return cls(
            name=e(_("Name")),
            company=e(_("Company")),
            contacts=e(_("Phone / e-mail")),
            stage=e(_("Stage")),
            temperature=e(_("Temperature")),
            owner=e(_("Owner")),
            sla=e(_("SLA")),
            source=e(_("Source")),
            score=e(_("Score")),
            created=e(_("Created")),
            unassigned=e(_("unassigned")),
            looks_invalid=e(_("Looks invalid")),
            quarantine=f' <span class="badge badge-warn" title="{quarantine_title}">'
            f"{e(_('quarantine'))}</span>",
            pseudo=f' <span class="badge badge-danger" title="{pseudo_title}">'
            f"{e(_('pseudo-lead'))}</span>",
            states={"met": e(_("met")), "breached": e(_("breached")), "due": e(_("due"))},
            answer_by=e(_("Answer by")),
        )


def _contacts(lead: Lead, words: _RowWords) -> str:
    points = getattr(lead, "primary_contacts", ())
    if not points:
        return "—"
    invalid = f' class="is-invalid" title="{words.looks_invalid}"'
    return "".join(
        f'\n          <a href="{e(contact_href(point))}"{"" if point.is_valid else invalid}>'
        f"{e(point.value_raw)}</a>\n          "
        for point in points
        if point.kind in (ContactKind.PHONE, ContactKind.EMAIL)
    )


def _sla_cell(lead: Lead, words: _RowWords, moments: _Moments) -> str:
    deadline = response_deadline(lead.response_due_at, lead.first_response_at, 1)
    state = deadline["state"]
    if not state:
        return '<span class="muted">—</span>'
    badge = f'<span class="{_DEADLINE_BADGES.get(state, "badge badge-warn")}">{words.states[state]}</span>'
    if lead.first_response_at:
        return badge
    iso, title = moments.iso_and_title(deadline["due_at"])
    warn = " warn-text" if state == "breached" else ""
    return (
        f'{badge} <time class="small{warn}" datetime="{e(iso)}" '
        f'title="{words.answer_by} {e(title)}">{e(deadline["text"])}</time>'
    )


_QUALITY_BADGES = {QualityStatus.QUARANTINED: "quarantine", QualityStatus.REJECTED: "pseudo"}


def lead_rows(leads: Iterable[Lead]) -> SafeString:
    """The list's ``<tr>`` for each lead: select box, name with its quality badge, company,
    phone and e-mail links, stage, temperature, owner, SLA state, source, score, created."""
    words = _RowWords.now()
    moments = _Moments()
    detail_url = _url_maker("lead-detail")
    rows = []
    for lead in leads:
        name = e(lead)
        created_iso, created_title = moments.iso_and_title(lead.created_at)
        owner = (
            e(person_name(lead.owner))
            if lead.owner
            else f'<span class="muted">{words.unassigned}</span>'
        )
        badge = _QUALITY_BADGES.get(lead.quality_status)
        source = lead.source.name if lead.source_id and lead.source.name else "—"
        rows.append(
            "\n      <tr>\n"
            f'        <td class="cell-select"><input type="checkbox" name="ids" value="{lead.pk}"'
            f' form="bulk-form" class="bulk-ids"'
            f' aria-label="{e(_("Select %(lead)s") % {"lead": str(lead)})}"></td>\n'
            f'        <td data-label="{words.name}" class="cell-name">'
            f'<a href="{detail_url(lead.pk)}">{name}</a>'
            f"{getattr(words, badge) if badge else ''}</td>\n"
            f'        <td data-label="{words.company}">{e(lead.company_name or "—")}</td>\n'
            f'        <td data-label="{words.contacts}" class="cell-contacts">\n'
            f'          <span class="contact-stack">{_contacts(lead, words)}</span>\n'
            "        </td>\n"
            f'        <td data-label="{words.stage}"><span class="stage stage-{e(lead.stage.kind)}">'
            f"{e(lead.stage.label)}</span></td>\n"
            f'        <td data-label="{words.temperature}">'
            f'<span class="temp temp-{e(lead.temperature)}">'
            f"{e(lead.get_temperature_display())}</span></td>\n"
            f'        <td data-label="{words.owner}">{owner}</td>\n'
            f'        <td data-label="{words.sla}" class="cell-sla">'
            f"{_sla_cell(lead, words, moments)}</td>\n"
            f'        <td data-label="{words.source}">{e(source)}</td>\n'
            f'        <td data-label="{words.score}" class="num">{lead.score}</td>\n'
            f'        <td data-label="{words.created}"><time datetime="{e(created_iso)}"'
            f' title="{e(created_title)}">{e(moments.natural_day(lead.created_at))}</time></td>\n'
            "      </tr>"
        )
    return mark_safe("".join(rows))


def _card_deadline(lead: Lead, words: dict[str, str], moments: _Moments) -> str:
    deadline = response_deadline(lead.response_due_at, lead.first_response_at, 1)
    if deadline["state"] == "breached" and not lead.first_response_at:
        return (
            f'<span class="badge badge-danger" title="{e(deadline["text"])}">'
            f"{words['breached']}</span>"
        )
    if deadline["state"] == "due":
        title = moments.iso_and_title(deadline["due_at"])[1]
        return (
            f'<span class="badge badge-warn" title="{words["answer_by"]} {e(title)}">'
            f"{e(deadline['text'])}</span>"
        )
    return ""


def board_cards(leads: Iterable[Lead], *, stages: Sequence[Stage], request, now: datetime):
    """The board's cards: name, company, temperature, score, SLA badge, owner, age, the
    day a deferred lead comes back, and the keyboard way to move it (a stage select)."""
    moments = _Moments()
    detail_url = _url_maker("lead-detail")
    move_url = _url_maker("lead-board-move")
    options = [
        (stage.pk, f'<option value="{stage.pk}"', f">{e(stage.label)}</option>") for stage in stages
    ]
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{e(get_token(request))}">'
    words = {
        "score": e(_("Score")),
        "answer_by": e(_("Answer by")),
        "breached": e(_("SLA breached")),
        "unassigned": e(_("unassigned")),
        "move": e(_("Move")),
    }
    cards = []
    for lead in leads:
        name = e(lead)
        pk = lead.pk
        created_iso, created_title = moments.iso_and_title(lead.created_at)
        owner = (
            e(person_name(lead.owner))
            if lead.owner
            else f'<span class="warn-text">{words["unassigned"]}</span>'
        )
        back = (
            "· " + e(_("back on %(day)s") % {"day": moments.short(lead.recontact_at)})
            if lead.recontact_at and lead.stage.kind == "deferred"
            else ""
        )
        company = (
            f'<p class="board-card-company small">{e(lead.company_name)}</p>'
            if lead.company_name
            else ""
        )
        select = "".join(
            f"{start} selected{end}" if stage_pk == lead.stage_id else start + end
            for stage_pk, start, end in options
        )
        move = move_url(pk)
        age = e(_("%(age)s old") % {"age": timesince(lead.created_at, now)})
        move_label = e(_("Move %(lead)s to") % {"lead": str(lead)})
        cards.append(
            f'<li id="board-card-{pk}" class="board-card temp-edge-{e(lead.temperature)}"'
            f' draggable="true"\n    data-lead="{pk}" data-stage="{lead.stage_id}">\n'
            f'  <a class="board-card-name" href="{detail_url(pk)}">{name}</a>\n'
            f"  {company}\n"
            '  <p class="board-card-facts">\n'
            f'    <span class="temp temp-{e(lead.temperature)}">'
            f"{e(lead.get_temperature_display())}</span>\n"
            f'    <span class="badge" title="{words["score"]}">{lead.score}</span>\n'
            f"    {_card_deadline(lead, words, moments)}\n"
            "  </p>\n"
            '  <p class="board-card-meta small muted">\n'
            f"    {owner}\n"
            f'    · <time datetime="{e(created_iso)}" title="{e(created_title)}">{age}</time>\n'
            f"    {back}\n"
            "  </p>\n"
            f'  <form class="board-move" method="post" action="{move}"\n'
            f'        hx-post="{move}" hx-target="#board-card-{pk}" hx-swap="outerHTML">\n'
            f"    {csrf}\n"
            f'    <label class="visually-hidden" for="move-{pk}">{move_label}</label>\n'
            f'    <select name="stage" id="move-{pk}" class="board-move-select">\n'
            f"      {select}\n"
            "    </select>\n"
            f'    <button type="submit" class="button-small secondary">{words["move"]}</button>\n'
            "  </form>\n"
            "</li>"
        )
    return mark_safe("".join(cards))
