"""Keeps docs/benchmarks.md: each benchmark owns one '## ' section and rewrites only it."""

from __future__ import annotations

import platform
import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Figures from the scripts in `benchmarks/`, each run on the machine and date it states.
These machines are shared and noisy: compare figures from the same run (medians, ratios to
the reference measured alongside), not across runs.
"""


def replace_section(title: str, body: str, doc: Path = DOC) -> None:
    """Write ``## title`` with ``body``, replacing that section's figures if it is already
    there; its ``### `` subsections (earlier runs, comparisons, readings) are kept."""
    text = doc.read_text() if doc.exists() else HEADER
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^### |^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    doc.write_text(text)


def cpu_model() -> str:
    """The processor's name as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
