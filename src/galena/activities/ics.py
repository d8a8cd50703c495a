"""iCalendar (RFC 5545) invitations for meetings: pure functions, no database.

Written by hand rather than with a library: one VEVENT with a handful of properties needs
only the escaping of TEXT values (§3.3.11), line folding at 75 octets (§3.1) and times in
UTC (§3.3.5, form #2), which every calendar program reads; the meeting's own time zone is
kept as X-WR-TIMEZONE for the reader and in the description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

PRODUCT_ID = "-//Galena//Activities//EN"


@dataclass(frozen=True)
class Invitation:
    uid: str
    sequence: int
    method: str  # REQUEST or CANCEL
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    stamp: dt.datetime
    organizer_email: str
    organizer_name: str = ""
    attendees: tuple[tuple[str, str], ...] = ()  # (e-mail, name)
    location: str = ""
    description: str = ""
    url: str = ""
    time_zone: str = "UTC"
    extra: dict[str, str] = field(default_factory=dict)


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, newlines as \\n."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value (CN=…): quoted, without the characters a quoted value cannot hold."""
    cleaned = "".join(ch for ch in value if ch not in '"\r\n' and (ch >= " " or ch == "\t"))
    return f'"{cleaned}"'


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, continuations starting with a
    space, never splitting a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
            limit = 74  # the leading space counts
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def utc(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("An invitation's times must be aware.")
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(invitation: Invitation) -> str:
    """The VCALENDAR text of an invitation (or its cancellation), CRLF line ends."""
    cancelled = invitation.method == "CANCEL"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODUCT_ID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{invitation.method}",
        f"X-WR-TIMEZONE:{invitation.time_zone}",
        "BEGIN:VEVENT",
        f"UID:{invitation.uid}",
        f"SEQUENCE:{invitation.sequence}",
        f"DTSTAMP:{utc(invitation.stamp)}",
        f"DTSTART:{utc(invitation.starts_at)}",
        f"DTEND:{utc(invitation.ends_at)}",
        f"SUMMARY:{escape_text(invitation.title)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
    ]
    organizer = (
        f"ORGANIZER;CN={_param(invitation.organizer_name)}"
        if invitation.organizer_name
        else "ORGANIZER"
    )
    lines.append(f"{organizer}:mailto:{invitation.organizer_email}")
    for email, name in invitation.attendees:
        cn = f";CN={_param(name)}" if name else ""
        lines.append(
            f"ATTENDEE{cn};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{email}"
        )
    if invitation.location:
        lines.append(f"LOCATION:{escape_text(invitation.location)}")
    if invitation.url:
        lines.append(f"URL:{invitation.url}")
    if invitation.description:
        lines.append(f"DESCRIPTION:{escape_text(invitation.description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (folds joined): for reading back."""
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        if raw.startswith((" ", "\t")) and lines:
            lines[-1] += raw[1:]
        elif raw:
            lines.append(raw)
    return lines


def unescape_text(value: str) -> str:
    out, index = [], 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            following = value[index + 1]
            out.append("\n" if following in "nN" else following)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def properties(text: str) -> Iterable[tuple[str, dict[str, str], str]]:
    """(name, parameters, value) of each content line."""
    for line in unfold(text):
        head, _, value = _split_value(line)
        name, *params = _split_params(head)
        parsed = {}
        for param in params:
            key, _, raw = param.partition("=")
            parsed[key.upper()] = raw.strip('"')
        yield name.upper(), parsed, value


def _split_value(line: str) -> tuple[str, str, str]:
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], ":", line[index + 1 :]
    return line, "", ""


def _split_params(head: str) -> list[str]:
    parts, current, quoted = [], "", False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts
