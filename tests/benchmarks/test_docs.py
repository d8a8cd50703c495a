"""benchmarks.docs: a benchmark rewrites its own section's figures and keeps the rest."""

from benchmarks.docs import replace_section

BEFORE = """# Benchmarks

## Import

| rows/s | 700 |

### An earlier run (2026-11-01)

| rows/s | 500 |

## Intake

| accepted/s | 600 |

Reading: slow.

### Alternating two versions (2026-11-20)

| code | p99 |

#### A detail of that run

## Last
"""


def test_the_section_s_figures_are_replaced_and_its_subsections_kept(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(BEFORE)
    replace_section("Intake", "| accepted/s | 900 |", doc)
    text = doc.read_text()
    assert "| accepted/s | 900 |" in text
    assert "600" not in text and "Reading: slow." not in text
    for kept in ("### Alternating two versions", "#### A detail of that run", "## Last"):
        assert kept in text
    assert text.index("| accepted/s | 900 |") < text.index("### Alternating two versions")
    assert "| rows/s | 700 |" in text and "### An earlier run" in text  # others untouched


def test_a_new_section_is_added_at_the_end(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(BEFORE)
    replace_section("Routing", "| p99 | 3 ms |", doc)
    assert doc.read_text().rstrip().endswith("## Routing\n\n| p99 | 3 ms |")


def test_the_last_section_without_subsections_is_replaced_whole(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(BEFORE)
    replace_section("Last", "new figures", doc)
    assert doc.read_text().rstrip().endswith("## Last\n\nnew figures")
