"""The e-mail adapter: a raw RFC 822 message, fetched over IMAP (`galena fetchmail`) or posted
to /api/v1/inbound/email/<mailbox key>, becomes a lead — or, from an address a lead already
has, an EMAIL_RECEIVED event on that lead.

The message is stored as received; reading it (sender, subject, body in any charset, the
attachments' names and sizes) is pure and never touches the database. The one lookup, the
lead that owns the sender's address, is an indexed query on ContactPoint."""

from __future__ import annotations

import base64
import codecs
import contextlib
import hashlib
import re
from dataclasses import asdict, dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from galena.intake.contract import Attribution, ParsedSubmission, Person, TimelineEntry
from galena.leads.models import Channel, ContactKind, EventType
from galena.leads.normalise import normalise_email
from galena.leads.services import ContactInput

MAX_BODY_CHARS = 50_000
MAX_COMMENT_CHARS = 10_000
MAX_KEY_CHARS = 200


# --- storing the raw message ----------------------------------------------------------


def raw_as_text(raw: bytes) -> tuple[str, str]:
    """The message as text for the submission's raw_body, and how to get the bytes back:
    UTF-8 when it is (nearly every message: MIME is 7-bit), else Latin-1 (byte-for-byte),
    or Base64 when it holds NUL bytes, which a database text column refuses."""
    if b"\x00" in raw:
        return base64.b64encode(raw).decode("ascii"), "base64"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def raw_from_text(text: str, encoding: str) -> bytes:
    if encoding == "base64":
        return base64.b64decode(text)
    return text.encode(encoding or "utf-8", errors="surrogateescape")


def idempotency_key_of(raw: bytes) -> str:
    """The message's Message-ID (without <>); a digest of the message when it has none or
    one too long to be a key, so the same message fetched twice is stored once."""
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        message_id = _clean(str(headers.get("Message-ID") or "")).strip().strip("<>").strip()
    except Exception:  # a header section too broken to read still gets a key
        message_id = ""
    if message_id and len(message_id) <= MAX_KEY_CHARS and " " not in message_id:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def without_attachment_contents(raw: bytes) -> bytes:
    """The message with each attachment's content left out (its headers kept): what is stored
    when a message is larger than INTAKE_EMAIL_KEEP_BYTES."""
    message = BytesParser(policy=policy.compat32).parsebytes(raw)
    for part in message.walk():
        if not part.is_multipart() and _is_attachment(part):
            del part["Content-Transfer-Encoding"]
            part.set_payload("")
    return message.as_bytes()


# --- reading it -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int


@dataclass
class ReadMessage:
    sender_address: str
    sender_name: str = ""
    subject: str = ""
    to: list[str] = field(default_factory=list)
    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)  # the thread's Message-IDs, oldest first
    date: str = ""  # ISO 8601, when the Date header could be read
    body: str = ""  # the whole text
    comment: str = ""  # the text without quoted replies and signature
    attachments: list[Attachment] = field(default_factory=list)
    auto_submitted: str = ""  # an auto-reply, bounce or list mail says so


def read_message(raw: bytes) -> ReadMessage:
    """Read a raw RFC 822 message. Raises ValueError, saying what is wrong, when the message
    has no sender address to make a lead from; never anything else."""
    if not raw.strip():
        raise ValueError("The message is empty.")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as error:  # the parser is lenient; this is a defect of its own
        raise ValueError(f"The message cannot be parsed: {error}") from error
    name, address = _sender(message)
    if not address:
        raise ValueError(
            "The message has no sender address: its From (and Reply-To) header is missing "
            f"or is not an e-mail address ({_header(message, 'From')[:200]!r})."
        )
    body_part = _body_part(message)
    body = _part_text(body_part) if body_part is not None else ""
    if body_part is not None and body_part.get_content_type() == "text/html":
        body = html_to_text(body)
    body = _tidy(body)
    return ReadMessage(
        sender_address=address,
        sender_name=name,
        subject=_collapse(_header(message, "Subject"))[:500],
        to=[a for _, a in _addresses(message, "To")][:20],
        message_id=_header(message, "Message-ID").strip().strip("<>")[:500],
        in_reply_to=_header(message, "In-Reply-To").strip().strip("<>")[:500],
        references=_references(message),
        date=_date(message),
        body=body[:MAX_BODY_CHARS],
        comment=strip_quotes_and_signature(body)[:MAX_COMMENT_CHARS],
        attachments=_attachments(message, body_part),
        auto_submitted=_auto_submitted(message),
    )


def _clean(value: str) -> str:
    """Undo the surrogate escapes the parser leaves for raw 8-bit header bytes."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    data = value.encode("utf-8", errors="surrogateescape")
    for charset in ("utf-8", "windows-1251", "windows-1252"):
        try:
            return data.decode(charset)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _raw_header(message: Message, name: str) -> str:
    for header_name, value in message.raw_items():
        if header_name.lower() == name.lower():
            return str(value)
    return ""


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
        return _clean(str(value)) if value is not None else ""
    except Exception:  # a malformed header the default policy cannot model: decode by hand
        raw = _raw_header(message, name)
        try:
            return _clean(str(make_header(decode_header(raw))))
        except Exception:
            return _clean(raw)


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    try:
        header = message.get(name)
        found = [
            (_clean(a.display_name or ""), _clean(a.addr_spec or ""))
            for a in getattr(header, "addresses", ())
        ]
    except Exception:
        found = [(_clean(n), _clean(a)) for n, a in getaddresses([_header(message, name)])]
    return [(n.strip(), a.strip()) for n, a in found if a and "@" in a]


def _sender(message: Message) -> tuple[str, str]:
    # Forms relayed by e-mail come From the site, with the visitor in Reply-To.
    for name in ("Reply-To", "From"):
        for display, address in _addresses(message, name):
            if normalise_email(address).is_valid:
                if "@" in display:
                    display = ""
                return _collapse(display)[:255], address[:320]
    return "", ""


def _date(message: Message) -> str:
    raw = _header(message, "Date")
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""
    return value.isoformat() if value.tzinfo is not None else ""


def _auto_submitted(message: Message) -> str:
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return auto[:40]
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return precedence
    return ""


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
        return disposition == "attachment" or (
            bool(part.get_filename()) and part.get_content_maintype() != "multipart"
        )
    except Exception:
        return False


def _body_part(message: EmailMessage) -> Message | None:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is not None:
        return part
    # get_body found none (e.g. a text part marked inline with a name): take the first text
    for candidate in message.walk():
        if _maintype(candidate) == "text" and not _is_attachment(candidate):
            return candidate
    return None


def _maintype(part: Message) -> str:
    try:
        return part.get_content_maintype()
    except Exception:
        return ""


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message) -> str:
    """A text part decoded with its declared charset; when that is missing, unknown or wrong
    (a message claiming us-ascii but sent in UTF-8), UTF-8, then Windows-1252."""
    data = _part_bytes(part)
    try:
        declared = part.get_content_charset() or ""
    except Exception:
        declared = ""
    candidates = [declared] if declared else []
    candidates += ["utf-8", "windows-1252"]
    for charset in candidates:
        try:
            codecs.lookup(charset)
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    return data.decode("utf-8", errors="replace")


def _attachments(message: Message, body_part: Message | None) -> list[Attachment]:
    found = []
    for part in message.walk():
        if part is body_part or part.is_multipart() or not _is_attachment(part):
            continue
        try:
            name = _clean(part.get_filename() or "")
            content_type = part.get_content_type()
        except Exception:
            name, content_type = "", "application/octet-stream"
        found.append(
            Attachment(name=name[:255], content_type=content_type, size=len(_part_bytes(part)))
        )
    return found[:50]


# --- text -----------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer",
}  # fmt: skip
_HIDDEN_TAGS = {"script", "style", "head", "title", "template", "noscript"}


class _TextExtractor(HTMLParser):
    """HTML to plain text: tags dropped, scripts and styles skipped, blocks on their own
    lines, quoted blocks prefixed with '> ' so the reply stripper sees them as quotes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.hidden = 0
        self.quote_depth = 0

    def _newline(self) -> None:
        if self.lines[-1].strip():
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self._newline()
            if tag == "blockquote" or any(
                "quote" in (value or "") for name, value in attrs if name == "class"
            ):
                self.quote_depth += 1
            if tag == "li":
                self.lines[-1] += "- "

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            if tag == "blockquote" and self.quote_depth:
                self.quote_depth -= 1
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        text = re.sub(r"\s+", " ", data)
        if not text.strip() and not self.lines[-1]:
            return
        if not self.lines[-1] and self.quote_depth:
            self.lines[-1] = "> " * self.quote_depth
        self.lines[-1] += text


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: no tags, no scripts or styles, entities decoded."""
    extractor = _TextExtractor()
    with contextlib.suppress(Exception):  # keep whatever was read before the parser gave up
        extractor.feed(html)
        extractor.close()
    return "\n".join(line.strip() for line in extractor.lines)


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


_WROTE = re.compile(
    r"(wrote|writes|a écrit|schrieb|escribió|ha scritto|a scris|scria|пишет|написал|написала|"
    r"написал\(а\)|kirjoitti|skrev|napisał|napisala)\s*:\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^(-{2,}\s*(original message|mesaj original|исходное сообщение|mensaje original|"
    r"alkuperäinen viesti|forwarded message|пересылаемое сообщение)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^(from|de|от|von|lähettäjä)\s*:", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"^(sent|date|trimis|data|отправлено|дата|enviado|fecha|gesendet|lähetetty)\s*:",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my|trimis de pe|отправлено с|enviado desde|lähetetty)\b", re.IGNORECASE
)


def strip_quotes_and_signature(text: str) -> str:
    """The new part of a message: quoted lines, the quoted original after "On … wrote:" or
    an Outlook header block, and the signature after "-- " are left out."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        joined = f"{stripped} {lines[index + 1].strip()}" if index + 1 < len(lines) else stripped
        if line.rstrip() == "--" or _ORIGINAL.match(stripped) or _MOBILE_SIGNATURE.match(stripped):
            break
        if _WROTE.search(stripped) or (stripped and _WROTE.search(joined) and len(joined) < 300):
            break
        if _HEADER_FROM.match(stripped) and any(
            _HEADER_SENT.match(following.strip()) for following in lines[index + 1 : index + 4]
        ):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return _tidy("\n".join(kept))


# --- the submission -------------------------------------------------------------------


def parse(submission) -> ParsedSubmission:
    """A stored e-mail submission as Galena's parsed submission."""
    from galena.intake.adapters.common import lead_with_email
    from galena.intake.models import Mailbox

    payload = submission.payload or {}
    raw = raw_from_text(submission.raw_body, payload.get("raw_encoding", "utf-8"))
    read = read_message(raw)
    mailbox = (
        Mailbox.objects.filter(pk=payload["mailbox_id"]).first()
        if payload.get("mailbox_id")
        else None
    )
    attachments = payload.get("attachments") or [asdict(a) for a in read.attachments]
    event = {
        "from": read.sender_address,
        "name": read.sender_name,
        "to": read.to,
        "subject": read.subject,
        "body": read.body,
        "message_id": read.message_id,
        "in_reply_to": read.in_reply_to,
        "references": read.references,
        "date": read.date,
        "attachments": attachments,
        "submission_id": submission.pk,
    }
    if read.auto_submitted:
        event["auto_submitted"] = read.auto_submitted
    # a reply to an e-mail Galena sent belongs to that lead, whatever address it comes from
    replied_lead_id = thread_lead(read)
    if replied_lead_id is not None:
        event["reply"] = True
    if payload.get("attachments_removed"):
        event["attachments_removed"] = True
    return ParsedSubmission(
        channel=Channel.INBOUND_EMAIL,
        received_at=submission.received_at,
        person=Person(full_name=_first_name_first(read.sender_name)),
        contacts=[ContactInput(kind=ContactKind.EMAIL, value=read.sender_address)],
        attribution=Attribution(
            channel=Channel.INBOUND_EMAIL,
            source_id=mailbox.source_id if mailbox else None,
            campaign_id=mailbox.campaign_id if mailbox else None,
        ),
        interest=read.subject[:200],
        comment=read.comment or read.body[:MAX_COMMENT_CHARS],
        timeline=[TimelineEntry(type=EventType.EMAIL_RECEIVED, params=event)],
        owner_id=mailbox.default_owner_id if mailbox else None,
        team_id=mailbox.default_team_id if mailbox else None,
        default_region=settings.DEFAULT_REGION,
        existing_lead_id=replied_lead_id or lead_with_email(read.sender_address),
    )


def _references(message: Message) -> list[str]:
    """The Message-IDs of the References header (without <>), at most the last 20."""
    found = re.findall(r"<([^<>\s]{1,500})>", _header(message, "References"))
    return found[-20:]


def thread_lead(read: ReadMessage) -> int | None:
    """The lead whose sent e-mail this message answers, by In-Reply-To or References, as
    the apps named in settings.INTAKE_REPLY_RESOLVERS find it (activities: the Message-IDs
    of the e-mails Galena sent); None when it answers none of them."""
    message_ids = [m for m in [read.in_reply_to, *reversed(read.references)] if m]
    if not message_ids:
        return None
    for path in getattr(settings, "INTAKE_REPLY_RESOLVERS", []):
        lead_id = import_string(path)(message_ids=message_ids)
        if lead_id is not None:
            return lead_id
    return None


def _first_name_first(name: str) -> str:
    """Directory-style "Virtanen, Pekka" as "Pekka Virtanen"."""
    last, comma, first = name.partition(",")
    if comma and first.strip() and "," not in first and " " not in last.strip():
        return f"{first.strip()} {last.strip()}"
    return name


# --- receiving ------------------------------------------------------------------------


def receive(
    *,
    raw: bytes,
    endpoint: str,
    mailbox_id: int | None,
    via: str,
    headers: dict[str, str] | None = None,
    remote_addr: str | None = None,
) -> tuple[Any, bool]:
    """Store one raw message as a submission (once per Message-ID and endpoint) and queue
    its processing; returns the submission and whether it is new."""
    from galena.intake.services import submission_enqueue, submission_receive

    payload: dict[str, Any] = {"mailbox_id": mailbox_id, "via": via, "size": len(raw)}
    key = idempotency_key_of(raw)
    stored = raw
    if len(raw) > settings.INTAKE_EMAIL_KEEP_BYTES:
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            payload["attachments"] = [asdict(a) for a in _attachments(message, _body_part(message))]
            stored = without_attachment_contents(raw)
            payload["attachments_removed"] = True
        except Exception:  # keep the whole message rather than lose it
            stored = raw
    text, encoding = raw_as_text(stored)
    payload["raw_encoding"] = encoding
    submission, created = submission_receive(
        adapter="email",
        channel=Channel.INBOUND_EMAIL,
        endpoint=endpoint,
        content_type="message/rfc822",
        raw_body=text,
        payload=payload,
        headers=headers,
        remote_addr=remote_addr,
        idempotency_key=key,
    )
    if created:
        submission_enqueue(submission)
    return submission, created


def mailbox_endpoint(mailbox_id: int) -> str:
    return f"mailbox:{mailbox_id}"
