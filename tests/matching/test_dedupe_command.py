"""`galena dedupe`: over the lead base (fills the review queue) and over any CSV file."""

import csv

import pytest
from django.core.management import CommandError, call_command

from galena.leads.services import Actor, ContactInput, lead_create
from galena.matching.models import ComparisonWeight, DuplicateCandidate, DuplicateStatus

HEADER = "id,given,family,mail,tel,town,born\n"
ROWS = [
    "a1,Александр,Иванов,a.ivanov@mail.ru,+7 916 482-19-35,Москва,1980-02-03",
    "a2,Sasha,Ivanov,a.ivanov@mail.ru,8 (916) 482 19 35,Moskva,03.02.1980",
    "b1,Ecaterina,Popescu,cati.p@gmail.com,0744 518 203,Cluj,1985-03-07",
    "b2,Katia,Popescu,cati.p@gmial.com,+40 744 518 203,Cluj-Napoca,1985-07-03",
    "c1,Juha,Virtanen,juha.v@elisa.fi,040 123 4567,Helsinki,1970-01-01",
    "d1,Mihai,Popescu,mihai.p@gmail.com,0722 000 111,Cluj,1983-11-02",
    "e1,María,García,maria.garcia@telefonica.net,612 345 678,Madrid,1990-05-05",
]


def write(tmp_path, rows=ROWS, header=HEADER):
    path = tmp_path / "people.csv"
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_csv(path, out, *extra):
    fields = [
        "given=first_name",
        "family=last_name",
        "mail=email",
        "tel=phone",
        "town=city",
        "born=birth_date",
    ]
    call_command(
        "dedupe",
        "--csv",
        str(path),
        "--id-column",
        "id",
        *[f"--field={f}" for f in fields],
        "--out",
        str(out),
        "--no-estimate",
        *extra,
    )
    with out.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db
def test_a_csv_file_gives_the_pairs_of_the_same_person(tmp_path):
    pairs = run_csv(write(tmp_path), tmp_path / "pairs.csv")
    assert {(p["id_a"], p["id_b"]) for p in pairs} == {("a1", "a2"), ("b1", "b2")}
    assert all(0.5 <= float(p["probability"]) <= 1 for p in pairs)


@pytest.mark.django_db
def test_a_higher_threshold_writes_fewer_pairs(tmp_path):
    everything = run_csv(write(tmp_path), tmp_path / "all.csv", "--threshold", "0.5")
    sure = run_csv(write(tmp_path), tmp_path / "sure.csv", "--threshold", "0.999999")
    assert len(sure) < len(everything)


@pytest.mark.django_db
def test_a_missing_column_is_named(tmp_path):
    path = write(tmp_path, header="id,given,family,mail,phone_number,town,born\n")
    with pytest.raises(CommandError, match="no column tel"):
        run_csv(path, tmp_path / "pairs.csv")
    assert not (tmp_path / "pairs.csv").exists()


@pytest.mark.django_db
def test_an_unknown_role_is_refused(tmp_path):
    with pytest.raises(CommandError, match="unknown role 'surname'"):
        call_command(
            "dedupe",
            "--csv",
            str(write(tmp_path)),
            "--id-column",
            "id",
            "--field",
            "family=surname",
            "--out",
            str(tmp_path / "p.csv"),
        )


def lead(first, last, email, phone=None):
    contacts = [ContactInput(kind="email", value=email)]
    if phone:
        contacts.append(ContactInput(kind="phone", value=phone))
    return lead_create(
        actor=Actor.system(), data={"first_name": first, "last_name": last}, contacts=contacts
    )


@pytest.mark.django_db
def test_the_base_fills_the_review_queue_once(capsys):
    ana = lead("Ana", "Popescu", "ana.popescu@gmail.com", "+40744518203")
    ana_again = lead("Ana", "Popescu", "ana.popescu@gmail.com")
    lead("Oleg", "Smirnov", "oleg@mail.ru", "+79031112233")

    call_command("dedupe")
    call_command("dedupe")  # a pair already queued is not queued twice

    pair = DuplicateCandidate.objects.get()
    assert (pair.lead_id, pair.other_id) == (ana_again.pk, ana.pk)
    assert pair.status == DuplicateStatus.OPEN
    assert pair.found_by == "batch"
    assert pair.explanation["fields"]
    assert "1 possible duplicates, 1 new in the review queue" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_dismissed_pair_is_not_asked_again():
    ana = lead("Ana", "Popescu", "ana.popescu@gmail.com", "+40744518203")
    lead("Ana", "Popescu", "ana.popescu@gmail.com")
    call_command("dedupe")
    DuplicateCandidate.objects.update(status=DuplicateStatus.DISMISSED)
    call_command("dedupe")
    assert DuplicateCandidate.objects.get().status == DuplicateStatus.DISMISSED
    assert ana.pk


@pytest.mark.django_db
def test_estimate_stores_the_weights_it_learned():
    for i in range(30):
        lead(f"Name{chr(97 + i % 26)}", f"Family{chr(97 + i // 3)}", f"p{i // 2}@firm{i % 5}.ro")
    before = dict(ComparisonWeight.objects.values_list("comparison", "source").distinct())
    call_command("dedupe", "--estimate", "--dry-run")
    assert set(ComparisonWeight.objects.values_list("source", flat=True)) == set(before.values())
    call_command("dedupe", "--estimate")
    assert set(ComparisonWeight.objects.values_list("source", flat=True)) == {"estimated"}


@pytest.mark.django_db
def test_the_stored_explanation_adds_up_to_the_stored_probability():
    from galena.matching.model import probability_of

    lead("Ana", "Popescu", "ana.popescu@gmail.com", "+40744518203")
    lead("Ana", "Popescu", "ana.popescu@gmail.com")
    for i in range(6):
        lead("Ion", f"Rusu{chr(97 + i)}", f"ion{i}@x.md")
    call_command("dedupe")
    pair = DuplicateCandidate.objects.get(lead__first_name="Ana")
    explained = pair.explanation
    total = explained["prior_weight"] + sum(f["weight"] for f in explained["fields"])
    assert total == pytest.approx(explained["match_weight"], abs=0.05)
    assert probability_of(explained["match_weight"]) == pytest.approx(pair.probability, abs=1e-3)


@pytest.mark.django_db
def test_the_stored_explanation_adds_up_when_names_of_different_frequency_agree():
    from galena.matching.model import probability_of

    # one person who wrote once with an e-mail and once with a phone: only the names agree
    lead("Ana", "Popescu", "ana.popescu@gmail.com")
    lead_create(
        actor=Actor.system(),
        data={"first_name": "Ana", "last_name": "Popescu"},
        contacts=[ContactInput(kind="phone", value="+40744518203")],
    )
    # five other people of one common name, nothing else alike: pairs compared, not kept,
    # whose names count in the name-frequency bits as much as the pairs kept
    for i in range(5):
        lead("Ion", "Rusu", f"rusu{i}{i}{i}@d{i}.md", f"+40722{i}{i}{i}{i}{i}{i}")
    call_command("dedupe")
    pair = DuplicateCandidate.objects.get(lead__first_name="Ana")
    explained = pair.explanation
    assert "name_frequency" in {f["comparison"] for f in explained["fields"]}
    total = explained["prior_weight"] + sum(f["weight"] for f in explained["fields"])
    assert total == pytest.approx(explained["match_weight"], abs=0.05)
    assert probability_of(explained["match_weight"]) == pytest.approx(pair.probability, abs=1e-3)


# pytest-xdist runs its own threads in the test process; the command itself forks from a
# process without any
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.django_db
def test_a_large_file_prepared_in_worker_chunks_gives_the_same_pairs(tmp_path, monkeypatch):
    from galena.matching.management.commands import dedupe

    at_once = run_csv(write(tmp_path), tmp_path / "at-once.csv")
    monkeypatch.setattr(dedupe, "CHUNK", 2)  # seven rows: three chunks in workers, one here
    in_chunks = run_csv(write(tmp_path), tmp_path / "in-chunks.csv")
    assert in_chunks == at_once


@pytest.mark.django_db
def test_a_file_in_another_encoding_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes((HEADER + ROWS[0] + "\n" + ROWS[1] + "\n").encode("cp1251"))
    with pytest.raises(CommandError, match=r"not utf-8-sig text .*--encoding"):
        run_csv(path, tmp_path / "pairs.csv")
    assert not (tmp_path / "pairs.csv").exists()
    pairs = run_csv(path, tmp_path / "pairs.csv", "--encoding", "cp1251")
    assert [(p["id_a"], p["id_b"]) for p in pairs] == [("a1", "a2")]


@pytest.mark.django_db
def test_an_empty_file_and_a_missing_output_folder_are_named(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="the file is empty"):
        run_csv(empty, tmp_path / "pairs.csv")
    with pytest.raises(CommandError, match="no folder"):
        run_csv(write(tmp_path), tmp_path / "missing" / "pairs.csv")
