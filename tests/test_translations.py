"""The translation catalogues: complete, not fuzzy, placeholders kept, compiled .mo in step.

The .po files are read with a small parser below (stdlib only), so no translation library
becomes a dependency of the project or of its tests.
"""

import gettext
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# n -> plural form index, as each language's grammar wants it.
PLURAL_FORMS = {
    "ro": (3, {0: 1, 1: 0, 2: 1, 19: 1, 20: 2, 25: 2, 100: 2, 101: 1, 119: 1, 120: 2}),
    "ru": (3, {0: 2, 1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0, 22: 1, 25: 2, 111: 2}),
    "es": (2, {0: 1, 1: 0, 2: 1, 1000000: 1}),
    "fi": (2, {0: 1, 1: 0, 2: 1, 21: 1}),
}

# %(name)s and positional %s / %d; {name}; {{ name }}; HTML tags.
PRINTF = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([sdifrx%])")
BRACES = re.compile(r"(?<!\{)\{(\w+)\}(?!\})")
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
TAG = re.compile(r"</?[a-zA-Z][^<>]*>")

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text[1:-1])


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr {index: text}, flags."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip()):
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}}
        entry.update(flags=set(), obsolete=False, line=block.splitlines()[0])
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                if field[0] == "msgstr":
                    entry["msgstr"][field[1]] += _unquote(line)
                else:
                    entry[field[0]] += _unquote(line)
            else:
                match = re.fullmatch(
                    r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")', line
                )
                assert match, f"{path}: cannot read {line!r}"
                name, index, value = match.group(1), match.group(2), _unquote(match.group(3))
                if name == "msgstr":
                    field = ("msgstr", int(index or 0))
                    entry["msgstr"][field[1]] = value
                else:
                    field = (name, None)
                    entry[name] = value
        entries.append(entry)
    return entries


def tokens(text: str) -> Counter:
    """The parts of a string a translation must keep exactly."""
    found = Counter()
    for name, conversion in PRINTF.findall(text):
        if conversion != "%":
            found[f"%({name}){conversion}" if name else f"%{conversion}"] += 1
    found.update(f"{{{name}}}" for name in BRACES.findall(text))
    found.update(f"{{{{ {name} }}}}" for name in TEMPLATE_VARIABLE.findall(text))
    found.update(TAG.findall(text))
    return found


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def catalogue(language: str) -> tuple[dict, list[dict]]:
    entries = [e for e in parse_po(po_path(language)) if not e["obsolete"]]
    header = next(e for e in entries if e["msgid"] == "" and e["msgctxt"] is None)
    fields = dict(line.split(": ", 1) for line in header["msgstr"][0].splitlines() if ": " in line)
    return fields, [e for e in entries if e is not header]


def label(entry: dict) -> str:
    return f"{entry['msgid']!r} ({entry['line']})"


def test_locale_path_is_inside_the_package():
    package_locale = Path(settings.PACKAGE_DIR) / "locale"
    assert package_locale == LOCALE_DIR
    assert set(LANGUAGES) == {"ro", "ru", "es", "fi"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_header_names_the_language_and_its_plural_forms(language):
    fields, _entries = catalogue(language)
    nplurals, samples = PLURAL_FORMS[language]

    assert fields["Language"] == language
    assert "charset=UTF-8" in fields["Content-Type"]
    match = re.fullmatch(r"nplurals=(\d+);\s*plural=(.+?);?", fields["Plural-Forms"].strip())
    assert match, fields["Plural-Forms"]
    assert int(match.group(1)) == nplurals
    plural = gettext.c2py(match.group(2))
    assert {n: plural(n) for n in samples} == samples
    assert all(0 <= plural(n) < nplurals for n in range(1000))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_not_fuzzy(language):
    _fields, entries = catalogue(language)
    nplurals = PLURAL_FORMS[language][0]
    problems = []
    for entry in entries:
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {label(entry)}")
        expected = set(range(nplurals)) if entry["msgid_plural"] is not None else {0}
        if set(entry["msgstr"]) != expected:
            problems.append(
                f"forms {sorted(entry['msgstr'])} != {sorted(expected)}: {label(entry)}"
            )
        if any(not text.strip() for text in entry["msgstr"].values()):
            problems.append(f"empty: {label(entry)}")

    assert len(entries) > 100
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_tags(language):
    _fields, entries = catalogue(language)
    problems = []
    for entry in entries:
        if entry["msgid_plural"] is None:
            wanted = tokens(entry["msgid"])
        else:
            wanted = tokens(entry["msgid_plural"])
            if set(tokens(entry["msgid"])) - set(wanted):
                wanted = tokens(entry["msgid"]) | wanted
        for index, text in entry["msgstr"].items():
            got = tokens(text)
            if got != wanted:
                problems.append(f"[{index}] {dict(got)} != {dict(wanted)}: {label(entry)}")
        if entry["msgid"].endswith("\n") != all(t.endswith("\n") for t in entry["msgstr"].values()):
            problems.append(f"trailing newline differs: {label(entry)}")

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    """The committed .mo says what the .po says: nobody forgot compilemessages."""
    _fields, entries = catalogue(language)
    mo = po_path(language).with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `galena compilemessages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in entries:
        key = (
            entry["msgid"]
            if entry["msgctxt"] is None
            else f"{entry['msgctxt']}\x04{entry['msgid']}"
        )
        if entry["msgid_plural"] is None:
            if compiled.get(key) != entry["msgstr"][0]:
                stale.append(label(entry))
        elif any(compiled.get((key, i)) != text for i, text in entry["msgstr"].items()):
            stale.append(label(entry))

    assert not stale, "out of date, run `galena compilemessages`:\n" + "\n".join(stale)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext's msgfmt")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_the_catalogue(language):
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(po_path(language))],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
