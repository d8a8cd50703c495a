"""`galena score fit` and `galena score predict` over CSV files."""

import csv
import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from galena.scoring import csvmodel, predictive


def write_leads(path, count=240, seed=1, delimiter=",", label=("yes", "no"), id_column="id"):
    """A CSV of leads whose outcome follows `visits`; returns the path and the outcomes."""
    rng = np.random.default_rng(seed)
    visits = rng.poisson(3, count)
    source = rng.choice(["form", "call", "referral"], count)
    won = rng.random(count) < 1 / (1 + np.exp(-(visits - 3) - 0.5 * (source == "referral")))
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow([*([id_column] if id_column else []), "visits", "source", "won"])
        for at in range(count):
            writer.writerow(
                [
                    *([f"L-{at + 1:04d}"] if id_column else []),
                    visits[at],
                    source[at],
                    label[0] if won[at] else label[1],
                ]
            )
    return path, won


def fit(*args):
    out = io.StringIO()
    call_command("score", "fit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def predict(*args):
    out = io.StringIO()
    call_command("score", "predict", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def read_scores(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_fit_then_predict_keeps_the_id_and_gives_one_probability_per_row(tmp_path):
    leads, won = write_leads(tmp_path / "leads.csv")
    model = tmp_path / "model.joblib"
    summary = fit("--csv", str(leads), "--label", "won", "--model", str(model))
    assert f"240 rows: {won.sum()} won, {240 - won.sum()} lost." in summary
    assert "2 features (1 numeric, 1 categorical); left out: id (the id)." in summary
    assert "Chosen:" in summary and model.is_file()

    scores = tmp_path / "scores.csv"
    predict("--model", str(model), "--csv", str(leads), "--out", str(scores))
    rows = read_scores(scores)
    assert list(rows[0]) == ["id", "probability"]
    assert [r["id"] for r in rows] == [f"L-{at:04d}" for at in range(1, 241)]
    probability = np.array([float(r["probability"]) for r in rows])
    assert ((probability >= 0) & (probability <= 1)).all()
    assert probability[won].mean() > probability[~won].mean() + 0.2


def test_a_semicolon_file_with_won_lost_labels_and_no_id_is_numbered(tmp_path):
    leads, _ = write_leads(
        tmp_path / "leads.csv", delimiter=";", label=("won", "lost"), id_column=None
    )
    model = tmp_path / "model.joblib"
    fit("--csv", str(leads), "--label", "won", "--model", str(model))
    scores = tmp_path / "scores.csv"
    predict("--model", str(model), "--csv", str(leads), "--out", str(scores), "--explain", "2")
    rows = read_scores(scores)
    assert list(rows[0]) == ["row", "probability", "pushing_up", "pushing_down"]
    assert [r["row"] for r in rows] == [str(at) for at in range(1, 241)]
    assert any(r["pushing_up"].startswith("visits=") for r in rows)


def test_the_positive_option_names_the_value_that_means_won(tmp_path):
    leads, won = write_leads(tmp_path / "leads.csv", label=("MM", "CH"))
    model = tmp_path / "model.joblib"
    summary = fit("--csv", str(leads), "--label", "won", "--model", str(model), "--positive", "MM")
    assert f"{won.sum()} won" in summary


def test_excluded_columns_are_left_out(tmp_path):
    leads, _ = write_leads(tmp_path / "leads.csv")
    model = tmp_path / "model.joblib"
    summary = fit(
        "--csv", str(leads), "--label", "won", "--model", str(model), "--exclude", "source"
    )
    assert "source (excluded)" in summary
    assert [f.name for f in predictive.load(model).features] == ["visits"]


def test_a_missing_label_column_is_named_with_the_columns_there_are(tmp_path):
    leads, _ = write_leads(tmp_path / "leads.csv")
    with pytest.raises(
        CommandError,
        match=r"no column 'outcome' \(--label\); the columns are id, visits, source, won",
    ):
        fit("--csv", str(leads), "--label", "outcome", "--model", str(tmp_path / "m.joblib"))
    assert not (tmp_path / "m.joblib").exists()


def test_an_unknown_label_value_is_named_with_its_row(tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_text("id,visits,won\n1,3,yes\n2,4,no\n3,1,maybe\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Column won, row 3: 'maybe' is not a label I know"):
        fit("--csv", str(leads), "--label", "won", "--model", str(tmp_path / "m.joblib"))


def test_two_unknown_label_values_suggest_the_positive_option():
    with pytest.raises(csvmodel.CsvError, match=r"--positive, e.g. --positive MM"):
        csvmodel.parse_labels(["CH", "MM", "CH"], column="Purchase")


@pytest.mark.parametrize(
    ("text", "won"),
    [
        ("1", True),
        ("0", False),
        ("Yes", True),
        ("no", False),
        ("TRUE", True),
        ("false", False),
        ("won", True),
        ("Lost", False),
        ("да", True),
        ("нет", False),
    ],
)
def test_label_values_people_write(text, won):
    assert csvmodel.parse_labels([text], column="won").tolist() == [won]


def test_a_missing_file_is_said(tmp_path):
    with pytest.raises(CommandError, match=r"nothere.csv: no such file"):
        fit(
            "--csv", str(tmp_path / "nothere.csv"), "--label", "won", "--model", str(tmp_path / "m")
        )


def test_a_file_in_another_encoding_suggests_the_encoding_option(tmp_path):
    leads = tmp_path / "leads.csv"
    leads.write_bytes("id,город,won\n1,Москва,yes\n".encode("cp1251"))
    with pytest.raises(CommandError, match=r"not utf-8-sig text .*--encoding cp1251"):
        fit("--csv", str(leads), "--label", "won", "--model", str(tmp_path / "m.joblib"))


def test_too_few_outcomes_are_refused_with_how_many_are_needed(tmp_path):
    leads, _ = write_leads(tmp_path / "leads.csv", count=30)
    with pytest.raises(
        CommandError, match=r"Training needs at least 20 won, 20 lost and 50 in all"
    ):
        fit("--csv", str(leads), "--label", "won", "--model", str(tmp_path / "m.joblib"))


def test_a_model_folder_that_does_not_exist_is_said_before_the_work(tmp_path):
    leads, _ = write_leads(tmp_path / "leads.csv")
    with pytest.raises(CommandError, match=r"--model .*: no folder"):
        fit("--csv", str(leads), "--label", "won", "--model", str(tmp_path / "no" / "m.joblib"))


def test_predict_without_a_model_file_says_how_to_make_one(tmp_path):
    leads, _ = write_leads(tmp_path / "leads.csv")
    with pytest.raises(CommandError, match=r"no such file; train one with `galena score fit`"):
        predict(
            "--model",
            str(tmp_path / "m.joblib"),
            "--csv",
            str(leads),
            "--out",
            str(tmp_path / "s.csv"),
        )
    assert not (tmp_path / "s.csv").exists()


def test_predict_on_a_file_without_the_model_columns_is_refused(tmp_path):
    leads, _ = write_leads(tmp_path / "leads.csv")
    model = tmp_path / "model.joblib"
    fit("--csv", str(leads), "--label", "won", "--model", str(model))
    other = tmp_path / "other.csv"
    other.write_text("name,city\nAnna,Cluj\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"none of the model's columns are here"):
        predict("--model", str(model), "--csv", str(other), "--out", str(tmp_path / "s.csv"))
