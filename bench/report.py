# ruff: noqa: S607 - a fixed psql command
"""`make bench`, the report: the machine, each page's ratio to its reference, and the measured
section of docs/BENCHMARKS.md and docs/benchmarks.json."""

import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench.common import OUT, ROOT
from bench.cpu_report import write_markdown as write_cpu_markdown
from bench.peak import peak_table
from bench.verdict import verdict_table


def machine() -> dict[str, Any]:
    cpu = ""
    with Path("/proc/cpuinfo").open() as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with Path("/proc/meminfo").open() as handle:
        memory = f"{int(handle.readline().split()[1]) // 1024 // 1024} GB"
    pg = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                        capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "postgresql": pg}  # fmt: skip


TARGETS = {
    "assessment_form": ("bare_page", 2.0),
    "assessment_submit": ("bare_insert", 1.5),
    "incident_detail": ("bare_page", None),
    "incident_list": ("bare_page", None),
    "handler_home": ("bare_page", None),
    "incident_close": ("bare_insert", None),
    "supervisor_queue": ("bare_page", None),
    "compliance": ("compliance_sql", 1.5),
    "qa_dashboard": ("qa_monthly_sql", 1.5),
    "api_qa_monthly": ("qa_monthly_sql", 1.5),
}


# Issue 8: every page a call handler uses, p95 under 100 ms at 10 concurrent.
HANDLER_PAGES = ("incident_detail", "assessment_form", "incident_list", "handler_home")
HANDLER_PAGE_P95 = 100


def ratios(results: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for scenario, (reference, target) in TARGETS.items():
        page = results["scenarios"].get(scenario, {})
        ref = results["scenarios"].get(reference) or results["references"].get(reference) or {}
        if page.get("p95") and ref.get("p95"):
            out[scenario] = {"reference": reference, "ratio_p95": round(page["p95"] / ref["p95"], 2), "target": target}
    return out


def report_dir(small: bool) -> Path:
    """Where a run's report goes: a small run (`make bench SMALL=1`) to var/bench/, leaving the
    committed full-size figures in docs/ alone; the full run updates docs/ (issue 18)."""
    return OUT if small else ROOT / "docs"


def write_reports(results: dict[str, Any], destination: Path | None = None) -> None:
    destination = destination or ROOT / "docs"
    destination.mkdir(parents=True, exist_ok=True)
    results["ratios"] = ratios(results)
    small_report_target(results, destination)
    (destination / "benchmarks.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    lines = [
        "| scenario | p50 ms | p95 ms | p99 ms | server p50 / p95 / p99 ms | req/s | requests | failures "
        "| p95 ratio (reference) | load before → after |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for name, row in results["scenarios"].items():
        ratio = results["ratios"].get(name)
        text = f"{ratio['ratio_p95']}× ({ratio['reference']})" if ratio else ""
        if ratio and ratio["target"]:
            text += f", target ≤ {ratio['target']}×"
        if name in HANDLER_PAGES and row.get("p95"):
            text += ("; " if text else "") + ("under" if row["p95"] < HANDLER_PAGE_P95 else "over") + " 100 ms"
        server = row.get("server") or {}
        server_text = " / ".join(str(server.get(k, "–")) for k in ("p50", "p95", "p99"))
        lines.append(
            f"| {name} | {row.get('p50', '–')} | {row.get('p95', '–')} | {row.get('p99', '–')} | {server_text} | "
            f"{row.get('rps', '–')} | "
            f"{row.get('count', 0)} | {row.get('failures', '–')} | {text} | {row.get('load', '')} |"
        )
    for name, label in (("qa_monthly_sql", "QA dashboard"), ("compliance_sql", "compliance")):
        sql = results["references"].get(name)
        if sql:
            lines.append(
                f"| {name}: the {label} aggregate's {len(sql['sql'])} queries bare ({results['users']} threads, "
                f"psycopg) | {sql['p50']} | {sql['p95']} | {sql['p99']} | | {sql['rps']} | "
                f"{sql['count']} | 0 | reference | {sql['load']} |"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    write_markdown(results, lines, destination / "BENCHMARKS.md")
    if results.get("cpu"):  # bench/cpu.py's section, at the end of the file
        write_cpu_markdown(results["cpu"], destination / "BENCHMARKS.md")
    print(json.dumps({k: results.get(k) for k in ("repeat_check", "texts", "ratios")}, indent=1, default=str))


def small_report_target(results: dict[str, Any], destination: Path) -> None:
    """Issue 18's target on where a report goes, as this run did it."""
    from bench.verdict import target_set

    small = destination == OUT
    where = destination.relative_to(ROOT) if destination.is_relative_to(ROOT) else destination
    target_set(
        results, "small_report", limit="SMALL=1 to var/bench/, the full run to docs/",
        figure=f"this {'small' if small else 'full'} run wrote {where}/",
        passed=small or destination == ROOT / "docs", why="tests/perf/test_bench_report.py checks both",
    )  # fmt: skip


BEGIN, END = "<!-- bench:begin (written by bench/run.py) -->", "<!-- bench:end -->"


def write_markdown(results: dict[str, Any], table: list[str], path: Path) -> None:
    """Replace the measured section of docs/BENCHMARKS.md; the analysis around it is kept."""
    m = results["machine"]
    counts = ", ".join(f"{table}: {n:,}" for table, n in results["counts"].items())
    repeat = results.get("repeat_check", {})
    body = [
        BEGIN,
        f"Run {results['started']} ({results['seconds']} s in all). Machine: {m['cpu']}, {m['cores']} cores, "
        f"{m['memory']}, Python {m['python']}, PostgreSQL {m['postgresql']}. Load average (1, 5, 15 min) at the "
        f"start: {results['load_at_start']}. The benchmark's own processes (gunicorn, PostgreSQL, locust, the "
        "worker) share the cores, and anything else running adds to the noise: the load is recorded beside "
        "each figure.",
        "",
        "Issue 18's targets, each measured in this run (bench/verdict.py):",
        "",
        *verdict_table(results),
        "",
        f"Data: {results['incidents']:,} incidents over {results['years']} years ({counts}); database "
        f"{results.get('database_size', '?')}."
        + (
            f" Generated in this run in {results['generated_seconds']} s (then {results.get('vacuum_seconds')} s of "
            "VACUUM ANALYZE on the four tables the dashboards count, as autovacuum would do after a bulk load)."
            if results.get("generated_seconds")
            else ""
        )
        + (
            f" The monthly summary (issue 18: settled months of the dashboards) was brought up to date in "
            f"{results['summary_seconds']} s before the run, so the dashboards read it."
            if results.get("summary_seconds") is not None
            else ""
        ),
        "",
        f"Each scenario: locust headless, {results['users']} users, no wait, {results['duration']} s, against gunicorn "
        f"({results.get('workers', 3)} workers × {results.get('threads', 4)} threads, DEBUG off) on the same "
        "machine. Times are locust's client-side response times "
        "in ms (the server's time plus the loopback; locust shares the cores); the server's own time per request "
        "is gunicorn's (its access log's request time). Ratios compare client-side p95s; dashboards compare "
        "with their aggregate's SQL run bare from as many threads.",
        "",
        *table,
        "",
        f"Repeat-victim check (victims.services.repeat_check_matches, in-process, one at a time, "
        f"{repeat.get('count', 0)} random victims of {repeat.get('victims', 0):,}): p50 {repeat.get('p50')} ms, "
        f"p95 {repeat.get('p95')} ms, p99 {repeat.get('p99')} ms (load {repeat.get('load')}).",
        "",
        "Texts through one Celery worker, fake gateway 50 ms a call:",
        "",
        "| worker | limit/min | texts | sent | per minute | most in a calendar minute | most in any 60 s | load |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in results.get("texts", []):
        body.append(
            f"| {run['pool']} × {run['worker_concurrency']} | {run['limit_per_minute']} | {run['queued']} | "
            f"{run['sent']} | {run['per_minute']} | {run['max_in_a_calendar_minute']} | {run['max_in_any_60s']} | "
            f"{run['load']} |"
        )
    if results.get("peak"):
        body += ["", "The peak, open loop, on several nodes (bench/peak.py):", "", *peak_table(results["peak"])]
    for note in results.get("notes", []):
        body += ["", f"Note: {note}"]
    body.append(END)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(head + "\n".join(body) + tail)
