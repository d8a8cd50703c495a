"""E-mail tracking: the links of an HTML e-mail Galena sends a lead go through Galena, and a
1×1 image tells when the e-mail was opened.

Each link and the image carry a token signed with the SECRET_KEY (``django.core.signing``,
salted per use) that names the lead, the message and, for a link, its target. The click
endpoint follows only the target inside a valid token, so nobody can make it send people
elsewhere. A click lands on its target with ``glid`` — a short-lived signed token of the
lead — when the target is a tracked site, so the site's tracking script can tell Galena who
the visitor is (the visitor's anonymous interest is then stitched to the lead).
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from galena.leads.models import Lead
from galena.scoring.models import TrackedEvent, TrackedKind, TrackedOrigin, TrackingSite
from galena.scoring.tracking import EventInput, events_record

CLICK_SALT = "galena.scoring.email.click"
OPEN_SALT = "galena.scoring.email.open"
LEAD_SALT = "galena.scoring.glid"
LEAD_PARAMETER = "glid"
NO_TRACKING_ATTRIBUTE = "data-galena-notrack"

_ANCHOR = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_HREF = re.compile(r"""(\bhref\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def _days(name: str) -> float:
    return float(getattr(settings, name)) * 86400


def link_max_age() -> float:
    """Seconds a link or the image of an e-mail keeps counting (a year by default)."""
    return _days("TRACKING_EMAIL_LINK_DAYS")


def lead_token_max_age() -> float:
    """Seconds a ``glid`` identifies the visitor who followed the link (a day by default)."""
    return _days("TRACKING_LEAD_TOKEN_DAYS")


@dataclass(frozen=True)
class EmailToken:
    lead_id: int
    message_key: str
    url: str = ""


class ExpiredLink(Exception):
    """A genuine link older than it may count: the target is still known."""

    def __init__(self, token: EmailToken):
        super().__init__("expired")
        self.token = token


# --------------------------------------------------------------------------- tokens


def lead_token(lead_id: int) -> str:
    """A signed token naming the lead, for the ``glid`` parameter of a tracked link."""
    return signing.dumps({"l": lead_id}, salt=LEAD_SALT)


def lead_token_read(token: str) -> int | None:
    """The lead a ``glid`` names, or None when it is forged, damaged or too old."""
    try:
        payload = signing.loads(token, salt=LEAD_SALT, max_age=lead_token_max_age())
    except signing.BadSignature:
        return None
    lead_id = payload.get("l") if isinstance(payload, dict) else None
    return lead_id if isinstance(lead_id, int) and not isinstance(lead_id, bool) else None


def _token_read(token: str, salt: str) -> EmailToken:
    """The token's content; BadSignature when it is not ours, ExpiredLink when too old."""
    try:
        payload = signing.loads(token, salt=salt, max_age=link_max_age())
        expired = False
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=salt)  # genuine, only old
        expired = True
    if not isinstance(payload, dict) or not isinstance(payload.get("l"), int):
        raise signing.BadSignature("not a tracking token")
    read = EmailToken(
        lead_id=payload["l"], message_key=str(payload.get("m", "")), url=str(payload.get("u", ""))
    )
    if expired:
        raise ExpiredLink(read)
    return read


def click_token_read(token: str) -> EmailToken:
    """A link's lead, message and target; raises BadSignature or ExpiredLink."""
    read = _token_read(token, CLICK_SALT)
    if not _is_web_address(read.url):
        raise signing.BadSignature("no target")
    return read


def open_token_read(token: str) -> EmailToken:
    """An image's lead and message; raises BadSignature or ExpiredLink."""
    return _token_read(token, OPEN_SALT)


# --------------------------------------------------------------------------- the e-mail


def _is_web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def click_url(*, lead_id: int, message_key: str, url: str) -> str:
    """The tracked address of a link to ``url``."""
    token = signing.dumps(
        {"l": lead_id, "m": message_key, "u": url}, salt=CLICK_SALT, compress=True
    )
    return _absolute(reverse("scoring-email-click", args=[token]))


def open_url(*, lead_id: int, message_key: str) -> str:
    """The address of the e-mail's 1×1 image."""
    token = signing.dumps({"l": lead_id, "m": message_key}, salt=OPEN_SALT)
    return _absolute(reverse("scoring-email-open", args=[token]))


def email_html_tracked(html: str, *, lead: Lead, message_key: str) -> str:
    """The HTML of an e-mail to ``lead`` with its web links going through Galena and a 1×1
    image that records the opening. Links marked ``data-galena-notrack``, mailto:/tel:
    links, anchors and links already tracked are left as they are. ``message_key`` names
    the message (e.g. "offer-2026-05") in the events."""
    tracked_prefix = _absolute("/t/")

    def rewrite(anchor: re.Match[str]) -> str:
        tag = anchor.group(0)
        if NO_TRACKING_ATTRIBUTE in tag.lower():
            return tag
        href = _HREF.search(tag)
        if href is None:
            return tag
        target = htmllib.unescape(href.group(2) if href.group(2) is not None else href.group(3))
        target = target.strip()
        if not _is_web_address(target) or target.startswith(tracked_prefix):
            return tag
        tracked = click_url(lead_id=lead.pk, message_key=message_key, url=target)
        replacement = f'{href.group(1)}"{htmllib.escape(tracked)}"'
        return tag[: href.start()] + replacement + tag[href.end() :]

    rewritten = _ANCHOR.sub(rewrite, html)
    pixel = (
        f'<img src="{htmllib.escape(open_url(lead_id=lead.pk, message_key=message_key))}" '
        'width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">'
    )
    ends = list(_BODY_END.finditer(rewritten))
    if ends:
        at = ends[-1].start()
        return rewritten[:at] + pixel + rewritten[at:]
    return rewritten + pixel


# --------------------------------------------------------------------------- events


def _window(name: str) -> int:
    return max(1, int(getattr(settings, name)))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _record(token: EmailToken, *, kind: str, external_id: str, url: str = "") -> list[TrackedEvent]:
    lead = Lead.objects.filter(pk=token.lead_id).first()
    if lead is None:  # deleted since the e-mail was sent
        return []
    event = EventInput(
        kind=kind,
        url=url,
        properties={"message": token.message_key},
        external_id=external_id,
    )
    return events_record(events=[event], lead=lead, origin=TrackedOrigin.EMAIL)


def email_open_record(*, token: EmailToken) -> list[TrackedEvent]:
    """The lead opened the e-mail: an "e-mail opened" event, stored once per message in a
    window (``TRACKING_EMAIL_OPEN_WINDOW_SECONDS``, 30 minutes), since mail programs load
    the image every time the message is shown. Returns the events stored now."""
    window = _window("TRACKING_EMAIL_OPEN_WINDOW_SECONDS")
    bucket = int(timezone.now().timestamp() // window)
    external_id = f"email_open:{token.lead_id}:{_digest(token.message_key)}:{bucket}"
    return _record(token, kind=TrackedKind.EMAIL_OPEN, external_id=external_id)


def email_click_record(*, token: EmailToken) -> list[TrackedEvent]:
    """The lead followed a link of the e-mail: an "e-mail link clicked" event, stored once
    per link in a short window (``TRACKING_EMAIL_CLICK_WINDOW_SECONDS``, a minute) so a
    double click or a mail scanner's visit right before the person's counts once."""
    window = _window("TRACKING_EMAIL_CLICK_WINDOW_SECONDS")
    bucket = int(timezone.now().timestamp() // window)
    link = _digest(f"{token.message_key}\n{token.url}")
    external_id = f"email_click:{token.lead_id}:{link}:{bucket}"
    return _record(token, kind=TrackedKind.EMAIL_CLICK, external_id=external_id, url=token.url)


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_tracked_site(url: str) -> bool:
    """Whether ``url`` is on an active tracked site (one of its allowed origins)."""
    origin = _origin_of(url)
    for origins in TrackingSite.objects.filter(is_active=True).values_list(
        "allowed_origins", flat=True
    ):
        if isinstance(origins, list) and origin in {str(o).rstrip("/").lower() for o in origins}:
            return True
    return False


def landing_url(token: EmailToken) -> str:
    """Where a click goes: the link's target, with ``glid`` when it is a tracked site (other
    sites never see a token of the lead)."""
    if not is_tracked_site(token.url):
        return token.url
    parts = urlsplit(token.url)
    # appended to the query as it is: the target's own parameters keep their spelling
    added = f"{LEAD_PARAMETER}={quote(lead_token(token.lead_id), safe=':')}"
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit(parts._replace(query=query))
