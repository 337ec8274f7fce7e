"""`bench/cad_replay.py`, the report: what the adapter sent and what the receiver got, the
verdict, and the files (var/bench/cad_replay.json and .txt; the "CAD replay" figures in
docs/BENCHMARKS.md with --docs)."""

import itertools
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.cad_adapter import Adapter
from bench.cad_day import Call
from bench.cad_receiver import Receiver
from bench.common import ROOT, pct

DOCS = ROOT / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- cad_replay:begin (written by bench/cad_replay.py --docs) -->", "<!-- cad_replay:end -->"


def _percentiles(values: list[float], digits: int = 1) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    return {f"p{p}": round(pct(values, p), digits) for p in (50, 95, 99)} | {"max": round(max(values), digits)}


def _key(arrival: dict[str, Any]) -> tuple:
    data = arrival["data"]
    if arrival["type"].startswith("assessment."):
        return (arrival["type"], data["reference"], data.get("version"))
    return (arrival["type"], data["reference"])


def report(calls: list[Call], adapter: Adapter, receiver: Receiver, results: dict[str, Any]) -> dict[str, Any]:
    endpoints: dict[str, dict[str, Any]] = {}
    by_label: dict[str, list[tuple[Any, float, bool]]] = defaultdict(list)
    for label, status, ms, ok in adapter.requests:
        by_label[label].append((status, ms, ok))
    for label, rows in sorted(by_label.items()):
        statuses = Counter(str(s) for s, _, _ in rows)
        endpoints[label] = {
            "requests": len(rows),
            "errors": sum(not ok for _, _, ok in rows),
            "5xx": sum(isinstance(s, int) and s >= 500 for s, _, _ in rows),
            "transport_errors": sum(n for s, n in statuses.items() if s.startswith("transport")),
            "statuses": dict(statuses),
            "latency_ms": _percentiles([ms for _, ms, _ in rows]),
        }
    arrivals = receiver.snapshot()
    accepted: dict[str, list[dict[str, Any]]] = defaultdict(list)  # webhook-id -> its 2xx deliveries
    tries: Counter = Counter()
    for arrival in arrivals:
        tries[arrival["id"]] += 1
        if 200 <= arrival["status"] < 300:
            accepted[arrival["id"]].append(arrival)
    # A retry: the same webhook-id again after a try that was not answered 2xx (at least once).
    retries = sum(n - len(accepted.get(i, [])) for i, n in tries.items() if n > len(accepted.get(i, [])))
    duplicates = sum(len(rows) - 1 for rows in accepted.values() if len(rows) > 1)
    first = {i: rows[0] for i, rows in accepted.items()}
    received_keys = Counter(_key(a) for a in first.values())
    expected = set(adapter.expected)
    ours = {k: n for k, n in received_keys.items() if k[1] in {c.reference for c in calls}}
    lost = sorted(str(k) for k in expected - set(ours))
    unexpected = sorted(str(k) for k in set(ours) - expected)
    recorded_twice = sorted(str(k) for k, n in ours.items() if n > 1)
    # In order per incident: each incident's events arrive (first 2xx) in the order they were written.
    per_incident: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for arrival in sorted(first.values(), key=lambda a: a["arrived"]):
        per_incident[arrival["data"]["reference"]].append(arrival)
    out_of_order = sum(
        any(a["timestamp"] > b["timestamp"] for a, b in itertools.pairwise(rows)) for rows in per_incident.values()
    )
    lag = [a["arrived"] - datetime.fromisoformat(a["timestamp"]).timestamp() for a in first.values()]
    closures = Counter(adapter.closed)
    database = results.get("database", {})
    figures = {
        "calls": len(calls),
        "calls_completed": len(calls) - len(adapter.failures),
        "failures": adapter.failures[:50],
        "closure_check_disagreements": adapter.disagreements[:50],
        "requests": len(adapter.requests),
        "requests_per_second": round(len(adapter.requests) / results["replay_seconds"], 1),
        "endpoints": endpoints,
        "schedule_late_s": _percentiles(adapter.late, 2),
        "events_expected": len(expected),
        "events_received": len(set(ours) & expected),
        "deliveries_accepted": sum(len(r) for r in accepted.values()),
        "posts_received": len(arrivals),
        "retries": retries,
        "duplicates": duplicates,
        "lost": len(lost),
        "lost_examples": lost[:20],
        "unexpected": len(unexpected),
        "unexpected_examples": unexpected[:20],
        "events_recorded_twice": len(recorded_twice),
        "out_of_order_incidents": out_of_order,
        "bad_signatures": receiver.bad_signatures,
        "closes_replayed": adapter.replayed,
        # Incidents with two closing log entries, or whose close reached the receiver as two events.
        "duplicated_closures": max(
            database.get("incidents_closed_twice", 0),
            sum(n > 1 for k, n in ours.items() if k[0] == "incident.closed"),
            sum(n > 1 for n in closures.values()),
        ),
        "delivery_lag_ms": _percentiles([1000 * x for x in lag]),
    }
    five_xx = sum(e["5xx"] for e in endpoints.values())
    transport = sum(e["transport_errors"] for e in endpoints.values())
    figures["passed"] = not (
        figures["lost"] or figures["duplicated_closures"] or five_xx or transport or figures["bad_signatures"]
        or adapter.failures or database.get("deliveries_pending") or database.get("deliveries_failed")
        or results.get("drain_seconds") is None or figures["out_of_order_incidents"]
        or figures["events_recorded_twice"] or adapter.disagreements
    )  # fmt: skip
    figures["text"] = text({**results, **figures})
    return figures


def text(r: dict[str, Any]) -> str:
    o = r["options"]
    peak = max((float(x.split()[0]) for x in r["load_during"]), default=0.0)
    database = r["database"]
    lines = [
        f"CAD replay {r['started']}: {r['calls']:,} calls at {o['speed']:g}x (seed {o['seed']}, {o['takers']} call "
        f"takers), replayed in {r['replay_seconds'] / 60:.1f} min, outbox drained {r['drain_seconds']} s after. "
        f"Verdict: **{'passed' if r['passed'] else 'FAILED'}**.",
        "",
        f"Load average (1, 5, 15 min): {r['load_at_start']} at the start, {r['load_after_replay']} at the end of "
        f"the replay; highest 1-min reading during it {peak:.2f}. "
        f"gunicorn 3 workers x 4 threads, one Celery worker (threads x {o['worker_threads']}), the adapter "
        f"({o['adapter_threads']} threads) and the receiver on the same 2 cores, with PostgreSQL and Redis.",
        "",
        f"- Calls replayed: {r['calls_completed']:,} of {r['calls']:,} completed; {r['requests']:,} requests "
        f"({r['requests_per_second']} a second on average); closure checks that disagreed with the close: "
        f"{len(r['closure_check_disagreements'])}.",
        f"- Events: {r['events_expected']:,} expected, {r['events_received']:,} received, **{r['lost']} lost**, "
        f"{r['unexpected']} unexpected, {r['events_recorded_twice']} recorded twice, {r['out_of_order_incidents']} "
        f"incidents out of order; {r['bad_signatures']} bad signatures.",
        f"- Deliveries: {r['posts_received']:,} POSTs received, {r['deliveries_accepted']:,} accepted; "
        f"{r['retries']} retries (the same webhook-id after a refused try; the receiver refused "
        f"{o['fail_rate']:.0%} of first tries on purpose), **{r['duplicates']} duplicates** (one webhook-id "
        f"accepted twice). Outbox at the end: {r['database'].get('deliveries_pending')} pending, "
        f"{r['database'].get('deliveries_failed')} failed.",
        f"- Closures: {database.get('incidents_closed'):,} incidents closed of {database.get('incidents'):,}; "
        f"**{r['duplicated_closures']} closed twice**; {r['closes_replayed']} retried closes answered from the "
        "idempotency record.",
        f"- Event delivery lag (event written to its first accepted arrival), ms: p50 {r['delivery_lag_ms']['p50']}, "
        f"p95 {r['delivery_lag_ms']['p95']}, p99 {r['delivery_lag_ms']['p99']}, max {r['delivery_lag_ms']['max']}.",
        f"- Steps started late against the schedule, s: p50 {r['schedule_late_s']['p50']}, p95 "
        f"{r['schedule_late_s']['p95']}, max {r['schedule_late_s']['max']}.",
        "",
        "| endpoint | requests | errors | 5xx | statuses | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, e in r["endpoints"].items():
        t = e["latency_ms"]
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(e["statuses"].items()))
        lines.append(f"| {label} | {e['requests']:,} | {e['errors']} | {e['5xx']} | {statuses} | {t['p50']} | "
                     f"{t['p95']} | {t['p99']} | {t['max']} |")  # fmt: skip
    for name in ("failures", "closure_check_disagreements", "lost_examples", "unexpected_examples"):
        if r.get(name):
            lines += ["", f"{name}: " + "; ".join(map(str, r[name][:10]))]
    return "\n".join(lines)


def write(results: dict[str, Any], out: Path, *, docs: bool) -> None:
    (out / "cad_replay.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (out / "cad_replay.txt").write_text(results["text"] + "\n")
    if docs:
        page = DOCS.read_text()
        section = f"{BEGIN}\n{results['text']}\n{END}"
        if BEGIN in page:
            page = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: section, page, flags=re.S)
        else:
            page += f"\n{section}\n"
        DOCS.write_text(page)
