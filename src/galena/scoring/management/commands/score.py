"""`galena score`: predictive scoring from the command line.

    galena score fit --csv FILE --label COLUMN --model OUT [--id-column COL] [--exclude COL ...]
                     [--positive VALUE]
    galena score predict --model OUT --csv FILE --out SCORES.csv [--id-column COL] [--explain N]
    galena score train [--seed N]
    galena score recompute

`train` learns from the business's own closed leads (won against lost), makes the model the
active one and gives every open lead its probability; `recompute` scores every lead again
with the active rules (after the rules changed).

`fit` and `predict` run the same modelling as the scoring of leads on any table with a won/lost
(bought/did not buy) column, so the model can be evaluated on public data as well as on our own.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from galena.scoring import csvmodel, predictive


class _Phases:
    """A tqdm bar for each phase of the training in turn, on stderr."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.phase = ""
        self.bar: tqdm | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase or self.bar is None:
            self.close()
            self.phase = phase
            self.bar = tqdm(total=total, desc=phase, file=self.stream)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "Predictive scoring: train a model on a CSV file, or score a CSV file with one."

    # Each subcommand: its help here, `arguments_<name>(parser)` adding its options and
    # `handle_<name>(options)` running it — a new one is an entry and two methods.
    subcommands = {
        "fit": "Train a model on a CSV file with a won/lost column and save it to a file.",
        "predict": "Score every row of a CSV file with a saved model: id,probability.",
        "train": "Train the predictive model on your won and lost leads and score open leads.",
        "recompute": "Score every lead again with the active rules (after changing them).",
    }

    def add_arguments(self, parser):
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{" + ",".join(self.subcommands) + "}"
        )
        for name, text in self.subcommands.items():
            getattr(self, f"arguments_{name}")(sub.add_parser(name, help=text, description=text))

    def handle(self, *args, action, **options):
        return getattr(self, f"handle_{action}")(options)

    # --- shared options -------------------------------------------------------------------

    @staticmethod
    def _csv_arguments(parser) -> None:
        parser.add_argument("--csv", type=Path, required=True, help="The CSV file.")
        parser.add_argument(
            "--id-column",
            help="The column identifying a row (default: the first named id, ID, customer_id, "
            "lead_id…; else the row number).",
        )
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="The file's encoding (default UTF-8)."
        )
        parser.add_argument(
            "--delimiter", help="The delimiter (default: guessed among , ; tab and |)."
        )

    def _read(self, options) -> csvmodel.Table:
        with tqdm(desc="Reading", unit=" rows", file=self.stderr, mininterval=0.5) as bar:
            try:
                table = csvmodel.read_table(
                    options["csv"],
                    encoding=options["encoding"],
                    delimiter=options["delimiter"],
                    progress=bar.update,
                )
            except csvmodel.CsvError as error:
                raise CommandError(str(error)) from error
            except LookupError as error:
                raise CommandError(
                    f"--encoding {options['encoding']}: not an encoding Python knows "
                    "(e.g. utf-8, cp1251, latin-1)."
                ) from error
        if not table.rows:
            raise CommandError(f"{table.path}: the header has no rows under it.")
        return table

    @staticmethod
    def _check_folder(path: Path, option: str) -> None:
        # said before the work, not after it
        if not path.parent.is_dir():
            raise CommandError(f"{option} {path}: no folder {path.parent}.")

    # --- fit ------------------------------------------------------------------------------

    def arguments_fit(self, parser) -> None:
        self._csv_arguments(parser)
        parser.add_argument(
            "--label", required=True, help="The column saying won or lost (1/0, yes/no, …)."
        )
        parser.add_argument("--model", type=Path, required=True, help="Where to save the model.")
        parser.add_argument(
            "--exclude",
            nargs="+",
            action="extend",
            default=[],
            metavar="COLUMN",
            help="Columns not to learn from (e.g. known only after the outcome).",
        )
        parser.add_argument(
            "--positive",
            help="The label value meaning won, when it is not one of 1, yes, true, won "
            "(e.g. --positive MM); every other value is lost.",
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")

    def handle_fit(self, options) -> None:
        started = time.monotonic()
        self._check_folder(options["model"], "--model")
        table = self._read(options)
        phases = _Phases(self.stderr)
        try:
            result = csvmodel.fit(
                table,
                label=options["label"],
                id_column_name=options["id_column"],
                exclude=options["exclude"],
                positive=options["positive"],
                seed=options["seed"],
                progress=phases,
            )
        except csvmodel.CsvError as error:
            raise CommandError(str(error)) from error
        finally:
            phases.close()
        predictive.save(result.model, options["model"])
        self.stdout.write(self._fit_summary(result, options["model"], time.monotonic() - started))

    def _fit_summary(self, result: csvmodel.FitResult, path: Path, seconds: float) -> str:
        model, metrics = result.model, result.model.metrics
        kinds = [f.kind for f in model.features]
        left_out = [
            *([f"{result.id_column} (the id)"] if result.id_column else []),
            *(f"{name} (excluded)" for name in model.metadata["excluded"]),
            *(f"{name} ({why})" for name, why in model.dropped.items()),
        ]
        candidates = ", ".join(
            f"{predictive.ALGORITHMS[name]} {auc:.3f}"
            for name, auc in metrics["candidates_cv_auc"].items()
        )
        lines = [
            f"{metrics['rows']:,} rows: {metrics['won']:,} won, {metrics['lost']:,} lost.",
            f"{len(kinds)} features ({kinds.count('numeric')} numeric, "
            f"{kinds.count('categorical')} categorical)"
            + (f"; left out: {', '.join(left_out)}." if left_out else "."),
            f"Cross-validated ROC AUC: {candidates}.",
            self.style.SUCCESS(
                f"Chosen: {predictive.ALGORITHMS[metrics['algorithm']]}, ROC AUC "
                f"{metrics['cv_auc']:.3f}, Brier {metrics['brier']:.3f} "
                f"({metrics['calibration']} calibration). Model saved to {path} ({seconds:.1f} s)."
            ),
        ]
        return "\n".join(lines)

    # --- predict --------------------------------------------------------------------------

    def arguments_predict(self, parser) -> None:
        self._csv_arguments(parser)
        parser.add_argument(
            "--model", type=Path, required=True, help="A model saved by `galena score fit`."
        )
        parser.add_argument(
            "--out", type=Path, required=True, help="Where to write id,probability."
        )
        parser.add_argument(
            "--explain",
            type=int,
            default=0,
            metavar="N",
            help="Also write the N factors pushing each row's probability up and down.",
        )

    def handle_predict(self, options) -> None:
        started = time.monotonic()
        if options["explain"] < 0:
            raise CommandError("--explain: give a number of factors, 0 or more.")
        self._check_folder(options["out"], "--out")
        model = self._load(options["model"])
        table = self._read(options)
        try:
            result = csvmodel.predict(
                model, table, id_column_name=options["id_column"], explain=options["explain"]
            )
        except csvmodel.CsvError as error:
            raise CommandError(str(error)) from error
        csvmodel.write_scores(options["out"], result)
        if result.missing_features:
            self.stderr.write(
                self.style.WARNING(
                    f"Not in {table.path}, read as missing: {', '.join(result.missing_features)}."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{table.rows:,} rows scored (mean probability "
                f"{result.probability.mean():.3f}), written to {options['out']} "
                f"({time.monotonic() - started:.1f} s)."
            )
        )

    @staticmethod
    def _load(path: Path) -> predictive.TrainedModel:
        if not path.is_file():
            raise CommandError(f"--model {path}: no such file; train one with `galena score fit`.")
        try:
            return predictive.load(path)
        except ValueError as error:
            raise CommandError(f"--model {path}: {error}") from error
        except Exception as error:  # a file that is not a joblib pickle at all
            raise CommandError(
                f"--model {path}: not a model saved by `galena score fit` ({error})."
            ) from error

    # --- the business's own leads -----------------------------------------------------------

    def arguments_train(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0).")

    def handle_train(self, options) -> None:
        from galena.scoring.training import closed_leads, model_train

        started = time.monotonic()
        with tqdm(
            total=closed_leads().count(), desc="Closed leads", unit="lead", file=self.stderr
        ) as bar:
            try:
                result = model_train(progress=bar.update, seed=options["seed"])
            except predictive.NotEnoughOutcomes as error:
                raise CommandError(
                    f"{error} Until then the rule score stands alone; train again once more "
                    "leads are won or lost."
                ) from error
        model = result.model
        auc = model.metrics.get("cv_auc")
        self.stdout.write(
            f"Trained {model.algorithm} on {model.trained_on:,} closed leads ({model.won:,} won, "
            f"{model.lost:,} lost) in {time.monotonic() - started:.1f} s; cross-validated ROC "
            f"AUC {auc:.3f}. Model {model.pk} is now active; {result.predicted:,} open leads "
            "got a new probability."
        )

    def arguments_recompute(self, parser) -> None:
        pass

    def handle_recompute(self, options) -> None:
        from galena.leads.models import Lead
        from galena.scoring.services import leads_scores_recompute

        tqdm.monitor_interval = 0  # no monitor thread: the recompute forks workers
        started = time.monotonic()
        total = Lead.objects.filter(merged_into__isnull=True).count()
        with tqdm(total=total, desc="Leads", unit="lead", file=self.stderr) as bar:
            changed = leads_scores_recompute(progress=bar.update, workers=None)
        self.stdout.write(
            f"Scored {total:,} lead{'s' if total != 1 else ''} in "
            f"{time.monotonic() - started:.1f} s; {changed:,} changed "
            "score or temperature (each temperature change is on the lead's timeline)."
        )
