"""The QA dip samples: each producer keeps a reservoir of three closed incidents per month and
handler; the parent merges them and writes one sample per month and team, reviewed."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from bench.volume.plan import Plan, Volume
from bench.volume.shapes import CHECKS, GRADES, LONDON, cumulative


def samples(run: Volume, plan: Plan, reservoirs: dict, out: dict[str, list[str]]) -> None:
    """One sample per month and team (three items per handler), reviewed; not the current month."""
    rng = run.rng
    now, ids = plan.now, defaultdict(int)
    grade_cum = list(cumulative(GRADES[1]))
    check_cum = list(cumulative(CHECKS[1]))

    def ts(seconds: int) -> str:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S+00")

    current = now.astimezone(LONDON).date().replace(day=1)
    samples: dict[tuple[date, int | None], int] = {}
    for (month, _handler), (_seen, picks) in sorted(reservoirs.items()):
        if month >= current:
            continue
        for incident, assessment, team in picks:
            supervisor = run.supervisor_of.get(team) or next(iter(run.supervisor_of.values()))
            next_month = (month + timedelta(days=32)).replace(day=1)
            drawn = int(datetime(next_month.year, next_month.month, 3, 9, tzinfo=UTC).timestamp())
            sample = samples.get((month, team))
            if sample is None:
                ids["sample"] += 1
                sample = samples[(month, team)] = ids["sample"]
                out["qa_sample"].append(
                    f"{sample}\t{month.isoformat()}\t{team}\t3\t{rng.randrange(2**62)}\t{supervisor}\t"
                    f"{ts(drawn)}\t\\N\t\\N\t1\tf\n"
                )
            ids["item"] += 1
            item = ids["item"]
            out["qa_sampleitem"].append(f"{item}\t{sample}\t{incident}\t{assessment}\t{_handler}\t{team}\n")
            if rng.random() < 0.03:  # some reviews are not done yet
                continue
            versions = 2 if rng.random() < 0.04 else 1
            for version in range(1, versions + 1):
                ids["review"] += 1
                g = rng.choices(GRADES[0], cum_weights=grade_cum, k=3)
                check = rng.choices(CHECKS[0], cum_weights=check_cum, k=1)[0]
                reviewed = drawn + 86400 * (1 + rng.randrange(10)) + 3600 * version
                acknowledged = ts(reviewed + 86400) if rng.random() < 0.8 else "\\N"
                out["qa_review"].append(
                    f"{ids['review']}\t{item}\t{version}\t{'t' if version == versions else 'f'}\t"
                    f"{month.isoformat()}\t"
                    f"{_handler}\t{team}\t{supervisor}\t{g[0]}\t{g[1]}\t{g[2]}\t{check}\t"
                    "Clear rationale; say more about the caller's support.\t"
                    f"{'t' if g[0] == 'outstanding' else 'f'}\t"
                    f"{'Grade corrected after a dispute.' if version > 1 else ''}\t{ts(reviewed)}\t{acknowledged}\n"
                )


def merge_reservoirs(into: dict, other: dict, rng: random.Random) -> None:
    """Merge two producers' reservoirs of the same (month, handler): three picks drawn, without
    replacement, with each side's picks weighted by how many closings it saw."""
    for key, (seen, picks) in sorted(other.items()):
        mine = into.get(key)
        if mine is None:
            into[key] = [seen, list(picks)]
            continue
        weighted = [(seen / len(picks), pick) for pick in picks] + [(mine[0] / len(mine[1]), p) for p in mine[1]]
        # Efraimidis-Spirakis: the three largest u ** (1 / weight).
        keyed = sorted(((rng.random() ** (1 / weight), pick) for weight, pick in weighted), reverse=True)
        into[key] = [seen + mine[0], [pick for _, pick in keyed[:3]]]
