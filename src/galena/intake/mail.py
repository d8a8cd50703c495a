"""Fetching inbound e-mail over IMAP: each unseen message is stored as a submission exactly
as received, and only after that has committed is it marked seen on the server — so a crash
in between fetches it again, and the Message-ID keeps it from being stored twice."""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings

from galena.core.errors import ApplicationError
from galena.intake.adapters import email as email_adapter
from galena.intake.models import Mailbox

logger = logging.getLogger(__name__)


class MailFetchFailed(ApplicationError):
    code = "mail_fetch_failed"


@dataclass(frozen=True)
class ImapConfig:
    host: str
    user: str
    password: str = field(repr=False)
    port: int = 0
    folder: str = "INBOX"
    ssl: bool = True
    timeout: int = 30

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.ssl else 143)

    @property
    def endpoint(self) -> str:
        """Where fetched messages are said to come from when no Mailbox is named."""
        return f"imap:{self.user}@{self.host}/{self.folder}"[:120]

    def describe(self) -> str:
        scheme = "imaps" if self.ssl else "imap"
        return f"{scheme}://{self.user}@{self.host}:{self.effective_port}/{self.folder}"


def imap_config() -> ImapConfig | None:
    """The IMAP mailbox from the settings (INTAKE_IMAP_URL, or INTAKE_IMAP_HOST and the
    others), or None when none is configured."""
    if settings.INTAKE_IMAP_URL:
        return parse_imap_url(settings.INTAKE_IMAP_URL, timeout=settings.INTAKE_IMAP_TIMEOUT)
    if not settings.INTAKE_IMAP_HOST:
        return None
    return ImapConfig(
        host=settings.INTAKE_IMAP_HOST,
        port=settings.INTAKE_IMAP_PORT,
        user=settings.INTAKE_IMAP_USER,
        password=settings.INTAKE_IMAP_PASSWORD,
        folder=settings.INTAKE_IMAP_FOLDER or "INBOX",
        ssl=settings.INTAKE_IMAP_SSL,
        timeout=settings.INTAKE_IMAP_TIMEOUT,
    )


def parse_imap_url(url: str, *, timeout: int = 30) -> ImapConfig:
    """imaps://user:password@host:993/Folder (or imap:// for plain IMAP); user and password
    percent-encoded when they hold @, : or /."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise MailFetchFailed(
            f"INTAKE_IMAP_URL must start with imaps:// (or imap://), not {parts.scheme or '…'}://."
        )
    try:
        port = parts.port or 0
    except ValueError as error:
        raise MailFetchFailed(f"INTAKE_IMAP_URL has a bad port: {error}.") from error
    if not parts.hostname or not parts.username:
        raise MailFetchFailed("INTAKE_IMAP_URL needs a user and a host: imaps://user:pass@host/.")
    return ImapConfig(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        ssl=parts.scheme == "imaps",
        timeout=timeout,
    )


@dataclass
class FetchResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    submission_ids: list[int] = field(default_factory=list)


def _connect(config: ImapConfig) -> imaplib.IMAP4:
    if config.ssl:
        return imaplib.IMAP4_SSL(
            config.host,
            config.effective_port,
            ssl_context=ssl.create_default_context(),
            timeout=config.timeout,
        )
    return imaplib.IMAP4(config.host, config.effective_port, timeout=config.timeout)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _message_bytes(data: list) -> bytes | None:
    for item in data or ():
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _configured_mailbox() -> Mailbox | None:
    name = settings.INTAKE_IMAP_MAILBOX
    if not name:
        return None
    mailbox = Mailbox.objects.filter(name=name).first()
    if mailbox is None:
        raise MailFetchFailed(
            f"INTAKE_IMAP_MAILBOX names {name!r}, but no mailbox has that name: create it in "
            "the admin (Intake > Mailboxes) or fix the setting."
        )
    return mailbox


def fetch_mail(*, config: ImapConfig | None = None, limit: int | None = None) -> FetchResult:
    """Store every unseen message of the configured IMAP folder as a submission and queue
    it; mark each seen once it is stored. Call it outside a transaction."""
    config = config or imap_config()
    if config is None:
        raise MailFetchFailed(
            "No IMAP mailbox is configured: set INTAKE_IMAP_URL="
            "imaps://user:password@host:993/INBOX (or INTAKE_IMAP_HOST and the others)."
        )
    mailbox = _configured_mailbox()
    if mailbox is not None and not mailbox.is_active:
        return FetchResult()
    endpoint = email_adapter.mailbox_endpoint(mailbox.pk) if mailbox else config.endpoint
    limit = limit or settings.INTAKE_IMAP_BATCH
    result = FetchResult()
    try:
        imap = _connect(config)
    except (OSError, imaplib.IMAP4.error) as error:
        raise MailFetchFailed(f"Cannot connect to {config.describe()}: {error}") from error
    try:
        try:
            imap.login(config.user, config.password)
        except imaplib.IMAP4.error as error:
            raise MailFetchFailed(
                f"{config.describe()} refused the login: {_server_text(error)}"
            ) from error
        status, data = imap.select(_quoted(config.folder))
        if status != "OK":
            raise MailFetchFailed(
                f"{config.describe()} has no folder {config.folder!r}: {_server_text(data)}"
            )
        status, data = imap.uid("SEARCH", None, "UNSEEN")
        if status != "OK":
            raise MailFetchFailed(f"Searching {config.describe()} failed: {_server_text(data)}")
        uids = (data[0] or b"").split()[:limit] if data else []
        for uid in uids:
            _fetch_one(imap, uid, endpoint=endpoint, mailbox=mailbox, result=result)
    except (OSError, imaplib.IMAP4.abort) as error:
        raise MailFetchFailed(f"The connection to {config.describe()} broke: {error}") from error
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.info("fetchmail: logout from %s failed", config.describe())
    return result


def _fetch_one(
    imap: imaplib.IMAP4, uid: bytes, *, endpoint: str, mailbox: Mailbox | None, result: FetchResult
) -> None:
    status, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = _message_bytes(data) if status == "OK" else None
    if raw is None:
        logger.warning("fetchmail: message UID %s could not be fetched: %s", uid, data)
        result.failed += 1
        return
    result.fetched += 1
    try:
        submission, created = email_adapter.receive(
            raw=raw,
            endpoint=endpoint,
            mailbox_id=mailbox.pk if mailbox else None,
            via="imap",
        )
    except Exception:
        # Not marked seen: the next run fetches it again.
        logger.exception("fetchmail: message UID %s could not be stored", uid)
        result.failed += 1
        return
    result.submission_ids.append(submission.pk)
    if created:
        result.stored += 1
    else:
        result.duplicates += 1
    status, data = imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    if status != "OK":
        logger.warning("fetchmail: message UID %s stored but not marked seen: %s", uid, data)


def _server_text(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value)
    return re.sub(r"^b'(.*)'$", r"\1", text)
