"""Synthetic closed leads for timing ``predictive.train``: ~30 mixed features (numbers,
numbers written as text, categories of every size, flags, gaps) and an outcome drawn from
a known logistic model with interactions and thresholds.

    .venv/bin/python -m benchmarks.scoring.synthetic --rows 1000 --out /tmp/leads.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

SOURCES = ["web_form", "email", "call", "chat", "referral", "partner", "import", "event"]
DEVICES = ["desktop", "mobile", "tablet"]
SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+"]
LEVELS = ["staff", "manager", "head", "director", "owner"]
LANGUAGES = ["ru", "ro", "es", "fi", "en"]
MEDIUMS = ["cpc", "organic", "email", "social", "display", "affiliate"]


def closed_leads(rows: int, seed: int = 0) -> tuple[list[str], list[list[object]], np.ndarray]:
    """``(header, rows, won)``: ``rows`` closed leads as CSV-like values (text and numbers,
    empty strings for gaps) and whether each was won."""
    rng = np.random.default_rng(seed)
    n = rows
    source = rng.choice(SOURCES, n, p=[0.3, 0.15, 0.12, 0.1, 0.08, 0.1, 0.1, 0.05])
    device = rng.choice(DEVICES, n, p=[0.55, 0.4, 0.05])
    size = rng.choice(SIZES, n)
    level = rng.choice(LEVELS, n, p=[0.35, 0.3, 0.15, 0.12, 0.08])
    language = rng.choice(LANGUAGES, n)
    medium = rng.choice(MEDIUMS, n)
    industry = rng.integers(0, 25, n)
    region = np.minimum(rng.zipf(1.6, n), 120)  # a long tail of rare regions
    campaign = rng.integers(0, 400, n)  # many levels: capped to the commonest
    budget = np.round(np.exp(rng.normal(8, 1.2, n)), -1)
    employees = np.round(np.exp(rng.normal(3.5, 1.5, n)))
    page_views = rng.poisson(4, n)
    visits_30d = rng.poisson(2, n)
    emails_opened = rng.poisson(1.5, n)
    emails_clicked = rng.binomial(emails_opened, 0.3)
    forms = rng.poisson(0.4, n) + 1
    calls = rng.poisson(0.8, n)
    meetings = rng.binomial(calls + 1, 0.25)
    response_minutes = np.round(np.exp(rng.normal(4, 1.5, n)))
    days_open = rng.integers(1, 120, n)
    age = rng.normal(40, 10, n).round()
    has_phone = rng.random(n) < 0.8
    has_email = rng.random(n) < 0.9
    consent = rng.random(n) < 0.6
    discount = rng.choice([0, 5, 10, 15, 20], n)
    score_manual = rng.integers(0, 101, n)
    noise = rng.normal(0, 1, (n, 3))

    logit = (
        -3.0
        + 0.8 * np.isin(source, ["referral", "partner"])
        - 0.6 * (source == "import")
        + 0.5 * np.log1p(budget / 1000)
        + 0.35 * np.minimum(meetings, 3)
        + 0.25 * np.log1p(page_views)
        + 0.4 * (emails_clicked > 0)
        - 0.5 * (response_minutes > 240)
        + 0.6 * ((level == "director") | (level == "owner")) * (employees > 50)
        + 0.3 * has_phone
        - 0.012 * np.maximum(days_open - 30, 0)
        + 0.02 * (industry % 5) * 5 * 0.1
        + 0.3 * (region <= 3)
        + 0.004 * (score_manual - 50)
    )
    won = rng.random(n) < 1 / (1 + np.exp(-logit))

    budget_text = np.array([f"{int(b):,}".replace(",", " ") for b in budget], dtype=object)
    budget_cell = np.where(rng.random(n) < 0.3, budget_text, budget.astype(int).astype(object))
    budget_cell[rng.random(n) < 0.1] = ""
    age_cell = age.astype(int).astype(object)
    age_cell[rng.random(n) < 0.35] = ""
    response_cell = response_minutes.astype(int).astype(object)
    response_cell[rng.random(n) < 0.15] = ""
    size_cell = size.astype(object)
    size_cell[rng.random(n) < 0.2] = ""

    columns = {
        "source": source,
        "device": device,
        "company_size": size_cell,
        "job_level": level,
        "language": language,
        "utm_medium": medium,
        "industry": np.char.add("industry-", industry.astype(str)),
        "region": np.char.add("region-", region.astype(str)),
        "campaign": np.char.add("c", campaign.astype(str)),
        "budget": budget_cell,
        "employees": employees.astype(int),
        "page_views": page_views,
        "visits_30d": visits_30d,
        "emails_opened": emails_opened,
        "emails_clicked": emails_clicked,
        "forms_submitted": forms,
        "calls": calls,
        "meetings": meetings,
        "response_minutes": response_cell,
        "days_open": days_open,
        "age": age_cell,
        "has_phone": np.where(has_phone, "yes", "no"),
        "has_email": np.where(has_email, "yes", "no"),
        "consent": np.where(consent, "true", "false"),
        "discount_percent": discount,
        "manual_score": score_manual,
        "noise_a": noise[:, 0].round(3),
        "noise_b": noise[:, 1].round(3),
        "noise_c": rng.choice(["x", "y", "z"], n),
        "noise_d": noise[:, 2].round(3),
    }
    header = list(columns)
    table = [list(row) for row in zip(*(columns[name].tolist() for name in header), strict=True)]
    return header, table, won


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    header, rows, won = closed_leads(args.rows, args.seed)
    with args.out.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["id", *header, "outcome"])
        for at, (row, outcome) in enumerate(zip(rows, won, strict=True)):
            writer.writerow([f"L{at + 1}", *row, "won" if outcome else "lost"])


if __name__ == "__main__":
    main()
