"""The open-source linkers the matching benchmark runs beside Galena, each configured the way
its documentation teaches, unsupervised (no labels), on the same record CSV.

Both get the same light cleaning, the kind their tutorials do before linking: lower case,
trimmed, diacritics folded (NFKD), blanks as nulls, the phone reduced to its last nine digits
(so +7 916 123-45-67, 8 (916) 123 45 67 and 9161234567 agree without knowing the country),
the e-mail lower-cased. Neither transliterates Cyrillic nor knows nicknames: that is not in
their standard comparisons.

splink 4 (DuckDB): blocking rules on e-mail, phone, last name + first initial, postcode +
first name and city + first name; comparisons NameComparison (first, last, with
term-frequency adjustments),
EmailComparison, ExactMatch (phone, city with term-frequency adjustment, postcode),
DateOfBirthComparison, JaroWinklerAtThresholds (company, street); λ from the e-mail and phone
blocks (recall 0.8), u by random sampling (5 million pairs), m by EM on the e-mail, phone and
full-name blocks; pairs predicted at match probability ≥ 0.5.

recordlinkage: full blocks (Block) on e-mail, phone, last name + first initial, postcode +
first name and city + first name, and a SortedNeighbourhood (window 5) on the last name
within a city; Compare with Jaro–Winkler ≥ 0.85 on names, company and street, exact e-mail,
phone, city and postcode, and its date comparison (day and month swapped scores 0.5); the
unsupervised ECMClassifier (features binarised at 0.4), pairs with probability ≥ 0.5.

    .venv/bin/python -m benchmarks.matching.baselines splink RECORDS.csv PAIRS.csv
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata

from benchmarks.matching import generate as gen

FIELDS = gen.RECORD_COLUMNS


def _clean_text(value):
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKD", value.strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def _clean_phone(value):
    if not isinstance(value, str):
        return None
    digits = re.sub(r"\D", "", value)
    return digits[-9:] if len(digits) >= 7 else None


def load(path: str):
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    for name in FIELDS:
        if name not in df.columns:
            df[name] = None
    for name in ("first_name", "last_name", "middle_name", "company", "street", "city"):
        df[name] = df[name].map(_clean_text)
    df["email"] = df["email"].map(lambda v: v.strip().lower() if isinstance(v, str) else None)
    df["phone"] = df["phone"].map(_clean_phone)
    df["postcode"] = (
        df["postcode"]
        .map(_clean_text)
        .map(lambda v: v.replace(" ", "") if isinstance(v, str) else None)
    )
    df["birth_date"] = df["birth_date"].map(lambda v: v if isinstance(v, str) and v else None)
    df["first_initial"] = df["first_name"].map(lambda v: v[:1] if isinstance(v, str) else None)
    df["id"] = df["id"].astype(str)
    return df


def write_pairs(path: str, rows) -> int:
    import csv

    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["id_a", "id_b", "probability"])
        for a, b, p in rows:
            a, b = str(a), str(b)
            writer.writerow([a, b, f"{p:.6f}"] if a < b else [b, a, f"{p:.6f}"])
            count += 1
    return count


def run_splink(records: str, out: str, threshold: float = 0.5, seed: int = 1) -> int:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = load(records).drop(columns=["first_initial"])
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="id",
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("last_name", "substr(first_name, 1, 1)"),
            block_on("postcode", "first_name"),
            block_on("city", "first_name"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.JaroWinklerAtThresholds("company", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.7]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(df, settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
    for rule in (block_on("email"), block_on("phone"), block_on("first_name", "last_name")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    frame = predictions.as_pandas_dataframe()
    rows = zip(frame["id_l"], frame["id_r"], frame["match_probability"], strict=True)
    return write_pairs(out, rows)


def run_recordlinkage(records: str, out: str, threshold: float = 0.5) -> int:
    import pandas as pd
    import recordlinkage as rl
    from recordlinkage.index import Block, SortedNeighbourhood

    df = load(records).set_index("id")
    df["birth_date"] = pd.to_datetime(df["birth_date"], errors="coerce", format="%Y-%m-%d")
    indexer = rl.Index()
    indexer.add(Block("email"))
    indexer.add(Block("phone"))
    indexer.add(Block(["last_name", "first_initial"]))
    indexer.add(Block(["postcode", "first_name"]))
    indexer.add(Block(["city", "first_name"]))
    indexer.add(SortedNeighbourhood("last_name", window=5, block_on=["city"]))
    candidates = indexer.index(df)

    compare = rl.Compare(n_jobs=2)
    for name in ("first_name", "last_name", "company", "street"):
        compare.string(name, name, method="jarowinkler", threshold=0.85, label=name)
    for name in ("email", "phone", "city", "postcode"):
        compare.exact(name, name, label=name)
    compare.date("birth_date", "birth_date", label="birth_date")
    features = compare.compute(candidates, df)

    classifier = rl.ECMClassifier(binarize=0.4)
    classifier.fit(features)
    probability = classifier.prob(features)
    chosen = probability[probability >= threshold]
    rows = ((a, b, p) for (a, b), p in chosen.items())
    return write_pairs(out, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one baseline linker on a record CSV.")
    parser.add_argument("tool", choices=["splink", "recordlinkage"])
    parser.add_argument("records")
    parser.add_argument("out")
    parser.add_argument("--threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    if args.tool == "splink":
        count = run_splink(args.records, args.out, args.threshold)
    else:
        count = run_recordlinkage(args.records, args.out, args.threshold)
    print(f"{args.tool}: {count} pairs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
