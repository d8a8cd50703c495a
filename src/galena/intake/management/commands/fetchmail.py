"""`galena fetchmail`: store the unseen messages of the configured IMAP mailbox as leads."""

from django.core.management.base import BaseCommand, CommandError

from galena.intake.mail import MailFetchFailed, fetch_mail, imap_config


class Command(BaseCommand):
    help = (
        "Fetch unseen messages from the IMAP mailbox in INTAKE_IMAP_URL, store each as a "
        "submission and mark it seen once stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="At most this many messages (default: 50)."
        )

    def handle(self, *args, limit=None, **options):
        try:
            config = imap_config()
            if config is None:
                raise CommandError(
                    "No IMAP mailbox is configured: set INTAKE_IMAP_URL="
                    "imaps://user:password@host:993/INBOX (or INTAKE_IMAP_HOST, _USER, "
                    "_PASSWORD…)."
                )
            result = fetch_mail(config=config, limit=limit)
        except MailFetchFailed as error:
            raise CommandError(error.message) from error
        if not result.fetched and not result.failed:
            self.stdout.write(f"No new messages in {config.describe()}.")
            return
        summary = (
            f"Fetched {result.fetched} from {config.describe()}: {result.stored} stored, "
            f"{result.duplicates} already stored, {result.failed} failed."
        )
        style = self.style.WARNING if result.failed else self.style.SUCCESS
        self.stdout.write(style(summary))
        if result.failed:
            self.stdout.write(
                "The failed ones stay unseen on the server and are fetched again next time; "
                "the log says why."
            )
