"""bench/peak.py's figures: the sliding-window count, percentiles, the analysis of a run and
its table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import pct
from bench.fake_gateway import FakeNotify
from bench.peak_browser import HANDLER_PAGES, OTHER_PAGES, PeakOptions, Sample, page_of

if TYPE_CHECKING:  # the driver imports this module
    from bench.peak_driver import Driver


def max_in_any_window(times: list[float], window: float = 60.0) -> int:
    """The most events in any sliding `window` seconds (a window [t, t + window) starting at
    any event: the provider's view of "3,000 a minute", not calendar minutes)."""
    ordered = sorted(times)
    most = start = 0
    for end in range(len(ordered)):
        while ordered[end] - ordered[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50": round(pct(values, 50), 1), "p95": round(pct(values, 95), 1), "p99": round(pct(values, 99), 1)}


def error_kind(error: str) -> str:
    """An error in a few words, so a report counts kinds instead of quoting every repr."""
    lowered = error.lower()
    for needle, kind in (
        ("connection refused", "connection refused"),
        ("timed out", "timed out"),
        ("timeout", "timed out"),
        ("connection aborted", "connection reset"),
        ("connection reset", "connection reset"),
        ("sent to sign in", "sent to sign in"),
        ("driver:", "driver fault"),
    ):
        if needle in lowered:
            return kind
    status = error.split(" ", 1)[0]
    return f"HTTP {status}" if status.isdigit() else error[:60]


def error_kinds(errors: list[Sample]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for sample in errors:
        kind = error_kind(sample.error)
        kinds[kind] = kinds.get(kind, 0) + 1
    return dict(sorted(kinds.items(), key=lambda item: -item[1]))


def analyse(driver: Driver, plan: dict[str, Any], lines: list[tuple[int, str, str, int, float]],
            gateway: FakeNotify, texts: dict[str, int], options: PeakOptions) -> dict[str, Any]:  # fmt: skip
    """Per page the server's and the client's times and the errors; the texts at the gateway;
    the sessions seen on each server."""
    server: dict[str, list[float]] = {}
    server_errors: dict[str, int] = {}
    for _port, method, path, status, ms in lines:
        page = page_of(method, path)
        if page is None:
            continue
        server.setdefault(page, []).append(ms)
        if status >= 500:
            server_errors[page] = server_errors.get(page, 0) + 1
    client: dict[str, list[Sample]] = {}
    for sample in driver.recorder.samples:
        client.setdefault(sample.page, []).append(sample)
    pages: dict[str, Any] = {}
    for page in (*HANDLER_PAGES, *OTHER_PAGES):
        samples = client.get(page, [])
        errors = [s for s in samples if s.error]
        pages[page] = {
            "requests": len(samples),
            "server": {**percentiles(server.get(page, [])), "count": len(server.get(page, []))},
            "client": percentiles([(s.done - s.due) * 1000 for s in samples]),
            "late_ms_p99": round(pct([(s.sent - s.due) * 1000 for s in samples], 99), 1) if samples else None,
            "errors": len(errors),
            "server_5xx": server_errors.get(page, 0),
            "error_examples": sorted({s.error for s in errors})[:3],
            "error_kinds": error_kinds(errors),
        }
    # Sessions: every account that made requests, and whether both servers answered it.
    by_account: dict[str, set[int]] = {}
    asked: dict[str, int] = {}
    refused_sessions = 0
    for sample in driver.recorder.samples:
        asked[sample.account] = asked.get(sample.account, 0) + 1
        if sample.status and not sample.error:
            by_account.setdefault(sample.account, set()).add(sample.port)
        if "sign in" in sample.error:
            refused_sessions += 1
    # An account with fewer requests than servers (an analyst in a short run) cannot have been
    # on all of them: it is not counted, either way.
    by_account = {name: ports for name, ports in by_account.items() if asked[name] >= len(driver.ports)}
    page_logins = {a["username"] for a in [*plan["handlers"], *plan["supervisors"], plan["analyst"]] if a["page_login"]}
    both = [name for name, ports in by_account.items() if len(ports) == len(driver.ports)]
    references = gateway.references
    duplicates = len(references) - len(set(references))
    total = sum(p["requests"] for p in pages.values())
    handler_over = [p for p in HANDLER_PAGES if (pages[p]["server"].get("p95") or 0) > 100]
    return {
        "pages": pages,
        "requests": total,
        "errors": sum(p["errors"] for p in pages.values()),
        "requests_per_second": round(total / max(1.0, driver.driven_seconds), 1),
        "handler_pages_over_100ms": handler_over,
        "sessions": {
            "accounts": len(by_account),
            "answered_on_every_server": len(both),
            "page_logins_on_every_server": len(page_logins & set(both)),
            "page_logins": len(page_logins),
            "sent_to_sign_in": refused_sessions,
        },
        "texts": {
            **texts,
            "gateway_calls": len(references),
            "sent_twice": duplicates,
            # Retries that asked the gateway for a text before sending it again (victims.texts).
            "lookups": gateway.lookups,
            "max_in_any_60s": max_in_any_window(gateway.calls),
            "limit_per_minute": options.text_limit,
        },
        "calls_completed": len(driver.completed),
        "incidents": len(driver.references),
    }


def write(results: dict[str, Any], out: Path) -> None:
    (out / "peak.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "peak.md").write_text("\n".join(peak_table(results)) + "\n")


def peak_table(results: dict[str, Any]) -> list[str]:
    """The per-page table for docs/BENCHMARKS.md (bench/report.py) and var/bench/peak.md."""
    o = results["options"]
    t = results["texts"]
    s = results["sessions"]
    lines = [
        f"Open loop: {o['rate']:g} calls an hour ({results['driver']['calls_started']} calls arriving over "
        f"{o['seconds']:g} s, each {o['call_seconds'][0]:g}-{o['call_seconds'][1]:g} s long, autosaving every "
        f"{o['autosave_every']:g} s), {o['supervisors']} supervisors polling, one analyst; {o['servers']} gunicorn "
        f"servers, {o['workers']} Celery workers and one beat on one database and Redis. Load "
        f"{results['load_at_start']} at the start, {results['load_after_driving']} after the calls; "
        f"{results['requests']:,} requests ({results['requests_per_second']} a second), {results['errors']} errors; "
        f"{results['calls_completed']} of {results['driver']['calls_started']} calls completed (created to closed); "
        f"{results['driver']['connections_reset_and_sent_again']} requests sent again after the server closed a "
        "kept-alive connection"
        + (
            f"; {results['driver']['calls_unfinished_when_stopped']} calls still under way when the run's time "
            "was up (their later requests, met by the servers' shutdown, are not counted)."
            if results["driver"].get("calls_unfinished_when_stopped")
            else "."
        ),
        "",
        "| page | requests | server p50 / p95 / p99 ms | client p50 / p95 / p99 ms (from when due) | errors |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, row in results["pages"].items():
        server = " / ".join(str(row["server"].get(k, "–")) for k in ("p50", "p95", "p99"))
        client = " / ".join(str(row["client"].get(k, "–")) for k in ("p50", "p95", "p99"))
        marker = " (handler)" if name in HANDLER_PAGES else ""
        lines.append(f"| {name}{marker} | {row['requests']} | {server} | {client} | {row['errors']} |")
    lines += [
        "",
        f"Texts: {t['made']} made, {t.get('sent', 0)} sent, {t.get('queued', 0)} still queued, "
        f"{t.get('failed', 0)} failed; the gateway had {t['gateway_calls']} calls, {t['sent_twice']} of them a "
        f"text it had already had ({t.get('lookups', 0)} retries asked it first whether it had the text); "
        f"at most {t['max_in_any_60s']} in any 60 s (limit {t['limit_per_minute']}). "
        f"Sessions: {s['accounts']} accounts, {s['answered_on_every_server']} answered on every server "
        f"({s['page_logins_on_every_server']} of the {s['page_logins']} signed in through the sign-in page), "
        f"{s['sent_to_sign_in']} requests sent to sign in.",
    ]
    return lines
