"""Demo data for rules 8 and 9, called once by `seed_demo`: a second published wording
(the voice-of-the-child prompts strengthened, as after the force's QA), partial
acknowledgement, and open and answered returns in both teams."""

import copy
from datetime import timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from casework.services import assessment_record
from incidents.models import Status
from thrive.models import Assessment, AssessmentReturn, AssessmentStatus, PromptSet, PromptSetStatus
from thrive.returns import assessment_return
from thrive.wording import (
    briefing_record,
    prompt_set_draft_start,
    prompt_set_publish,
    prompt_set_update_draft,
    wording_acknowledge,
)

V2_SUMMARY = (
    "Voice of the child strengthened after QA: in Harm, record the child's own words and how they are "
    "affected; in Vulnerability, who is caring for each child now; a new note in Engagement to tell "
    "the caller what will happen for the children."
)
ACKNOWLEDGED = ("handler1", "handler2", "handler4", "supervisor1")
BRIEFED = ("handler1", "handler3", "supervisor1")
RETURNS = [
    (
        "supervisor1",
        "poor_quality",
        ["prevention"],
        "The prevention advice is generic. Record what you advised "
        "this caller about their own doors and windows, and whether they agreed to a text.",
    ),
    (
        "supervisor1",
        "missing",
        ["vulnerability", "harm"],
        "Children were mentioned in the call but the voice of "
        "the child is not recorded. Say what they saw or heard and who is caring for them.",
    ),
    ("supervisor1", "poor_quality", ["scene_preservation"], "Say exactly what the caller was asked not to touch."),
    (
        "supervisor2",
        "poor_quality",
        ["risk"],
        "The risk section repeats the threat. Explain the likelihood of further harm tonight and why.",
    ),
    ("supervisor2", "missing", ["prevention"], "No prevention advice is recorded."),
]


def _v2_sections(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    new = copy.deepcopy(sections)
    by_key = {s["key"]: s for s in new}
    for prompt in by_key["harm"]["prompts"]:
        if prompt.get("field") == "voice_of_child":
            prompt["hint"] = (
                "In the child's own words where you have them: what has each child seen, heard or said? "
                "How are they affected now, and what do they need tonight?"
            )
    for prompt in by_key["vulnerability"]["prompts"]:
        if prompt.get("type") == "guidance":
            prompt["hint"] = (
                "When children are involved, record for each child what makes them vulnerable, who is caring "
                "for them now and whether that person is safe."
            )
    by_key["engagement"]["prompts"].append(
        {
            "type": "guidance",
            "label": "Voice of the child: engagement",
            "hint": "Tell the caller what will happen next for the children, and record what you told them.",
            "required": "optional",
            "show_when": "children_involved",
        }
    )
    return new


def seed_returns_and_wording(stdout: Any = None) -> None:
    if AssessmentReturn.objects.exists():
        return
    trainer = User.objects.get(username="trainer1")
    if not PromptSet.objects.filter(family="thrive_sp", version__gte=2, status=PromptSetStatus.PUBLISHED).exists():
        draft = prompt_set_draft_start(actor=trainer)
        prompt_set_update_draft(
            prompt_set=draft, actor=trainer, sections=_v2_sections(draft.sections), change_summary=V2_SUMMARY
        )
        v2 = prompt_set_publish(prompt_set=draft, actor=trainer)
        for username in ACKNOWLEDGED:
            wording_acknowledge(user=User.objects.get(username=username), prompt_set=v2)
        # A training-day briefing on v2: attendance is what counts as trained (rule 9).
        briefing_record(
            actor=trainer,
            held_on=timezone.localdate() - timedelta(days=3),
            topic="The voice of the child in harm and vulnerability",
            prompt_set_id=v2.pk,
            attendee_ids=list(User.objects.filter(username__in=BRIEFED, is_active=True).values_list("pk", flat=True)),
        )

    newer = Assessment.objects.filter(
        incident=OuterRef("incident"), status=AssessmentStatus.SUBMITTED, version__gt=OuterRef("version")
    )
    made: list[AssessmentReturn] = []
    for username, reason, sections, feedback in RETURNS:
        supervisor = User.objects.get(username=username)
        candidate = (
            Assessment.objects.filter(
                status=AssessmentStatus.SUBMITTED,
                incident__status=Status.OPEN,
                incident__team_id=supervisor.team_id,
                author__role="call_handler",
            )
            .exclude(Exists(newer))
            .exclude(returns__isnull=False)
            .select_related("incident", "prompt_set")
            .order_by("-submitted_at")
            .first()
        )
        if candidate is None:
            continue
        made.append(
            assessment_return(
                assessment=candidate, actor=supervisor, reason=reason, sections=sections, feedback=feedback
            )
        )
    # One answered return: its author revised the prevention advice.
    if made:
        answered = made[0].assessment
        answers = copy.deepcopy(answered.answers)
        answers.setdefault("prevention", {})["advice"] = (
            "Advised the caller to fit a London bar to the back door and to keep the side gate locked; "
            "caller agreed to the crime-prevention text."
        )
        assessment_record(
            incident=answered.incident, author=answered.author, data=answers, submit=True, channel="command"
        )
    if stdout is not None:
        stdout.write(f"Demo returns: {len(made)} (1 answered); prompt wording v2 published, partly acknowledged.")
