"""CPU per render of the assessment form's markup, in-process (issue 14: the form must not get
slower when its markup is built by escaping builders).

    .venv/bin/python -m bench.form_cpu [--runs 15] [--number 500] [--against GIT_REV]

Renders the shipped THRIVE-SP wording (thrive migration 0002) with a complete set of answers
that asks for a text, a "Send again" choice with one earlier text, one section with an error,
and a choice whose value needs escaping: first the layout and the markup together (what the
page pays), then the markup alone (thrive.form_html). Prints the best of the runs, in
microseconds of this process's CPU per render (time.process_time, so that other work on a
busy machine is not counted). With --against, thrive/form_html.py as it was at GIT_REV is
measured too, the two alternating run by run so that both see the same machine. No
database: the wording and answers are built here.
"""

import argparse
import copy
import importlib
import os
import subprocess
import sys
import time
import timeit
import types
from datetime import UTC, datetime
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402

import thrive.form_html  # noqa: E402
from thrive.forms import ResendChoice, form_layout  # noqa: E402

ANSWERS: dict[str, Any] = {
    "threat": 'Ex-partner threatened to come back tonight & "finish it".',
    "harm": "Bruising to the arm; caller frightened.",
    "risk": "Likely to return; history of two previous calls.",
    "investigation": "Suspect details taken; neighbour witnessed the assault.",
    "vulnerability": "Caller is pregnant and lives alone.",
    "engagement": "Officer to attend within the hour; caller told what to expect.",
    "children_involved": True,
    "voice_of_child": "",
    "risk_level": "high",
    "grading": "priority",
    "rationale": "Risk of further violence tonight <child present>.",
    "scene_preservation": {
        "forensic_opportunities": "yes",
        "evidence_retainable": "no",
        "csi_required": "not_known",
        "advice": "Do not clean the kitchen; keep the broken glass where it fell.",
    },
    "prevention": {
        "advice": "Advised to keep doors locked and call 999 if he returns.",
        "send_link": True,
        "link_not_sent_reason": "",
        "safe_to_text_confirmed": True,
        "phone": "07700 900123",
    },
}
ERRORS = {"voice_of_child": ["Record what the child said or why it could not be heard"]}


def wording() -> list[dict[str, Any]]:
    shipped = importlib.import_module("thrive.migrations.0002_default_prompt_sets").THRIVE_SP
    sections = copy.deepcopy(shipped)
    # One choice whose value holds the characters escaping changes, chosen in the answers.
    for section in sections:
        for prompt in section["prompts"]:
            if prompt.get("field") == "risk_level":
                prompt["choices"] = [*prompt["choices"], ["a&b<c>\"d'", "Other & <unusual>"]]
    return sections


def form_html_at(rev: str) -> types.ModuleType:
    """thrive/form_html.py as it was at a git revision, loaded beside the current one."""
    source = subprocess.run(  # noqa: S603 - a fixed git command on this repository
        ["git", "show", f"{rev}:thrive/form_html.py"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType(f"form_html_at_{rev}")
    exec(compile(source, f"{rev}:thrive/form_html.py", "exec"), module.__dict__)  # noqa: S102 - our own file
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--number", type=int, default=500)
    parser.add_argument("--against", help="a git revision whose thrive/form_html.py to measure as well")
    args = parser.parse_args()
    sections = wording()
    max_length = settings.ASSESSMENT_TEXT_MAX_LENGTH
    previous = [{"masked": "07*** ***123", "created_at": datetime(2026, 11, 30, 9, 5, tzinfo=UTC), "status": "sent"}]
    builders = {"now": thrive.form_html}
    if args.against:
        builders[args.against] = form_html_at(args.against)

    def layout() -> list[Any]:
        return form_layout(sections, ANSWERS, ERRORS, resend=ResendChoice.from_data(previous, ANSWERS))

    rows = layout()
    cases = {}
    for label, module in builders.items():
        section_html = module.section_html
        cases[(label, "layout + markup")] = lambda f=section_html: "".join(
            f(row, max_length=max_length) for row in layout()
        )
        cases[(label, "markup only")] = lambda f=section_html: "".join(f(row, max_length=max_length) for row in rows)
    sizes = {label: len(cases[(label, "markup only")]()) for label in builders}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.runs):
        for key, func in cases.items():
            took = timeit.Timer(func, timer=time.process_time).timeit(number=args.number) / args.number
            best[key] = min(best[key], took)
    for (label, what), seconds in best.items():
        print(f"{label:>10} {what}: {seconds * 1e6:.1f} µs CPU per render ({sizes[label]:,} characters)")
    print(f"best of {args.runs} runs × {args.number} renders; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
