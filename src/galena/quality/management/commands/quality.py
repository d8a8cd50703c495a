"""`galena quality refit` (re-evaluate every lead's fit after the rules changed) and
`galena quality preview` (what the active rules would change, writing nothing)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from galena.leads.models import Lead
from galena.quality.fit import fit_preview, fit_rules_load, leads_fit_refresh


class Command(BaseCommand):
    help = "Quality gate maintenance: re-evaluate the fit of existing leads."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{refit,preview}")
        refit = sub.add_parser(
            "refit", help="Re-evaluate every lead's fit against the active fit rules."
        )
        refit.add_argument(
            "--include-manual",
            action="store_true",
            help="Also replace a fit a person set by hand (kept by default).",
        )
        sub.add_parser("preview", help="What the active fit rules would change; writes nothing.")

    def handle(self, *args, action, **options):
        rules = fit_rules_load()
        if action == "preview":
            return self.preview(rules)
        return self.refit(rules, include_manual=options["include_manual"])

    def refit(self, rules, *, include_manual: bool) -> None:
        if not rules:
            self.stdout.write(
                "No active fit rules: every lead's fit becomes unknown unless set by hand."
            )
        with tqdm(
            total=Lead.objects.count(),
            desc="Re-evaluating fit",
            unit="lead",
            file=self.stderr,
            mininterval=0.5,
        ) as bar:
            changed = leads_fit_refresh(
                rules=rules, include_manual=include_manual, progress=bar.update
            )
        self.stdout.write(self.style.SUCCESS(f"Fit changed on {changed:,} leads."))

    def preview(self, rules) -> None:
        result = fit_preview(rules)
        self.stdout.write(
            f"{result['leads']:,} leads: {result['target']:,} target, "
            f"{result['non_target']:,} non-target, {result['unknown']:,} unknown."
        )
        self.stdout.write(
            f"A refit would change {result['would_change']:,} "
            f"({result['to_non_target']:,} to non-target, {result['to_target']:,} to target); "
            f"{result['manual_kept']:,} set by hand would be kept."
        )
        for rule in rules:
            self.stdout.write(f"  {rule.name}: {result['by_rule'].get(rule.id, 0):,} leads")
