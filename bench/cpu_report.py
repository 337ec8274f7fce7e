"""bench/cpu.py's figures: each page's CPU per request as a ratio to bare_signed, the
signed-in floor (bare_signed against the bare Django project), and where they are written:
benchmarks.json's "cpu" and a section at the end of BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import load_average

# Issue 18's targets.
PAGE_TARGET = 2.5  # every handler and supervisor page, CPU, at most this times bare_signed
FLOOR_TARGET = 1.5  # bare_signed at most this times the bare project's page


def summarise(
    results: dict[str, Any], args: argparse.Namespace, load_before: str, incidents: int | None = None
) -> dict[str, Any]:
    ref = results["bare_signed"]
    ref_best, ref_median = min(ref["runs"]), statistics.median(ref["runs"])
    rows = {}
    for name, row in results.items():
        best, median = min(row["runs"]), statistics.median(row["runs"])
        out = {
            **{k: v for k, v in row.items() if k != "runs"},
            "best_ms": round(best * 1000, 3), "median_ms": round(median * 1000, 3),
            "runs_ms": [round(r * 1000, 3) for r in row["runs"]],
        }  # fmt: skip
        if name != "bare_signed":
            out["ratio_best"] = round(best / ref_best, 2)
            out["ratio_median"] = round(median / ref_median, 2)
        if row["group"] in {"handler", "supervisor"}:
            out["target"] = PAGE_TARGET
            out["met"] = out["ratio_median"] <= PAGE_TARGET
        rows[name] = out
    summary: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "runs": args.runs, "number": args.number, "load_before": load_before, "load_after": load_average(),
        "incidents": incidents_count() if incidents is None else incidents, "pages": rows,
    }  # fmt: skip
    if "bare" in rows:
        floor = rows["bare"]
        summary["floor"] = {
            "bare_signed_ms": rows["bare_signed"]["median_ms"], "bare_django_ms": floor["median_ms"],
            "ratio_median": round(ref_median / statistics.median(results["bare"]["runs"]), 2),
            "ratio_best": round(ref_best / min(results["bare"]["runs"]), 2), "target": FLOOR_TARGET,
        }  # fmt: skip
        summary["floor"]["met"] = summary["floor"]["ratio_median"] <= FLOOR_TARGET
    return summary


def incidents_count() -> int:
    from incidents.models import Incident

    return Incident.objects.count()


CPU_BEGIN, CPU_END = "<!-- bench-cpu:begin (written by bench/cpu.py) -->", "<!-- bench-cpu:end -->"


def markdown(cpu: dict[str, Any]) -> list[str]:
    floor = cpu.get("floor") or {}
    lines = [
        CPU_BEGIN,
        f"Run {cpu['started']}: {cpu['incidents']:,} incidents; {cpu['runs']} runs × {cpu['number']} requests per "
        f"page, the pages alternating; load {cpu['load_before']} → {cpu['load_after']}. CPU of the process per "
        "request (time.process_time) through Django's WSGI handler in-process, signed in, DEBUG off "
        "(bench/cpu.py). Ratios are to bare_signed, median run to median run.",
        "",
    ]
    if floor:
        lines += [
            f"Signed-in floor: bare_signed {floor['bare_signed_ms']} ms against {floor['bare_django_ms']} ms for the "
            f"same page in a bare Django project (bench/bare_project: default middleware, sessions in the database): "
            f"**{floor['ratio_median']}×** (best runs {floor['ratio_best']}×), target ≤ {floor['target']}×: "
            f"{'met' if floor['met'] else 'missed'}.",
            "",
        ]
    lines += [
        "| page | whose | median ms | best ms | ratio (median) | ratio (best) | queries | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, row in cpu["pages"].items():
        target = f"≤ {row['target']}×: {'met' if row['met'] else 'missed'}" if "target" in row else ""
        lines.append(
            f"| {name} | {row['group']} | {row['median_ms']} | {row['best_ms']} | {row.get('ratio_median', 1.0)}× | "
            f"{row.get('ratio_best', 1.0)}× | {row.get('queries', '')} | {target} |"
        )
    lines.append(CPU_END)
    return lines


def write(cpu: dict[str, Any], destination: Path) -> None:
    """benchmarks.json's "cpu" (the rest of the file kept) and the section at the end of
    BENCHMARKS.md (the rest of the file kept)."""
    destination.mkdir(parents=True, exist_ok=True)
    path = destination / "benchmarks.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["cpu"] = cpu
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    write_markdown(cpu, destination / "BENCHMARKS.md")


def write_markdown(cpu: dict[str, Any], path: Path) -> None:
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    if CPU_BEGIN not in text:
        text = text.rstrip("\n") + "\n\n## CPU per request against the signed-in floor (issue 18)\n\n" + CPU_BEGIN
        text += "\n" + CPU_END + "\n"
    head, rest = text.split(CPU_BEGIN, 1)
    tail = rest.split(CPU_END, 1)[1]
    path.write_text(head + "\n".join(markdown(cpu)) + tail)
