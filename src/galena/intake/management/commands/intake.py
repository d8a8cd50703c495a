"""`galena intake status` and `galena intake retry`: see and reprocess stored submissions."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from tqdm import tqdm

from galena.intake.models import Submission, SubmissionStatus
from galena.intake.services import submission_process, submissions_to_retry


class Command(BaseCommand):
    help = "Inspect stored submissions and reprocess the failed ones."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{status,retry}")
        sub.add_parser("status", help="Submissions by status and outcome.")
        retry = sub.add_parser(
            "retry", help="Reprocess failed submissions and those stuck after a crash."
        )
        retry.add_argument("--id", type=int, action="append", dest="ids", help="Only this one.")

    def handle(self, *args, action, **options):
        if action == "status":
            return self.status()
        return self.retry(options.get("ids"))

    def status(self):
        rows = (
            Submission.objects.values("status", "outcome")
            .annotate(n=Count("id"))
            .order_by("status", "outcome")
        )
        if not rows:
            self.stdout.write("No submissions yet.")
        for row in rows:
            self.stdout.write(f"{row['status']:<11} {row['outcome'] or '-':<12} {row['n']:>9}")

    def retry(self, ids):
        if ids:
            known = set(Submission.objects.filter(pk__in=ids).values_list("pk", flat=True))
            if missing := set(ids) - known:
                raise CommandError(f"No submission with id {', '.join(map(str, sorted(missing)))}.")
        todo = list(submissions_to_retry(ids=ids or None).values_list("pk", flat=True))
        if not todo:
            self.stdout.write("No failed submissions to retry.")
            return
        counts: dict[str, int] = {}
        for submission_id in tqdm(todo, desc="Retrying", unit="submission", file=self.stderr):
            status = submission_process(submission_id=submission_id).status
            counts[status] = counts.get(status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"Retried {len(todo)}: {summary}."))
        if counts.get(SubmissionStatus.FAILED):
            self.stdout.write(
                "Some failed again: `galena intake status`, and the error on each in the admin "
                "(Intake > Submissions)."
            )
