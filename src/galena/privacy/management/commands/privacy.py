"""`galena privacy retention [--dry-run]`: depersonalise what is past its retention period
(or, dry, say what would be), with a progress bar; `galena privacy find --email/--phone`:
which records hold a person."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from galena.privacy.access import subject_counts
from galena.privacy.retention import BATCH_SIZE, retention_plan, retention_sweep
from galena.privacy.subjects import find_subject


class Command(BaseCommand):
    help = "Personal data: retention sweeps and finding a person's records."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{retention,find}")
        retention = sub.add_parser(
            "retention", help="Depersonalise leads and submissions past their retention period."
        )
        retention.add_argument(
            "--dry-run", action="store_true", help="Only report what would be done."
        )
        retention.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        retention.add_argument(
            "--now", default="", help="Judge the periods as of this ISO time (default: now)."
        )
        find = sub.add_parser("find", help="Which tables hold a person's data (counts only).")
        find.add_argument("--email", default="")
        find.add_argument("--phone", default="")
        find.add_argument("--lead", type=int, default=None)

    def handle(self, *args, action, **options):
        if action == "find":
            return self.find(options)
        now = None
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as error:
                raise CommandError(f"--now: {error}") from error
        plans = self.plan(now)
        if options["dry_run"]:
            return
        total = sum(p.count for p in plans)
        if not total:
            self.stdout.write("Nothing is past its retention period.")
            return
        with tqdm(
            total=total, desc="Depersonalising", unit="row", file=self.stderr, mininterval=0.5
        ) as bar:
            result = retention_sweep(
                now=now,
                batch_size=options["batch_size"],
                progress=lambda _purpose, done: bar.update(done),
            )
        leads = sum(result.leads.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Depersonalised {leads:,} leads and {result.submissions:,} submissions "
                f"({len(result.erasures):,} erasures recorded)."
            )
        )

    def plan(self, now):
        with tqdm(desc="Reading", unit="purpose", file=self.stderr, mininterval=0.5) as bar:
            plans = retention_plan(now=now)
            bar.update(len(plans))
        for plan in plans:
            what = "submissions" if plan.is_submissions else "leads"
            oldest = f", oldest {plan.oldest:%Y-%m-%d}" if plan.oldest else ""
            self.stdout.write(
                f"{plan.label} ({plan.days} days, before {plan.cutoff:%Y-%m-%d}): "
                f"{plan.count:,} {what}{oldest}"
            )
        return plans

    def find(self, options):
        if not (options["email"] or options["phone"] or options["lead"]):
            raise CommandError("Give --email, --phone or --lead.")
        subject = find_subject(
            email=options["email"] or None, phone=options["phone"] or None, lead_id=options["lead"]
        )
        self.stdout.write(
            f"Leads {sorted(subject.lead_ids)}, client contacts {sorted(subject.contact_ids)}"
        )
        for label, category, count in subject_counts(subject):
            self.stdout.write(f"  {category} ({label}): {count:,}")
