"""The rows of one day range, as COPY text: the Python hot loop of the volume generator. Each
producer process runs it over its own days with its own random stream and id blocks."""

from __future__ import annotations

import functools
import itertools
import json
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings

from bench.volume.plan import Plan, Volume
from bench.volume.shapes import (
    CATEGORY_WEIGHTS,
    CHANNELS,
    CLOSE_MINUTES,
    GRADINGS,
    HOURLY,
    LONDON,
    STREETS,
    SUMMARIES,
    VICTIM_SHARE,
    Person,
    answers,
    cumulative,
    make_person,
)
from incidents.rules import rethrive_interval


def generate_rows(run: Volume, plan: Plan, out: dict[str, list[str]], flush: Any, chunk: int, first: int, last: int,
                  bases: dict, rng: random.Random, report: Any) -> dict[tuple[date, int], list[Any]]:  # fmt: skip
    """Days [first, last) of the plan as COPY text lines in `out` (flushed every `chunk`
    incidents): incidents, assessments, returns, reviews, victims and texts, with ids from the
    blocks in `bases`. Returns the reservoirs for the dip samples: (closed month, handler) ->
    [closings seen, up to three (incident, last assessment, team) picks]."""
    rand, choices = rng.random, rng.choices

    def randrange(a: int, b: int | None = None) -> int:
        return int(rand() * a) if b is None else a + int(rand() * (b - a))

    now = plan.now
    now_s = int(now.timestamp())
    first_day, per_day = plan.first_day, plan.per_day
    days = len(per_day)

    # Timestamps as text without datetime objects: a day's date string and an hh:mm:ss table.
    epoch0 = plan.epoch0
    day_strings = [(first_day + timedelta(days=d)).isoformat() for d in range(days + 40)]
    hms = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]

    def ts(seconds: int) -> str:
        off = seconds - epoch0
        return day_strings[off // 86400] + hms[off % 86400]

    hour_cum = list(cumulative(HOURLY))
    cat_codes = list(CATEGORY_WEIGHTS)
    cat_cum = list(cumulative(CATEGORY_WEIGHTS.values()))
    chan_cum = list(cumulative(CHANNELS[1]))
    grad_cum = list(cumulative(GRADINGS[1]))
    handlers = run.handlers
    supervisor_of = run.supervisor_of
    cat_ids = run.categories
    category_names = run.category_names
    closures, exempt_closures = run.closures, run.exempt_closures
    prompt_set = run.prompt_set_id
    base_url = settings.FORCE_ADVICE_BASE_URL
    # Rule 5's interval per grading, from the one rule, as seconds: the rows here are epoch
    # seconds, so the sum is elapsed time across the clock changes by construction.
    rethrive_seconds = {grading: int(rethrive_interval(grading).total_seconds()) for grading in GRADINGS[0]}

    # A few answer documents per (risk, grading, children, texting), dumped once.
    answer_cache: dict[tuple, str] = {}

    def answer_json(risk: str, grading: str, children: bool, send_link: bool, phone: str, variant: int) -> str:
        if send_link:  # the phone is the victim's own: dump this one
            return json.dumps(answers(risk=risk, grading=grading, children=children, send_link=True,
                                      phone=phone, variant=variant))  # fmt: skip
        key = (risk, grading, children, variant)
        text = answer_cache.get(key)
        if text is None:
            text = answer_cache[key] = json.dumps(
                answers(risk=risk, grading=grading, children=children, send_link=False, phone="", variant=variant)
            )
        return text

    persons: list[Person] = []
    households: list[tuple[str, str, str]] = []
    ids = defaultdict(int, {"return": bases["return"], "reviewed": bases["reviewed"], "text": bases["text"]})
    inc_out, ass_out = out["incidents_incident"], out["thrive_assessment"]
    ret_out, rev_out = out["thrive_assessmentreturn"], out["thrive_assessmentreviewed"]
    vic_out, text_out = out["victims_victim"], out["victims_text"]
    # Reservoirs for the dip samples: (closed month, handler) -> [seen, [(incident, assessment, team)]].
    reservoirs: dict[tuple[date, int], list[Any]] = {}
    done = since_flush = 0

    next_incident = itertools.count(bases["incident"] + 1).__next__
    next_assessment = itertools.count(bases["assessment"] + 1).__next__
    next_victim = itertools.count(bases["victim"] + 1).__next__

    @functools.lru_cache(maxsize=4096)
    def month_of_hour(hour: int) -> str:
        local = datetime.fromtimestamp(hour * 3600, LONDON)
        return f"{local.year:04d}-{local.month:02d}-01"

    def month_of(seconds: int) -> str:
        """The local month, first day, of an epoch second (months change on the hour)."""
        return month_of_hour(seconds // 3600)

    for d in range(first, last):
        count = per_day[d]
        if not count:
            continue
        day = first_day + timedelta(days=d)
        offset = int(datetime(day.year, day.month, day.day, 12, tzinfo=LONDON).utcoffset().total_seconds())
        day_start = epoch0 + d * 86400 - offset
        hours = choices(range(24), cum_weights=hour_cum, k=count)
        seconds = sorted(h * 3600 + randrange(3600) for h in hours)
        if d == days - 1:
            limit = now_s - day_start - 1
            seconds = [min(s, limit) for s in seconds]
        ref_prefix = f"{day:%d%m%y}-"
        cats = choices(cat_codes, cum_weights=cat_cum, k=count)
        chans = choices(CHANNELS[0], cum_weights=chan_cum, k=count)
        grads = choices(GRADINGS[0], cum_weights=grad_cum, k=count)
        for number in range(count):
            inc = next_incident()
            opened = day_start + seconds[number]
            code, grading = cats[number], grads[number]
            handler, team = handlers[randrange(len(handlers))]
            low, high = CLOSE_MINUTES[grading]
            closed = opened + 60 * (low + randrange(high - low))
            is_open = closed > now_s
            exempt = rand() < 0.05
            risk = "high" if code in ("domestic_abuse", "hate_crime", "missing_person") else "medium"
            if rand() < 0.3:
                risk = "low" if risk == "medium" else "medium"
            children = code == "domestic_abuse" and rand() < 0.4

            # The victim, maybe a repeat (same person) or someone in a known household.
            victim_person: Person | None = None
            if rand() < VICTIM_SHARE.get(code, 0.1) and not exempt:
                if persons and rand() < 0.22:
                    victim_person = persons[randrange(max(0, len(persons) - 40000), len(persons))]
                else:
                    victim_person = make_person(rng, households)
                    persons.append(victim_person)
                    if len(persons) > 400000:  # keep memory flat: old people seldom call again
                        del persons[:100000]

            # Assessments: 1-3 submitted versions, none for exempt closures; a draft on some open ones.
            versions = 0 if exempt else (1 if rand() < 0.8 else (2 if rand() < 0.75 else 3))
            first_at = opened + 60 * (2 + randrange(13))
            if is_open and first_at > now_s:
                versions = 0
            texting = victim_person is not None and victim_person.phone and rand() < 0.55
            last_id, last_at = 0, opened
            assessment_ids: list[tuple[int, int]] = []
            at = first_at
            for version in range(1, versions + 1):
                if version > 1:
                    at = last_at + 60 * (30 + randrange(210))
                    if at >= (now_s if is_open else closed):
                        break
                aid = next_assessment()
                sends = texting and version == 1
                document = answer_json(risk, grading, children, sends, victim_person.phone if sends else "",
                                       inc % 7)  # fmt: skip
                stamp = ts(at)
                # Compliance columns, as casework.services.assessment_record writes them.
                on_time = ("t" if at <= last_at + rethrive_seconds[grading] else "f") if version > 1 else chr(92) + "N"
                ass_out.append(
                    f"{aid}\t{inc}\t{version}\tsubmitted\t{prompt_set}\t{document}\t{handler}\t"
                    f"{last_id or chr(92) + 'N'}\t{risk}\t{ts(at - 240)}\t{stamp}\t{stamp}\t{month_of(at)}\t"
                    f"{on_time}\t{team}\n"
                )
                assessment_ids.append((aid, at))
                last_id, last_at = aid, at
            if is_open and rand() < 0.15 and (not assessment_ids or rand() < 0.5):
                draft_id = next_assessment()
                draft_at = min(now_s - 30, last_at + 60 * (1 + randrange(20)))
                document = answer_json(risk, grading, children, False, "", inc % 7)
                ass_out.append(
                    f"{draft_id}\t{inc}\t{len(assessment_ids) + 1}\tdraft\t{prompt_set}\t{document}\t"
                    f"{handler}\t\\N\t\t{ts(draft_at - 120)}\t{ts(draft_at)}\t\\N\t\\N\t\\N\t{team}\n"
                )

            # Supervision of the versions: returned (then revised by the next version), or reviewed.
            supervisor = supervisor_of.get(team)
            for index, (aid, at) in enumerate(assessment_ids):
                later = assessment_ids[index + 1] if index + 1 < len(assessment_ids) else None
                if later and rand() < 0.3 and supervisor:
                    ids["return"] += 1
                    back = at + (later[1] - at) // 2
                    ret_out.append(
                        f"{ids['return']}\t{aid}\t{handler}\t{supervisor}\tpoor_quality\t"
                        f'["vulnerability"]\tSay more about the caller\'s vulnerability.\t{ts(back)}\t'
                        f"{ts(later[1])}\t{later[0]}\n"
                    )
                elif later is None and supervisor and at < now_s - 7200 and rand() < 0.6:
                    ids["reviewed"] += 1
                    rev_out.append(f"{ids['reviewed']}\t{aid}\t{supervisor}\t{ts(at + 3600 + randrange(86400))}\n")

            if victim_person is not None:
                vid = next_victim()
                linked = opened + 60 + randrange(600)
                reference = f"{ref_prefix}{number + 1:04d}"
                matches = [h for h in victim_person.history[-3:] if opened - h[0] < 365 * 86400]
                outcome = "repeat" if matches else ("not_repeat" if rand() < 0.9 else "")
                # The shape victims.services.repeat_check_matches stores, newest first.
                match_json = json.dumps(
                    [
                        {
                            "reference": ref,
                            "opened_at": ts(at).replace(" ", "T") + ":00",
                            "category": match_code,
                            "category_name": category_names[match_code],
                            "matched_on": ["phone", "name_dob"],
                            "people": [victim_person.name],
                        }
                        for at, ref, match_code in reversed(matches)
                    ]
                )
                p = victim_person
                vic_out.append(
                    f"{vid}\t{inc}\t{p.name}\t{p.dob}\t{p.phone}\t{p.address}\t{p.postcode}\t{p.phone_e164}\t"
                    f"{p.name_key}\t{p.household_key}\t{ts(opened)}\t{ts(linked)}\t{match_json}\t{outcome}\t\t"
                    f"{handler if outcome else chr(92) + 'N'}\t{ts(linked + 30) if outcome else chr(92) + 'N'}\t"
                    f"{handler}\t{ts(linked)}\n"
                )
                p.history.append((opened, reference, code))
                if texting and assessment_ids:
                    aid, at = assessment_ids[0]
                    ids["text"] += 1
                    url, message = run.advice.get(cat_ids[code], (base_url, "Crime prevention advice:"))
                    age = now_s - at
                    state = "queued" if age < 20 or rand() < 0.002 else ("failed" if rand() < 0.04 else "delivered")
                    if state == "delivered" and age < 3600 and rand() < 0.5:
                        state = "sent"
                    null = "\\N"
                    sent = ts(at + 3) if state in ("sent", "delivered") else null
                    text_out.append(
                        f"{ids['text']}\t{inc}\t{aid}\t{handler}\t{p.phone_e164}\t{url}\t{message} {url}\t{state}\t"
                        f"{0 if state == 'queued' else (5 if state == 'failed' else 1)}\t{ts(at + 1)}\t{null}\t"
                        f"{'' if state in ('queued', 'failed') else 'ntf-' + str(ids['text'])}\t"
                        f"{'Permanent failure: number not in service' if state == 'failed' else ''}\t{ts(at)}\t"
                        f"{sent}\t{ts(at + 40) if state == 'delivered' else null}\t"
                        f"{ts(at + 900) if state == 'failed' else null}\t{month_of(at)}\n"
                    )

            # Close (an exempt code gives a reason), or stay open with the re-THRIVE clock.
            null = "\\N"
            if is_open:
                due = ts((last_at if assessment_ids else opened) + rethrive_seconds[grading])
                status, closed_s, closed_by, closure, reason = "open", null, null, null, ""
            else:
                status, closed_s, closed_by, due = "closed", ts(closed), handler, null
                if exempt:
                    closure, reason = exempt_closures[inc % len(exempt_closures)], "Duplicate of an earlier call."
                else:
                    closure, reason = closures[inc % len(closures)], ""
                if assessment_ids:
                    local = datetime.fromtimestamp(closed, LONDON)
                    key = (date(local.year, local.month, 1), handler)
                    entry = reservoirs.get(key)
                    if entry is None:
                        entry = reservoirs[key] = [0, []]
                    entry[0] += 1
                    pick = (inc, assessment_ids[-1][0], team)
                    if len(entry[1]) < 3:
                        entry[1].append(pick)
                    else:
                        slot = randrange(entry[0])
                        if slot < 3:
                            entry[1][slot] = pick
            inc_out.append(
                f"{inc}\t{ref_prefix}{number + 1:04d}\t{chans[number]}\t{cat_ids[code]}\t{grading}\t"
                f"{SUMMARIES[inc % len(SUMMARIES)]}\t{(inc % 200) + 1} {STREETS[inc % len(STREETS)]}\t{status}\t"
                f"{handler}\t{team if team else null}\t{ts(opened)}\t{due}\t{null}\t{closed_s}\t{closed_by}\t"
                f"{closure}\t{reason}\t{1 + len(assessment_ids) + (0 if is_open else 1)}\t{ts(opened)}\t"
                f"{null if is_open else month_of(closed)}\t{handler}\n"
            )
            done += 1
            since_flush += 1
            if since_flush >= chunk:
                flush()
                since_flush = 0
                report(done)
    flush()
    report(done)
    return reservoirs
