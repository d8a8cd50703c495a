"""Matching quality side by side (issue 5): Galena's ``dedupe --csv``, splink 4 (DuckDB) and
recordlinkage on the same generated records, with the same wall-clock budget and no labels.

For each seed it generates a labelled file (``generate.py``), hands every tool the records
without the label columns, runs each tool in its own process (wall time; peak memory as the
larger of the process tree's summed PSS (shared pages of forked workers counted once), sampled every 0.2 s, and the kernel's peak RSS of
the largest process), stops a tool that overruns the budget, and scores the pairs each
wrote against the true clusters (``evaluate.py``): precision, recall and F1 over unordered
pairs, the same after clustering the pairs (transitive closure), recall by corruption kind
and false positives by kind of look-alike. ``--scale N`` also times Galena alone on N
records (the "1,000,000 records in ≤ 120 s within 4 GB" target).

    .venv/bin/pip install -r benchmarks/matching/requirements.txt
    .venv/bin/python benchmarks/matching/compare.py                      # 20,000 records, seeds 1 and 2
    .venv/bin/python benchmarks/matching/compare.py --scale 1000000 --write-docs
    options: --records N, --seeds 1 2, --budget-seconds 300, --tools galena,splink,recordlinkage,
             --threshold 0.5, --region RU (Galena's default phone region), --workdir DIR,
             --json OUT (all figures), --from-json IN (redo the report without running)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.matching import evaluate as ev  # noqa: E402
from benchmarks.matching import generate as gen  # noqa: E402

SECTION = "Matching quality (issue 5)"
TOOLS = ("galena", "splink", "recordlinkage")
GALENA_CLI = ROOT / ".venv" / "bin" / "galena"
GALENA_COMMAND = ROOT / "src" / "galena" / "matching" / "management" / "commands" / "dedupe.py"
ROLES = gen.RECORD_COLUMNS  # column name = role
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- running one tool -------------------------------------------------------------------
def _memory_of(pid: int) -> int:
    """Bytes of memory a process holds: its proportional set size (PSS), so pages a forked
    worker shares with its parent count once across the tree, not once per process; its
    resident set where the kernel gives no PSS."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return 0


def _tree_rss(root: int) -> int:
    """Bytes of memory of ``root`` and all its descendants (PSS, see _memory_of)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _memory_of(pid)
        todo.extend(children.get(pid, []))
    return total


def measure(command: list[str], budget: float, log: Path) -> dict:
    """Run ``command``; wall seconds, peak memory (MB) and how it ended."""
    start = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
    peak_tree, status, usage, timed_out = 0, 0, None, False
    next_sample = 0.0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        now = time.monotonic()
        if now >= next_sample:
            peak_tree = max(peak_tree, _tree_rss(proc.pid))
            next_sample = now + 0.2
        if now - start > budget and not timed_out:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.02)
    seconds = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = max(peak_tree, usage.ru_maxrss * 1024)
    if timed_out:
        outcome = f"stopped at the {budget:.0f} s budget"
    elif proc.returncode != 0:
        outcome = f"failed (exit {proc.returncode}, see {log})"
    else:
        outcome = "ok"
    return {"status": outcome, "seconds": seconds, "peak_mb": peak / 2**20, "log": str(log)}


def galena_available() -> bool:
    return GALENA_CLI.exists() and GALENA_COMMAND.exists()


def command_for(tool: str, records: Path, pairs: Path, args) -> list[str]:
    if tool == "galena":
        fields = [f"--field={role}={role}" for role in ROLES]
        command = [str(GALENA_CLI), "dedupe", "--csv", str(records), "--id-column", "id"]
        command += [*fields, "--out", str(pairs), "--threshold", str(args.threshold)]
        return command + (["--region", args.region] if args.region else [])
    python = args.baseline_python or sys.executable
    return [
        python,
        "-m",
        "benchmarks.matching.baselines",
        tool,
        str(records),
        str(pairs),
        "--threshold",
        str(args.threshold),
    ]


def run_tool(tool: str, records: Path, truth: ev.Truth, tag: str, args) -> dict:
    workdir = Path(args.workdir)
    pairs = workdir / f"pairs-{tool}-{tag}.csv"
    pairs.unlink(missing_ok=True)
    if tool == "galena" and not galena_available():
        return {"tool": tool, "status": "not available (no dedupe command yet)"}
    command = command_for(tool, records, pairs, args)
    print(f"  {tool}: {' '.join(command)}", file=sys.stderr, flush=True)
    result = {"tool": tool, "command": command}
    result |= measure(command, args.budget_seconds, workdir / f"log-{tool}-{tag}.txt")
    if result["status"] != "ok" or not pairs.exists():
        if result["status"] == "ok":
            result["status"] = "wrote no pairs file"
        return result
    scored = ev.read_scored_pairs(pairs)
    predicted = set(scored)
    true = truth.true_pairs()
    result["scores"] = ev.score(predicted, true).as_dict()
    cut, best = ev.best_threshold(scored, true)
    result["best_threshold"] = {"threshold": cut, **best.as_dict()}
    result["clustered"] = ev.closure_score(predicted, truth).as_dict()
    result["recall_by_kind"] = ev.recall_by_kind(predicted, truth)
    result["false_positives"] = ev.false_positives_by_lookalike(predicted, truth)
    print(
        "    {status}: P={precision:.4f} R={recall:.4f} F1={f1:.4f} in {s:.1f} s, {mb:.0f} MB".format(
            status=result["status"], s=result["seconds"], mb=result["peak_mb"], **result["scores"]
        ),
        file=sys.stderr,
        flush=True,
    )
    return result


def prepare(records: int, seed: int, workdir: Path) -> tuple[Path, ev.Truth, dict]:
    """The labelled file and the tools' file (no cluster, no labels) for one data set."""
    started = time.monotonic()
    rows = gen.generate(records, seed)
    labelled = workdir / f"records-{records}-seed{seed}.labelled.csv"
    plain = workdir / f"records-{records}-seed{seed}.csv"
    with open(labelled, "w", newline="", encoding="utf-8") as f:
        gen.write_csv(rows, f, labels=True)
    with open(plain, "w", newline="", encoding="utf-8") as f:
        gen.write_csv(rows, f, labels=False)
    info = gen.summary(rows) | {"seed": seed, "generated_in": time.monotonic() - started}
    truth = ev.Truth.from_rows(rows)
    return plain, truth, info


# --- the report -------------------------------------------------------------------------
BASELINE_PACKAGES = ("splink", "recordlinkage", "duckdb", "pandas")


def versions(baseline_python: str = "") -> dict[str, str]:
    """The packages' versions; the baselines' as the interpreter that runs them has them."""
    out = {}
    for package in ("galena", *BASELINE_PACKAGES, "numpy", "Faker"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "not installed"
    if baseline_python:
        asked = subprocess.run(
            [
                baseline_python,
                "-c",
                "import json, sys; from importlib import metadata as m; "
                "print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))",
                *BASELINE_PACKAGES,
            ],
            capture_output=True,
            text=True,
        )
        if asked.returncode == 0:
            out |= json.loads(asked.stdout)
    return out


def machine() -> dict[str, str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "arch": platform.machine(),
        "cpu": model or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory_gb": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f}",
        "python": platform.python_version(),
    }


def _f(value: float) -> str:
    return f"{value:.4f}"


def results_table(runs: list[dict]) -> list[str]:
    lines = [
        "| tool | records | seed | outcome | pairs | precision | recall | F1 | F1 clustered | best F1 (cut) | time (s) | peak memory (MB) |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        data = run["data"]
        for result in run["results"]:
            scores = result.get("scores")
            seconds = f"{result['seconds']:.1f}" if "seconds" in result else "–"
            memory = f"{result['peak_mb']:.0f}" if "peak_mb" in result else "–"
            if scores:
                cells = [
                    f"{scores['predicted']:,}",
                    _f(scores["precision"]),
                    _f(scores["recall"]),
                    _f(scores["f1"]),
                    _f(result["clustered"]["f1"]),
                    "{} ({:.3g})".format(
                        _f(result["best_threshold"]["f1"]), result["best_threshold"]["threshold"]
                    ),
                ]
            else:
                cells = ["–"] * 6
            row = [result["tool"], f"{data['records']:,}", str(data["seed"]), result["status"]]
            lines.append("| " + " | ".join(row + cells + [seconds, memory]) + " |")
    return lines


def kind_table(runs: list[dict]) -> list[str]:
    """Recall by corruption kind per tool, the seeds added up."""
    totals: dict[str, dict[str, list[int]]] = {}
    tools: list[str] = []
    for run in runs:
        if run.get("scale"):
            continue
        for result in run["results"]:
            if "recall_by_kind" not in result:
                continue
            if result["tool"] not in tools:
                tools.append(result["tool"])
            for kind, (total, found) in result["recall_by_kind"].items():
                cell = totals.setdefault(kind, {}).setdefault(result["tool"], [0, 0])
                cell[0] += total
                cell[1] += found
    if not tools:
        return []
    lines = [
        "| corruption kind (true pairs) | " + " | ".join(tools) + " |",
        "| --- |" + " ---: |" * len(tools),
    ]
    order = [k for k in (*gen.CORRUPTION_KINDS, "none") if k in totals]
    for kind in order:
        count = max(cell[0] for cell in totals[kind].values())
        cells = []
        for tool in tools:
            total, found = totals[kind].get(tool, [0, 0])
            cells.append(f"{found / total:.3f}" if total else "–")
        lines.append(f"| {kind} ({count:,}) | " + " | ".join(cells) + " |")
    return lines


def false_positive_table(runs: list[dict]) -> list[str]:
    rows: dict[str, dict[str, int]] = {}
    tools: list[str] = []
    for run in runs:
        if run.get("scale"):
            continue
        for result in run["results"]:
            if "false_positives" not in result:
                continue
            if result["tool"] not in tools:
                tools.append(result["tool"])
            for kind, count in result["false_positives"].items():
                rows.setdefault(kind, {}).setdefault(result["tool"], 0)
                rows[kind][result["tool"]] += count
    if not tools:
        return []
    lines = [
        "| false pairs joining | " + " | ".join(tools) + " |",
        "| --- |" + " ---: |" * len(tools),
    ]
    for kind in ("crowd", "namesake", "family", "other"):
        if kind in rows:
            cells = [f"{rows[kind].get(tool, 0):,}" for tool in tools]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    return lines


def report(payload: dict) -> str:
    env, runs = payload["environment"], payload["runs"]
    m = env["machine"]
    v = env["versions"]
    lines = [
        f"Run on {env['date']}: {m['arch']}, {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, "
        f"Python {m['python']}; galena {v['galena']}, splink {v['splink']}, recordlinkage "
        f"{v['recordlinkage']}, duckdb {v['duckdb']}, pandas {v['pandas']}, numpy {v['numpy']}.",
        "",
        f"    {env['command']}",
        "",
        "Records from `benchmarks/matching/generate.py` (lead-like people from the ru_RU, ro_RO, "
        "es_ES, fi_FI and en_GB Faker lists; ~30 % of them with 1–3 corrupted duplicates; "
        "crowds, namesakes and family members as hard non-matches; rates in the generator's "
        "docstring). Every tool gets the same CSV without labels and the same wall-clock budget "
        f"({env['budget_seconds']:.0f} s), runs unsupervised, and keeps the pairs it scores "
        f"≥ {env['threshold']}. Scores are over unordered pairs against all pairs within the "
        "true clusters; *F1 clustered* scores the transitive closure of the pairs; *best F1 "
        "(cut)* is the best F1 over the probability cuts ≥ the threshold, chosen with the "
        "labels (what tuning the threshold could give, an upper bound). Memory is the peak "
        "of the tool's process tree's summed proportional set size (PSS: pages a forked "
        "worker shares with its parent count once), or of the largest process's resident "
        "set if that is more.",
        "",
    ]
    for run in runs:
        d = run["data"]
        if not run.get("scale"):
            lines.append(
                f"- seed {d['seed']}: {d['records']:,} records, {d['people']:,} people, "
                f"{d['duplicated_people']:,} with duplicates, {d['true_pairs']:,} true pairs"
            )
    lines += ["", *results_table(runs), ""]
    kinds = kind_table(runs)
    if kinds:
        lines += [
            "Recall by corruption kind (the seeds above added up; a true pair counts under every kind either "
            "of its records carries, `none` = two clean records):",
            "",
            *kinds,
            "",
        ]
    fps = false_positive_table(runs)
    if fps:
        lines += [
            "False positives by what the two different people share (the seeds above added up): a crowd "
            "(the country's commonest name in its capital), namesakes in one city, a family "
            "(surname, address, a shared phone or e-mail), or nothing planted:",
            "",
            *fps,
            "",
        ]
    lines += [
        "Baselines as configured in `benchmarks/matching/baselines.py` (its docstring: the "
        "blocking rules, comparisons and training), installed with "
        "`.venv/bin/pip install -r benchmarks/matching/requirements.txt` — not project "
        "dependencies. They get the same light cleaning (lower case, diacritics folded, "
        "the phone's last nine digits) but no transliteration or nicknames.",
    ]
    notes = payload.get("notes")
    if notes:
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2])
    parser.add_argument("--budget-seconds", type=float, default=300)
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--region", default="", help="Galena's default phone region")
    parser.add_argument("--scale", type=int, default=0, help="also time Galena alone on N records")
    parser.add_argument("--scale-seed", type=int, default=7)
    parser.add_argument("--scale-budget-seconds", type=float, default=600)
    parser.add_argument("--workdir", default="/tmp/galena-matching-benchmark")
    parser.add_argument(
        "--baseline-python", default="", help="interpreter for splink/recordlinkage"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--from-json", type=Path, help="report from a saved --json, run nothing")
    parser.add_argument("--notes", type=Path, help="Markdown appended to the docs section")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)

    if args.from_json:
        payload = json.loads(args.from_json.read_text())
    else:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        tools = [t.strip() for t in args.tools.split(",") if t.strip()]
        runs = []
        for seed in args.seeds:
            print(f"seed {seed}: generating {args.records:,} records", file=sys.stderr, flush=True)
            records, truth, info = prepare(args.records, seed, Path(args.workdir))
            results = [
                run_tool(tool, records, truth, f"{args.records}-seed{seed}", args) for tool in tools
            ]
            runs.append({"data": info, "results": results})
        if args.scale:
            print(f"scale: generating {args.scale:,} records", file=sys.stderr, flush=True)
            records, truth, info = prepare(args.scale, args.scale_seed, Path(args.workdir))
            scale_args = argparse.Namespace(
                **{**vars(args), "budget_seconds": args.scale_budget_seconds}
            )
            result = run_tool(
                "galena", records, truth, f"{args.scale}-seed{args.scale_seed}", scale_args
            )
            runs.append({"data": info, "results": [result], "scale": True})
        payload = {
            "environment": {
                "date": dt.date.today().isoformat(),
                "machine": machine(),
                "versions": versions(args.baseline_python),
                "command": "python benchmarks/matching/compare.py "
                + " ".join(argv or sys.argv[1:]),
                "budget_seconds": args.budget_seconds,
                "threshold": args.threshold,
            },
            "runs": runs,
        }
    if args.notes:
        payload["notes"] = args.notes.read_text()
    if args.json:
        args.json.write_text(json.dumps(payload, indent=1, ensure_ascii=False))
    text = report(payload)
    print(text)
    if args.write_docs:
        from benchmarks.docs import replace_section

        replace_section(SECTION, text)
        print(f"wrote the '{SECTION}' section of docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
