"""`galena fetchmail` against a small IMAP server that runs in the test (asyncio, on a
loopback port), speaking the commands the fetch loop uses: CAPABILITY, LOGIN, SELECT,
UID SEARCH, UID FETCH, UID STORE, LOGOUT. Messages are marked seen only once stored."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from galena.intake.mail import ImapConfig, MailFetchFailed, fetch_mail, parse_imap_url
from galena.intake.models import Mailbox, Submission
from galena.leads.models import Lead
from tests.factories import SourceFactory

pytestmark = pytest.mark.usefixtures("commit_callbacks_run")

EMAILS = Path(__file__).parent / "emails"
PASSWORD = "s3cret pass"


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    seen: bool = False


@dataclass
class ImapServer:
    """One mailbox, one user; state the test can read and change between runs."""

    user: str = "leads@example.com"
    password: str = PASSWORD
    folder: str = "INBOX"
    messages: list[StoredMessage] = field(default_factory=list)
    drop_on_store: bool = False
    commands: list[str] = field(default_factory=list)
    port: int = 0

    def add(self, raw: bytes, *, seen: bool = False) -> StoredMessage:
        message = StoredMessage(uid=len(self.messages) + 1, raw=raw, seen=seen)
        self.messages.append(message)
        return message

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        writer.write(b"* OK [CAPABILITY IMAP4rev1] test server ready\r\n")
        await writer.drain()
        while line := await reader.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.commands.append(f"{command} {args}".strip())
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = f"UID {sub.upper()}"
            reply = self.reply(command, args)
            if reply is None:  # the connection drops, as on a crash or a network cut
                writer.close()
                return
            writer.write(reply.replace(b"TAG", tag.encode()))
            await writer.drain()
            if command == "LOGOUT":
                writer.close()
                return

    def reply(self, command: str, args: str) -> bytes | None:
        if command == "CAPABILITY":
            return b"* CAPABILITY IMAP4rev1\r\nTAG OK CAPABILITY done\r\n"
        if command == "LOGIN":
            user, password = [u.strip('"') for u in re.findall(r'"[^"]*"|\S+', args)]
            if (user, password) != (self.user, self.password):
                return b"TAG NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"
            return b"TAG OK LOGIN done\r\n"
        if command == "SELECT":
            if args.strip('"') != self.folder:
                return b"TAG NO [NONEXISTENT] Unknown mailbox\r\n"
            count = len(self.messages)
            return f"* {count} EXISTS\r\n* 0 RECENT\r\nTAG OK [READ-WRITE] SELECT done\r\n".encode()
        if command == "UID SEARCH":
            assert args == "UNSEEN"
            uids = " ".join(str(m.uid) for m in self.messages if not m.seen)
            return f"* SEARCH {uids}\r\nTAG OK SEARCH done\r\n".encode()
        if command == "UID FETCH":
            uid, _, what = args.partition(" ")
            assert what == "(BODY.PEEK[])"
            message = self.messages[int(uid) - 1]
            head = f"* {message.uid} FETCH (UID {message.uid} BODY[] {{{len(message.raw)}}}\r\n"
            return head.encode() + message.raw + b")\r\nTAG OK FETCH done\r\n"
        if command == "UID STORE":
            if self.drop_on_store:
                return None
            uid, _, flags = args.partition(" ")
            assert flags == "+FLAGS (\\Seen)"
            self.messages[int(uid) - 1].seen = True
            return f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))\r\nTAG OK STORE done\r\n".encode()
        if command == "LOGOUT":
            return b"* BYE logging out\r\nTAG OK LOGOUT done\r\n"
        return b"TAG BAD unknown command\r\n"


@pytest.fixture
def imap_server():
    server = ImapServer()
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    started = threading.Event()

    async def serve():
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        server.port = listener.sockets[0].getsockname()[1]
        started.set()
        await stop
        listener.close()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(5)
    yield server
    loop.call_soon_threadsafe(stop.set_result, None)
    thread.join(5)


def config_for(server: ImapServer, **changes) -> ImapConfig:
    values = {
        "host": "127.0.0.1",
        "port": server.port,
        "user": server.user,
        "password": server.password,
        "ssl": False,
        "timeout": 5,
    }
    return ImapConfig(**(values | changes))


def fixture(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def test_unseen_messages_are_stored_processed_and_then_marked_seen(imap_server, db):
    imap_server.add(fixture("multipart_alternative.eml"))
    imap_server.add(fixture("html_only.eml"), seen=True)  # read by someone already
    imap_server.add(fixture("cyrillic_koi8r.eml"))

    result = fetch_mail(config=config_for(imap_server))

    assert (result.fetched, result.stored, result.duplicates, result.failed) == (2, 2, 0, 0)
    assert [m.seen for m in imap_server.messages] == [True, True, True]
    submissions = Submission.objects.order_by("pk")
    assert [s.idempotency_key for s in submissions] == [
        "CAF7x9Qm2Lp+3kR0vYt=Zp8nN1w@mail.gmail.com",
        "5e1a2b3c.koi8@mail.ru",
    ]
    assert {s.endpoint for s in submissions} == {"imap:leads@example.com@127.0.0.1/INBOX"}
    assert {s.payload["via"] for s in submissions} == {"imap"}
    assert sorted(Lead.objects.values_list("display_name", flat=True)) == [
        "Ana Marin",
        "Ольга Смирнова",
    ]
    # stored (STORE) only after each message was fetched and kept
    fetch_then_store = [c.split()[1] for c in imap_server.commands if c.startswith("UID")]
    assert fetch_then_store == ["SEARCH", "FETCH", "STORE", "FETCH", "STORE"]


def test_a_message_stored_but_not_marked_seen_is_fetched_again_and_not_duplicated(imap_server, db):
    imap_server.add(fixture("romanian_qp.eml"))
    imap_server.drop_on_store = True

    with pytest.raises(MailFetchFailed, match=r"connection .* broke"):
        fetch_mail(config=config_for(imap_server))

    assert Submission.objects.count() == 1
    assert imap_server.messages[0].seen is False

    imap_server.drop_on_store = False
    result = fetch_mail(config=config_for(imap_server))

    assert (result.fetched, result.stored, result.duplicates) == (1, 0, 1)
    assert Submission.objects.count() == 1
    assert Lead.objects.count() == 1
    assert imap_server.messages[0].seen is True


def test_a_message_that_cannot_be_stored_stays_unseen(imap_server, db, monkeypatch):
    imap_server.add(fixture("romanian_qp.eml"))

    def database_down(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("galena.intake.mail.email_adapter.receive", database_down)

    result = fetch_mail(config=config_for(imap_server))

    assert (result.fetched, result.stored, result.failed) == (1, 0, 1)
    assert imap_server.messages[0].seen is False
    assert "STORE" not in " ".join(imap_server.commands)


def test_messages_take_the_named_mailboxs_attribution(imap_server, db, settings):
    source = SourceFactory(name="Info inbox", channel="inbound_email")
    mailbox = Mailbox.objects.create(name="info", source=source)
    settings.INTAKE_IMAP_MAILBOX = "info"
    imap_server.add(fixture("with_attachment.eml"))

    fetch_mail(config=config_for(imap_server))

    submission = Submission.objects.get()
    assert submission.endpoint == f"mailbox:{mailbox.pk}"
    assert submission.lead.source == source


def test_a_mailbox_name_that_does_not_exist_is_a_clear_error(imap_server, db, settings):
    settings.INTAKE_IMAP_MAILBOX = "nope"

    with pytest.raises(MailFetchFailed, match="no mailbox has that name"):
        fetch_mail(config=config_for(imap_server))


def test_a_wrong_password_is_reported_without_the_password(imap_server, db):
    with pytest.raises(MailFetchFailed) as error:
        fetch_mail(config=config_for(imap_server, password="wrong-one"))

    assert "refused the login" in error.value.message
    assert "Invalid credentials" in error.value.message
    assert "wrong-one" not in error.value.message


def test_an_unknown_folder_is_reported(imap_server, db):
    with pytest.raises(MailFetchFailed, match="no folder 'Leads'"):
        fetch_mail(config=config_for(imap_server, folder="Leads"))


def test_a_server_that_is_not_there_is_reported(db):
    with pytest.raises(MailFetchFailed, match="Cannot connect"):
        fetch_mail(config=ImapConfig(host="127.0.0.1", port=1, user="u", password="p", ssl=False))


def test_the_command_fetches_from_the_configured_url(imap_server, db, settings):
    settings.INTAKE_IMAP_URL = f"imap://leads%40example.com:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{imap_server.port}/INBOX"
    imap_server.add(fixture("multipart_alternative.eml"))
    out = StringIO()

    call_command("fetchmail", stdout=out)

    assert out.getvalue().strip() == (
        f"Fetched 1 from imap://leads@example.com@127.0.0.1:{imap_server.port}/INBOX: "
        "1 stored, 0 already stored, 0 failed."
    )
    assert PASSWORD not in out.getvalue()
    out = StringIO()
    call_command("fetchmail", stdout=out)
    assert "No new messages" in out.getvalue()


def test_the_command_without_configuration_says_what_to_set(db, settings):
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_HOST = ""

    with pytest.raises(CommandError, match="INTAKE_IMAP_URL"):
        call_command("fetchmail")


def test_the_periodic_task_fetches_too(imap_server, db, settings):
    from galena.intake.tasks import fetch_mail as fetch_mail_task

    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_HOST = "127.0.0.1"
    settings.INTAKE_IMAP_PORT = imap_server.port
    settings.INTAKE_IMAP_USER = imap_server.user
    settings.INTAKE_IMAP_PASSWORD = PASSWORD
    settings.INTAKE_IMAP_SSL = False
    imap_server.add(fixture("romanian_qp.eml"))

    assert fetch_mail_task.delay().get() == {"fetched": 1, "stored": 1, "failed": 0}


def test_imap_urls_are_read_with_their_defaults():
    config = parse_imap_url("imaps://sales%40firma.ro:p%40ss%3Aw0rd@mail.firma.ro/Leads%20In")

    assert (config.user, config.password) == ("sales@firma.ro", "p@ss:w0rd")
    assert (config.host, config.effective_port, config.folder, config.ssl) == (
        "mail.firma.ro",
        993,
        "Leads In",
        True,
    )
    assert "p@ss" not in repr(config)
    assert parse_imap_url("imap://u:p@h").effective_port == 143


@pytest.mark.parametrize(
    ("url", "problem"),
    [("pop3://u:p@h/", "must start with imaps://"), ("imaps://host.only/", "needs a user")],
)
def test_bad_imap_urls_say_what_is_wrong(url, problem):
    with pytest.raises(MailFetchFailed, match=problem):
        parse_imap_url(url)


def test_polling_is_scheduled_only_when_a_mailbox_is_configured():
    code = (
        "from galena.config import settings; "
        "print(settings.CELERY_BEAT_SCHEDULE.get('intake-fetch-mail'))"
    )
    env = {**os.environ, "GALENA_ENV": "test", "INTAKE_IMAP_POLL_SECONDS": "120"}
    env.pop("INTAKE_IMAP_URL", None)
    env.pop("INTAKE_IMAP_HOST", None)
    unset = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    env["INTAKE_IMAP_URL"] = "imaps://u:p@mail.example.com/INBOX"
    set_ = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)

    assert unset.stdout.strip() == "None"
    assert set_.stdout.strip() == ("{'task': 'galena.intake.tasks.fetch_mail', 'schedule': 120}")
